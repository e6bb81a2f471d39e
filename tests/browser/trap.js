// A deterministic WebAssembly trap inside a runql call, for the crash tests: the trap must
// happen while the module runs one of the package's calls (as a panic or a stack overflow
// would), not in a call of the test's own, so that the package sees it.

/**
 * Calls into the query module `wasm` (its raw exports) with a pointer far past the end of its
 * memory: freeing an object there reads it, and that read traps ("memory access out of
 * bounds", a WebAssembly.RuntimeError).
 */
export function outOfBounds(wasm) {
  const free = wasm.__wbg_database_free;
  if (typeof free !== "function") throw new Error("the query module has no __wbg_database_free export");
  free(0xfffffff0, 0);
  throw new Error("freeing an object past the end of memory did not trap");
}

/**
 * Query parameters the module reads in the middle of `db.query(sql, params)`: reading the
 * first one traps, and the trap unwinds through the module's frames of that query.
 */
export function trapParams(wasm) {
  return new Proxy([0], {
    get(target, prop, receiver) {
      if (prop === "0") outOfBounds(wasm);
      return Reflect.get(target, prop, receiver);
    },
  });
}
