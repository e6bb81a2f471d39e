//! Scalar values held in a `TensorProto` (TF2 `tf.summary.scalar`, PyTorch `new_style`).
//!
//! Decodes like TensorBoard's `tensor_util.make_ndarray(...).item()`: the tensor must hold
//! exactly one element, taken from `tensor_content` (raw little-endian bytes) when present and
//! otherwise from the typed value field of its dtype (`float_val`, `double_val`, `half_val`,
//! `int_val`, …). Every real dtype is widened to `f64`.

use super::proto::{TensorProto, dtype};

/// The single value of `tensor`, or why it is not a scalar runql can read.
pub fn tensor_scalar(tensor: &TensorProto) -> Result<f64, String> {
    let elements = element_count(tensor)?;
    if elements != 1 {
        return Err(format!("a scalar tensor must hold 1 value, this one has shape with {elements}"));
    }
    let content = tensor.tensor_content.as_slice();
    let t = tensor;
    let value = match t.dtype {
        dtype::FLOAT => pick(content, |b| f64::from(f32::from_le_bytes(b)), &t.float_val, f64::from),
        dtype::DOUBLE => pick(content, f64::from_le_bytes, &t.double_val, |v| v),
        dtype::HALF => {
            pick(content, |b| f16_to_f64(u16::from_le_bytes(b)), &t.half_val, |v| f16_to_f64(v as u16))
        }
        dtype::BFLOAT16 => {
            pick(content, |b| bf16_to_f64(u16::from_le_bytes(b)), &t.half_val, |v| bf16_to_f64(v as u16))
        }
        dtype::INT8 => pick(content, |b| f64::from(i8::from_le_bytes(b)), &t.int_val, f64::from),
        dtype::UINT8 => pick(content, |b| f64::from(u8::from_le_bytes(b)), &t.int_val, f64::from),
        dtype::INT16 => pick(content, |b| f64::from(i16::from_le_bytes(b)), &t.int_val, f64::from),
        dtype::UINT16 => pick(content, |b| f64::from(u16::from_le_bytes(b)), &t.int_val, f64::from),
        dtype::INT32 => pick(content, |b| f64::from(i32::from_le_bytes(b)), &t.int_val, f64::from),
        dtype::UINT32 => pick(content, |b| f64::from(u32::from_le_bytes(b)), &t.uint32_val, f64::from),
        dtype::INT64 => pick(content, |b| i64::from_le_bytes(b) as f64, &t.int64_val, |v| v as f64),
        dtype::UINT64 => pick(content, |b| u64::from_le_bytes(b) as f64, &t.uint64_val, |v| v as f64),
        dtype::BOOL => pick(content, |b| f64::from(u8::from_le_bytes(b) != 0), &t.bool_val, f64::from),
        dtype::STRING => return Err("a string tensor is not a number".into()),
        other => return Err(format!("tensor dtype {other} is not a real number type")),
    };
    value.ok_or_else(|| {
        if content.is_empty() {
            "the tensor holds no value (no tensor_content, nothing in its typed value field)".into()
        } else {
            format!("tensor_content has {} bytes, which is not one value of dtype {}", content.len(), t.dtype)
        }
    })
}

/// Number of elements of the tensor's shape; a missing shape is rank 0 (one element).
fn element_count(tensor: &TensorProto) -> Result<u64, String> {
    let Some(shape) = &tensor.tensor_shape else { return Ok(1) };
    if shape.unknown_rank {
        return Err("the tensor's shape has unknown rank".into());
    }
    shape.dim.iter().try_fold(1u64, |acc, d| {
        let size = u64::try_from(d.size).map_err(|_| format!("negative dimension {}", d.size))?;
        acc.checked_mul(size).ok_or_else(|| "shape overflows".to_string())
    })
}

/// The one value: from `content` (exactly one `N`-byte element) when the tensor has content,
/// else from its typed value field (exactly one element), as `make_ndarray` does.
fn pick<const N: usize, V: Copy>(
    content: &[u8],
    from_bytes: impl Fn([u8; N]) -> f64,
    values: &[V],
    from_value: impl Fn(V) -> f64,
) -> Option<f64> {
    if !content.is_empty() {
        return <[u8; N]>::try_from(content).ok().map(from_bytes);
    }
    match values {
        [v] => Some(from_value(*v)),
        _ => None,
    }
}

/// bfloat16 bits (the top half of an `f32`) to `f64`.
fn bf16_to_f64(bits: u16) -> f64 {
    f64::from(f32::from_bits(u32::from(bits) << 16))
}

/// IEEE 754 half precision bits to `f64`.
pub fn f16_to_f64(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((bits >> 10) & 0x1f);
    let frac = f64::from(bits & 0x3ff);
    match exp {
        0 => sign * frac * 2f64.powi(-24),
        0x1f if frac == 0.0 => sign * f64::INFINITY,
        0x1f => f64::NAN,
        _ => sign * (1.0 + frac / 1024.0) * 2f64.powi(exp - 15),
    }
}

#[cfg(test)]
mod tests {
    use super::super::proto::{Dim, TensorShapeProto};
    use super::*;

    fn t(dtype: i32) -> TensorProto {
        TensorProto { dtype, ..Default::default() }
    }

    #[test]
    fn float_from_content_or_float_val() {
        let a = TensorProto { tensor_content: 0.99f32.to_le_bytes().to_vec(), ..t(dtype::FLOAT) };
        assert_eq!(tensor_scalar(&a), Ok(f64::from(0.99f32)));
        let b = TensorProto { float_val: vec![f32::NAN], ..t(dtype::FLOAT) };
        assert!(tensor_scalar(&b).unwrap().is_nan());
        let c = TensorProto { double_val: vec![0.1], ..t(dtype::DOUBLE) };
        assert_eq!(tensor_scalar(&c), Ok(0.1));
    }

    #[test]
    fn half_bfloat_int_bool() {
        assert_eq!(tensor_scalar(&TensorProto { half_val: vec![0x3c00], ..t(dtype::HALF) }), Ok(1.0));
        assert_eq!(f16_to_f64(0xc000), -2.0);
        assert_eq!(f16_to_f64(0x0001), 2f64.powi(-24));
        assert_eq!(f16_to_f64(0x7c00), f64::INFINITY);
        assert!(f16_to_f64(0x7e00).is_nan());
        assert_eq!(f16_to_f64(0x2e66), 0.0999755859375);
        let bf = TensorProto { tensor_content: vec![0x80, 0x3f], ..t(dtype::BFLOAT16) };
        assert_eq!(tensor_scalar(&bf), Ok(1.0));
        assert_eq!(tensor_scalar(&TensorProto { int64_val: vec![-7], ..t(dtype::INT64) }), Ok(-7.0));
        assert_eq!(tensor_scalar(&TensorProto { int_val: vec![200], ..t(dtype::UINT8) }), Ok(200.0));
        assert_eq!(tensor_scalar(&TensorProto { bool_val: vec![true], ..t(dtype::BOOL) }), Ok(1.0));
    }

    #[test]
    fn shapes_and_missing_values_are_errors() {
        let shaped = |dims: &[i64]| TensorProto {
            float_val: vec![1.0],
            tensor_shape: Some(TensorShapeProto {
                dim: dims.iter().map(|&size| Dim { size }).collect(),
                unknown_rank: false,
            }),
            ..t(dtype::FLOAT)
        };
        assert_eq!(tensor_scalar(&shaped(&[])), Ok(1.0));
        assert_eq!(tensor_scalar(&shaped(&[1, 1])), Ok(1.0));
        assert!(tensor_scalar(&shaped(&[2])).is_err());
        assert!(tensor_scalar(&shaped(&[-1])).is_err());
        assert!(tensor_scalar(&shaped(&[i64::MAX, i64::MAX])).is_err());
        assert!(tensor_scalar(&t(dtype::FLOAT)).unwrap_err().contains("no value"));
        let short = TensorProto { tensor_content: vec![1, 2], ..t(dtype::FLOAT) };
        assert!(tensor_scalar(&short).unwrap_err().contains("2 bytes"));
        assert!(tensor_scalar(&t(dtype::STRING)).is_err());
        assert!(tensor_scalar(&TensorProto { float_val: vec![1.0, 2.0], ..t(dtype::FLOAT) }).is_err());
    }
}
