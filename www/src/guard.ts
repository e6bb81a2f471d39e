// What happened the last time a query ran, so that a link (`?tab=sql&sql=…`) whose query
// crashed or failed is not run again by itself when the page opens (or reloads after the
// crash): the query goes into the editor and the user is asked first.
//
// Every query the SQL tab runs is marked "running" in localStorage before it starts (a
// synchronous write, so it survives the tab crashing) and the mark is cleared when it
// succeeds, or turned into "failed" with the error. A "running" mark found when the page opens
// means the page crashed (or was closed) while the query ran. localStorage, not
// sessionStorage: a link that crashed one tab is usually opened again in a new one.

const PREFIX = "runql-sql:";
/** Queries remembered at most (the oldest marks are dropped). */
const MAX_MARKS = 50;

export interface LastRun {
  /** `running`: it never finished (the page crashed or was closed); `failed`: it failed. */
  state: "running" | "failed";
  /** The error's kind (`limit`, `cancelled`, `internal`, `sql`, …) when it failed. */
  kind?: string;
  message?: string;
  /** When it was marked (ms since the epoch). */
  at: number;
}

/** A short key for a query: FNV-1a (64-bit) of its text. */
export function sqlKey(sql: string): string {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(sql)) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return PREFIX + h.toString(16).padStart(16, "0");
}

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled: nothing is remembered
  }
}

/** What happened the last time `sql` ran, or null when it succeeded (or never ran). */
export function lastRun(sql: string): LastRun | null {
  try {
    const raw = storage()?.getItem(sqlKey(sql));
    if (!raw) return null;
    const v = JSON.parse(raw) as LastRun;
    return v && (v.state === "running" || v.state === "failed") ? v : null;
  } catch {
    return null;
  }
}

function write(sql: string, value: LastRun | null): void {
  const s = storage();
  if (!s) return;
  try {
    if (value) s.setItem(sqlKey(sql), JSON.stringify(value));
    else s.removeItem(sqlKey(sql));
  } catch {
    // Full or disabled storage: the query simply is not remembered.
  }
}

/** Drops the oldest marks beyond MAX_MARKS. */
function prune(s: Storage): void {
  const marks: { key: string; at: number }[] = [];
  for (let i = 0; i < s.length; i += 1) {
    const key = s.key(i);
    if (!key?.startsWith(PREFIX)) continue;
    try {
      marks.push({ key, at: Number((JSON.parse(s.getItem(key) ?? "{}") as LastRun).at) || 0 });
    } catch {
      marks.push({ key, at: 0 });
    }
  }
  marks.sort((a, b) => b.at - a.at);
  for (const m of marks.slice(MAX_MARKS)) s.removeItem(m.key);
}

/** Marks `sql` as running: call right before it starts. */
export function markRunning(sql: string): void {
  write(sql, { state: "running", at: Date.now() });
  const s = storage();
  if (s) {
    try {
      prune(s);
    } catch {
      // ignore
    }
  }
}

/** Records how `sql` ended: null for success (the mark is removed). */
export function markDone(sql: string, error: { kind?: string; message: string } | null): void {
  write(sql, error ? { state: "failed", kind: error.kind, message: error.message, at: Date.now() } : null);
}

/** The question to ask before running a query again that ended as `last`. */
export function guardQuestion(last: LastRun): string {
  if (last.state === "running") {
    return "This query crashed the page last time (or the page was closed while it ran). Run it again?";
  }
  const message = (last.message ?? "").trim();
  const why = message ? `: ${message}${/[.!?]$/.test(message) ? "" : "."}` : ".";
  switch (last.kind) {
    case "internal":
      return `This query crashed runql's engine last time${why} Run it again?`;
    case "cancelled":
      return `This query was stopped last time${why} Run it again?`;
    default:
      return `This query failed last time${why} Run it again?`;
  }
}
