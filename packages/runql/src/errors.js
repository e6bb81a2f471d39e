// RunQLError: every error the package throws, with a `kind` to switch on.

/** @typedef {"sql"|"read_only"|"params"|"load"|"input"|"runtime"|"internal"} ErrorKind */

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

/** Turns anything thrown by the wasm module, fetch or the worker into a RunQLError. */
export function toRunQLError(e, fallbackKind = "internal") {
  if (e instanceof RunQLError) return e;
  if (e && typeof e === "object" && e.name === "RunQLError" && typeof e.kind === "string") {
    return new RunQLError(e.kind, e.message);
  }
  if (typeof WebAssembly !== "undefined" && e instanceof WebAssembly.RuntimeError) {
    return new RunQLError(
      "internal",
      `runql's WebAssembly instance crashed (${e.message}); create a new instance with RunQL.init()`,
    );
  }
  const message = e && typeof e === "object" && "message" in e ? String(e.message) : String(e);
  return new RunQLError(fallbackKind, message);
}
