//! runql-wasm-shared: what runql's two WebAssembly modules — the query module (`runql-wasm`)
//! and the loader module (`runql-wasm-load`) — both do at the JavaScript boundary, so that
//! their errors and panics look the same to a page.
//!
//! - [`runql_error`]: the JavaScript `Error` every failed call throws, named `RunQLError`,
//!   with a `kind` the `runql` package switches on.
//! - [`install_panic_hook`]: panic messages to `console.error`, once per module.
//!
//! Each module links its own copy; nothing here is exported to JavaScript.
//!
//! # Examples
//!
//! ```no_run
//! // In a #[wasm_bindgen] crate's error type:
//! let js = runql_wasm_shared::runql_error(runql_core::ErrorKind::Load, "no run data found in upload");
//! runql_wasm_shared::install_panic_hook("runql");
//! # let _ = js;
//! ```

use wasm_bindgen::JsValue;
#[cfg(all(feature = "panic-hook", target_arch = "wasm32"))]
use wasm_bindgen::prelude::*;

#[cfg(all(feature = "panic-hook", target_arch = "wasm32"))]
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}

/// A JavaScript `Error` with `name: "RunQLError"`, `kind` and `message`, as the `runql`
/// package's `RunQLError` carries them.
///
/// # Examples
///
/// ```no_run
/// let js = runql_wasm_shared::runql_error(runql_core::ErrorKind::Sql, "no table named \"nope\"");
/// # let _ = js;
/// ```
pub fn runql_error(kind: runql_core::ErrorKind, message: &str) -> JsValue {
    let js = js_sys::Error::new(message);
    js.set_name("RunQLError");
    // Setting a property on a fresh Error object cannot fail; if it ever did, the error
    // still carries its message.
    let _ = js_sys::Reflect::set(&js, &JsValue::from_str("kind"), &JsValue::from_str(kind.as_str()));
    js.into()
}

/// Sends panic messages to `console.error` as `"<module> panicked: …"`, once per module
/// (diagnostics only: a panic still traps the WebAssembly instance, and runql returns
/// errors instead of panicking). Does nothing natively or without the `panic-hook` feature.
///
/// # Examples
///
/// ```no_run
/// runql_wasm_shared::install_panic_hook("runql loader");
/// ```
pub fn install_panic_hook(module: &'static str) {
    #[cfg(all(feature = "panic-hook", target_arch = "wasm32"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            std::panic::set_hook(Box::new(move |info| console_error(&format!("{module} panicked: {info}"))));
        });
    }
    #[cfg(not(all(feature = "panic-hook", target_arch = "wasm32")))]
    let _ = module;
}
