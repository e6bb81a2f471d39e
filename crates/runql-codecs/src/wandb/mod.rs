//! W&B `.wandb` run logs: LevelDB-log framing with CRC-32 checks ([`framing`]) and the
//! protobuf records inside them ([`proto`]).

pub mod framing;
pub mod proto;
