// The query module's limits in headless Chromium: queries built to overflow WebAssembly's
// stack or run it out of memory are refused with kind "limit" before they can trap the
// instance, which keeps answering; queries just inside the limits run, on the page's
// thread and in the worker.
//
// Needs the package built first: scripts/build-wasm.sh (scripts/test-all.sh does it).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, startServer } from "./server.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

let server;
let browser;
let page;
const pageErrors = [];

before(async () => {
  const pkg = join(ROOT, "packages/runql/pkg/runql_wasm_bg.wasm");
  if (!existsSync(pkg)) throw new Error(`${pkg} is missing: run scripts/build-wasm.sh first`);
  server = await startServer(ROOT);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage();
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  await page.goto(`${server.url}/tests/browser/harness.html`);
  await page.waitForFunction(() => window.runqlReady === true);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const repeatSql = (n, sep, term) => Array.from({ length: n }, () => term).join(sep);

/** Hostile queries, each refused with kind "limit" and a message naming the limit. */
const REFUSED = [
  ["800 chained additions", `SELECT 1${"+1".repeat(800)}`, /nests 800 deep/],
  ["5000 chained additions", `SELECT 1${"+1".repeat(5000)}`, /nests 5000 deep/],
  ["1000 chained UNION ALL", repeatSql(1000, " UNION ALL ", "SELECT 1"), /combines 999 relations/],
  ["2000 chained casts", `SELECT 1${"::bigint".repeat(2000)}`, /nests 2000 deep/],
  ["a 1.5 GB repeat", "SELECT length(repeat('x', 1500000000))", /repeat: the result would take about 1\.4 GiB/],
  ["a 400 MB lpad", "SELECT length(lpad('x', 100000000))", /lpad: the result would take/],
  ["a 100M-element range", "SELECT cardinality(range(0, 100000000))", /range: the result would take/],
];

/** Queries just inside the limits, with their answer. */
const ANSWERED = [
  ["120 chained additions", `SELECT 1${"+1".repeat(120)} AS n`, 121],
  ["120 chained UNION ALL", `SELECT count(*) AS n FROM (${repeatSql(120, " UNION ALL ", "SELECT 1 AS x")})`, 120],
  ["45 nested parentheses", `SELECT ${"(".repeat(45)}7${")".repeat(45)} AS n`, 7],
  ["a CASE of 400 branches", `SELECT CASE 399 ${Array.from({ length: 400 }, (_, i) => `WHEN ${i} THEN ${i}`).join(" ")} END AS n`, 399],
  ["an IN list of 5000 values", `SELECT count(*) AS n FROM generate_series(1, 10000) t(x) WHERE x IN (${Array.from({ length: 5000 }, (_, i) => i * 2).join(",")})`, 4999],
];

for (const variant of ["page", "worker"]) {
  describe(`limits (${variant})`, () => {
    test("hostile queries are refused with kind 'limit' and the instance keeps answering", async () => {
      const out = await page.evaluate(async ([variant, refused]) => {
        const db = variant === "page" ? await window.runql.RunQL.init() : await window.runql.RunQL.initWorker();
        await db.loadDemo({ runs: 4, steps: 20 });
        const results = [];
        for (const [name, sql] of refused) {
          try {
            await db.query(sql);
            results.push({ name, ok: true });
          } catch (e) {
            results.push({ name, kind: e.kind, message: e.message });
          }
          const runs = (await db.query("SELECT count(*) AS n FROM runs")).toArray()[0].n;
          results.push({ name: `${name}, then count(*)`, runs: Number(runs) });
        }
        await db.close();
        return results;
      }, [variant, REFUSED.map(([name, sql]) => [name, sql])]);
      for (const [i, [name, , message]] of REFUSED.entries()) {
        const got = out[2 * i];
        assert.equal(got.kind, "limit", `${name}: ${JSON.stringify(got)}`);
        assert.match(got.message, message, name);
        assert.equal(out[2 * i + 1].runs, 4, `${name}: the instance still answers`);
      }
    });

    test("queries just inside the limits run", async () => {
      const out = await page.evaluate(async ([variant, answered]) => {
        const db = variant === "page" ? await window.runql.RunQL.init() : await window.runql.RunQL.initWorker();
        const results = [];
        for (const [name, sql] of answered) {
          try {
            results.push({ name, n: Number((await db.query(sql)).toArray()[0].n) });
          } catch (e) {
            results.push({ name, kind: e.kind, message: e.message });
          }
        }
        await db.close();
        return results;
      }, [variant, ANSWERED.map(([name, sql]) => [name, sql])]);
      for (const [i, [name, , n]] of ANSWERED.entries()) {
        assert.deepEqual(out[i], { name, n }, name);
      }
    });
  });
}

test("a chart spec's SQL is read-only: COPY and CREATE EXTERNAL TABLE are refused before they run", async () => {
  const out = await page.evaluate(async () => {
    const db = await window.runql.RunQL.init();
    await db.loadDemo({ runs: 4, steps: 20 });
    const attempts = [
      "COPY (SELECT name AS x FROM runs) TO '/tmp/stolen.csv' STORED AS CSV",
      "CREATE EXTERNAL TABLE s STORED AS CSV LOCATION '/etc/passwd'",
      "CREATE VIEW v AS SELECT 1 AS x",
    ];
    const results = [];
    for (const sql of attempts) {
      const spec = { kind: "bar", data: { sql }, encoding: { x: "x", y: "x" } };
      try {
        await db.svg(spec);
        results.push({ sql, ok: true });
      } catch (e) {
        results.push({ sql, kind: e.kind, message: e.message });
      }
    }
    // Nothing was defined: the session has only runql's tables.
    const tables = (await db.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")).toArray().map((r) => r.table_name);
    await db.close();
    return { results, tables };
  });
  assert.deepEqual(out.results.map((r) => r.kind), ["read_only", "read_only", "read_only"], JSON.stringify(out.results));
  assert.match(out.results[0].message, /read-only here: COPY is not allowed/);
  assert.match(out.results[1].message, /CREATE EXTERNAL TABLE is not allowed/);
  assert.ok(!out.tables.includes("s") && !out.tables.includes("v"), out.tables.join(","));
});

test("no page error was raised", () => {
  assert.deepEqual(pageErrors, []);
});
