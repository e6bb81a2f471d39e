//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Query and chart ML experiment runs from MLflow exports, client-side, with SQL.
///
/// Tables: runs, params, metrics, tags, metric_summary, runs_wide, models.
#[derive(Debug, Parser)]
#[command(name = "runql", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load PATHs and run a SQL query over them.
    Query(QueryArgs),
    /// Load PATHs and print the load report: formats, counts, skipped files and lines.
    Info(InfoArgs),
    /// Generate a realistic, deterministic hyper-parameter sweep for demos and benchmarks.
    Gen(GenArgs),
    /// Generate the demo sweep in memory and rank its runs by final validation loss.
    Demo(DemoArgs),
    /// Load PATHs and draw a chart to SVG or PNG, from a JSON spec or the shortcuts.
    Plot(PlotArgs),
    /// Load PATHs and write the normalized tables as Parquet (or Arrow IPC) files, one per
    /// table, for DuckDB, Spark, pandas — and for loading them back fast.
    Convert(ConvertArgs),
    /// Serve the web portal on 127.0.0.1 with PATHs (or the demo sweep) preloaded.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Folders or files to load, or MLflow tracking-server addresses (http://host:5000);
    /// without any, the bundled demo sweep (48 runs).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8765)]
    pub port: u16,
    /// Keep the PATHs' tables up to date while runs write to them: new points, new runs
    /// and changed files appear in the open portal without a reload (only the runs whose
    /// files changed are read again).
    #[arg(long)]
    pub watch: bool,
    /// Seconds between two looks at the watched PATHs (with --watch). Default: 0.25 where
    /// the system reports changes (a look costs what changed), 1 where every file has to be
    /// listed again.
    #[arg(long, value_name = "SECONDS", value_parser = parse_interval, requires = "watch")]
    pub interval: Option<std::time::Duration>,
    /// Open the portal in the default browser.
    #[arg(long)]
    pub open: bool,
    /// The built portal (what `vite build` writes to www/dist). Default: $RUNQL_WWW, else
    /// www/dist under the current folder, else www/dist of the repository the binary was
    /// built in.
    #[arg(long, value_name = "DIR")]
    pub www: Option<PathBuf>,
    /// How the tables are handed to the page.
    #[arg(long, value_enum, default_value_t = TablesFormat::Parquet)]
    pub format: TablesFormat,
    /// Fail (exit code 3) if anything was skipped while loading.
    #[arg(long)]
    pub strict: bool,
    /// Do not print the load summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// Connections served at once; more wait until one closes (default 512).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: Option<u32>,
    /// Seconds a client has to send a request head (default 10).
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout, hide = true)]
    pub header_timeout: Option<std::time::Duration>,
    /// Seconds a connection may sit without a byte read or written (default 30).
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout, hide = true)]
    pub io_timeout: Option<std::time::Duration>,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    #[command(flatten)]
    pub load: LoadArgs,
    /// Output folder (created; must be empty or absent).
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// File format of the tables.
    #[arg(long, value_enum, default_value_t = TablesFormat::Parquet)]
    pub format: TablesFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TablesFormat {
    /// Apache Parquet (zstd, page statistics): `<table>.parquet`.
    Parquet,
    /// Arrow IPC files (Feather v2): `<table>.arrow`, the fastest to load back.
    Arrow,
}

impl From<TablesFormat> for runql_readers::columnar::TableFormat {
    fn from(f: TablesFormat) -> Self {
        match f {
            TablesFormat::Parquet => runql_readers::columnar::TableFormat::Parquet,
            TablesFormat::Arrow => runql_readers::columnar::TableFormat::Arrow,
        }
    }
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Folders or files to load (an mlruns/ folder, one experiment, one run folder, …), or
    /// the address of a running MLflow tracking server (http://host:5000), read over its REST
    /// API with the credentials in MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Fail (exit code 3) if anything was skipped while loading.
    #[arg(long)]
    pub strict: bool,
    /// Do not print the one-line load summary or the progress bar.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    #[command(flatten)]
    pub load: LoadArgs,
    /// The SQL to run.
    #[arg(short = 'e', long = "execute", value_name = "SQL")]
    pub sql_text: String,
    /// Values for $1, $2, … in the SQL (numbers are bound as numbers, the rest as text).
    #[arg(short = 'p', long = "param", value_name = "VALUE")]
    pub params: Vec<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub sql: SqlArgs,
}

/// How SQL runs: read-only and bounded unless the user asks otherwise.
#[derive(Debug, Args, Clone)]
pub struct SqlArgs {
    /// Allow statements that write files or define tables and views (COPY … TO, CREATE
    /// EXTERNAL TABLE, CREATE VIEW, SET, …). Off by default: SQL runs read-only.
    #[arg(long)]
    pub writable: bool,
    /// Memory one query may use — sorts, joins, aggregates and the result — such as 512M or
    /// 4G. Default: half of this machine's memory.
    #[arg(long, value_name = "SIZE", value_parser = parse_memory_limit)]
    pub memory_limit: Option<usize>,
    /// Stop with an error when the query runs longer than this many seconds (Ctrl+C stops
    /// it at any time). Default: no time limit.
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout)]
    pub timeout: Option<std::time::Duration>,
}

fn parse_memory_limit(text: &str) -> Result<usize, String> {
    runql_sql::limits::parse_size(text)
}

fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    let seconds: f64 = text.trim().parse().map_err(|_| format!("{text:?} is not a number of seconds"))?;
    std::time::Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("{text:?}: give a positive number of seconds"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// An aligned text table.
    Table,
    /// CSV with a header line.
    Csv,
    /// A JSON array of objects (non-finite numbers become null).
    Json,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    #[command(flatten)]
    pub load: LoadArgs,
    /// Print the report as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenFormat {
    /// An MLflow file store (mlruns/).
    Mlflow,
    /// runql's tables as Parquet files (what `runql convert` writes).
    Parquet,
    /// W&B run folders (wandb/run-*/ with the .wandb transaction log, config.yaml, summary).
    Wandb,
    /// A TensorBoard logdir (runs/<name>/events.out.tfevents.*, scalars and hparams).
    Tensorboard,
    /// runql's tables as Arrow IPC files (`runql convert --format arrow`).
    Arrow,
}

impl From<GenFormat> for runql_synth::SweepFormat {
    fn from(f: GenFormat) -> Self {
        use runql_synth::SweepFormat;
        match f {
            GenFormat::Mlflow => SweepFormat::Mlflow,
            GenFormat::Parquet => SweepFormat::Parquet,
            GenFormat::Wandb => SweepFormat::Wandb,
            GenFormat::Tensorboard => SweepFormat::Tensorboard,
            GenFormat::Arrow => SweepFormat::Arrow,
        }
    }
}

#[derive(Debug, Args)]
pub struct GenArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = GenFormat::Mlflow)]
    pub format: GenFormat,
    /// Number of runs.
    #[arg(long, default_value_t = 48)]
    pub runs: usize,
    /// Metric keys per run (at least 3: train/loss, val/loss, val/accuracy).
    #[arg(long, default_value_t = 6)]
    pub metrics: usize,
    /// Steps per metric.
    #[arg(long, default_value_t = 200)]
    pub steps: usize,
    /// Seed; the same seed gives byte-identical output.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Output folder (created; must be empty or absent).
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Number of runs in the demo sweep.
    #[arg(long, default_value_t = 48)]
    pub runs: usize,
    /// How many runs to show.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct PlotArgs {
    #[command(flatten)]
    pub load: LoadArgs,
    /// A chart spec (JSON; see examples/charts/). The options below override its options.
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// Output file: `.svg` or `.png` (by extension); `-` writes SVG to stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Without --spec: curves of this metric key, one line per run.
    #[arg(long, value_name = "KEY")]
    pub metric: Option<String>,
    /// Which runs: a SQL condition over runs_wide, aliased `w` (`w."params.lr" > 0.001`).
    #[arg(long, value_name = "SQL")]
    pub runs: Option<String>,
    /// One line per value of this runs_wide column, with a band (`params.lr`).
    #[arg(long, value_name = "COLUMN")]
    pub group_by: Option<String>,
    /// x axis of the curves.
    #[arg(long, value_enum)]
    pub x: Option<PlotX>,
    /// Smoothing: a weight for TensorBoard's EMA (`0.6`), or KIND:PARAM with KIND one of
    /// tb_ema, twema, gaussian, running_avg (`twema:0.5`, `gaussian:5`).
    #[arg(long, value_name = "[KIND:]PARAM")]
    pub smoothing: Option<String>,
    /// Fit the y axis to the 5th–95th percentile of the drawn values.
    #[arg(long)]
    pub ignore_outliers: bool,
    /// Logarithmic x axis.
    #[arg(long)]
    pub log_x: bool,
    /// Logarithmic y axis.
    #[arg(long)]
    pub log_y: bool,
    /// Color theme.
    #[arg(long, value_enum)]
    pub theme: Option<PlotTheme>,
    /// Width in pixels.
    #[arg(long)]
    pub width: Option<u32>,
    /// Height in pixels.
    #[arg(long)]
    pub height: Option<u32>,
    /// Pixel density of PNG output (2 for sharp images on HiDPI screens).
    #[arg(long)]
    pub scale: Option<f64>,
    /// Title.
    #[arg(long)]
    pub title: Option<String>,
    #[command(flatten)]
    pub sql: SqlArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlotX {
    /// Steps.
    Step,
    /// Wall-clock time.
    Time,
    /// Time since each run's first point.
    Relative,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlotTheme {
    /// Dark text on white.
    Light,
    /// Light text on a dark background.
    Dark,
}

/// A watch interval: 0.05 to 3600 seconds.
fn parse_interval(text: &str) -> Result<std::time::Duration, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if (0.05..=3600.0).contains(&s) => Ok(std::time::Duration::from_secs_f64(s)),
        _ => Err(format!("{text:?} is not a number of seconds from 0.05 to 3600")),
    }
}
