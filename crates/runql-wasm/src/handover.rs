//! The query module's end of the table hand-over: the pieces of a table's Arrow IPC stream,
//! as the loader module hands them over, joined into the one allocation the table then
//! lives in.

use wasm_bindgen::JsCast;

use crate::error::{Result, WasmError};

/// Copies `pieces` (an array of `Uint8Array`s) into one buffer, in order: the only copy a
/// table makes between the two modules.
///
/// # Errors
/// [`WasmError::Load`] naming `table` when an element is not a `Uint8Array` or the stream
/// is longer than the address space.
pub fn join_pieces(table: &str, pieces: &js_sys::Array) -> Result<Vec<u8>> {
    let pieces: Vec<js_sys::Uint8Array> = pieces
        .iter()
        .enumerate()
        .map(|(i, piece)| {
            piece.dyn_into::<js_sys::Uint8Array>().map_err(|_| {
                WasmError::Load(format!(
                    "table {table}: piece {i} of its Arrow IPC stream is not a Uint8Array"
                ))
            })
        })
        .collect::<Result<_>>()?;
    let total: u64 = pieces.iter().map(|p| u64::from(p.length())).sum();
    let total_len = usize::try_from(total).map_err(|_| {
        WasmError::Load(format!("table {table}: its {total}-byte Arrow IPC stream does not fit in memory"))
    })?;
    // Zeroed by the allocator (fresh memory is zero already, so this writes nothing then):
    // the pieces are copied straight into it. Like every allocation in the module, one that
    // cannot be had ends the instance, which the JavaScript package replaces.
    let mut stream = vec![0u8; total_len];
    let mut at = 0;
    for piece in &pieces {
        let len = piece.length() as usize;
        let Some(slot) = stream.get_mut(at..at + len) else {
            return Err(WasmError::Load(format!(
                "table {table}: its pieces changed size while being copied"
            )));
        };
        piece.copy_to(slot);
        at += len;
    }
    Ok(stream)
}
