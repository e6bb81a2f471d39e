//! The parts of `wandb_internal.proto` (wandb/proto/wandb_internal.proto) that runql reads,
//! as hand-written prost messages. Field numbers checked against the descriptors shipped in
//! wandb 0.31.0 (`wandb.proto.wandb_internal_pb2`). Fields not declared here are skipped by
//! prost; record types runql does not tabulate decode into [`Skipped`], which only counts.

#![allow(missing_docs)]

/// `wandb_internal.Record`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Record {
    #[prost(int64, tag = "1")]
    pub num: i64,
    #[prost(
        oneof = "RecordType",
        tags = "2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 17, 18, 20, 21, 22, 23, 24, 25, 26, 27, 100"
    )]
    pub record_type: Option<RecordType>,
}

/// The `record_type` oneof of `Record`.
#[derive(Clone, PartialEq, prost::Oneof)]
#[allow(clippy::large_enum_variant)]
pub enum RecordType {
    #[prost(message, tag = "2")]
    History(HistoryRecord),
    #[prost(message, tag = "3")]
    Summary(SummaryRecord),
    #[prost(message, tag = "4")]
    Output(Skipped),
    #[prost(message, tag = "5")]
    Config(ConfigRecord),
    #[prost(message, tag = "6")]
    Files(Skipped),
    #[prost(message, tag = "7")]
    Stats(StatsRecord),
    #[prost(message, tag = "8")]
    Artifact(Skipped),
    #[prost(message, tag = "9")]
    Tbrecord(Skipped),
    #[prost(message, tag = "10")]
    Alert(Skipped),
    #[prost(message, tag = "11")]
    Telemetry(Skipped),
    #[prost(message, tag = "12")]
    Metric(Skipped),
    #[prost(message, tag = "13")]
    OutputRaw(Skipped),
    #[prost(message, tag = "17")]
    Run(RunRecord),
    #[prost(message, tag = "18")]
    Exit(RunExitRecord),
    #[prost(message, tag = "20")]
    Final(Skipped),
    #[prost(message, tag = "21")]
    Header(HeaderRecord),
    #[prost(message, tag = "22")]
    Footer(Skipped),
    #[prost(message, tag = "23")]
    Preempting(Skipped),
    #[prost(message, tag = "24")]
    NoopLinkArtifact(Skipped),
    #[prost(message, tag = "25")]
    UseArtifact(Skipped),
    #[prost(message, tag = "26")]
    Environment(EnvironmentRecord),
    #[prost(message, tag = "27")]
    OutputLogger(Skipped),
    #[prost(message, tag = "100")]
    Request(Skipped),
}

impl RecordType {
    /// The record type's field name in `wandb_internal.proto`.
    pub fn name(&self) -> &'static str {
        match self {
            RecordType::History(_) => "history",
            RecordType::Summary(_) => "summary",
            RecordType::Output(_) => "output",
            RecordType::Config(_) => "config",
            RecordType::Files(_) => "files",
            RecordType::Stats(_) => "stats",
            RecordType::Artifact(_) => "artifact",
            RecordType::Tbrecord(_) => "tbrecord",
            RecordType::Alert(_) => "alert",
            RecordType::Telemetry(_) => "telemetry",
            RecordType::Metric(_) => "metric",
            RecordType::OutputRaw(_) => "output_raw",
            RecordType::Run(_) => "run",
            RecordType::Exit(_) => "exit",
            RecordType::Final(_) => "final",
            RecordType::Header(_) => "header",
            RecordType::Footer(_) => "footer",
            RecordType::Preempting(_) => "preempting",
            RecordType::NoopLinkArtifact(_) => "noop_link_artifact",
            RecordType::UseArtifact(_) => "use_artifact",
            RecordType::Environment(_) => "environment",
            RecordType::OutputLogger(_) => "output_logger",
            RecordType::Request(_) => "request",
        }
    }
}

/// Any message whose content runql does not read.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Skipped {}

/// `google.protobuf.Timestamp`.
#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Timestamp {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

impl Timestamp {
    /// Epoch milliseconds, if representable.
    pub fn millis(&self) -> Option<i64> {
        self.seconds.checked_mul(1000)?.checked_add(i64::from(self.nanos) / 1_000_000)
    }
}

/// `StatsRecord`: one sample of the system monitor (CPU, memory, disk, network, GPUs).
#[derive(Clone, PartialEq, prost::Message)]
pub struct StatsRecord {
    /// `StatsType`; 0 (`SYSTEM`) is the only one defined.
    #[prost(int32, tag = "1")]
    pub stats_type: i32,
    #[prost(message, optional, tag = "2")]
    pub timestamp: Option<Timestamp>,
    #[prost(message, repeated, tag = "3")]
    pub item: Vec<StatsItem>,
}

/// `StatsItem`: a key such as `cpu` or `gpu.0.memoryAllocated` and its value as JSON.
#[derive(Clone, PartialEq, prost::Message)]
pub struct StatsItem {
    #[prost(string, tag = "1")]
    pub key: String,
    #[prost(string, tag = "16")]
    pub value_json: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct HistoryRecord {
    #[prost(message, repeated, tag = "1")]
    pub item: Vec<HistoryItem>,
    /// Presence matters: `step {}` (num 0) is written as an empty message.
    #[prost(message, optional, tag = "2")]
    pub step: Option<HistoryStep>,
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct HistoryStep {
    #[prost(int64, tag = "1")]
    pub num: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct HistoryItem {
    #[prost(string, tag = "1")]
    pub key: String,
    #[prost(string, repeated, tag = "2")]
    pub nested_key: Vec<String>,
    #[prost(oneof = "HistoryValue", tags = "3, 4, 5, 6, 7, 8")]
    pub value: Option<HistoryValue>,
    #[prost(string, tag = "16")]
    pub value_json: String,
}

/// Typed history values (declared in wandb 0.31's proto; value_json is what SDKs write).
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum HistoryValue {
    #[prost(int32, tag = "3")]
    None(i32),
    #[prost(bool, tag = "4")]
    Boolean(bool),
    #[prost(sint64, tag = "5")]
    Integer(i64),
    #[prost(double, tag = "6")]
    Number(f64),
    #[prost(string, tag = "7")]
    Text(String),
    #[prost(string, tag = "8")]
    Json(String),
}

/// `SummaryItem` and `ConfigItem` (same shape).
#[derive(Clone, PartialEq, prost::Message)]
pub struct KeyedItem {
    #[prost(string, tag = "1")]
    pub key: String,
    #[prost(string, repeated, tag = "2")]
    pub nested_key: Vec<String>,
    #[prost(string, tag = "16")]
    pub value_json: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct SummaryRecord {
    #[prost(message, repeated, tag = "1")]
    pub update: Vec<KeyedItem>,
    #[prost(message, repeated, tag = "2")]
    pub remove: Vec<KeyedItem>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ConfigRecord {
    #[prost(message, repeated, tag = "1")]
    pub update: Vec<KeyedItem>,
    #[prost(message, repeated, tag = "2")]
    pub remove: Vec<KeyedItem>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct GitRepoRecord {
    #[prost(string, tag = "1")]
    pub remote_url: String,
    #[prost(string, tag = "2")]
    pub commit: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct RunRecord {
    #[prost(string, tag = "1")]
    pub run_id: String,
    #[prost(string, tag = "2")]
    pub entity: String,
    #[prost(string, tag = "3")]
    pub project: String,
    #[prost(message, optional, tag = "4")]
    pub config: Option<ConfigRecord>,
    #[prost(message, optional, tag = "5")]
    pub summary: Option<SummaryRecord>,
    #[prost(string, tag = "6")]
    pub run_group: String,
    #[prost(string, tag = "7")]
    pub job_type: String,
    #[prost(string, tag = "8")]
    pub display_name: String,
    #[prost(string, tag = "9")]
    pub notes: String,
    #[prost(string, repeated, tag = "10")]
    pub tags: Vec<String>,
    #[prost(string, tag = "12")]
    pub sweep_id: String,
    #[prost(string, tag = "13")]
    pub host: String,
    #[prost(int64, tag = "14")]
    pub starting_step: i64,
    #[prost(message, optional, tag = "17")]
    pub start_time: Option<Timestamp>,
    #[prost(bool, tag = "18")]
    pub resumed: bool,
    #[prost(message, optional, tag = "21")]
    pub git: Option<GitRepoRecord>,
    #[prost(bool, tag = "22")]
    pub forked: bool,
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct RunExitRecord {
    #[prost(int32, tag = "1")]
    pub exit_code: i32,
    #[prost(int32, tag = "2")]
    pub runtime: i32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct VersionInfo {
    #[prost(string, tag = "1")]
    pub producer: String,
    #[prost(string, tag = "2")]
    pub min_consumer: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct HeaderRecord {
    #[prost(message, optional, tag = "1")]
    pub version_info: Option<VersionInfo>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct EnvironmentRecord {
    #[prost(string, tag = "1")]
    pub os: String,
    #[prost(string, tag = "2")]
    pub python: String,
    #[prost(message, optional, tag = "3")]
    pub started_at: Option<Timestamp>,
    #[prost(string, tag = "4")]
    pub docker: String,
    #[prost(string, repeated, tag = "5")]
    pub args: Vec<String>,
    #[prost(string, tag = "6")]
    pub program: String,
    #[prost(string, tag = "7")]
    pub code_path: String,
    #[prost(message, optional, tag = "9")]
    pub git: Option<GitRepoRecord>,
    #[prost(string, tag = "10")]
    pub email: String,
    #[prost(string, tag = "12")]
    pub host: String,
    #[prost(string, tag = "13")]
    pub username: String,
    #[prost(string, tag = "14")]
    pub executable: String,
    #[prost(string, tag = "15")]
    pub colab: String,
    #[prost(uint32, tag = "16")]
    pub cpu_count: u32,
    #[prost(string, tag = "18")]
    pub gpu_type: String,
    #[prost(uint32, tag = "19")]
    pub gpu_count: u32,
    #[prost(string, tag = "25")]
    pub cuda_version: String,
}
