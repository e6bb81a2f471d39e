// Module resolution hooks for worker.test.mjs: the package's src/worker.js gets
// stubs/index.mjs for its "./index.js" (the RunQL class, which needs the WebAssembly build).

const WORKER = new URL("../../src/worker.js", import.meta.url).href;
const STUB = new URL("./index.mjs", import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === "./index.js" && context.parentURL === WORKER) return { url: STUB, shortCircuit: true };
  return nextResolve(specifier, context);
}
