// The comm protocol between the kernel (runql._widget.Widget) and this front end.
//
// Front end → kernel (custom messages):
//   {type: "fetch", what: "wasm"}          asks for the WebAssembly module's bytes
//   {type: "fetch", what: "data"}          asks for the run data
//   {type: "result", id, sql, rows, columns}  + one buffer: the result as Arrow IPC stream
//                                          bytes; sent again until acknowledged
//   {type: "result_error", sql, kind, message}
// Kernel → front end:
//   {type: "wasm"}                         + one buffer
//   {type: "data", seq, paths, last}       + one buffer per path; `last` closes the load
//   {type: "data_error", message}          the kernel could not prepare the data
//   {type: "result_ack", id}               the result with this id arrived (used or not)
//
// The wasm and data are fetched, not synced as traits, so that they are sent only when a
// front end asks for them (a page showing several widgets compiles the module once) and
// never stored in the notebook's widget state.

/** Copies a comm buffer (a DataView or ArrayBuffer) into a Uint8Array of its own. */
export function bytesOf(buffer) {
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  throw new TypeError(`expected a binary buffer, got ${typeof buffer}`);
}

/**
 * Sends `requestContent` and resolves once the kernel's answer is complete. An answer may
 * come in several messages (the data, in chunks); a `*_error` answer rejects.
 * @param {object} model the anywidget model
 * @param {object} requestContent
 * @param {string[]} answerTypes the message types that answer this request
 * @param {(content: object, buffers: DataView[]) => void} onPart called for each answer
 * @param {(content: object) => boolean} isLast true for the answer's last message
 * @returns {Promise<void>}
 */
export function request(model, requestContent, answerTypes, onPart, isLast) {
  return new Promise((resolve, reject) => {
    const handler = (content, buffers) => {
      if (!content || !answerTypes.includes(content.type)) return;
      try {
        if (content.type.endsWith("_error")) {
          model.off("msg:custom", handler);
          reject(Object.assign(new Error(content.message), { kind: content.kind ?? "load" }));
          return;
        }
        onPart(content, buffers ?? []);
        if (isLast(content)) {
          model.off("msg:custom", handler);
          resolve();
        }
      } catch (e) {
        model.off("msg:custom", handler);
        reject(e);
      }
    };
    model.on("msg:custom", handler);
    model.send(requestContent);
  });
}
