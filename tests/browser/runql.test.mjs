// runql's WebAssembly package in headless Chromium: loading the real MLflow fixture as
// {path, data} items, a folder FileList, a zip (URL and File), the same runs as an SQLite
// store (mlflow.db), SQL results checked against
// what mlflow itself reads back (tests/fixtures/mlflow/expected.json), Arrow IPC read back
// with apache-arrow, a change of `runql serve --watch` applied, the Web Worker variant, errors that leave the instance usable, and the
// example charts drawn byte for byte as their native snapshots.
//
// Needs the package built first: scripts/build-wasm.sh (scripts/test-all.sh does it).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import {
  appendFileSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { createInterface } from "node:readline";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { tableFromIPC } from "apache-arrow";
import { CHROMIUM, CHROMIUM_ARGS, startServer } from "./server.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const FIXTURE_DIR = "tests/fixtures/mlflow";
const MLRUNS = `${FIXTURE_DIR}/mlruns`;
const WORK = "target/browser-test";
const expected = JSON.parse(readFileSync(join(ROOT, FIXTURE_DIR, "expected.json"), "utf8"));

const RANKING = `SELECT r.name, s.last AS final_val_loss, s.min AS best, s.min_step
  FROM metric_summary s JOIN runs r USING (run_id)
  WHERE s.key = 'val/loss' ORDER BY final_val_loss LIMIT 10`;

const EMA = `SELECT m.step, m.value,
    tb_ema(m.value, 0.6) OVER (PARTITION BY m.run_id, m.key ORDER BY m.step) AS smooth
  FROM metrics m JOIN runs r USING (run_id)
  WHERE r.name = $1 AND m.key = 'val/loss' ORDER BY m.step`;

/** The ranking mlflow's own read-back implies: runs with a val/loss, by latest value. */
function expectedRanking() {
  return expected.runs
    .filter((r) => r.latest_metrics["val/loss"])
    .map((r) => ({ name: r.run_name, last: Number(r.latest_metrics["val/loss"][2]) }))
    .sort((a, b) => a.last - b.last);
}

/** TensorBoard's debiased EMA (docs: charts-and-queries.md B1). */
function tbEma(values, w) {
  let last = 0;
  let n = 0;
  return values.map((y) => {
    if (!Number.isFinite(y)) return y;
    last = w * last + (1 - w) * y;
    n += 1;
    return last / (1 - w ** n);
  });
}

function close(a, b, eps = 1e-9) {
  return Math.abs(a - b) <= eps * Math.max(1, Math.abs(a), Math.abs(b));
}

let server;
let browser;
let page;
const consoleErrors = [];

before(async () => {
  const pkg = join(ROOT, "packages/runql/pkg/runql_wasm_bg.wasm");
  if (!existsSync(pkg)) throw new Error(`${pkg} is missing: run scripts/build-wasm.sh first`);
  mkdirSync(join(ROOT, WORK), { recursive: true });
  const zip = join(ROOT, WORK, "mlruns.zip");
  execFileSync("python3", ["-m", "zipfile", "-c", zip, "mlruns"], { cwd: join(ROOT, FIXTURE_DIR) });
  const bytes = readFileSync(zip);
  writeFileSync(join(ROOT, WORK, "corrupt.zip"), bytes.subarray(0, Math.floor(bytes.length / 3)));
  server = await startServer(ROOT);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage();
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.goto(`${server.url}/tests/browser/harness.html`);
  await page.waitForFunction(() => window.runqlReady === true);
  await page.evaluate(async () => {
    window.fixtureItems = async (dir) => {
      const paths = await (await fetch(`/__list?dir=${encodeURIComponent(dir)}`)).json();
      return Promise.all(paths.map(async (path) => ({
        path, data: new Uint8Array(await (await fetch(`/${path}`)).arrayBuffer()),
      })));
    };
    window.errorOf = async (promise) => {
      try {
        await promise;
        return null;
      } catch (e) {
        return { name: e.name, kind: e.kind, message: e.message, isError: e instanceof Error };
      }
    };
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

function checkRanking(rows) {
  const want = expectedRanking();
  assert.ok(want.length >= 2, "fixture has runs to rank");
  assert.equal(rows.length, want.length);
  assert.equal(rows[0].name, want[0].name, "top run");
  rows.forEach((row, i) => {
    assert.equal(row.name, want[i].name);
    assert.ok(close(row.final_val_loss, want[i].last), `${row.name}: ${row.final_val_loss} vs ${want[i].last}`);
  });
}

/**
 * A copy of the MLflow fixture watched by `runql serve --watch`: `change()` appends a point to
 * a run, waits for the server's change and returns it with its tables (base64, for the page).
 */
async function watchedFixture() {
  const bin = process.env.RUNQL_BIN ?? join(ROOT, "target/debug/runql");
  if (!existsSync(bin)) throw new Error(`${bin} is missing: cargo build -p runql-cli (cargo test builds it)`);
  const dir = mkdtempSync(join(tmpdir(), "runql-apply-"));
  cpSync(join(ROOT, MLRUNS), join(dir, "mlruns"), { recursive: true });
  mkdirSync(join(dir, "www"));
  writeFileSync(join(dir, "www/index.html"), "<!doctype html>");
  const child = spawn(bin, ["serve", "-q", "--port", "0", "--www", join(dir, "www"), "--watch", "--interval", "0.1", join(dir, "mlruns")],
    { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((ok, fail) => {
    child.once("exit", (code) => fail(new Error(`runql serve exited with ${code}`)));
    createInterface({ input: child.stdout }).once("line", (l) => ok(new URL(l.replace(/^runql portal: /, "").trim())));
  });
  const get = async (path) => {
    const r = await fetch(new URL(path, url));
    if (!r.ok) throw new Error(`${path}: ${r.status}`);
    return r;
  };
  const b64 = async (path) => Buffer.from(await (await get(path)).arrayBuffer()).toString("base64");
  const status = await (await get("/live/status")).json();
  const tables = await Promise.all(status.data.map(async (p) => ({ path: p.split("/").pop(), data: await b64(p) })));
  const run = "5372f53ff9524fef88395aad5fac0dba";
  return {
    run,
    tables,
    async change(step) {
      appendFileSync(join(dir, "mlruns/0", run, "metrics/train/loss"), `${1767232800000 + step} 0.125 ${step}\n`);
      const since = status.version;
      const c = await (await get(`/live/changes?since=${since}&wait=20`)).json();
      status.version = c.version;
      const out = {};
      for (const p of c.tables) out[p.split("/").pop().replace(/\.arrows$/, "")] = await b64(p);
      return { removedRuns: c.removed_runs, removedModels: c.removed_models, tables: out };
    },
    stop() {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// The API tests run twice: against RunQL on the page's thread and against RunQLWorker, the
// same API answered from a Web Worker (window.openRunQL opens whichever the block is for).
for (const api of ["page", "worker"]) {
describe(`the ${api === "page" ? "page-thread" : "worker"} API`, () => {
  before(async () => {
    await page.evaluate(async (api) => {
      await window.db?.close();
      window.db = null;
      window.openRunQL = (options) =>
        api === "worker" ? window.runql.RunQL.initWorker(options) : window.runql.RunQL.init(options);
    }, api);
  });
  after(async () => {
    await page.evaluate(async () => {
      await window.db?.close();
      window.db = null;
    });
  });

  test("loads {path, data} items and ranks runs like mlflow reads them", async () => {
    const out = await page.evaluate(async ([mlruns, sql]) => {
      window.db = await window.openRunQL();
      const report = await window.db.load(await window.fixtureItems(mlruns));
      const result = await window.db.query(sql);
      return { report, columns: result.columns, rows: result.toArray() };
    }, [MLRUNS, RANKING]);
    assert.equal(out.report.rows.runs, expected.runs.length);
    assert.equal(typeof out.report.formats, "object");
    assert.ok(Object.keys(out.report.formats).length >= 1);
    assert.ok(out.report.files_read > 100);
    assert.deepEqual(out.columns.map((c) => c.name), ["name", "final_val_loss", "best", "min_step"]);
    assert.equal(out.columns[1].type, "Float64");
    checkRanking(out.rows);
  });

  test("loads a folder FileList (webkitdirectory relative paths)", async () => {
    await page.setInputFiles("#dir", join(ROOT, MLRUNS));
    const out = await page.evaluate(async (sql) => {
      const files = document.querySelector("#dir").files;
      const db = await window.openRunQL();
      const report = await db.load(files);
      const rows = (await db.query(sql)).toArray();
      await db.close();
      return { report, rows, n: files.length, first: files[0].webkitRelativePath };
    }, RANKING);
    assert.match(out.first, /^mlruns\//);
    assert.ok(out.n > 100);
    assert.equal(out.report.rows.runs, expected.runs.length);
    checkRanking(out.rows);
  });

  test("loads a zip from a URL and as a File", async () => {
    const out = await page.evaluate(async ([zipUrl, sql]) => {
      const db = await window.openRunQL();
      const fromUrl = await db.load(zipUrl);
      const rowsUrl = (await db.query(sql)).toArray();
      const bytes = await (await fetch(zipUrl)).arrayBuffer();
      const fromFile = await db.load(new File([bytes], "mlruns.zip"));
      const rowsFile = (await db.query(sql)).toArray();
      await db.close();
      return { fromUrl, rowsUrl, fromFile, rowsFile };
    }, [`/${WORK}/mlruns.zip`, RANKING]);
    assert.equal(out.fromUrl.rows.runs, expected.runs.length);
    assert.equal(out.fromFile.rows.runs, expected.runs.length);
    checkRanking(out.rowsUrl);
    checkRanking(out.rowsFile);
  });

  test("loads an MLflow SQLite store (mlflow.db) dropped as a File, like the file store", async () => {
    const out = await page.evaluate(async ([dbUrl, sql]) => {
      const db = await window.openRunQL();
      const bytes = await (await fetch(dbUrl)).arrayBuffer();
      const report = await db.load(new File([bytes], "mlflow.db"));
      const rows = (await db.query(sql)).toArray();
      const weird = (await db.query(
        "SELECT m.value FROM metrics m JOIN runs r USING (run_id) WHERE r.name = 'edge-metrics' AND m.key = 'weird' ORDER BY m.step",
      )).toArray().map((r) => String(r.value));
      const bad = await db.load(new File([bytes.slice(0, 5000)], "mlflow.db"));
      await db.close();
      return { report, rows, weird, bad };
    }, ["/tests/fixtures/mlflow-sqlite/mlflow.db", RANKING]);
    assert.equal(out.report.rows.runs, expected.runs.length);
    assert.deepEqual(Object.keys(out.report.formats), ["mlflow-sqlite"]);
    checkRanking(out.rows);
    assert.deepEqual(out.weird, ["1.5", "NaN", "Infinity", "-Infinity", "0.25"]);
    assert.ok(out.bad.issues.some((i) => i.path.includes("mlflow.db") && i.severity === "skipped"), JSON.stringify(out.bad));
  });

  test("tb_ema window matches TensorBoard's smoothing", async () => {
    const run = expectedRanking()[0].name;
    const rows = await page.evaluate(async ([sql, name]) => (await window.db.query(sql, [name])).toArray(),
      [EMA, run]);
    const history = expected.runs.find((r) => r.run_name === run).metric_history["val/loss"];
    const values = [...history].sort((a, b) => a[0] - b[0]).map((p) => Number(p[2]));
    const want = tbEma(values, 0.6);
    assert.equal(rows.length, values.length);
    assert.ok(rows.length >= 10);
    rows.forEach((row, i) => {
      assert.ok(close(row.value, values[i]), `value at ${i}`);
      assert.ok(close(row.smooth, want[i]), `smooth at step ${row.step}: ${row.smooth} vs ${want[i]}`);
    });
    assert.equal(rows[0].smooth, rows[0].value, "the first smoothed point is the raw value");
  });

  test("toArrow() is an IPC stream apache-arrow reads, matching toArray()", async () => {
    const sql = `SELECT r.run_id, r.name, r.created_at, s.key, s.last, s.count
      FROM metric_summary s JOIN runs r USING (run_id) ORDER BY r.run_id, s.key`;
    const out = await page.evaluate(async (sql) => {
      const r = await window.db.query(sql);
      const rows = r.toArray().map((row) => ({ ...row, created_at: row.created_at && row.created_at.getTime() }));
      return { ipc: Array.from(r.toArrow()), rows };
    }, sql);
    const table = tableFromIPC(Uint8Array.from(out.ipc));
    assert.equal(table.numRows, out.rows.length);
    assert.ok(table.numRows > 10);
    assert.deepEqual(table.schema.fields.map((f) => f.name), ["run_id", "name", "created_at", "key", "last", "count"]);
    const arrowRows = table.toArray();
    out.rows.forEach((row, i) => {
      const a = arrowRows[i];
      assert.equal(a.run_id, row.run_id);
      assert.equal(a.name, row.name);
      assert.equal(a.key, row.key);
      assert.equal(Number(a.count), row.count);
      if (Number.isNaN(row.last)) assert.ok(Number.isNaN(a.last));
      else assert.equal(a.last, row.last);
      assert.equal(a.created_at == null ? null : Number(a.created_at), row.created_at);
    });
  });

  test("NaN stays NaN, NULL is null, UNION ALL runs", async () => {
    const out = await page.evaluate(async () => {
      const nan = (await window.db.query(
        "SELECT step, value FROM metrics WHERE key = 'nan_last' ORDER BY step")).toArray();
      const mixed = (await window.db.query(
        "SELECT CAST('NaN' AS DOUBLE) AS x, CAST(NULL AS DOUBLE) AS y, 9007199254740993 AS big, true AS b")).toArray();
      const union = (await window.db.query(
        "SELECT count(*) AS n FROM (SELECT run_id FROM runs UNION ALL SELECT run_id FROM runs)")).toArray();
      return {
        lastIsNaN: Number.isNaN(nan[nan.length - 1].value),
        xIsNaN: Number.isNaN(mixed[0].x),
        y: mixed[0].y,
        bigType: typeof mixed[0].big,
        big: String(mixed[0].big),
        b: mixed[0].b,
        union: union[0].n,
      };
    });
    assert.equal(out.lastIsNaN, true);
    assert.equal(out.xIsNaN, true);
    assert.equal(out.y, null);
    assert.equal(out.bigType, "bigint");
    assert.equal(out.big, "9007199254740993");
    assert.equal(out.b, true);
    assert.equal(out.union, 2 * expected.runs.length);
  });

  test("tables(), schema() and $n parameters", async () => {
    const out = await page.evaluate(async () => {
      const tables = await window.db.tables();
      const schema = await window.db.schema("metrics");
      const n = (await window.db.query(
        "SELECT count(*) AS n FROM metrics WHERE key = $1 AND step >= $2", ["val/loss", 10])).toArray()[0].n;
      return { tables, schema, n };
    });
    for (const t of ["runs", "params", "metrics", "tags", "metric_summary", "runs_wide"]) {
      assert.ok(out.tables.includes(t), t);
    }
    assert.deepEqual(out.schema.map((c) => c.name).slice(0, 5), ["run_id", "key", "step", "timestamp", "value"]);
    const want = expected.runs.flatMap((r) => r.metric_history["val/loss"] ?? []).filter((p) => p[0] >= 10).length;
    assert.equal(out.n, want);
  });

  test("applyChanges takes a change of runql serve --watch: the run's rows are replaced, the rest stay", async () => {
    const watched = await watchedFixture();
    try {
      const change = await watched.change(4242);
      const out = await page.evaluate(async ({ tables, change, run }) => {
        const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const db = await window.openRunQL();
        await db.load(tables.map((t) => ({ path: t.path, data: bytes(t.data) })));
        const ask = async (sql, params = []) => (await db.query(sql, params)).toArray()[0];
        const before = await ask("SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM metrics) AS points");
        const decoded = Object.fromEntries(Object.entries(change.tables).map(([k, v]) => [k, bytes(v)]));
        // A change whose tables are not those of the change (params' rows as runs) is refused.
        // (Copies: a worker takes the bytes it is given.)
        const wrong = Object.fromEntries(Object.entries(decoded).map(([k, v]) => [k, v.slice()]));
        wrong.runs = decoded.params.slice();
        const refused = await db.applyChanges({ ...change, tables: wrong }).then(() => null, (e) => ({ name: e.name, kind: e.kind, message: e.message }));
        const still = await ask("SELECT count(*) AS points FROM metrics");
        await db.applyChanges({ ...change, tables: decoded });
        const after = await ask("SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM metrics) AS points");
        const last = await ask("SELECT max(step) AS step FROM metrics WHERE run_id = $1", [run]);
        const wide = await ask(`SELECT "metrics.train/loss" AS v FROM runs_wide WHERE run_id = $1`, [run]);
        const append = await db.load([{ path: "x.csv", data: new TextEncoder().encode("run_id,key,step,value\nz,loss,0,1\n") }], { append: true })
          .then(() => null, (e) => e.kind);
        await db.close();
        return { before, refused, still, after, last, wide, append };
      }, { tables: watched.tables, change, run: watched.run });
      assert.equal(out.refused?.name, "RunQLError");
      assert.equal(out.refused.kind, "load");
      assert.equal(Number(out.still.points), Number(out.before.points), "a refused change leaves the tables");
      assert.equal(Number(out.after.runs), Number(out.before.runs));
      assert.equal(Number(out.after.points), Number(out.before.points) + 1);
      assert.equal(Number(out.last.step), 4242);
      assert.equal(out.wide.v, 0.125, "runs_wide follows the change");
      assert.equal(out.append, "input", "append after a change is refused");
    } finally {
      watched.stop();
    }
  });

  test("loadDemo writes the sweep in each format runql gen knows and reads it back whole", async () => {
    const out = await page.evaluate(async () => {
      const BEST = `SELECT r.name FROM metric_summary s JOIN runs r USING (run_id)
        WHERE s.key = 'val/loss' AND NOT isnan(s.last) ORDER BY s.last LIMIT 1`;
      const rows = {};
      for (const format of ["mlflow", "wandb", "tensorboard", "parquet", "arrow"]) {
        const db = await window.openRunQL();
        const report = await db.loadDemo({ runs: 6, metrics: 4, steps: 25, seed: 7, format });
        const best = (await db.query(BEST)).toArray()[0].name;
        rows[format] = { runs: report.rows.runs, metrics: report.rows.metrics, best };
        await db.close();
      }
      const db = await window.openRunQL();
      const bad = await window.errorOf(db.loadDemo({ format: "csv" }));
      await db.close();
      return { rows, bad };
    });
    for (const [format, r] of Object.entries(out.rows)) {
      assert.equal(r.runs, 6, format);
      assert.equal(r.metrics, 6 * 4 * 25, format);
      // TensorBoard names a run by its folder under the logdir (`runs/<name>`), as TensorBoard does.
      const name = format === "tensorboard" ? r.best.replace(/^runs\//, "") : r.best;
      assert.equal(name, out.rows.mlflow.best, `${format}: the same best run as the MLflow form`);
    }
    assert.equal(out.bad.kind, "input");
    assert.match(out.bad.message, /unknown sweep format "csv"/);
  });

  test("onProgress reports reading then parsing; append adds runs; keepInputs: false refuses append", async () => {
    const out = await page.evaluate(async (mlruns) => {
      const items = await window.fixtureItems(mlruns);
      // Split by run folder (a 32-hex segment) so each part holds whole runs; everything
      // else (experiment meta.yaml, models, ...) goes into the first part.
      const runDir = (p) => {
        const segs = p.split("/");
        const i = segs.findIndex((x) => /^[0-9a-f]{32}$/.test(x));
        return i < 0 ? null : segs.slice(0, i + 1).join("/");
      };
      const dirs = [...new Set(items.map((i) => runDir(i.path)).filter(Boolean))].sort();
      const firstDirs = new Set(dirs.slice(0, Math.floor(dirs.length / 2)));
      const isMeta = (i) => runDir(i.path) === null;
      const partA = items.filter((i) => isMeta(i) || firstDirs.has(runDir(i.path)));
      const partB = items.filter((i) => !isMeta(i) && !firstDirs.has(runDir(i.path)));
      const events = [];
      const db = await window.openRunQL();
      const a = await db.load(partA, { onProgress: (p) => events.push(p) });
      const b = await db.load(partB, { append: true, onProgress: () => { throw new Error("ignored"); } });
      const total = (await db.query("SELECT count(*) AS n FROM runs")).toArray()[0].n;
      await db.close();
      const lean = await window.openRunQL({ keepInputs: false });
      await lean.load(partA);
      const refused = await window.errorOf(lean.load(partB, { append: true }));
      const leanRuns = (await lean.query("SELECT count(*) AS n FROM runs")).toArray()[0].n;
      await lean.close();
      return { events, a: a.rows.runs, b: b.rows.runs, total, refused, leanRuns, n: partA.length };
    }, MLRUNS);
    const read = out.events.filter((e) => e.phase === "read");
    const parse = out.events.filter((e) => e.phase === "parse");
    assert.ok(read.length >= 1 && parse.length >= 1, JSON.stringify(out.events.slice(0, 3)));
    assert.ok(out.events.indexOf(parse[0]) > out.events.indexOf(read.at(-1)), "reading comes before parsing");
    assert.deepEqual(read.at(-1), {
      phase: "read", filesDone: out.n, filesTotal: out.n, bytesDone: read.at(-1).bytesTotal,
      bytesTotal: read.at(-1).bytesTotal,
    });
    const lastParse = parse.at(-1);
    assert.equal(lastParse.filesDone, lastParse.filesTotal);
    assert.equal(lastParse.bytesDone, lastParse.bytesTotal);
    for (let i = 1; i < parse.length; i += 1) assert.ok(parse[i].filesDone >= parse[i - 1].filesDone);
    assert.ok(out.a > 0 && out.a < expected.runs.length, `first half: ${out.a} runs`);
    assert.equal(out.b, expected.runs.length, "append loads the earlier inputs again with the new ones");
    assert.equal(out.total, expected.runs.length);
    assert.equal(out.refused.kind, "input");
    assert.match(out.refused.message, /keepInputs/);
    assert.equal(out.leanRuns, out.a, "a refused append keeps the tables");
  });

  test("errors have a kind and leave the instance usable", async () => {
    const out = await page.evaluate(async ([sql, corrupt]) => {
      const db = window.db;
      const count = async () => (await db.query("SELECT count(*) AS n FROM runs")).toArray()[0].n;
      const r = {};
      r.before = await count();
      r.badSql = await window.errorOf(db.query("SELEC nonsense FROM"));
      r.afterBadSql = await count();
      r.unknownTable = await window.errorOf(db.query("SELECT * FROM no_such_table"));
      r.readOnly = await window.errorOf(db.query("DROP TABLE runs"));
      r.params = await window.errorOf(db.query("SELECT $1 + $2 AS x", [1]));
      r.paramsType = await window.errorOf(db.query("SELECT $1 AS x", [{ not: "a value" }]));
      r.corruptZip = await window.errorOf(db.load(corrupt));
      r.afterCorrupt = await count();
      r.noRunData = await window.errorOf(db.load([{ path: "notes.txt", data: new TextEncoder().encode("hello") }]));
      const other = await window.openRunQL();
      try {
        const garbage = [{ path: "mlruns/0/meta.yaml", data: new Uint8Array([0xff, 0, 1, 2]) }];
        r.garbageReport = await other.load(garbage);
      } catch (e) {
        r.garbageError = { kind: e.kind, message: e.message };
      }
      await other.close();
      r.badInput = await window.errorOf(db.load(42));
      r.badFetch = await window.errorOf(db.load("/no/such/file.zip"));
      r.schema = await window.errorOf(db.schema("nope"));
      r.after = await count();
      r.ranking = (await db.query(sql)).toArray();
      return r;
    }, [RANKING, `/${WORK}/corrupt.zip`]);
    const runs = expected.runs.length;
    assert.equal(out.before, runs);
    const kinds = {
      badSql: "sql", unknownTable: "sql", readOnly: "read_only", params: "params", paramsType: "params",
      corruptZip: "load", noRunData: "load", badInput: "input", badFetch: "load", schema: "sql",
    };
    for (const [key, kind] of Object.entries(kinds)) {
      assert.ok(out[key], `${key} should fail`);
      assert.equal(out[key].kind, kind, `${key}: ${JSON.stringify(out[key])}`);
      assert.equal(out[key].name, "RunQLError");
      assert.equal(out[key].isError, true);
      assert.ok(out[key].message.length > 0);
    }
    // A corrupt file inside otherwise recognizable run data is reported and skipped, not fatal.
    if (out.garbageError) assert.equal(out.garbageError.kind, "load");
    else assert.ok(out.garbageReport.skipped >= 1, JSON.stringify(out.garbageReport));
    assert.equal(out.afterBadSql, runs);
    assert.equal(out.afterCorrupt, runs, "a corrupt zip keeps the previous tables");
    assert.equal(out.after, runs);
    checkRanking(out.ranking);
  });
});
}

/** A new page on the harness, and the names of the .wasm files it requests, in order. */
async function pageWatchingModules() {
  const fresh = await browser.newPage();
  const fetched = [];
  fresh.on("request", (r) => {
    const name = new URL(r.url()).pathname.split("/").pop();
    if (name.endsWith(".wasm")) fetched.push(name);
  });
  await fresh.goto(`${server.url}/tests/browser/harness.html`);
  await fresh.waitForFunction(() => window.runqlReady === true);
  return { fresh, fetched };
}

describe("two modules", () => {
  test("the loader module is fetched once, by prefetchLoader or the first load, not at start", async () => {
    const { fresh, fetched } = await pageWatchingModules();
    try {
      const started = await fresh.evaluate(async () => {
        window.db = await window.runql.RunQL.init();
        return Number((await window.db.query("SELECT 40 + 2 AS n")).toArray()[0].n);
      });
      assert.equal(started, 42);
      assert.deepEqual(fetched, ["runql_wasm_bg.wasm"], "only the query module at start");
      await fresh.evaluate(() => window.db.prefetchLoader());
      assert.deepEqual(fetched, ["runql_wasm_bg.wasm", "runql_load_bg.wasm"], "prefetchLoader fetches the loader");
      const runs = await fresh.evaluate(async () => {
        const first = await window.db.loadDemo({ runs: 3, metrics: 3, steps: 10 });
        const other = await window.runql.RunQL.init();
        const second = await other.loadDemo({ runs: 5, metrics: 3, steps: 10, format: "parquet" });
        const n = (await other.query("SELECT count(*) AS n FROM runs")).toArray()[0].n;
        return [first.rows.runs, second.rows.runs, Number(n)];
      });
      assert.deepEqual(runs, [3, 5, 5]);
      assert.deepEqual(fetched, ["runql_wasm_bg.wasm", "runql_load_bg.wasm"], "not again by loads, in any instance");
    } finally {
      await fresh.close();
    }
  });

  test("prefetchLoader: true fetches both modules at init, in a worker too", async () => {
    const { fresh, fetched } = await pageWatchingModules();
    try {
      await fresh.evaluate(async () => {
        window.db = await window.runql.RunQL.init({ prefetchLoader: true });
      });
      // Nothing but init ran in the page: the loader's request can only be init's prefetch
      // (its event may reach this process a moment after init resolves).
      for (let waited = 0; !fetched.includes("runql_load_bg.wasm") && waited < 5000; waited += 50) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual([...fetched].sort(), ["runql_load_bg.wasm", "runql_wasm_bg.wasm"], "both at init");
      const runs = await fresh.evaluate(async () => {
        const db = window.db;
        const w = await window.runql.RunQL.initWorker({ prefetchLoader: true });
        const report = await w.loadDemo({ runs: 2, metrics: 3, steps: 5 });
        await w.close();
        await db.close();
        return report.rows.runs;
      });
      assert.equal(runs, 2, "the worker's prefetched loader loads");
    } finally {
      await fresh.close();
    }
  });

  test("the query module refuses tables that are not runql's and keeps its own", async () => {
    const out = await page.evaluate(async () => {
      const { Database } = await import("/packages/runql/pkg/runql_wasm.js");
      const { Loader } = await window.runql.initLoaderModule();
      const attempt = (f) => {
        try {
          f();
          return null;
        } catch (e) {
          return { name: e.name, kind: e.kind, message: e.message };
        }
      };
      const db = new Database();
      const loader = new Loader(false);
      loader.stageDemo(2, 3, 5, 1, "mlflow");
      loader.commit(false, undefined);
      // takeTable's pieces are views of the loader's memory, valid until its next call: each
      // table is copied out into one stream as it is taken, to be handed over later in parts.
      const joined = (pieces) => {
        const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of pieces) {
          out.set(p, at);
          at += p.length;
        }
        return out;
      };
      const r = {};
      const tables = {};
      for (const name of loader.tableNames()) {
        const pieces = loader.takeTable(name);
        if (name === "metrics") r.pieces = pieces.length;
        tables[name] = joined(pieces);
      }
      loader.finish(true);
      r.notIpc = attempt(() => db.stageTable("runs", [new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9])]));
      r.notBytes = attempt(() => db.stageTable("runs", [tables.runs, "more"]));
      r.cut = attempt(() => db.stageTable("metrics", [tables.metrics.subarray(0, tables.metrics.length >> 1)]));
      r.wrongName = attempt(() => db.stageTable("tags", [tables.params]));
      r.unknown = attempt(() => db.stageTable("experiments", [tables.runs]));
      r.takenTwice = attempt(() => loader.takeTable("runs"));
      for (const name of ["runs", "params", "metrics"]) db.stageTable(name, [tables[name]]);
      r.incomplete = attempt(() => db.commitTables());
      // Any cut into pieces is the same stream.
      for (const [name, bytes] of Object.entries(tables)) {
        const third = Math.floor(bytes.length / 3);
        db.stageTable(name, [bytes.subarray(0, third), bytes.subarray(third, third), bytes.subarray(third)]);
      }
      db.commitTables();
      // The raw binding's results: typed arrays per column (the package wraps them).
      const count = (sql) => {
        const result = db.query(sql, []);
        const n = Number(result.toColumns()[0].values[0]);
        result.free();
        return n;
      };
      r.points = count("SELECT count(*) AS n FROM metrics");
      r.afterGarbage = attempt(() => db.stageTable("runs", [new Uint8Array(0)]));
      r.runsStill = count("SELECT count(*) AS n FROM runs");
      db.free();
      loader.free();
      return r;
    });
    for (const key of ["notIpc", "notBytes", "cut", "wrongName", "unknown", "incomplete", "afterGarbage"]) {
      assert.equal(out[key]?.name, "RunQLError", `${key}: ${JSON.stringify(out[key])}`);
      assert.equal(out[key].kind, "load", key);
    }
    assert.match(out.notIpc.message, /^table runs: /);
    assert.equal(out.notBytes.message, "table runs: piece 1 of its Arrow IPC stream is not a Uint8Array");
    assert.ok(out.pieces > 5, `metrics arrives in pieces sharing the loader's buffers, not one copy: ${out.pieces}`);
    assert.match(out.cut.message, /^table metrics: .*(truncated|cut short)/);
    assert.equal(out.wrongName.message, "table tags: 5 columns, runql's table has 3");
    assert.match(out.unknown.message, /^table experiments: not a runql table/);
    assert.equal(out.incomplete.message, "table tags: missing: it was never handed over");
    assert.equal(out.takenTwice.kind, "input");
    assert.equal(out.points, 2 * 3 * 5);
    assert.equal(out.runsStill, 2, "a refused table leaves the committed ones");
  });
});

describe("worker", () => {
  test("same API from a Web Worker; byte inputs stay usable; errors keep their kind", async () => {
    const out = await page.evaluate(async ([mlruns, zipUrl, sql, ema, run]) => {
      const w = await window.runql.RunQL.initWorker();
      await w.prefetchLoader(); // the worker fetches its loader module ahead of the load
      const items = await window.fixtureItems(mlruns);
      const sizeBefore = items[0].data.byteLength;
      const report = await w.load(items);
      // Copied into a Blob (so that a restarted worker can read them again), not transferred.
      const kept = items[0].data.byteLength === sizeBefore && sizeBefore > 0;
      const r = await w.query(sql);
      const rows = r.toArray();
      const ipc = Array.from(r.toArrow());
      const badSql = await window.errorOf(w.query("SELECT FROM WHERE"));
      const corrupt = await window.errorOf(w.load(new Uint8Array([0x50, 0x4b, 3, 4, 9, 9, 9])));
      const smooth = (await w.query(ema, [run])).toArray();
      const progress = [];
      const fromZip = await w.load(zipUrl, { onProgress: (p) => progress.push(p.phase) });
      const tables = await w.tables();
      const schema = await w.schema("runs");
      const rowsAfter = (await w.query(sql)).toArray();
      await w.close();
      return { report, kept, rows, ipc, badSql, corrupt, smooth, fromZip, progress, tables, schema, rowsAfter };
    }, [MLRUNS, `/${WORK}/mlruns.zip`, RANKING, EMA, expectedRanking()[0].name]);
    assert.equal(out.report.rows.runs, expected.runs.length);
    assert.equal(out.kept, true, "Uint8Array inputs are copied, not transferred (detached)");
    checkRanking(out.rows);
    checkRanking(tableFromIPC(Uint8Array.from(out.ipc)).toArray().map((r) => ({ ...r })));
    assert.equal(out.badSql.kind, "sql");
    assert.equal(out.corrupt.kind, "load");
    assert.equal(out.smooth.length, 20);
    assert.equal(out.fromZip.rows.runs, expected.runs.length);
    assert.equal(out.progress[0], "read");
    assert.equal(out.progress.at(-1), "parse", "parse progress crosses from the worker");
    assert.ok(out.tables.includes("metric_summary"));
    assert.ok(out.schema.some((c) => c.name === "run_id"));
    checkRanking(out.rowsAfter);
  });
});

/** runql's series palette and FNV-1a color choice (runql-chart color.rs), to check pixels. */
const PALETTE = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189], [140, 86, 75],
  [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207], [174, 199, 232], [255, 187, 120],
  [152, 223, 138], [255, 152, 150], [197, 176, 213], [196, 156, 148], [247, 182, 210], [199, 199, 199],
  [219, 219, 141], [158, 218, 229],
];
function seriesColor(key) {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(key)) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return PALETTE[Number(h % 20n)];
}

const CURVES = {
  kind: "line",
  data: { preset: "curves", metric: "val/loss" },
  options: { width: 600, height: 360, pixel_ratio: 2, legend: false },
};

/** Draws CURVES with `api` (RunQL or RunQLWorker) and reports what the page sees. */
async function chartProbe(page, useWorker) {
  return page.evaluate(async ([mlruns, spec, useWorker]) => {
    const api = useWorker ? await window.runql.RunQL.initWorker() : await window.runql.RunQL.init();
    await api.load(await window.fixtureItems(mlruns));
    const canvas = document.createElement("canvas");
    document.body.append(canvas);
    const view = await api.plot(canvas, spec);
    // The best run's val/loss points, to look for on the canvas.
    const pts = (await api.query(`SELECT m.run_id, coalesce(r.name, r.run_id) AS name, CAST(m.step AS DOUBLE) AS x, m.value
      FROM metrics m JOIN runs r USING (run_id) WHERE m.key = 'val/loss' AND NOT isnan(m.value) AND abs(m.value) < 1e300
      ORDER BY m.run_id, m.step`)).toArray().map((p) => ({ ...p, step: p.x }));
    const run = pts[0].run_id;
    const mine = pts.filter((p) => p.run_id === run);
    const mid = mine[Math.floor(mine.length / 2)];
    const [px, py] = await view.toPixels(mid.step, mid.value);
    const ctx = canvas.getContext("2d");
    const near = (cx, cy, r) => {
      const out = [];
      const d = ctx.getImageData(Math.round(cx * 2) - r, Math.round(cy * 2) - r, 2 * r + 1, 2 * r + 1).data;
      for (let i = 0; i < d.length; i += 4) out.push([d[i], d[i + 1], d[i + 2]]);
      return out;
    };
    const area = await view.plotArea();
    const pixelsNear = near(px, py, 2);
    const background = near(area.x + area.w - 3, area.y + 3, 0)[0];
    const hit = await view.pick(px + 1, py - 1);
    const before = await view.xRange();
    const lo = mine[1].step;
    const hi = mine[mine.length - 2].step;
    await view.zoom(lo, hi);
    const zoomed = await view.xRange();
    const [zx] = await view.toPixels(mid.step, mid.value);
    await view.reset();
    const after = await view.xRange();
    await view.setOptions({ ...spec.options, theme: "dark" });
    const dark = near(area.x + 3, area.y + 3, 0)[0];
    const svg = await view.toSVG();
    const hostile = await api.svg({
      kind: "scatter",
      title: "<script>alert(1)</script>",
      data: { sql: "SELECT 1.0 AS x, 2.0 AS y, '<script>alert(1)</script>' AS who" },
      encoding: { x: "x", y: "y", series: "who" },
      options: { width: 300, height: 200, x_label: "<img src=x onerror=alert(2)>" },
    });
    const badSpec = await window.errorOf(api.plot(canvas, { kind: "pie", data: { sql: "SELECT 1" } }));
    const badColumn = await window.errorOf(api.plot(canvas, { kind: "line", data: { sql: "SELECT 1 AS a" }, encoding: { x: "a", y: "nope" } }));
    const badSql = await window.errorOf(api.svg({ kind: "line", data: { sql: "SELEC 1" }, encoding: { x: "a", y: "b" } }));
    const stillWorks = (await api.query("SELECT count(*) AS n FROM runs")).toArray()[0].n;
    view.free();
    await api.close();
    return {
      canvasSize: [canvas.width, canvas.height], cssWidth: canvas.style.width,
      run, name: mid.name, mid, px, py, area, hit, before, zoomed, zx, after, dark,
      pixelsNear, background,
      svgHasCurves: svg.includes("<polyline") && svg.includes(">\nval/loss\n<"), hostile, badSpec, badColumn, badSql, stillWorks,
    };
  }, [MLRUNS, CURVES, useWorker]);
}

function checkChart(out) {
  assert.deepEqual(out.canvasSize, [1200, 720], "HiDPI: device pixels = CSS size x pixel_ratio");
  assert.equal(out.cssWidth, "600px");
  // A pixel of the run's own color where its point is drawn.
  const want = seriesColor(out.run);
  const close = (c) => Math.abs(c[0] - want[0]) + Math.abs(c[1] - want[1]) + Math.abs(c[2] - want[2]) < 60;
  assert.ok(out.pixelsNear.some(close), `no ${want} pixel near ${out.px},${out.py}: ${JSON.stringify(out.pixelsNear.slice(0, 5))}`);
  assert.deepEqual(out.background, [255, 255, 255], "empty plot corner is background");
  assert.deepEqual(out.dark.slice(0, 3), [24, 26, 31], "setOptions redraws with the dark theme");
  assert.ok(out.hit, "pick finds the point");
  assert.equal(out.hit.label, out.name);
  assert.equal(out.hit.x, out.mid.step);
  assert.ok(Math.abs(out.hit.y - out.mid.value) < 1e-12);
  assert.ok(out.hit.distance < 3);
  assert.ok(out.zoomed[0] === out.mid.step || out.zoomed[0] < out.mid.step);
  assert.ok(out.zoomed[1] - out.zoomed[0] < out.before[1] - out.before[0], "zoom narrows the x range");
  assert.notEqual(Math.round(out.zx), Math.round(out.px), "the same point moves when zoomed");
  assert.deepEqual(out.after, out.before, "reset restores the range");
  assert.ok(out.svgHasCurves, "the SVG has the curves and the title");
  assert.ok(!out.hostile.includes("<script>") && out.hostile.includes("&lt;script&gt;"), out.hostile);
  assert.ok(!out.hostile.includes("<img"));
  assert.equal(out.badSpec.kind, "chart");
  assert.match(out.badSpec.message, /pie/);
  assert.equal(out.badColumn.kind, "chart");
  assert.match(out.badColumn.message, /nope/);
  assert.equal(out.badSql.kind, "sql");
  assert.equal(out.stillWorks, expected.runs.length);
}

describe("charts", () => {
  test("plot() draws on a canvas at devicePixelRatio; pick, zoom, reset, setOptions, SVG", async () => {
    checkChart(await chartProbe(page, false));
  });

  test("the worker builds the chart and the page paints its scene", async () => {
    checkChart(await chartProbe(page, true));
  });

  // The charts under examples/charts/ drawn by the WebAssembly module, from the same demo
  // sweep the native snapshot test loads, must be the reviewed native SVGs byte for byte:
  // WebAssembly has code of its own in the drawing path (M4's SIMD block scan), a 32-bit
  // usize (the random forest's generator once differed by it), and any difference in
  // arithmetic would show as a moved point.
  test("every example chart renders to its reviewed native snapshot", async () => {
    const dir = join(ROOT, "examples/charts");
    const names = readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort();
    const specs = names.map((n) => JSON.parse(readFileSync(join(dir, `${n}.json`), "utf8")));
    const svgs = await page.evaluate(async (specs) => {
      const db = await window.runql.RunQL.init();
      // crates/runql/tests/examples.rs: the sweep it charts.
      await db.loadDemo({ runs: 24, metrics: 4, steps: 100, seed: 7, format: "mlflow" });
      const out = [];
      for (const spec of specs) out.push(await db.svg(spec));
      await db.close();
      return out;
    }, specs);
    assert.ok(names.includes("dense-signal"), "an example dense enough for M4's block scan");
    names.forEach((name, i) => {
      const snap = readFileSync(join(ROOT, `crates/runql/tests/snapshots/examples__${name}.snap`), "utf8");
      // An insta snapshot: a header between two "---" lines, then the SVG.
      const body = snap.slice(snap.indexOf("\n---\n") + 5);
      assert.ok(body.startsWith("<svg"), `${name}: snapshot body`);
      if (svgs[i].trimEnd() !== body.trimEnd()) {
        const file = join(WORK, `${name}.wasm.svg`);
        writeFileSync(join(ROOT, file), svgs[i]);
        assert.fail(`${name}: the WebAssembly SVG differs from the native snapshot (written to ${file})`);
      }
    });
  });
});

describe("a crash inside the loader module", () => {
  // Corrupt page bytes that reach an assert inside the parquet crate (fuzz/README.md): in
  // WebAssembly the panic traps the loader module mid-call. Run in a page of its own, since
  // the panic is logged to that page's console on purpose.
  test("is reported as an internal error; the loaded tables stay and the next load works", async () => {
    const crashPage = await browser.newPage();
    try {
      await crashPage.goto(`${server.url}/tests/browser/harness.html`);
      await crashPage.waitForFunction(() => window.runqlReady === true);
      const out = await crashPage.evaluate(async (path) => {
        const { RunQL } = window.runql;
        const data = new Uint8Array(await (await fetch(`/${path}`)).arrayBuffer());
        const db = await RunQL.init();
        const runs = async (instance) => Number((await instance.query("SELECT count(*) AS n FROM runs")).toArray()[0].n);
        await db.loadDemo({ runs: 4, metrics: 3, steps: 5 });
        const r = { before: await runs(db) };
        try {
          await db.load([{ path: "table.parquet", data }]);
        } catch (e) {
          r.error = { name: e.name, kind: e.kind, message: e.message };
        }
        r.after = await runs(db);
        r.reloaded = (await db.loadDemo({ runs: 6, metrics: 3, steps: 5, seed: 9 })).rows.runs;
        r.afterReload = await runs(db);
        const fresh = await RunQL.init();
        r.fresh = (await fresh.loadDemo({ runs: 2, metrics: 3, steps: 5 })).rows.runs;
        return r;
      }, "fuzz/corpus/parquet_entry/known-parquet-divide-by-zero.parquet");
      assert.ok(out.error, "loading the file should fail");
      assert.equal(out.error.name, "RunQLError");
      assert.equal(out.error.kind, "internal", JSON.stringify(out.error));
      assert.match(out.error.message, /loader crashed/);
      assert.match(out.error.message, /tables loaded before are unchanged/);
      assert.equal(out.before, 4);
      assert.equal(out.after, 4, "the query module kept its tables");
      assert.equal(out.reloaded, 6, "the same instance loads again with a new loader");
      assert.equal(out.afterReload, 6);
      assert.equal(out.fresh, 2);
    } finally {
      await crashPage.close();
    }
  });
});

/** A page of its own for a test that crashes a module (the traps and panics are logged there). */
async function crashPage() {
  const p = await browser.newPage();
  await p.goto(`${server.url}/tests/browser/harness.html`);
  await p.waitForFunction(() => window.runqlReady === true);
  await p.evaluate(async () => {
    window.trap = await import("/tests/browser/trap.js");
    window.errorOf = async (promise) => {
      try {
        await promise;
        return null;
      } catch (e) {
        return { name: e.name, kind: e.kind, message: e.message };
      }
    };
    window.countRuns = async (db) => Number((await db.query("SELECT count(*) AS n FROM runs")).toArray()[0].n);
  });
  return p;
}

describe("a crash inside the query module", () => {
  test("ends every instance on the page at once; RunQL.init() then starts a fresh module that works", async () => {
    const p = await crashPage();
    try {
      const out = await p.evaluate(async () => {
        const { RunQL } = window.runql;
        const glue = await import("/packages/runql/pkg/runql_wasm.js");
        const db = await RunQL.init();
        const other = await RunQL.init();
        await db.loadDemo({ runs: 5, metrics: 3, steps: 10 });
        const r = { before: await window.countRuns(db) };
        const pending = await db.query("SELECT name FROM runs");
        // The exports of the instance in use (init returns them once it is instantiated).
        const exportsBefore = await glue.default();
        r.abortedFirst = await window.errorOf(db.query("SELECT 1", [], { signal: AbortSignal.abort() }));
        r.crash = await window.errorOf(db.query("SELECT $1 AS x", window.trap.trapParams(exportsBefore)));
        r.crashed = db.crashed;
        r.again = await window.errorOf(db.query("SELECT 1 AS x"));
        r.tables = await window.errorOf(db.tables());
        r.load = await window.errorOf(db.loadDemo({ runs: 2, metrics: 3, steps: 5 }));
        r.other = await window.errorOf(other.query("SELECT 1 AS x"));
        try {
          pending.toArray();
        } catch (e) {
          r.pending = { kind: e.kind, message: e.message };
        }
        pending.free();
        await db.close();
        await other.close();

        const fresh = await RunQL.init();
        const exportsAfter = await glue.default();
        r.freshModule = exportsAfter !== exportsBefore;
        r.freshCrashed = fresh.crashed;
        r.one = Number((await fresh.query("SELECT 1 AS x")).toArray()[0].x);
        r.freshRuns = (await fresh.loadDemo({ runs: 4, metrics: 3, steps: 10 })).rows.runs;
        r.freshCount = await window.countRuns(fresh);
        // A second crash is recovered from the same way.
        r.second = await window.errorOf(fresh.query("SELECT $1 AS x", window.trap.trapParams(exportsAfter)));
        const third = await RunQL.init();
        r.thirdOne = Number((await third.query("SELECT 2 AS x")).toArray()[0].x);
        r.thirdModule = (await glue.default()) !== exportsAfter;
        return r;
      });
      assert.equal(out.before, 5);
      assert.equal(out.abortedFirst.kind, "cancelled", "an aborted signal stops a page-thread query before it starts");
      assert.equal(out.crash.kind, "internal", JSON.stringify(out.crash));
      assert.match(out.crash.message, /query module crashed \(.*out of bounds.*\).*RunQL\.init\(\)/);
      assert.equal(out.crashed, true);
      for (const key of ["again", "tables", "load", "other", "pending"]) {
        assert.equal(out[key]?.kind, "internal", `${key}: ${JSON.stringify(out[key])}`);
        assert.match(out[key].message, /crashed earlier .*call RunQL\.init\(\) again/, key);
      }
      assert.equal(out.freshModule, true, "RunQL.init() after the crash instantiates the module again");
      assert.equal(out.freshCrashed, false);
      assert.equal(out.one, 1);
      assert.equal(out.freshRuns, 4);
      assert.equal(out.freshCount, 4);
      assert.equal(out.second.kind, "internal");
      assert.equal(out.thirdOne, 2);
      assert.equal(out.thirdModule, true);
    } finally {
      await p.close();
    }
  });
});

describe("many crashes inside the loader module", () => {
  test("200 corrupt Parquet loads in a row: each crash starts a fresh loader module, and a good load works after them", async () => {
    const p = await crashPage();
    try {
      const out = await p.evaluate(async ([path, zip]) => {
        const { RunQL } = window.runql;
        const data = new Uint8Array(await (await fetch(`/${path}`)).arrayBuffer());
        const db = await RunQL.init();
        await db.loadDemo({ runs: 3, metrics: 3, steps: 5 });
        const r = { crashed: 0, other: [] };
        const started = performance.now();
        for (let i = 0; i < 200; i += 1) {
          const e = await window.errorOf(db.load([{ path: "table.parquet", data }]));
          if (e?.kind === "internal" && /loader crashed/.test(e.message)) r.crashed += 1;
          else if (r.other.length < 3) r.other.push({ i, e });
        }
        r.ms = performance.now() - started;
        r.tablesKept = await window.countRuns(db);
        r.append = await window.errorOf(db.loadDemo({ runs: 2, metrics: 3, steps: 5, append: true }));
        r.good = (await db.load(zip)).rows.runs;
        r.goodCount = await window.countRuns(db);
        r.appendAfter = (await db.loadDemo({ runs: 2, metrics: 3, steps: 5, append: true })).rows.runs;
        return r;
      }, ["fuzz/corpus/parquet_entry/known-parquet-divide-by-zero.parquet", `/${WORK}/mlruns.zip`]);
      assert.deepEqual(out.other, [], "every load reports the loader's crash");
      assert.equal(out.crashed, 200);
      assert.equal(out.tablesKept, 3, "the query module kept its tables through every crash");
      assert.equal(out.append?.kind, "input", JSON.stringify(out.append));
      assert.match(out.append.message, /lost when runql's loader module crashed/);
      assert.equal(out.good, expected.runs.length, "a good load after 200 crashes");
      assert.equal(out.goodCount, expected.runs.length);
      assert.equal(out.appendAfter, expected.runs.length + 2, "append works again after a load without it");
      assert.ok(out.ms < 45_000, `200 crashes took ${Math.round(out.ms)} ms`);
    } finally {
      await p.close();
    }
  });
});

// A query that runs for minutes: every pair of metric points of the demo sweep (57,600 points).
const SLOW = "SELECT count(*) AS n FROM metrics a CROSS JOIN metrics b WHERE a.value < b.value";

describe("worker: cancel, time limits, crashes", () => {
  test("an aborted or timed-out query rejects at once with cancelled; the worker comes back with the data", async () => {
    const out = await page.evaluate(async ([mlruns, slow, spec]) => {
      const { RunQL } = window.runql;
      const restarts = [];
      const w = await RunQL.initWorker({
        onRestart: (i) => restarts.push({
          reason: i.reason, restored: i.restored, restoredLoads: i.restoredLoads, totalLoads: i.totalLoads,
          error: i.error?.message ?? null,
        }),
      });
      const count = async () => Number((await w.query("SELECT count(*) AS n FROM runs")).toArray()[0].n);
      const items = await window.fixtureItems(mlruns);
      const sizes = items.map((i) => i.data.byteLength);
      await w.load(items);
      await w.loadDemo({ append: true });
      const r = { before: await count() };
      const canvas = document.createElement("canvas");
      document.body.append(canvas);
      const chart = await w.plot(canvas, spec);

      const controller = new AbortController();
      let t = performance.now();
      const running = w.query(slow, [], { signal: controller.signal });
      const other = w.tables(); // waits in the worker behind the slow query
      setTimeout(() => controller.abort(new Error("the test stops it")), 300);
      r.aborted = await window.errorOf(running);
      r.abortedMs = performance.now() - t;
      r.other = await window.errorOf(other);
      t = performance.now();
      r.afterAbort = await count();
      r.restoreMs = performance.now() - t;
      r.staleChart = await window.errorOf(chart.pick(10, 10));
      r.newChart = Boolean(await w.plot(canvas, spec));

      t = performance.now();
      r.timedOut = await window.errorOf(w.query(slow, [], { timeoutMs: 2500 }));
      r.timedOutMs = performance.now() - t;
      r.afterTimeout = await count();
      r.preAborted = await window.errorOf(w.query(slow, [], { signal: AbortSignal.abort() }));
      r.bytesKept = items.every((i, k) => i.data.byteLength === sizes[k]) && sizes.some((n) => n > 0);
      r.restarts = restarts;
      await w.close();

      // initWorker's queryTimeout is the default limit; timeoutMs: 0 turns it off for a call.
      const limited = await RunQL.initWorker({ queryTimeout: 1000 });
      await limited.loadDemo();
      t = performance.now();
      r.defaultLimit = await window.errorOf(limited.query(slow));
      r.defaultLimitMs = performance.now() - t;
      r.unlimited = Number((await limited.query("SELECT count(*) AS n FROM runs", [], { timeoutMs: 0 })).toArray()[0].n);
      await limited.close();
      return r;
    }, [MLRUNS, SLOW, CURVES]);
    const runs = expected.runs.length + 48;
    assert.equal(out.before, runs);
    assert.equal(out.aborted?.kind, "cancelled", JSON.stringify(out.aborted));
    assert.match(out.aborted.message, /cancelled by its AbortSignal \(the test stops it\)/);
    assert.ok(out.abortedMs < 1500, `the abort at 300 ms rejected after ${Math.round(out.abortedMs)} ms`);
    assert.equal(out.other?.kind, "cancelled", "a call waiting behind it in the same worker fails too");
    assert.match(out.other.message, /restarted/);
    assert.equal(out.afterAbort, runs, "the new worker has the data loaded before (bytes and demo, replayed)");
    assert.equal(out.staleChart?.kind, "input");
    assert.match(out.staleChart.message, /draw it again/);
    assert.equal(out.newChart, true);
    assert.equal(out.timedOut?.kind, "cancelled", JSON.stringify(out.timedOut));
    assert.match(out.timedOut.message, /time limit of 2\.5 s/);
    assert.ok(out.timedOutMs >= 2400 && out.timedOutMs < 5000, `timed out after ${Math.round(out.timedOutMs)} ms`);
    assert.equal(out.afterTimeout, runs);
    assert.equal(out.preAborted?.kind, "cancelled");
    assert.equal(out.bytesKept, true, "Uint8Array inputs stay usable");
    assert.deepEqual(out.restarts, [
      { reason: "cancelled", restored: true, restoredLoads: 2, totalLoads: 2, error: null },
      { reason: "timeout", restored: true, restoredLoads: 2, totalLoads: 2, error: null },
    ]);
    assert.equal(out.defaultLimit?.kind, "cancelled");
    assert.match(out.defaultLimit.message, /time limit of 1 s/);
    assert.ok(out.defaultLimitMs < 4000, `queryTimeout: 1000 stopped it after ${Math.round(out.defaultLimitMs)} ms`);
    assert.equal(out.unlimited, 48);
  });

  test("a load that cannot be replayed: the new worker has the loads before it, and onRestart says how many", async () => {
    // A URL that answers for the load and is gone when the worker is restarted.
    const gone = `${WORK}/gone.zip`;
    copyFileSync(join(ROOT, WORK, "mlruns.zip"), join(ROOT, gone));
    const first = await page.evaluate(async (url) => {
      const { RunQL } = window.runql;
      window.restarts = [];
      const w = await RunQL.initWorker({
        onRestart: (i) => window.restarts.push({
          reason: i.reason, restored: i.restored, restoredLoads: i.restoredLoads, totalLoads: i.totalLoads,
          error: i.error && { kind: i.error.kind, message: i.error.message },
        }),
      });
      window.partialWorker = w;
      const count = async () => Number((await w.query("SELECT count(*) AS n FROM runs")).toArray()[0].n);
      // Enough points that SLOW runs for seconds, so the abort below finds it running.
      await w.loadDemo({ runs: 4, metrics: 3, steps: 3000 });
      const demoOnly = await count();
      await w.load(url, { append: true });
      return { demoOnly, both: await count() };
    }, `/${gone}`);
    assert.equal(first.demoOnly, 4);
    assert.equal(first.both, 4 + expected.runs.length);
    unlinkSync(join(ROOT, gone));

    const out = await page.evaluate(async (slow) => {
      const w = window.partialWorker;
      const count = async () => Number((await w.query("SELECT count(*) AS n FROM runs")).toArray()[0].n);
      const controller = new AbortController();
      const running = w.query(slow, [], { signal: controller.signal });
      setTimeout(() => controller.abort(), 300);
      const r = { aborted: await window.errorOf(running) };
      r.after = await count();
      r.restarts = window.restarts;
      // What is left is what the next restart replays: all of it this time.
      r.timedOut = await window.errorOf(w.query(slow, [], { timeoutMs: 500 }));
      r.afterSecond = await count();
      await w.close();
      return r;
    }, SLOW);
    assert.equal(out.aborted?.kind, "cancelled");
    assert.equal(out.after, first.demoOnly, "the demo is loaded again, the gone URL is not");
    assert.equal(out.restarts.length, 2, JSON.stringify(out.restarts));
    const [partial, full] = out.restarts;
    assert.equal(partial.reason, "cancelled");
    assert.equal(partial.restored, false);
    assert.equal(partial.restoredLoads, 1);
    assert.equal(partial.totalLoads, 2);
    assert.equal(partial.error?.kind, "load");
    assert.match(partial.error.message, /gone\.zip.*404/);
    assert.equal(out.timedOut?.kind, "cancelled");
    assert.deepEqual(full, { reason: "timeout", restored: true, restoredLoads: 1, totalLoads: 1, error: null });
    assert.equal(out.afterSecond, first.demoOnly);
  });

  test("a crash of the worker's query module rejects that call (internal); a new worker takes over with the data", async () => {
    const out = await page.evaluate(async (mlruns) => {
      const { RunQL } = window.runql;
      const restarts = [];
      const w = await RunQL.initWorker({
        workerUrl: "/tests/browser/trap-worker.js",
        onRestart: (i) => restarts.push({
          reason: i.reason, restored: i.restored, restoredLoads: i.restoredLoads, totalLoads: i.totalLoads,
        }),
      });
      const count = async () => Number((await w.query("SELECT count(*) AS n FROM runs")).toArray()[0].n);
      await w.load(await window.fixtureItems(mlruns));
      const r = { before: await count() };
      r.crash = await window.errorOf(w.query("SELECT $1 AS x", ["__trap__"]));
      r.after = await count();
      r.second = await window.errorOf(w.query("SELECT $1 AS x", ["__trap__"]));
      r.afterSecond = await count();
      r.restarts = restarts;
      await w.close();
      r.closed = await window.errorOf(w.query("SELECT 1"));
      return r;
    }, MLRUNS);
    assert.equal(out.before, expected.runs.length);
    assert.equal(out.crash?.kind, "internal", JSON.stringify(out.crash));
    assert.match(out.crash.message, /query module crashed in its worker while answering the query \(.*out of bounds.*\); the worker was restarted/);
    assert.equal(out.after, expected.runs.length, "the new worker loaded the data again");
    assert.equal(out.second?.kind, "internal");
    assert.equal(out.afterSecond, expected.runs.length);
    assert.deepEqual(out.restarts, [
      { reason: "crashed", restored: true, restoredLoads: 1, totalLoads: 1 },
      { reason: "crashed", restored: true, restoredLoads: 1, totalLoads: 1 },
    ]);
    assert.equal(out.closed?.kind, "input");
  });
});

test("no panic reached the console", () => {
  assert.deepEqual(consoleErrors.filter((e) => /panic/i.test(e)), []);
});
