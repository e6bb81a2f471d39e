// Normalizes what `load()` accepts into descriptors, and reads their bytes.
//
// Accepted: a File, a FileList (folder pickers give each file a webkitRelativePath), a Blob,
// `{path, data}` with data a Uint8Array / ArrayBuffer / Blob, a URL string or URL object,
// `{url, path?}`, or an array / iterable of these.

import { RunQLError } from "./errors.js";

/**
 * @typedef {object} InputDescriptor
 * @property {string} path      path inside the loaded tree (`/`-separated)
 * @property {boolean} unzip    unpack when the bytes are a zip archive
 * @property {Blob|Uint8Array|ArrayBuffer} [blob] bytes, or a Blob to read
 * @property {string} [url]     absolute URL to fetch
 */

function isZipName(name) {
  return /\.zip$/i.test(name);
}

function isIterable(x) {
  return x != null && typeof x !== "string" && typeof x[Symbol.iterator] === "function";
}

function baseUrl() {
  return typeof location !== "undefined" ? location.href : undefined;
}

/** @returns {InputDescriptor[]} */
export function describeInputs(inputs) {
  const out = [];
  const add = (item) => {
    if (item == null) throw new RunQLError("input", "load() got null or undefined as an input");
    if (typeof item === "string" || item instanceof URL) {
      const url = new URL(String(item), baseUrl());
      const path = decodeURIComponent(url.pathname).replace(/^\/+/, "") || "download";
      out.push({ path, unzip: isZipName(path), url: url.href });
    } else if (typeof Blob !== "undefined" && item instanceof Blob) {
      // A File (from an <input> or a drop) has a name, and a folder path when a folder was picked.
      const file = /** @type {Partial<File>} */ (item);
      const relative = file.webkitRelativePath || "";
      const name = relative || file.name || "upload.zip";
      out.push({ path: name, unzip: !relative, blob: item });
    } else if (item instanceof Uint8Array || item instanceof ArrayBuffer) {
      out.push({ path: "upload.zip", unzip: true, blob: item });
    } else if (typeof item === "object" && ("data" in item || "url" in item)) {
      if (item.url != null) {
        const url = new URL(String(item.url), baseUrl());
        const path = item.path ?? (decodeURIComponent(url.pathname).replace(/^\/+/, "") || "download");
        out.push({ path, unzip: isZipName(path), url: url.href });
      } else {
        const { data } = item;
        const ok = data instanceof Uint8Array || data instanceof ArrayBuffer ||
          (typeof Blob !== "undefined" && data instanceof Blob);
        if (!ok) throw new RunQLError("input", `input ${item.path}: data must be a Uint8Array, ArrayBuffer or Blob`);
        const path = String(item.path ?? "upload");
        out.push({ path, unzip: isZipName(path), blob: data });
      }
    } else if (isIterable(item) || (typeof item === "object" && typeof item.length === "number")) {
      for (const x of Array.from(item)) add(x);
    } else {
      throw new RunQLError(
        "input",
        "load() accepts File, FileList, Blob, {path, data: Uint8Array}, a URL, or an array of these",
      );
    }
  };
  add(inputs);
  if (out.length === 0) throw new RunQLError("load", "nothing to load: no files were given");
  return out;
}

/** Reads one descriptor's bytes. */
export async function readInput(d) {
  if (d.url) {
    let response;
    try {
      response = await fetch(d.url);
    } catch (e) {
      throw new RunQLError("load", `cannot fetch ${d.url}: ${e && e.message ? e.message : e}`);
    }
    if (!response.ok) throw new RunQLError("load", `cannot fetch ${d.url}: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  }
  const b = d.blob;
  if (b instanceof Uint8Array) return b;
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  return new Uint8Array(await b.arrayBuffer());
}
