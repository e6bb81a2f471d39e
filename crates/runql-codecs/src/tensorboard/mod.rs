//! TensorBoard event files: TFRecord framing with CRC-32C checks ([`record`]) and the
//! protobuf messages inside them ([`proto`]).

pub mod proto;
pub mod record;
