// runql's wire types, generated from wire.schema.json (itself generated from the Rust types by
// crates/runql/tests/wire.rs) by scripts/wire.mjs: do not edit; run `npm run wire -w packages/runql`.

/**
 * runql's wire types, generated from the Rust types (crates/runql/tests/wire.rs): do not edit.
 */
export type RunqlWire = ChartSpec | LoadReport | Pick | ErrorKind | LiveStatus | LiveChanges;
/**
 * Where a chart's rows come from: a SQL query, or a preset that writes the query.
 */
export type DataSpec =
  | {
      /**
       * The query.
       */
      sql: string;
    }
  | Preset;
/**
 * A named chart whose SQL runql writes.
 */
export type Preset =
  | {
      /**
       * Group runs by this `runs_wide` column (e.g. `params.lr`): one line per group.
       */
      group_by?: string | null;
      /**
       * Metric key, e.g. `val/loss`.
       */
      metric: string;
      preset: "curves";
      /**
       * Which runs: a SQL condition over `runs_wide` (alias `w`), e.g. `w."params.lr" > 0.001`.
       */
      runs?: string | null;
      x?: CurveX;
    }
  | {
      /**
       * Largest first instead of smallest first.
       */
      descending?: boolean;
      /**
       * Rank groups of runs (mean ± sd over the group) instead of runs.
       */
      group_by?: string | null;
      /**
       * Bars at most.
       */
      limit?: number;
      /**
       * Metric key.
       */
      metric: string;
      preset: "ranking";
      /**
       * Which runs.
       */
      runs?: string | null;
      stat?: Stat;
    }
  | {
      /**
       * Color points by this `runs_wide` column.
       */
      color?: string | null;
      /**
       * Metric key for y.
       */
      metric: string;
      preset: "scatter";
      /**
       * Which runs.
       */
      runs?: string | null;
      stat?: Stat;
      /**
       * The x column of `runs_wide`, e.g. `params.lr`.
       */
      x: string;
    }
  | {
      /**
       * Metric key (the last axis, and the color).
       */
      metric: string;
      /**
       * `runs_wide` columns, e.g. `["params.lr", "params.batch_size"]`.
       */
      params?: string[];
      preset: "params";
      /**
       * Which runs.
       */
      runs?: string | null;
      stat?: Stat;
    }
  | {
      /**
       * One histogram color / one box per value of this `runs_wide` column.
       */
      group_by?: string | null;
      /**
       * Metric key.
       */
      metric: string;
      preset: "distribution";
      /**
       * Which runs.
       */
      runs?: string | null;
      stat?: Stat;
    }
  | {
      /**
       * Metric key.
       */
      metric: string;
      preset: "grid";
      /**
       * Which runs.
       */
      runs?: string | null;
      stat?: Stat;
      /**
       * Column across.
       */
      x: string;
      /**
       * Column down.
       */
      y: string;
    };
/**
 * What the x axis of `curves` shows.
 */
export type CurveX = "step" | "time" | "relative";
/**
 * Which per-run number of a metric: a `metric_summary` column.
 */
export type Stat = "last" | "first" | "min" | "max" | "mean";
/**
 * The chart kinds.
 */
export type ChartKind =
  "line" | "scatter" | "bar" | "parallel" | "histogram" | "box" | "heatmap" | "importance";
/**
 * The line drawn for a group of series.
 */
export type Aggregate = "mean" | "median" | "min" | "max";
/**
 * The band drawn around a group's line.
 */
export type Band = "none" | "min_max" | "stddev" | "stderr";
/**
 * The smoothers users know from TensorBoard and W&B (docs: charts-and-queries.md §B).
 */
export type SmoothingKind = "none" | "tb_ema" | "twema" | "gaussian" | "running_avg";
/**
 * Light or dark colors.
 */
export type Theme = "light" | "dark";
/**
 * How the x axis of a line chart is read: plain numbers, epoch milliseconds, or seconds.
 */
export type XAxisKind = "number" | "time" | "duration";
/**
 * Axis scale.
 */
export type ScaleKind = "linear" | "log";
/**
 * How serious a reported issue is.
 */
export type Severity = "warning" | "skipped";
/**
 * What went wrong, as a front end reports it.
 */
export type ErrorKind =
  | "sql"
  | "read_only"
  | "params"
  | "load"
  | "input"
  | "runtime"
  | "chart"
  | "limit"
  | "cancelled"
  | "internal";
/**
 * What a page at some version is to do.
 */
export type LiveState = "current" | "changes" | "reload";

/**
 * A chart: kind, data, encodings and options.
 */
export interface ChartSpec {
  data: DataSpec;
  encoding?: Encoding;
  kind: ChartKind;
  options?: ChartOptions;
  /**
   * Title above the plot (presets supply one when this is absent).
   */
  title?: string | null;
}
/**
 * Which result columns feed which visual channel.
 */
export interface Encoding {
  /**
   * Colors points (scatter) or lines (parallel) by a numeric or text column.
   */
  color?: string | null;
  /**
   * Axes of a parallel-coordinates chart, features of an importance chart.
   */
  dimensions?: string[];
  /**
   * Half-height of an error bar (bar).
   */
  error?: string | null;
  /**
   * Groups series into one aggregated line with a band (line), or rows into groups
   * (histogram, box, bar error bars).
   */
  group?: string | null;
  /**
   * Text shown for a series or bar (legend, tooltips); defaults to `series`.
   */
  label?: string | null;
  /**
   * One line per distinct value (line); also the key colors are derived from, so a run
   * has the same color in every chart.
   */
  series?: string | null;
  /**
   * The cell value (heatmap).
   */
  value?: string | null;
  /**
   * Horizontal position (line, scatter, heatmap columns); a bar chart's bar names when
   * it has no `series`.
   */
  x?: string | null;
  /**
   * Vertical position / the measured value (line, scatter, bar, histogram, box,
   * heatmap rows, importance target).
   */
  y?: string | null;
}
/**
 * Options of every chart kind; each kind uses the ones that apply to it.
 */
export interface ChartOptions {
  aggregate?: Aggregate;
  band?: Band;
  /**
   * Number of bins (histogram) or grid cells per axis at most (heatmap of numbers).
   */
  bins?: number;
  /**
   * Height in CSS pixels.
   */
  height?: number;
  /**
   * Fit the y axis to the 5th–95th percentile of the drawn values (TensorBoard's
   * "ignore outliers in chart scaling"), so one spike does not flatten every curve.
   */
  ignore_outliers?: boolean;
  /**
   * Draw a legend.
   */
  legend?: boolean;
  /**
   * Legend entries shown at most ("… and N more" after them).
   */
  max_legend?: number;
  /**
   * Device pixels per CSS pixel (canvas on HiDPI screens draws at `width × ratio`).
   */
  pixel_ratio?: number;
  /**
   * Seed of the random forest (importance), for reproducible results.
   */
  seed?: number;
  /**
   * Draw the raw curve faintly behind the smoothed one.
   */
  show_raw?: boolean;
  smoothing?: Smoothing;
  theme?: Theme;
  /**
   * Width in CSS pixels.
   */
  width?: number;
  x_axis?: XAxisKind;
  /**
   * Overrides the x axis title.
   */
  x_label?: string | null;
  /**
   * Only this x range (zoom), in x units.
   *
   * @minItems 2
   * @maxItems 2
   */
  x_range?: [number, number] | null;
  x_scale?: ScaleKind;
  /**
   * Overrides the y axis title.
   */
  y_label?: string | null;
  y_scale?: ScaleKind;
}
/**
 * Smoothing of line charts, computed on the full-resolution series before decimation.
 */
export interface Smoothing {
  kind: SmoothingKind;
  /**
   * Its parameter: the weight for `tb_ema`/`twema` (0 ≤ w < 1; TensorBoard's default
   * 0.6), σ in x units for `gaussian`, the window in points for `running_avg`.
   */
  param?: number;
}
/**
 * The one serialized shape of a `LoadReport`: `runql info --json` prints it, the browser
 * package returns it as a plain object, the Python widget receives it as a dict. The JSON
 * Schema of the wire types (`packages/runql/wire.schema.json`) describes it as `LoadReport`.
 */
export interface LoadReport {
  /**
   * Bytes of those files.
   */
  bytes_read: number;
  /**
   * Files opened and parsed.
   */
  files_read: number;
  /**
   * Formats found, with the number of runs each contributed, e.g. `mlflow-file-store → 12`.
   */
  formats: {
    [k: string]: number;
  };
  /**
   * Content that was recognized but is not tabulated (e.g. artifact files), with counts.
   */
  ignored: {
    [k: string]: number;
  };
  /**
   * The issues kept in detail (the first 1,000).
   */
  issues: Issue[];
  rows: TableCounts;
  /**
   * Files, lines or records skipped (all of them, also those not kept in `issues`).
   */
  skipped: number;
  /**
   * The report as text, as the `runql` command prints it.
   */
  text: string;
  /**
   * Warnings (all of them).
   */
  warnings: number;
}
/**
 * One problem found while loading, located as precisely as the format allows.
 */
export interface Issue {
  /**
   * 1-based line number for text formats.
   */
  line: number | null;
  /**
   * Byte offset for binary formats.
   */
  offset: number | null;
  /**
   * The file, as `origin/relative/path`.
   */
  path: string;
  /**
   * Why, in words a user can act on.
   */
  reason: string;
  severity: Severity;
}
/**
 * Rows per table after a load.
 */
export interface TableCounts {
  /**
   * Rows in `metric_summary` (one per run and key).
   */
  metric_summary: number;
  /**
   * Rows in `metrics` (metric points).
   */
  metrics: number;
  /**
   * Rows in `models`.
   */
  models: number;
  /**
   * Rows in `params`.
   */
  params: number;
  /**
   * Rows in `runs`.
   */
  runs: number;
  /**
   * Rows in `tags`.
   */
  tags: number;
}
/**
 * What is under a point of the chart.
 */
export interface Pick {
  /**
   * Distance from the asked position to the point, in CSS pixels.
   */
  distance: number;
  /**
   * Its label (run name, group value, bar label).
   */
  label: string;
  /**
   * The raw y when the drawn y is smoothed or aggregated.
   */
  raw: number | null;
  /**
   * The series key (run id for run charts).
   */
  series: string;
  /**
   * x of the data point (NaN for charts without a numeric x).
   */
  x: number;
  /**
   * y of the data point as drawn (smoothed when smoothing is on).
   */
  y: number;
}
/**
 * `GET /live/status`: the version of the tables now and where they are.
 */
export interface LiveStatus {
  /**
   * URLs of the seven tables of this version (runql's own Parquet or Arrow files).
   */
  data: string[];
  /**
   * URL of the load report as of now (JSON, as `runql info --json` prints it).
   */
  report: string;
  /**
   * How many rounds changed the tables since the server started.
   */
  version: number;
}
/**
 * `GET /live/changes?since=V`: the rows that changed since version V, as one change.
 */
export interface LiveChanges {
  /**
   * `models.origin` values whose rows go.
   */
  removed_models: string[];
  /**
   * Runs whose rows go from every table keyed by `run_id` (they may come back in
   * `tables`).
   */
  removed_runs: string[];
  /**
   * Runs whose rows were replaced, added or removed.
   */
  runs_changed: number;
  state: LiveState;
  /**
   * URLs of the seven tables of added rows, as Arrow IPC streams named `<table>.arrows`.
   */
  tables: string[];
  /**
   * The version the page is at once it did it.
   */
  version: number;
}
