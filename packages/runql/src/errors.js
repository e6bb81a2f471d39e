// RunQLError: every error the package throws, with a `kind` to switch on.

/**
 * Every `kind` a RunQLError has (the wire type `ErrorKind`, generated from the Rust enum; the
 * README's table describes each).
 * `limit` and `cancelled` are a query over one of runql's limits (depth, memory, result
 * size, ...) and a call stopped by its caller or its time limit.
 * @typedef {"sql"|"read_only"|"params"|"load"|"input"|"runtime"|"chart"|"limit"|"cancelled"|"internal"} ErrorKind
 */

/** @type {readonly ErrorKind[]} */
export const ERROR_KINDS = Object.freeze([
  "sql", "read_only", "params", "load", "input", "runtime", "chart", "limit", "cancelled", "internal",
]);

export class RunQLError extends Error {
  /**
   * @param {ErrorKind} kind
   * @param {string} message
   */
  constructor(kind, message) {
    super(message);
    this.name = "RunQLError";
    this.kind = kind;
  }
}

/**
 * Whether `e` is a WebAssembly trap: a Rust panic or an allocation failure (both abort, an
 * `unreachable` trap), an out-of-bounds access, or the engine's own stack overflow in wasm
 * frames (a RangeError in V8, an InternalError "too much recursion" in Firefox). After a trap
 * the instance may be stuck mid-call (a RefCell borrowed, its shadow stack moved, its
 * allocator's state half-written): it must not be used again.
 */
export function isTrap(e) {
  if (typeof WebAssembly !== "undefined" && e instanceof WebAssembly.RuntimeError) return true;
  if (!e || typeof e !== "object") return false;
  const message = String(e.message ?? "");
  return (e instanceof RangeError && /call stack/i.test(message)) ||
    (e.name === "InternalError" && /too much recursion/i.test(message));
}

/**
 * Turns anything thrown by the wasm module, fetch or the worker into a RunQLError.
 * @param {any} e
 * @param {ErrorKind} [fallbackKind] the kind of an error that does not carry one
 */
export function toRunQLError(e, fallbackKind = "internal") {
  if (e instanceof RunQLError) return e;
  if (e && typeof e === "object" && e.name === "RunQLError" && typeof e.kind === "string") {
    return new RunQLError(e.kind, e.message);
  }
  if (isTrap(e)) {
    return new RunQLError(
      "internal",
      `runql's WebAssembly instance crashed (${e.message}); create a new instance with RunQL.init()`,
    );
  }
  const message = e && typeof e === "object" && "message" in e ? String(e.message) : String(e);
  return new RunQLError(fallbackKind, message);
}

/** The `cancelled` error of a call stopped by its AbortSignal before or while it ran. */
export function abortError(signal, what = "the query") {
  const reason = signal?.reason;
  const why = reason === undefined ? "" :
    ` (${reason && typeof reason === "object" && "message" in reason ? reason.message : String(reason)})`;
  return new RunQLError("cancelled", `${what} was cancelled by its AbortSignal${why}`);
}
