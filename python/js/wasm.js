// The WebAssembly module, fetched from the kernel once per page and compiled once.

import { initModule } from "../../packages/runql/src/index.js";
import { bytesOf, request } from "./transport.js";

// The bundle may be evaluated more than once per page (one evaluation per widget class
// version); the compiled module is shared through a registry key so that its 60+ MB are
// fetched and compiled once.
const KEY = Symbol.for("runql.widget.wasmModule");

/** Resolves once this bundle's runql instance can be created. */
export async function ensureWasm(model) {
  let compiled = globalThis[KEY];
  if (!compiled) {
    compiled = (async () => {
      let bytes = null;
      await request(model, { type: "fetch", what: "wasm" }, ["wasm", "wasm_error"],
        (_content, buffers) => { bytes = bytesOf(buffers[0]); }, () => true);
      return WebAssembly.compile(bytes);
    })();
    globalThis[KEY] = compiled;
    compiled.catch(() => { if (globalThis[KEY] === compiled) delete globalThis[KEY]; });
  }
  await initModule(await compiled);
}
