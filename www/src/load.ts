// What the user points at: dropped files, whole dropped folders (mlruns/, wandb/, a
// TensorBoard logdir), zips, picked files and folders, and `?data=` URLs — turned into the
// inputs runql's load() takes, and the report of a native load. Nothing is uploaded: files
// are read in the worker.

import type { LoadReport } from "runql";

export interface PathedFile {
  path: string;
  data: File;
}

/** Reads every entry of a directory (readEntries returns them in batches). */
function readAll(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => {
    const out: FileSystemEntry[] = [];
    const next = () =>
      reader.readEntries((batch) => {
        if (batch.length === 0) resolve(out);
        else {
          out.push(...batch);
          next();
        }
      }, reject);
    next();
  });
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** Every file under an entry, with its path relative to what was dropped. */
async function walk(entry: FileSystemEntry, out: PathedFile[]): Promise<void> {
  if (entry.isFile) {
    out.push({ path: entry.fullPath.replace(/^\//, ""), data: await fileOf(entry as FileSystemFileEntry) });
  } else if (entry.isDirectory) {
    for (const child of await readAll((entry as FileSystemDirectoryEntry).createReader())) await walk(child, out);
  }
}

/** The files of a drop, folders walked recursively (paths kept, so formats are recognized). */
export async function droppedFiles(transfer: DataTransfer): Promise<PathedFile[]> {
  const entries = [...transfer.items]
    .filter((i) => i.kind === "file")
    .map((i) => i.webkitGetAsEntry?.())
    .filter((e): e is FileSystemEntry => e != null);
  const out: PathedFile[] = [];
  if (entries.length) {
    for (const e of entries) await walk(e, out);
  } else {
    for (const f of transfer.files) out.push({ path: f.name, data: f });
  }
  return out;
}

/** Picked files (a folder picker sets webkitRelativePath). */
export function pickedFiles(list: FileList): PathedFile[] {
  return [...list].map((f) => ({ path: f.webkitRelativePath || f.name, data: f }));
}

/** `?data=` values as absolute URLs; only http(s) and blob URLs are fetched. */
export function dataUrls(values: string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    try {
      const u = new URL(v, location.href);
      if (u.protocol === "http:" || u.protocol === "https:") out.push(u.href);
    } catch {
      // Not a URL: ignored (the report says nothing was loaded from it).
    }
  }
  return out;
}

/**
 * The report of a native load (`runql info --json`, which `runql serve` hands over with the
 * tables it serves): the wire type LoadReport, the one shape every front end gets; null when
 * it cannot be had.
 */
export async function nativeReport(url: string): Promise<LoadReport | null> {
  try {
    const response = await fetch(new URL(url, location.href));
    if (!response.ok) return null;
    // `runql serve` writes the report in its one shape (the wire type), plus `seconds`.
    const r = (await response.json()) as LoadReport;
    return r && typeof r === "object" && r.rows && Array.isArray(r.issues) ? r : null;
  } catch {
    return null;
  }
}
