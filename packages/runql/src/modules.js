// The two WebAssembly modules' instances, and what happens when one of them traps.
//
// A page (or worker) has one instance of the query module and one of the loader module;
// every RunQL object on it shares them. A trap — a Rust panic, an allocation failure, a stack
// overflow — leaves an instance stuck mid-call (a RefCell borrowed, its shadow stack moved,
// its allocator half-updated), and WebAssembly memory never shrinks. So an instance that
// trapped is never called again: its generation is marked dead, every object of it fails at
// once, and the next RunQL.init() (query module) or load (loader module) starts a fresh
// instance of the already compiled module with `__wbg_reset_state` (wasm-bindgen's
// --experimental-reset-state-function, see scripts/build-wasm.sh). That works the same
// unbundled and in any bundle (Vite, esbuild), and lets the dead instance's memory go.

import * as queryGlue from "../pkg/runql_wasm.js";
import { RunQLError, isTrap, toRunQLError } from "./errors.js";

let nextGeneration = 1;

/**
 * @typedef {object} Generation one instance of a module
 * @property {number} id
 * @property {"query"|"loader"} module
 * @property {Promise<void>} ready resolves once the instance can be called
 * @property {Error|null} dead the trap that ended it, or null while it is alive
 * @property {any} [glue] the module's wasm-bindgen bindings
 * @property {Generation|null} [replaces] the dead generation a restart replaces (kept when
 *   the restart fails, so that the next call tries again instead of using the dead instance)
 */

/** @returns {Generation} */
function generation(module, ready, glue, replaces = null) {
  return { id: nextGeneration++, module, ready, dead: null, glue, replaces };
}

/** @type {Generation|null} */
let query = null;
/** @type {Generation|null} */
let loader = null;

/** What the first step of reinstantiate() throws to stop wasm-bindgen's reset there. */
class Captured {
  constructor(module, imports) {
    this.module = module;
    this.imports = imports;
  }
}

/**
 * Runs wasm-bindgen's `__wbg_reset_state` (which resets the bindings' own state and builds
 * the new instance) with `WebAssembly.Instance` standing in for `f`. It is synchronous, so no
 * other code sees the stand-in.
 */
function withInstanceConstructor(f, reset) {
  const original = WebAssembly.Instance;
  WebAssembly.Instance = /** @type {any} */ (function Instance(module, imports) {
    return f(module, imports);
  });
  try {
    reset();
  } finally {
    WebAssembly.Instance = original;
  }
}

/**
 * Replaces a dead instance by a fresh one of the same compiled module. wasm-bindgen's reset
 * instantiates synchronously, which browsers refuse on the page's thread for modules over
 * 8 MB; so the reset runs twice: the first time only to learn the imports it instantiates
 * with (it stops there), then the module is instantiated asynchronously with them, and the
 * second reset takes that instance.
 */
async function reinstantiate(glue, name) {
  const reset = glue.__wbg_reset_state;
  if (typeof reset !== "function") {
    throw new RunQLError("internal", `runql's ${name} module crashed, and this build of it cannot start a ` +
      "fresh instance (it lacks __wbg_reset_state; scripts/build-wasm.sh builds it with one): reload the page");
  }
  let captured = null;
  try {
    withInstanceConstructor((module, imports) => {
      throw new Captured(module, imports);
    }, reset);
  } catch (e) {
    if (!(e instanceof Captured)) throw e;
    captured = e;
  }
  if (!captured) throw new RunQLError("internal", `runql's ${name} module could not be restarted: its reset made no instance`);
  const instance = await WebAssembly.instantiate(captured.module, captured.imports);
  withInstanceConstructor(() => instance, reset);
}

/**
 * The live query module generation, instantiated (or, after a trap, re-instantiated) first.
 * @param {string|URL|Response|WebAssembly.Module} [wasm]
 * @returns {Promise<Generation>}
 */
export async function queryModule(wasm) {
  if (query?.dead) {
    // A fresh instance of the compiled module; `wasm` is not fetched again.
    query = generation("query", reinstantiate(queryGlue, "query"), queryGlue, query);
  }
  query ??= generation("query", queryGlue.default(wasm ? { module_or_path: wasm } : undefined).then(() => undefined), queryGlue);
  const g = query;
  try {
    await g.ready;
  } catch (e) {
    if (query === g) query = g.replaces;
    throw toRunQLError(e, "load");
  }
  // Not kept: a chain of dead generations would keep their instances reachable.
  g.replaces = null;
  return g;
}

/**
 * The live loader module generation (fetched and instantiated on first use, re-instantiated
 * after a trap).
 * @param {string|URL|Response|WebAssembly.Module} [wasm]
 * @returns {Promise<Generation>}
 */
export async function loaderModule(wasm) {
  if (loader?.dead) loader = generation("loader", reinstantiate(loader.glue, "loader"), loader.glue, loader);
  if (!loader) {
    const g = generation("loader", null, null);
    g.ready = (async () => {
      const glue = await import("../pkg/runql_load.js");
      await glue.default(wasm ? { module_or_path: wasm } : undefined);
      g.glue = glue;
      // The query module may still be starting (`prefetchLoader: true` starts both at once).
      await queryModule();
      if (glue.loaderVersion() !== queryGlue.version()) {
        throw new Error(`runql's loader module is version ${glue.loaderVersion()} and its query ` +
          `module ${queryGlue.version()}: both must come from the same build`);
      }
    })();
    loader = g;
  }
  const g = loader;
  try {
    await g.ready;
  } catch (e) {
    if (loader === g) loader = g.replaces;
    throw toRunQLError(e, "load");
  }
  g.replaces = null;
  return g;
}

/** Whether `g` is still the live instance of its module. */
export function isLive(g) {
  return Boolean(g) && !g.dead && g === (g.module === "query" ? query : loader);
}

/**
 * Marks `g` dead after `trap`; the first trap is the one remembered — as a new Error with its
 * message: the trap's own stack trace refers to the instance's frames, and would keep the
 * dead instance (and its memory, up to 4 GiB) alive as long as `g` is.
 */
export function markDead(g, trap) {
  g.dead ??= new Error(String(trap instanceof Error ? trap.message : trap));
}

/** The error of a call on an instance whose module trapped earlier. */
export function deadError(g) {
  const cause = g.dead?.message ?? "it trapped";
  if (g.module === "loader") {
    return new RunQLError("internal", `runql's loader module crashed earlier (${cause}); the next load starts a fresh one`);
  }
  return new RunQLError("internal", `runql's query module crashed earlier (${cause}), so this instance is unusable: ` +
    "call RunQL.init() again for a new one (it starts a fresh module) and load the data again");
}

/** The error of the call during which the query module trapped. */
export function crashError(g) {
  return new RunQLError("internal", `runql's query module crashed (${g.dead?.message ?? "a trap"}); this instance ` +
    "and every other one on this page (or worker) are unusable: call RunQL.init() again for a new one " +
    "(it starts a fresh module) and load the data again");
}

/**
 * Calls `f` (which calls into the query module instance `g`): refused at once when `g`
 * trapped before; a trap during `f` marks `g` dead. Other errors become RunQLErrors of
 * `kind` (unless they carry their own).
 */
export function enter(g, kind, f) {
  if (g.dead) throw deadError(g);
  try {
    return f();
  } catch (e) {
    if (isTrap(e)) {
      markDead(g, e);
      throw crashError(g);
    }
    throw toRunQLError(e, kind);
  }
}
