// runql in the browser vs natively and vs @duckdb/duckdb-wasm, in one headless Chromium run.
// Prints numbers; asserts nothing about speed.
//
//   scripts/build-wasm.sh --release          # the shipping module (LTO + wasm-opt)
//   npm ci                                   # at the repository's root (one npm workspace)
//   node scripts/bench/browser.mjs [--runs 1000] [--metrics 10] [--steps 1000] [--no-native] [--no-duckdb]
//                                  [--formats mlflow,wandb,tensorboard,parquet,arrow | --formats all]
//
// Measures: both modules' sizes raw/gzip/brotli; cold start (fetch + compile + instantiate of
// the query module + first query on localhost); the loader module's start on the first load;
// ingest of the `runql gen` sweep in wasm vs natively (both generated
// in memory, loaded single-threaded); ranking 1,000 runs by final val/loss via
// metric_summary and by full scan; DuckDB-Wasm on the same data (runql's tables exported as
// Arrow IPC) answering the same full-scan ranking query. With --formats: load throughput of
// the same sweep written in each format (points/s, MB/s), in wasm and natively.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, startServer } from "../../tests/browser/server.mjs";
import { benchPage } from "./deps.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const spec = { runs: opt("runs", 1000), metrics: opt("metrics", 10), steps: opt("steps", 1000), seed: 42 };
const withNative = !argv.includes("--no-native");
const withDuckdb = !argv.includes("--no-duckdb");
const ALL_FORMATS = ["mlflow", "wandb", "tensorboard", "parquet", "arrow"];
const formatsArg = argv.includes("--formats") ? argv[argv.indexOf("--formats") + 1] ?? "" : "";
const formats = formatsArg === "all" ? ALL_FORMATS : formatsArg.split(",").filter(Boolean);
for (const f of formats) {
  if (!ALL_FORMATS.includes(f)) throw new Error(`--formats: unknown format ${f}; expected ${ALL_FORMATS.join(",")} or all`);
}
const fmt = (ms) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
const mb = (n) => `${(n / 1048576).toFixed(2)} MB`;
const rate = (points, ms) => `${((points / ms) * 1000 / 1e6).toFixed(2)} M points/s`;

for (const [role, file] of [["query module (fetched at start)", "runql_wasm_bg.wasm"],
  ["loader module (fetched on the first load)", "runql_load_bg.wasm"]]) {
  const wasm = readFileSync(join(ROOT, "packages/runql/pkg", file));
  const gz = gzipSync(wasm, { level: 9 }).length;
  const br = brotliCompressSync(wasm, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: wasm.length },
  }).length;
  console.log(`${role}: raw ${mb(wasm.length)}, gzip ${mb(gz)}, brotli ${mb(br)}`);
}
console.log("(build with scripts/build-wasm.sh --release for the shipping sizes)");

/** Runs the native side (single-threaded, same in-memory files) for one format. */
const nativeIngest = (format) => {
  const out = execFileSync("cargo", ["run", "--quiet", "--release", "-p", "runql-wasm", "--example", "ingest_native", "--",
    String(spec.runs), String(spec.metrics), String(spec.steps), String(spec.seed), format], { cwd: ROOT, encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").pop());
};
const native = withNative ? nativeIngest("mlflow") : null;

const server = await startServer(ROOT);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.error("page error:", e));
  await page.goto(`${server.url}${benchPage("browser.html")}`);
  await page.waitForFunction(() => window.benchReady === true);
  const cold = await page.evaluate(() => window.coldStart());
  console.log(`cold start: ${fmt(cold.total)} (import JS ${fmt(cold.importJs)}, fetch+compile+instantiate ` +
    `${fmt(cold.fetchCompileInstantiate)}, first query ${fmt(cold.firstQuery)})`);

  const w = await page.evaluate((s) => window.runqlBench(s), spec);
  console.log(`sweep: ${spec.runs} runs x ${spec.metrics} metrics x ${spec.steps} steps = ${w.points} points`);
  console.log(`loader module start (fetch + compile + instantiate, first load only): ${fmt(w.loaderStartMs)}`);
  console.log(`WebAssembly memory after the load: query module ${mb(w.queryMemory)}, loader module ` +
    `${mb(w.loaderMemory)} (a module's memory never shrinks: the loader's stays at its peak for the next load)`);
  console.log(`ingest (wasm):   ${fmt(w.loadMs)}  ${rate(w.points, w.loadMs)}  (parse ${fmt(w.parseMs)} + hand-over ` +
    `to the query module ${fmt(w.handoverMs)}; generating the files in memory: ${fmt(w.genMs)})`);
  console.log(`  hand-over: encode + views of the loader's memory ${fmt(w.handover.take)}, copy into the query ` +
    `module + check + decode ${fmt(w.handover.stage)}, register ${fmt(w.handover.commit)}`);
  console.log(`  hand-over / parse: ${(100 * w.handoverMs / w.parseMs).toFixed(1)}% (target <= 15%)`);
  const tables = w.handover.bytes;
  const s = w.loaderSteps;
  console.log(`  loader memory: ${mb(s.afterGen)} with the generated files (${mb(w.inputBytes)}), ${mb(s.afterParse)} ` +
    `after parsing, ${mb(s.afterHandover)} after the hand-over; peak = ${(s.afterHandover / tables).toFixed(2)}x ` +
    `the tables' ${mb(tables)} (target <= 3x)`);
  if (native) {
    console.log(`ingest (native): ${fmt(native.load_ms)}  ${rate(native.points, native.load_ms)}  ` +
      `(single-threaded, same in-memory files)  wasm/native = ${(w.loadMs / native.load_ms).toFixed(2)}x`);
  }
  console.log(`ranking ${w.runs} runs via metric_summary (wasm): ${fmt(w.rankSummaryMs)}` +
    (native ? `   native: ${fmt(native.rank_summary_ms)}` : ""));
  console.log(`ranking by full scan, last_value(value ORDER BY step) (wasm): ${fmt(w.rankScanMs)}` +
    (native ? `   native: ${fmt(native.rank_scan_ms)}` : ""));
  console.log(`ranking by full scan, arg_max(value, step) (wasm): ${fmt(w.rankScanArgmaxMs)}`);

  if (withDuckdb) {
    const d = await page.evaluate(() => window.duckdbBench());
    console.log(`duckdb-wasm 1.32.0: cold start ${fmt(d.coldMs)}; same data as Arrow IPC (${mb(d.ipcBytes)}, ` +
      `${d.count} rows): export from runql ${fmt(d.exportMs)}, insert ${fmt(d.insertMs)}`);
    console.log(`duckdb-wasm ranking by full scan, arg_max(value, step): ${fmt(d.rankScanMs)}`);
    console.log(`ratios runql/duckdb: full scan (arg_max) ${(w.rankScanArgmaxMs / d.rankScanMs).toFixed(2)}x, ` +
      `full scan (last_value) ${(w.rankScanMs / d.rankScanMs).toFixed(2)}x, ` +
      `metric_summary ${(w.rankSummaryMs / d.rankScanMs).toFixed(3)}x`);
    console.log(`same top run: runql ${w.topScan} / duckdb ${d.top} -> ${w.topScan === d.top ? "agree" : "DIFFER"}`);
  }

  if (formats.length > 0) {
    await page.evaluate(() => { window.benchDb?.free(); window.benchDb = undefined; });
    const mbs = (bytes, ms) => (bytes / 1e6 / (ms / 1000)).toFixed(0);
    const pps = (points, ms) => ((points / ms) * 1000 / 1e6).toFixed(2);
    console.log("\nload throughput per format (the sweep written in memory in each format, then loaded):");
    console.log("| format | files | size | wasm load (of it hand-over) | wasm points/s | wasm MB/s |" +
      (withNative ? " native load | native points/s | wasm/native |" : ""));
    console.log("|---|---|---|---|---|---|" + (withNative ? "---|---|---|" : ""));
    for (const format of formats) {
      const r = await page.evaluate((s) => window.ingestBench(s), { ...spec, format });
      if (r.metrics !== r.points) throw new Error(`${format}: loaded ${r.metrics} of ${r.points} points`);
      let row = `| ${format} | ${r.files} | ${(r.bytes / 1e6).toFixed(1)} MB | ${fmt(r.loadMs)} (${fmt(r.handoverMs)}) | ${pps(r.points, r.loadMs)}M | ${mbs(r.bytes, r.loadMs)} |`;
      if (withNative) {
        const n = nativeIngest(format);
        row += ` ${fmt(n.load_ms)} | ${pps(n.points, n.load_ms)}M | ${(r.loadMs / n.load_ms).toFixed(2)}x |`;
      }
      console.log(row);
    }
  }
} finally {
  await browser.close();
  await server.close();
}
