// Types of the runql JavaScript package (the module is plain ES2022). The wire types — chart
// specs, load reports, picks, error kinds — are generated from the Rust types (wire.d.ts);
// the API around them is written here.

import type { ChartOptions, ChartSpec, DataSpec, ErrorKind, LiveChanges, LiveStatus, LoadReport, Pick } from "./wire";

export type {
  Aggregate,
  Band,
  ChartKind,
  ChartOptions,
  ChartSpec,
  CurveX,
  DataSpec,
  Encoding,
  ErrorKind,
  Issue,
  LiveChanges,
  LiveState,
  LiveStatus,
  LoadReport,
  Pick,
  Preset,
  ScaleKind,
  Severity,
  Smoothing,
  SmoothingKind,
  Stat,
  TableCounts,
  Theme,
  XAxisKind,
} from "./wire";

/** Every ErrorKind, in the order of the type. */
export const ERROR_KINDS: readonly ErrorKind[];

/**
 * Every error runql throws. `kind` says what failed; the instance stays usable, except after
 * a crash of its WebAssembly module (kind `internal`, see `RunQL.init`).
 */
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
  /**
   * Stops the load (kind `cancelled`; the tables loaded before stay). In a worker it stops
   * it at any point; on the page's thread only while the inputs are read, not while they
   * are parsed.
   */
  signal?: AbortSignal;
}

/** Options of `query`, `plot` and `svg`. */
export interface CallOptions {
  /**
   * Cancels the call: it rejects with kind `cancelled`. A worker instance stops the call at
   * once (its worker is replaced by a new one, which loads the data again); on the page's
   * thread the signal is only checked before the call starts, as a running WebAssembly call
   * cannot be interrupted there.
   */
  signal?: AbortSignal;
  /**
   * Worker instances only: the time limit of this call in ms (default: `queryTimeout` of
   * `initWorker`, 60,000); over it the call rejects with kind `cancelled` and the worker is
   * replaced as for `signal`. 0 or Infinity: no limit. Ignored on the page's thread.
   */
  timeoutMs?: number;
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

/** Parameters of the demo sweep (`runql gen`). */
/** The demo sweep `runql gen` writes, generated in memory (defaults: 48 × 6 × 200, seed 42). */
export interface DemoSpec {
  runs?: number;
  metrics?: number;
  steps?: number;
  seed?: number;
  /** The form the sweep is written in before runql reads it back (default `"mlflow"`). */
  format?: "mlflow" | "wandb" | "tensorboard" | "parquet" | "arrow";
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

// ---------------------------------------------------------------------------------------
// Charts. The same format as runql-chart's ChartSpec (Rust) and the files in
// examples/charts/.

/** A chart's rows: any read-only SQL, or a preset that writes the SQL (the wire type `DataSpec`). */
export type ChartData = DataSpec;

/** A chart on a canvas. Every method redraws when the view changes. */
export interface ChartView {
  pick(x: number, y: number): Promise<Pick | null>;
  /** Shows x0..x1 (data units), re-decimated from the full-resolution data. */
  zoom(x0: number, x1: number): Promise<void>;
  reset(): Promise<void>;
  /** New options without re-running the query (smoothing slider, theme, log axes). */
  setOptions(options: ChartOptions): Promise<void>;
  redraw(): Promise<void>;
  toData(px: number, py: number): Promise<[number, number] | null>;
  toPixels(x: number, y: number): Promise<[number, number] | null>;
  plotArea(): Promise<{ x: number; y: number; w: number; h: number } | null>;
  xRange(): Promise<[number, number] | null>;
  toSVG(): Promise<string>;
  spec(): Promise<ChartSpec>;
  free(): void;
}

/** A chart's display list, as a worker sends it to the page. */
export interface Scene {
  width: number;
  height: number;
  pixelRatio: number;
  background: string;
  shapes: Array<
    | { shape: "line"; points: Float32Array; color: string; width: number }
    | { shape: "area"; points: Float32Array; color: string }
    | { shape: "rect"; x: number; y: number; w: number; h: number; fill: string | null; stroke: string | null }
    | { shape: "circle"; x: number; y: number; r: number; fill: string }
    | { shape: "text"; x: number; y: number; text: string; size: number; color: string; align: CanvasTextAlign; baseline: CanvasTextBaseline; vertical: boolean; bold: boolean }
  >;
}

/** Draws a Scene on a canvas (what RunQLWorker charts use). */
export function paintScene(canvas: HTMLCanvasElement, scene: Scene): void;

/** The API of a runql instance, on the page's thread (`RunQL`) or in a worker (`RunQLWorker`). */
export interface RunQLApi {
  load(inputs: Inputs, options?: LoadOptions): Promise<LoadReport>;
  /**
   * Fetches and compiles the loader module now (loads fetch it on first use otherwise): call
   * it once the page is up, while the user is still choosing files.
   */
  prefetchLoader(): Promise<void>;
  loadDemo(spec?: DemoSpec): Promise<LoadReport>;
  query(sql: string, params?: QueryParam[], options?: CallOptions): Promise<QueryResult>;
  tables(): Promise<string[]>;
  schema(table: string): Promise<Column[]>;
  report(): Promise<LoadReport | null>;
  /**
   * Applies a change of a watched source (`runql serve --watch`): the rows of `removedRuns`
   * and `removedModels` go, the rows of `tables` come; the rest is not read again.
   * `followLive` does this for every change of a source.
   */
  applyChanges(change: TablesChange): Promise<void>;
  /** Draws a chart of the loaded runs on a canvas. */
  plot(canvas: HTMLCanvasElement, spec: ChartSpec, options?: CallOptions): Promise<ChartView>;
  /** A chart as an SVG document. */
  svg(spec: ChartSpec, options?: CallOptions): Promise<string>;
  close(): Promise<void>;
}

/** Rows that changed in a watched source, as `/live/changes` describes them. */
export interface TablesChange {
  /** Runs whose rows go from every table keyed by `run_id` (they may come back in `tables`). */
  removedRuns?: string[];
  /** `models.origin` values whose rows go. */
  removedModels?: string[];
  /** The added rows of all seven tables, each an Arrow IPC stream, by table name. */
  tables: Record<string, ArrayBuffer | Uint8Array>;
}

/** What `followLive`'s `onChange` is told after the first load and after each change. */
export interface LiveChangeInfo {
  /**
   * `load`: the tables were loaded whole (the first time, after the page fell behind the
   * changes the server keeps, or after the worker was replaced); `changes`: rows changed.
   */
  kind: "load" | "changes";
  /** The server's version the tables are at now. */
  version: number;
  /** Runs whose rows were replaced, added or removed (0 for `load`). */
  runsChanged: number;
  /** URL of the load report as of now (`runql info --json`'s shape). */
  report: string;
  /** How long fetching and applying took, in ms. */
  ms: number;
}

export interface FollowOptions {
  onChange?: (info: LiveChangeInfo) => void;
  /** A request failed; the follower tries again, waiting longer each time (up to 10 s). */
  onError?: (error: RunQLError) => void;
  /** A request worked again after `onError`. */
  onRecover?: () => void;
  /** Progress of the whole loads (as `load`'s `onProgress`). */
  onProgress?: (progress: LoadProgress) => void;
  /** Seconds each request waits on the server for a change (default 20, at most 25). */
  wait?: number;
  /** Replaces `fetch` (tests, authenticated proxies). */
  fetch?: typeof fetch;
}

/** A watched source being followed (see `followLive`). */
export class LiveFollower {
  /** The server's version the tables are at. */
  readonly version: number;
  readonly stopped: boolean;
  /** Resolves once the loop has ended (after `stop()`). */
  readonly done: Promise<void>;
  /** Stops following; a change being applied finishes first. */
  stop(): void;
  /** Loads the source's current tables whole. */
  sync(): Promise<void>;
}

/**
 * Loads a watched source's tables (`statusUrl`: its `/live/status`, which `runql serve
 * --watch` puts in the portal URL as `?live=`) and applies every change as it comes,
 * without loading the rest again. Resolves once the first tables are loaded.
 */
export function followLive(db: RunQLApi, statusUrl: string | URL, options?: FollowOptions): Promise<LiveFollower>;

export interface InitOptions {
  /** Where the query module is (default: `pkg/runql_wasm_bg.wasm` next to the package). */
  wasm?: string | URL | Response | WebAssembly.Module;
  /**
   * Where the loader module is (default: `pkg/runql_load_bg.wasm` next to the package). It
   * is fetched on the first `load`/`loadDemo`, not by `init`.
   */
  loaderWasm?: string | URL | Response | WebAssembly.Module;
  /**
   * Fetch the loader module alongside the query module, for a page that loads data right
   * away (default false: the first load, or `prefetchLoader()`, fetches it).
   */
  prefetchLoader?: boolean;
  /**
   * Keep the loaded files' bytes so `load(..., {append: true})` can re-read them with new
   * inputs (default true). `false` needs about half the memory; append is refused then.
   */
  keepInputs?: boolean;
}

/** What `onRestart` of `initWorker` is told after a new worker took over. */
export interface RestartInfo {
  /** Why: a call was cancelled by its signal, ran out of time, or the worker crashed. */
  reason: "cancelled" | "timeout" | "crashed";
  /**
   * Every load made before was loaded again in the new worker (`restoredLoads ===
   * totalLoads`, also when there were none); false too when no new worker could be started.
   */
  restored: boolean;
  /**
   * How many of the loads were loaded again: always the first ones, in the order they were
   * made. When that is not all of them, the load after them failed (`error`): it and the
   * ones after it are gone, and a later restart replays only the first `restoredLoads`.
   */
  restoredLoads: number;
  /**
   * How many loads made the tables before the restart: every load since the last one
   * without `append`, that one included (0 when nothing was loaded).
   */
  totalLoads: number;
  /** Why the data could not all be loaded again (then the loads before it are), or null. */
  error: RunQLError | null;
}

export interface WorkerOptions {
  /** Where the query module is, a URL relative to the page (default: next to the package). */
  wasm?: string | URL;
  /** Where the loader module is (default: next to the package). */
  loaderWasm?: string | URL;
  /** The worker script (default `src/worker.js` of the package; bundlers give their own URL). */
  workerUrl?: string | URL;
  keepInputs?: boolean;
  prefetchLoader?: boolean;
  /**
   * The default time limit of each `query`, `plot` and `svg`, in ms (default 60,000). 0 or
   * Infinity: no limit. `timeoutMs` of a call overrides it.
   */
  queryTimeout?: number;
  /**
   * Called each time the worker was replaced (a cancelled call, a time limit, a crash) and
   * the new one has loaded the data again; calls made meanwhile wait for it.
   */
  onRestart?: (info: RestartInfo) => void;
}

export class RunQL implements RunQLApi {
  /**
   * A runql instance on the page's thread. After its query module crashed (a call rejected
   * with kind `internal` saying so; every instance on the page is then unusable), calling
   * `init` again starts a fresh instance of the module: load the data again into the new
   * instance.
   */
  static init(options?: InitOptions): Promise<RunQL>;
  /** A runql instance in a Web Worker; calls can be cancelled and have a time limit. */
  static initWorker(options?: WorkerOptions): Promise<RunQLWorker>;
  /**
   * True once this instance's query module crashed (a call rejected with kind `internal`
   * saying so): every call rejects from then on; `RunQL.init()` makes a new instance.
   */
  readonly crashed: boolean;
  load(inputs: Inputs, options?: LoadOptions): Promise<LoadReport>;
  prefetchLoader(): Promise<void>;
  loadDemo(spec?: DemoSpec): Promise<LoadReport>;
  query(sql: string, params?: QueryParam[], options?: CallOptions): Promise<QueryResult>;
  tables(): Promise<string[]>;
  schema(table: string): Promise<Column[]>;
  report(): Promise<LoadReport | null>;
  applyChanges(change: TablesChange): Promise<void>;
  /** Draws a chart of the loaded runs on a canvas. */
  plot(canvas: HTMLCanvasElement, spec: ChartSpec, options?: CallOptions): Promise<ChartView>;
  /** A chart as an SVG document. */
  svg(spec: ChartSpec, options?: CallOptions): Promise<string>;
  close(): Promise<void>;
}

/**
 * RunQL in a Web Worker. A cancelled call, one over its time limit, or a crash replaces the
 * worker by a new one that loads the data again (every load since the last one without
 * `append`); Uint8Array/ArrayBuffer inputs are therefore copied into a Blob, not transferred.
 * Charts drawn before a restart must be drawn again.
 */
export class RunQLWorker implements RunQLApi {
  /**
   * How many times a new worker took over. Changes applied with `applyChanges` are not
   * loaded again by the new worker: a follower that sees this count move loads its source
   * again.
   */
  readonly restarts: number;
  load(inputs: Inputs, options?: LoadOptions): Promise<LoadReport>;
  prefetchLoader(): Promise<void>;
  loadDemo(spec?: DemoSpec): Promise<LoadReport>;
  query(sql: string, params?: QueryParam[], options?: CallOptions): Promise<QueryResult>;
  tables(): Promise<string[]>;
  schema(table: string): Promise<Column[]>;
  report(): Promise<LoadReport | null>;
  applyChanges(change: TablesChange): Promise<void>;
  /** Draws a chart of the loaded runs on a canvas. */
  plot(canvas: HTMLCanvasElement, spec: ChartSpec, options?: CallOptions): Promise<ChartView>;
  /** A chart as an SVG document. */
  svg(spec: ChartSpec, options?: CallOptions): Promise<string>;
  close(): Promise<void>;
}

/**
 * Fetches and instantiates the query module (done by `RunQL.init` too); after the module
 * crashed, starts a fresh instance of it.
 */
export function initModule(wasm?: string | URL | Response | WebAssembly.Module): Promise<void>;
/**
 * Fetches and instantiates the loader module (done by the first `load` too): call it early
 * to have it ready before the first file arrives.
 */
export function initLoaderModule(wasm?: string | URL | Response | WebAssembly.Module): Promise<unknown>;
/** The runql version of the module. */
export function version(): Promise<string>;

export default RunQL;
