// The runql instance behind the page: the WebAssembly modules in a Web Worker, so that
// loading, queries and chart building never freeze the page.

import { RunQL, type RestartInfo, type RunQLWorker } from "runql";
// Vite bundles the package's worker (and the module it imports) as its own file.
import workerUrl from "../../packages/runql/src/worker.js?worker&url";
import wasmUrl from "../../packages/runql/pkg/runql_wasm_bg.wasm?url";
// The loader module: emitted as its own file, fetched by the worker on the first load only.
import loaderWasmUrl from "../../packages/runql/pkg/runql_load_bg.wasm?url";

export type Db = RunQLWorker;

/**
 * `loadsAtOnce`: the page loads data right away, so both modules are fetched together.
 * `onRestart`: the worker was replaced (a cancelled query, one over the time limit, a crash)
 * and the new one has loaded the data again (see the package's README, "Cancel and time
 * limits"); charts drawn before must be drawn again.
 */
export function startDb(loadsAtOnce: boolean, onRestart: (info: RestartInfo) => void): Promise<Db> {
  return RunQL.initWorker({
    workerUrl,
    wasm: wasmUrl,
    loaderWasm: loaderWasmUrl,
    prefetchLoader: loadsAtOnce,
    queryTimeout: QUERY_TIMEOUT_MS,
    onRestart,
  });
}

/** The time limit of a query, chart or table refresh (the package's default). */
export const QUERY_TIMEOUT_MS = 60_000;

/** A RunQLError's kind (`limit`, `cancelled`, `internal`, …), or undefined for other errors. */
export function errorKind(e: unknown): string | undefined {
  return e && typeof e === "object" && "kind" in e && typeof e.kind === "string" ? e.kind : undefined;
}

/** Rows of a query as plain objects. */
export async function rows<T = Record<string, unknown>>(db: Db, sql: string, params: unknown[] = []): Promise<T[]> {
  const r = await db.query(sql, params as never[]);
  return r.toArray<T>();
}
