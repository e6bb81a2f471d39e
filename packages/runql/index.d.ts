// Types of the runql JavaScript package (hand-written; the module is plain ES2022).

/** What kind of failure a RunQLError is. */
export type ErrorKind = "sql" | "read_only" | "params" | "load" | "input" | "runtime" | "internal";

/** Every error runql throws. `kind` says what failed; the instance stays usable. */
export class RunQLError extends Error {
  readonly name: "RunQLError";
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string);
}

/** A column of a table or a result. `type` is Arrow's name of the type (e.g. `Float64`). */
export interface Column {
  name: string;
  type: string;
  nullable: boolean;
}

/** One thing to load: bytes under a path, a File (folder pickers set webkitRelativePath), or a URL. */
export type InputItem =
  | File
  | Blob
  | Uint8Array
  | ArrayBuffer
  | string
  | URL
  | { path: string; data: Uint8Array | ArrayBuffer | Blob }
  | { url: string | URL; path?: string };

/** Inputs of `load`: one item, a FileList, or an array of items. A `.zip` item is unpacked. */
export type Inputs = InputItem | FileList | Iterable<InputItem> | ArrayLike<InputItem>;

export interface LoadOptions {
  /** Keep what is loaded and add these inputs (default: replace). */
  append?: boolean;
  /** Names the inputs in the report (default `upload`). */
  origin?: string;
  /** Called as the inputs are read, then parsed (at most every 50 ms, and at the end). */
  onProgress?: (progress: LoadProgress) => void;
}

/** How far a load has come. */
export interface LoadProgress {
  /** `read`: fetching/reading the inputs; `parse`: runql parsing the files. */
  phase: "read" | "parse";
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  /** null while reading URLs whose size is not known in advance. */
  bytesTotal: number | null;
}

export interface Issue {
  severity: "skipped" | "warning";
  path: string;
  line: number | null;
  offset: number | null;
  reason: string;
}

/** What a load read, produced and skipped. */
export interface LoadReport {
  formats: Record<string, number>;
  filesRead: number;
  bytesRead: number;
  rows: {
    runs: number;
    params: number;
    metrics: number;
    tags: number;
    metric_summary: number;
    models: number;
  };
  ignored: Record<string, number>;
  skipped: number;
  warnings: number;
  /** The first 1,000 issues in detail. */
  issues: Issue[];
  /** The report as text, as `runql info` prints it. */
  text: string;
}

/** Parameters of the demo sweep (`runql gen`). */
export interface DemoSpec {
  runs?: number;
  metrics?: number;
  steps?: number;
  seed?: number;
  append?: boolean;
}

export type QueryParam = number | string | boolean | bigint | Date | null;

export class QueryResult {
  readonly columns: Column[];
  readonly numRows: number;
  /**
   * Rows as plain objects. Numbers stay numbers (NaN, ±Infinity too), integers beyond 2^53
   * are bigints, timestamps are Dates, NULL is null.
   */
  toArray<T = Record<string, unknown>>(): T[];
  /** Arrow IPC stream bytes (read them with `tableFromIPC` of `apache-arrow`). */
  toArrow(): Uint8Array;
  /** Releases WebAssembly memory now instead of at garbage collection. */
  free(): void;
}

/** The API of a runql instance, on the page's thread (`RunQL`) or in a worker (`RunQLWorker`). */
export interface RunQLApi {
  load(inputs: Inputs, options?: LoadOptions): Promise<LoadReport>;
  loadDemo(spec?: DemoSpec): Promise<LoadReport>;
  query(sql: string, params?: QueryParam[]): Promise<QueryResult>;
  tables(): Promise<string[]>;
  schema(table: string): Promise<Column[]>;
  report(): Promise<LoadReport | null>;
  close(): Promise<void>;
}

export interface InitOptions {
  /** Where the .wasm module is (default: `pkg/runql_wasm_bg.wasm` next to the package). */
  wasm?: string | URL | Response | WebAssembly.Module;
  /**
   * Keep the loaded files' bytes so `load(..., {append: true})` can re-read them with new
   * inputs (default true). `false` needs about half the memory; append is refused then.
   */
  keepInputs?: boolean;
}

export class RunQL implements RunQLApi {
  static init(options?: InitOptions): Promise<RunQL>;
  static initWorker(options?: { wasm?: string | URL; workerUrl?: string | URL; keepInputs?: boolean }): Promise<RunQLWorker>;
  load(inputs: Inputs, options?: LoadOptions): Promise<LoadReport>;
  loadDemo(spec?: DemoSpec): Promise<LoadReport>;
  query(sql: string, params?: QueryParam[]): Promise<QueryResult>;
  tables(): Promise<string[]>;
  schema(table: string): Promise<Column[]>;
  report(): Promise<LoadReport | null>;
  close(): Promise<void>;
}

/** RunQL in a Web Worker. Uint8Array/ArrayBuffer inputs are transferred (detached), not copied. */
export class RunQLWorker implements RunQLApi {
  load(inputs: Inputs, options?: LoadOptions): Promise<LoadReport>;
  loadDemo(spec?: DemoSpec): Promise<LoadReport>;
  query(sql: string, params?: QueryParam[]): Promise<QueryResult>;
  tables(): Promise<string[]>;
  schema(table: string): Promise<Column[]>;
  report(): Promise<LoadReport | null>;
  close(): Promise<void>;
}

/** Fetches and instantiates the WebAssembly module (done by `RunQL.init` too). */
export function initModule(wasm?: string | URL | Response | WebAssembly.Module): Promise<void>;
/** The runql version of the module. */
export function version(): Promise<string>;

export default RunQL;
