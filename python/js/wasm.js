// runql's two WebAssembly modules, fetched from the kernel once per page and compiled once:
// the query module and the loader module (a widget always loads data, so it takes both at
// once instead of fetching the loader on the first load as pages do).

import { initLoaderModule, initModule } from "../../packages/runql/src/index.js";
import { bytesOf, request } from "./transport.js";

// The bundle may be evaluated more than once per page (one evaluation per widget class
// version); the compiled modules are shared through a registry key so that their bytes
// are fetched and compiled once.
const KEY = Symbol.for("runql.widget.wasmModules");

/** Asks the kernel for one module (`what`: "wasm" for the query module, or "loader"). */
async function fetchModule(model, what) {
  let bytes = null;
  await request(model, { type: "fetch", what }, [what, `${what}_error`],
    (_content, buffers) => { bytes = bytesOf(buffers[0]); }, () => true);
  return WebAssembly.compile(bytes);
}

/** Resolves once this bundle's runql instance can be created and can load. */
export async function ensureWasm(model) {
  let compiled = globalThis[KEY];
  if (!compiled) {
    compiled = Promise.all([fetchModule(model, "wasm"), fetchModule(model, "loader")]);
    globalThis[KEY] = compiled;
    compiled.catch(() => { if (globalThis[KEY] === compiled) delete globalThis[KEY]; });
  }
  const [query, loader] = await compiled;
  await initModule(query);
  await initLoaderModule(loader);
}
