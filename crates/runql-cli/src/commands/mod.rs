//! One module per subcommand.

pub mod convert;
pub mod demo;
pub mod gen_data;
pub mod info;
pub mod plot;
pub mod query;
pub mod serve;
