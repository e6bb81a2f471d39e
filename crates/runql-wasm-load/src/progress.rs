//! Load progress for JavaScript: forwards [`LoadProgress`] to a JS function.
//!
//! `runql_readers::load` wants a `Sync` callback, and a `js_sys::Function` is not `Sync`. The
//! WebAssembly module runs on one thread, so the function is parked in a thread-local for
//! the duration of one load ([`ProgressScope`]) and [`forward`] — a plain function, hence
//! `Sync` — looks it up there.

use std::cell::RefCell;

use runql_readers::LoadProgress;
use wasm_bindgen::JsValue;

/// Calls closer together than this are dropped (except the last one): a worker posting a
/// message per file of a 27,000-file store would spend more time messaging than parsing.
const MIN_INTERVAL_MS: f64 = 50.0;

struct Listener {
    function: js_sys::Function,
    last_call_ms: f64,
}

thread_local! {
    static LISTENER: RefCell<Option<Listener>> = const { RefCell::new(None) };
}

/// Installs a JS progress function for as long as the scope lives.
pub(crate) struct ProgressScope;

impl ProgressScope {
    pub(crate) fn install(function: Option<js_sys::Function>) -> ProgressScope {
        LISTENER.with(|l| {
            *l.borrow_mut() = function.map(|function| Listener { function, last_call_ms: f64::NEG_INFINITY });
        });
        ProgressScope
    }
}

impl Drop for ProgressScope {
    fn drop(&mut self) {
        LISTENER.with(|l| l.borrow_mut().take());
    }
}

/// The `LoadOptions::progress` callback: sends `{filesDone, filesTotal, bytesDone,
/// bytesTotal}` to the installed JS function. Exceptions thrown by that function are
/// ignored: a broken progress display must not abort a load.
pub(crate) fn forward(p: LoadProgress) {
    LISTENER.with(|l| {
        let Ok(mut guard) = l.try_borrow_mut() else { return };
        let Some(listener) = guard.as_mut() else { return };
        let now = js_sys::Date::now();
        let last = p.files_done >= p.files_total;
        if !last && now - listener.last_call_ms < MIN_INTERVAL_MS {
            return;
        }
        listener.last_call_ms = now;
        let obj = js_sys::Object::new();
        for (name, value) in [
            ("filesDone", p.files_done),
            ("filesTotal", p.files_total),
            ("bytesDone", p.bytes_done),
            ("bytesTotal", p.bytes_total),
        ] {
            // Counts stay far below 2^53, so f64 is exact.
            let _ = js_sys::Reflect::set(&obj, &JsValue::from_str(name), &JsValue::from_f64(value as f64));
        }
        let _ = listener.function.call1(&JsValue::NULL, &obj);
    });
}
