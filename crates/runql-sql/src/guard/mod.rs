//! What keeps one query from killing the process or WebAssembly instance it runs in: the
//! nesting checks ([`measure`], [`check_text`], [`check_plan`]) and the guarded functions.
//! [`crate::Session`] applies all of them to every query; the limits are
//! [`crate::QueryLimits`].

pub(crate) mod functions;
mod nesting;

pub use nesting::{Nesting, check_plan, check_text, measure};
