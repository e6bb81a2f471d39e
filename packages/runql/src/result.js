// QueryResult: column names and types, rows as plain objects, or Arrow IPC bytes.

/**
 * @typedef {{name: string, type: string, nullable: boolean}} Column
 */

function getter(c) {
  const v = c.values;
  const valid = c.valid;
  let get;
  switch (c.kind) {
    case "number":
    case "bigint":
    case "string":
      get = (i) => v[i];
      break;
    case "bool":
      get = (i) => v[i] === 1;
      break;
    case "date":
      get = (i) => new Date(v[i]);
      break;
    case "dict": {
      const { keys, dict } = c;
      return (i) => (keys[i] < 0 ? null : dict[keys[i]]);
    }
    default:
      return () => null;
  }
  return valid ? (i) => (valid[i] ? get(i) : null) : get;
}

/** Builds one plain object per row from the columnar form the wasm module produces. */
export function rowsFromColumns(columns, numRows) {
  const names = columns.map((c) => c.name);
  const getters = columns.map(getter);
  const rows = new Array(numRows);
  for (let i = 0; i < numRows; i++) {
    const row = {};
    for (let j = 0; j < names.length; j++) row[names[j]] = getters[j](i);
    rows[i] = row;
  }
  return rows;
}

/** Typed arrays inside the columnar form, to transfer from a worker. */
export function columnTransferables(columns) {
  const list = [];
  for (const c of columns) {
    for (const a of [c.values, c.valid, c.keys]) {
      if (a && ArrayBuffer.isView(a)) list.push(a.buffer);
    }
  }
  return list;
}

export class QueryResult {
  #handle;
  /** Calls into the module that holds #handle ({enter, alive}, see modules.js), or null. */
  #guard;
  #data;
  #ipc;
  #rows;

  /**
   * @param {Column[]} columns
   * @param {number} numRows
   * @param {{handle?: any, guard?: {enter: Function, alive: () => boolean}, data?: any[], ipc?: Uint8Array}} source
   * @internal
   */
  constructor(columns, numRows, source) {
    /** Column names, Arrow types and nullability, in result order. @type {Column[]} */
    this.columns = columns;
    /** Number of rows. */
    this.numRows = numRows;
    this.#handle = source.handle ?? null;
    this.#guard = source.guard ?? null;
    this.#data = source.data ?? null;
    this.#ipc = source.ipc ?? null;
  }

  /** @internal */
  static fromHandle(handle, guard) {
    const [columns, numRows] = guard.enter("internal", () => [handle.columns(), handle.numRows]);
    return new QueryResult(columns, numRows, { handle, guard });
  }

  /** Calls the handle; a handle of a module that trapped is refused (see modules.js). */
  #call(f) {
    if (!this.#handle) throw new Error("this result has been freed");
    return this.#guard ? this.#guard.enter("internal", () => f(this.#handle)) : f(this.#handle);
  }

  /** @internal the columnar form (typed arrays), computed once. */
  columnData() {
    this.#data ??= this.#call((h) => h.toColumns());
    return this.#data;
  }

  /**
   * The rows as plain objects keyed by column name. Numbers stay numbers (NaN and ±Infinity
   * included); integers beyond 2^53 are bigints; timestamps are Dates; NULL is null.
   * @returns {Record<string, unknown>[]}
   */
  toArray() {
    this.#rows ??= rowsFromColumns(this.columnData(), this.numRows);
    return this.#rows;
  }

  /**
   * The result as Arrow IPC stream bytes, e.g. for `tableFromIPC` of `apache-arrow`.
   * @returns {Uint8Array}
   */
  toArrow() {
    this.#ipc ??= this.#call((h) => h.toIpc());
    return this.#ipc;
  }

  /** Releases the WebAssembly memory held by this result now (otherwise it is released when garbage-collected). */
  free() {
    if (this.#handle) {
      // A handle of a module instance that trapped is not called again.
      if (!this.#guard || this.#guard.alive()) this.#handle.free();
      this.#handle = null;
    }
  }
}
