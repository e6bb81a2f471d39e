// The portal (www/) in headless Chromium, served by `runql serve` exactly as a user runs it:
// the demo data, the ranking example against the native CLI, curves drawn (pixels), hover
// tooltip, drag-zoom, tag chips, the config diff, a corrupt file, the URL reproducing the
// view, hostile run names shown as text, a watched folder followed live (runql serve
// --watch), and queries that fail, crash (the engine or the page) or run too long: not
// re-run by a link without asking, and Cancel.
//
// Needs www/dist (`npm ci` at the repository's root, then `npm run build` in www/, after
// scripts/build-wasm.sh) and the runql binary (target/debug/runql, built by `cargo test`; or
// set RUNQL_BIN).
// Screenshots go to target/portal/.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createInterface } from "node:readline";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS } from "./server.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const RUNQL = process.env.RUNQL_BIN ?? join(ROOT, "target/debug/runql");
const WWW = join(ROOT, "www/dist");
const SHOTS = join(ROOT, "target/portal");
const HOSTILE = join(ROOT, "tests/browser/fixtures/hostile");

/** Starts `runql serve` on a free port; resolves to {url, stop()}. */
function serve(paths = []) {
  const child = spawn(RUNQL, ["serve", "--port", "0", "-q", "--www", WWW, ...paths], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((ok, fail) => {
    child.once("error", fail);
    child.once("exit", (code) => fail(new Error(`runql serve exited with ${code}`)));
    createInterface({ input: child.stdout }).once("line", (line) => {
      const url = line.replace(/^runql portal: /, "").trim();
      ok({ url, stop: () => child.kill() });
    });
  });
}

let browser;
let demo;
const pageErrors = [];

async function open(url, viewport = { width: 1500, height: 950 }) {
  return openIn(await browser.newPage({ viewport }), url);
}

/** `open` for a page made by the caller (e.g. a second page of one browser context). */
async function openIn(page, url) {
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.goto(url);
  await page.waitForSelector("body[data-ready]", { timeout: 180_000 });
  await settled(page);
  return page;
}

/** Waits until no load runs and the chart (when its tab shows) has been drawn. */
async function settled(page) {
  await page.waitForFunction(
    () => !document.body.dataset.busy && (window.runqlPortal.state.tab !== "charts" || document.getElementById("chart").dataset.drawn),
    null,
    { timeout: 60_000 },
  );
}

/** Waits until the chart has drawn again after `before` (its data-drawn counter moved on). */
async function redrawn(page, before) {
  await page.waitForFunction((b) => document.getElementById("chart").dataset.drawn !== b, before, { timeout: 30_000 });
}

/** Moves a range input as a user would (fill() does not take ranges). */
async function slide(page, selector, value) {
  await page.$eval(selector, (node, v) => {
    node.value = v;
    node.dispatchEvent(new Event("input", { bubbles: true }));
  }, String(value));
}

const drawnMark = (page) => page.getAttribute("#chart", "data-drawn");
const rowCount = async (page) => Number(await page.getAttribute("#table", "data-rows"));
const shot = (page, name) => page.screenshot({ path: join(SHOTS, `${name}.png`) });

/** Colored (non-gray) pixels of the chart canvas: curves, not axes, grid or text. */
function coloredPixels(page) {
  return page.evaluate(() => {
    const c = document.getElementById("chart");
    const { data } = c.getContext("2d").getImageData(0, 0, c.width, c.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (Math.max(r, g, b) - Math.min(r, g, b) > 60) n += 1;
    }
    return n;
  });
}

before(async () => {
  for (const [what, path] of [["the portal build", join(WWW, "index.html")], ["the runql binary", RUNQL]]) {
    if (!existsSync(path)) throw new Error(`${what} is missing (${path}); see the header of this file`);
  }
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  demo = await serve();
});

after(async () => {
  demo?.stop();
  await browser?.close();
});

describe("portal on the demo sweep (runql serve)", () => {
  test("loads the demo data: the runs table and the load report", async () => {
    const page = await open(demo.url);
    assert.equal(await rowCount(page), 48);
    assert.match(await page.textContent("#status"), /Loaded 48 runs, 57,600 metric points/);
    assert.match(await page.textContent("#run-count"), /48/);
    assert.equal(await page.isHidden("#error"), true);
    await shot(page, "demo");
    await page.close();
  });

  test("the ranking example finds the top run the CLI finds", async () => {
    // `runql demo` ranks the same sweep natively: the first row of its table is the best run.
    const native = execFileSync(RUNQL, ["demo", "--limit", "1"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const top = native.split("\n").filter((l) => l.startsWith("| "))[1].split("|")[1].trim();
    const page = await open(demo.url);
    await page.click("#tab-sql");
    await page.selectOption("#examples", { label: "Rank runs by final val/loss" });
    await page.waitForSelector("#result table tbody tr");
    const first = await page.textContent("#result tbody tr:first-child td:first-child");
    assert.equal(first, top);
    // Ctrl+Enter runs what is in the editor; an error is shown inline and marked.
    await page.click("#editor .cm-content");
    await page.keyboard.press("Control+a");
    await page.keyboard.type("SELECT nosuchcolumn FROM runs");
    await page.keyboard.press("Control+Enter");
    await page.waitForSelector("#sql-error:not([hidden])");
    assert.match(await page.textContent("#sql-error"), /nosuchcolumn/i);
    assert.equal(await page.locator(".cm-sql-error").count(), 1);
    await shot(page, "sql");
    await page.close();
  });

  test("the throughput and system-load example ranks the demo's runs by throughput", async () => {
    const page = await open(demo.url);
    await page.click("#tab-sql");
    await page.selectOption("#examples", { label: "Throughput and system load vs hyperparameters" });
    await page.waitForSelector("#result table tbody tr");
    const result = await page.evaluate(() => {
      const table = document.querySelector("#result table");
      const head = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
      const rows = [...table.querySelectorAll("tbody tr")].map((tr) => [...tr.children].map((td) => td.textContent.trim()));
      return { head, rows };
    });
    assert.deepEqual(result.head, ["name", "lr", "batch_size", "mean_throughput", "mean_gpu_util", "mean_cpu_util"]);
    assert.equal(result.rows.length, 20, "LIMIT 20 of the 48 runs");
    const throughput = result.rows.map((r) => Number(r[3]));
    assert.ok(throughput.every((t, i) => t > 0 && (i === 0 || throughput[i - 1] >= t)), `highest first: ${throughput}`);
    // The demo sweep has no sampled GPU or CPU metrics: those cells are empty, not zero.
    assert.ok(result.rows.every((r) => r[4] === "" && r[5] === ""), JSON.stringify(result.rows[0]));
    await shot(page, "sql-system-load");
    await page.close();
  });

  test("curves are drawn; hovering shows the run and value; drag zooms, double-click resets", async () => {
    const page = await open(`${demo.url}&smooth=0`);
    assert.ok((await coloredPixels(page)) > 2000, "the curves put colored pixels on the canvas");

    // A real point of the first curve, placed on screen by the chart's own mapping.
    const point = await page.evaluate(async () => {
      const p = window.runqlPortal;
      const run = p.table.rows[0];
      const [row] = (await p.db.query(
        "SELECT step, value FROM metrics WHERE run_id = $1 AND key = 'val/loss' AND step = 150", [run.run_id])).toArray();
      const xy = await p.charts.chart.toPixels(Number(row.step), row.value);
      return { name: run.name, xy };
    });
    const box = await page.locator("#chart").boundingBox();
    await page.mouse.move(box.x + point.xy[0], box.y + point.xy[1]);
    await page.waitForSelector("#tip:not([hidden])");
    const tip = await page.textContent("#tip");
    assert.match(tip, /step 150/);
    await shot(page, "hover");

    const area = await page.evaluate(() => window.runqlPortal.charts.chart.plotArea());
    const full = await page.evaluate(() => window.runqlPortal.charts.chart.xRange());
    const y = box.y + area.y + area.h / 2;
    const before = await drawnMark(page);
    await page.mouse.move(box.x + area.x + area.w * 0.3, y);
    await page.mouse.down();
    await page.mouse.move(box.x + area.x + area.w * 0.5, y, { steps: 5 });
    await page.mouse.move(box.x + area.x + area.w * 0.6, y, { steps: 5 });
    await page.mouse.up();
    await redrawn(page, before);
    const zoomed = await page.evaluate(() => window.runqlPortal.charts.chart.xRange());
    const width = full[1] - full[0];
    assert.ok(zoomed[0] > full[0] + width * 0.2 && zoomed[1] < full[1] - width * 0.3, `zoomed ${zoomed} of ${full}`);
    await page.waitForURL(/zoom=/);
    await shot(page, "zoomed");
    const mark = await drawnMark(page);
    await page.mouse.dblclick(box.x + area.x + area.w / 2, y);
    await redrawn(page, mark);
    assert.deepEqual(await page.evaluate(() => window.runqlPortal.charts.chart.xRange()), full);
    await page.waitForURL((u) => !/zoom=/.test(u.search));
    await page.close();
  });

  test("a smoothing change redraws the chart without a new query", async () => {
    const page = await open(demo.url);
    const before = await drawnMark(page);
    const pixelsBefore = await page.evaluate(() => document.getElementById("chart").toDataURL());
    await slide(page, "#c-smooth", 0.95);
    await redrawn(page, before);
    assert.equal(await page.textContent("#c-smooth-value"), "0.95");
    assert.notEqual(await page.evaluate(() => document.getElementById("chart").toDataURL()), pixelsBefore);
    await page.waitForURL(/smooth=0\.95/);
    await page.close();
  });

  test("a tag chip narrows the table to the runs with that tag", async () => {
    const page = await open(demo.url);
    const chip = page.locator('[data-chip="model_size:7b"]');
    const expected = Number(await chip.locator(".n").textContent());
    await chip.click();
    await page.waitForFunction((n) => document.getElementById("table").dataset.rows === String(n), expected);
    assert.ok(expected > 0 && expected < 48);
    assert.equal(await chip.getAttribute("aria-pressed"), "true");
    const sizes = await page.evaluate(() => window.runqlPortal.table.rows.map((r) => r["params.model_size"]));
    assert.deepEqual([...new Set(sizes)], ["7b"]);
    // The WHERE box narrows further; an invalid condition is an inline error, not a crash.
    await page.fill("#where", "w.\"params.lr\" <= 0.0003");
    await page.press("#where", "Enter");
    await page.waitForFunction((n) => Number(document.getElementById("table").dataset.rows) < n, expected);
    await page.fill("#where", "w.nosuch = 1");
    await page.press("#where", "Enter");
    await page.waitForSelector("#where-error:not([hidden])");
    await page.close();
  });

  test("the config diff lists exactly the params that differ", async () => {
    const page = await open(demo.url);
    await page.locator('.tbody [role="row"]').nth(0).locator("input").check();
    await page.locator('.tbody [role="row"]').nth(1).locator("input").check();
    await page.click("#tab-compare");
    await page.waitForSelector("#compare table, #compare p");
    const listed = await page.$$eval("#compare tbody tr", (trs) => trs.map((tr) => tr.dataset.param));
    // Independently: the two runs' params, compared here.
    const expected = await page.evaluate(async () => {
      const [a, b] = window.runqlPortal.state.sel;
      const rows = (await window.runqlPortal.db.query("SELECT run_id, key, value FROM params WHERE run_id IN ($1, $2)", [a, b])).toArray();
      const of = (id) => Object.fromEntries(rows.filter((r) => r.run_id === id).map((r) => [r.key, r.value]));
      const [pa, pb] = [of(a), of(b)];
      return [...new Set([...Object.keys(pa), ...Object.keys(pb)])].filter((k) => pa[k] !== pb[k]).sort();
    });
    assert.ok(expected.length > 0);
    assert.deepEqual(listed, expected);
    assert.ok(!listed.includes("seed") || expected.includes("seed"));
    await shot(page, "compare");
    await page.close();
  });

  test("a corrupt file shows an error and the page keeps working", async () => {
    const page = await open(demo.url);
    await page.setInputFiles("#files", { name: "broken.zip", mimeType: "application/zip", buffer: Buffer.from("PK\u0003\u0004 not really a zip") });
    await page.waitForSelector("#error:not([hidden])");
    assert.match(await page.textContent("#error"), /Could not load/);
    // The demo runs are still loaded and the filters still answer.
    assert.equal(await rowCount(page), 48);
    await page.locator('[data-chip="team:scaling"]').click();
    await page.waitForFunction(() => Number(document.getElementById("table").dataset.rows) < 48);
    await shot(page, "corrupt");
    await page.close();
  });

  test("a picked folder (the real MLflow fixture) replaces the runs; the report counts them", async () => {
    const mlruns = join(ROOT, "tests/fixtures/mlflow/mlruns");
    const native = execFileSync(RUNQL, ["query", "-q", mlruns, "-e", "SELECT count(*) AS n FROM runs", "--format", "csv"], { encoding: "utf8" });
    const runs = Number(native.trim().split("\n")[1]);
    const page = await open(demo.url);
    await page.setInputFiles("#folder", mlruns);
    await page.waitForFunction((n) => document.getElementById("table").dataset.rows === String(n), runs);
    assert.match(await page.textContent("#status"), new RegExp(`Loaded ${runs} runs`));
    assert.match(await page.textContent("#report-summary"), /Load report: \d+ files/);
    await page.close();
  });

  test("the URL reproduces the view", async () => {
    const page = await open(demo.url);
    await page.locator('[data-chip="stage:candidate"]').click();
    await page.waitForFunction(() => Number(document.getElementById("table").dataset.rows) < 48);
    await page.locator('.tbody [role="row"]').nth(2).locator("input").check();
    await page.selectOption("#c-group", "params.model_size");
    await slide(page, "#c-smooth", 0.8);
    await page.click("#tab-sql");
    await page.selectOption("#examples", { label: "Best lr per model_size" });
    await page.waitForSelector("#result table tbody tr");
    await page.waitForFunction(() => /sql=/.test(location.search) && /smooth=0.8/.test(location.search));
    const view = await page.evaluate(() => ({
      rows: document.getElementById("table").dataset.rows,
      sel: [...window.runqlPortal.state.sel],
      sql: window.runqlPortal.editor.text,
      result: document.getElementById("result").textContent,
    }));
    const link = page.url();
    await page.close();

    const again = await open(link);
    await again.waitForSelector("#result table tbody tr");
    assert.equal(await again.getAttribute("#table", "data-rows"), view.rows);
    assert.deepEqual(await again.evaluate(() => window.runqlPortal.state.sel), view.sel);
    assert.equal(await again.evaluate(() => window.runqlPortal.editor.text), view.sql);
    assert.equal(await again.textContent("#result"), view.result);
    assert.equal(await again.getAttribute("#tab-sql", "aria-selected"), "true");
    assert.equal(await again.getAttribute('[data-chip="stage:candidate"]', "aria-pressed"), "true");
    assert.equal(await again.inputValue("#c-smooth"), "0.8");
    assert.equal(await again.inputValue("#c-group"), "params.model_size");
    await again.close();
  });

  test("keyboard: tabs switch with the arrow keys, controls are labelled", async () => {
    const page = await open(demo.url);
    await page.focus("#tab-charts");
    await page.keyboard.press("ArrowRight");
    assert.equal(await page.getAttribute("#tab-sql", "aria-selected"), "true");
    assert.equal(await page.isVisible("#panel-sql"), true);
    const unlabelled = await page.$$eval("input, select, button", (nodes) =>
      nodes.filter((n) => n.offsetParent !== null && !(n.labels?.length || n.getAttribute("aria-label") || n.textContent.trim())).map((n) => n.outerHTML),
    );
    assert.deepEqual(unlabelled, []);
    await page.close();
  });

  test("dark theme", async () => {
    const page = await open(demo.url);
    const before = await drawnMark(page);
    await page.click("#theme");
    await redrawn(page, before);
    assert.equal(await page.getAttribute("html", "data-theme"), "dark");
    await shot(page, "dark");
    await page.close();
  });
});

// A query nested so deeply that runql refuses it (kind "limit"); a build without that check
// overflows the query module's stack instead, a crash the worker variant survives.
const DEEP = `SELECT ${Array(800).fill("1").join("+")} AS x`;
// Minutes of work: every pair of the demo sweep's 57,600 metric points.
const SLOW = "SELECT count(*) AS n FROM metrics a CROSS JOIN metrics b WHERE a.value < b.value";

/** Replaces the editor's text as a user would (pasting it). */
async function typeQuery(page, sql) {
  await page.click("#editor .cm-content");
  await page.keyboard.press("Control+a");
  await page.keyboard.insertText(sql);
}

/** The query in the page's URL (saved there after each change). */
const urlSql = (page, sql) =>
  page.waitForFunction((q) => new URLSearchParams(location.search).get("sql") === q, sql, { timeout: 10_000 });

describe("queries that fail, crash or run too long", () => {
  test("a link's query that fails runs once; opened again, it is not run but asked about", async () => {
    const page = await open(`${demo.url}&tab=sql&sql=${encodeURIComponent(DEEP)}`);
    await page.waitForSelector("#sql-error:not([hidden])", { timeout: 60_000 });
    assert.match(await page.textContent("#sql-error"), /^(Refused: .*(deep|nest|depth|limit)|The query crashed runql's engine: )/is);
    assert.equal(await page.isHidden("#sql-guard"), true, "the first time it just runs");
    // The engine (restarted, if it crashed) still has the runs.
    await page.waitForFunction(() => document.getElementById("table").dataset.rows === "48");
    await shot(page, "sql-failed");

    await page.reload();
    await page.waitForSelector("body[data-ready]", { timeout: 180_000 });
    await page.waitForSelector("#sql-guard:not([hidden])");
    assert.match(await page.textContent("#sql-guard-text"), /^This query (failed|crashed runql's engine) last time: .+ Run it again\?$/s);
    assert.equal(await page.evaluate(() => window.runqlPortal.editor.text), DEEP, "the query is in the editor");
    assert.equal(await page.isHidden("#sql-error"), true, "and was not run");
    assert.equal(await page.locator("#result table").count(), 0);
    assert.equal(await page.textContent("#sql-info"), "Not run.");
    assert.equal(await rowCount(page), 48);
    await shot(page, "sql-guard");

    // Asked to, it runs (and fails) again.
    await page.click("#sql-guard-run");
    await page.waitForSelector("#sql-error:not([hidden])", { timeout: 60_000 });
    assert.equal(await page.isHidden("#sql-guard"), true);
    await page.close();
  });

  test("a query running when the page crashed is not run again when its link is opened", async () => {
    // One browser context for both pages: they share localStorage, as two tabs do.
    const context = await browser.newContext({ viewport: { width: 1500, height: 950 } });
    const page = await openIn(await context.newPage(), `${demo.url}&tab=sql`);
    await typeQuery(page, SLOW);
    await urlSql(page, SLOW);
    const link = page.url();
    await page.click("#run-sql");
    await page.waitForSelector("#cancel-sql:not([hidden])");
    // The tab's renderer dies with the query running (as when a query takes all its memory).
    const cdp = await context.newCDPSession(page);
    const crashed = new Promise((done) => page.once("crash", done));
    // (The command itself never answers: the renderer it would answer from is gone.)
    cdp.send("Page.crash").catch(() => undefined);
    await crashed;

    const again = await openIn(await context.newPage(), link);
    await again.waitForSelector("#sql-guard:not([hidden])");
    assert.equal(await again.textContent("#sql-guard-text"),
      "This query crashed the page last time (or the page was closed while it ran). Run it again?");
    assert.equal(await again.evaluate(() => window.runqlPortal.editor.text), SLOW);
    assert.equal(await again.isHidden("#cancel-sql"), true, "nothing runs");
    assert.equal(await rowCount(again), 48);
    await shot(again, "sql-crashed-page");
    await again.click("#sql-guard-dismiss");
    assert.equal(await again.isHidden("#sql-guard"), true);
    await context.close();
  });

  test("the same query run again while it runs: the replaced run's end does not overwrite the new run's mark", async () => {
    const page = await open(`${demo.url}&tab=sql`);
    // How each query text last ended, as guard.ts keeps it (one key per text).
    const marks = () => page.evaluate(() =>
      Object.keys(localStorage).filter((k) => k.startsWith("runql-sql:")).map((k) => JSON.parse(localStorage.getItem(k)).state));
    await typeQuery(page, SLOW);
    await page.keyboard.press("Control+Enter");
    await page.waitForSelector("#cancel-sql:not([hidden])");
    await page.waitForTimeout(300);
    // Again at once: the first run is stopped (its worker restarted) and fails with cancelled.
    await page.keyboard.press("Control+Enter");
    await page.waitForFunction(() => /restarted \(a query was cancelled\); the data was loaded again/.test(document.getElementById("status").textContent));
    assert.deepEqual(await marks(), ["running"], "the second run is still marked running");
    assert.equal(await page.isHidden("#cancel-sql"), false, "and still runs");
    assert.equal(await page.textContent("#sql-info"), "Running…");
    assert.equal(await page.isHidden("#sql-error"), true, "the first run's failure is not shown for the second one");

    await page.click("#cancel-sql");
    await page.waitForSelector("#sql-error:not([hidden])", { timeout: 10_000 });
    assert.deepEqual(await marks(), ["failed"], "the run that was still current records how it ended");
    await page.close();
  });

  test("Cancel stops a slow query at once; the runs table keeps its data and the next query runs", async () => {
    const page = await open(`${demo.url}&tab=sql`);
    await typeQuery(page, SLOW);
    await page.keyboard.press("Control+Enter");
    await page.waitForSelector("#cancel-sql:not([hidden])");
    assert.equal(await page.textContent("#sql-info"), "Running…");
    await page.waitForTimeout(500);
    await shot(page, "sql-running");
    const started = Date.now();
    await page.click("#cancel-sql");
    await page.waitForSelector("#sql-error:not([hidden])", { timeout: 10_000 });
    const ms = Date.now() - started;
    assert.ok(ms < 3000, `cancelled after ${ms} ms`);
    assert.match(await page.textContent("#sql-error"), /^Cancelled\. runql's engine was restarted/);
    assert.equal(await page.isHidden("#cancel-sql"), true);
    await page.waitForFunction(() => /restarted \(a query was cancelled\); the data was loaded again/.test(document.getElementById("status").textContent));
    await page.waitForFunction(() => document.getElementById("table").dataset.rows === "48");
    assert.ok((await page.locator(".cell.name").count()) > 0, "the runs table shows runs");
    await shot(page, "sql-cancelled");

    await typeQuery(page, "SELECT count(*) AS n FROM runs");
    await page.keyboard.press("Control+Enter");
    await page.waitForSelector("#result tbody tr");
    assert.equal(await page.textContent("#result tbody td"), "48");
    assert.equal(await page.isHidden("#sql-error"), true);
    // The charts are drawn by the new worker.
    const before = await drawnMark(page);
    await page.click("#tab-charts");
    await page.waitForFunction((b) => {
      const drawn = document.getElementById("chart").dataset.drawn;
      return drawn && drawn !== b;
    }, before, { timeout: 30_000 });
    assert.ok((await coloredPixels(page)) > 2000);
    assert.equal(await page.isHidden("#error"), true, JSON.stringify(await page.textContent("#error")));
    await page.close();
  });
});

describe("live: runql serve --watch", () => {
  test("points a run logs and runs that start appear in the open page, without a reload", async () => {
    const dir = mkdtempSync(join(tmpdir(), "runql-live-"));
    const mlruns = join(dir, "mlruns");
    cpSync(join(ROOT, "tests/fixtures/mlflow/mlruns"), mlruns, { recursive: true });
    const run = "5372f53ff9524fef88395aad5fac0dba";
    const served = await serve(["--watch", "--interval", "0.2", mlruns]);
    try {
      assert.match(served.url, /\?live=\/live\/status$/);
      const page = await open(`${served.url}&metric=train/loss&sel=${run}`);
      await page.waitForSelector("body[data-live-version='0']", { timeout: 30_000 });
      const runs = await rowCount(page);
      assert.ok(runs > 1, `${runs} runs`);
      assert.match(await page.textContent("#live"), /^Live · loaded at /);
      const maxStep = () =>
        page.evaluate(async (id) => {
          const r = await window.runqlPortal.db.query("SELECT max(step) AS s FROM metrics WHERE run_id = $1 AND key = 'train/loss'", [id]);
          return Number(r.toArray()[0].s);
        }, run);
      assert.equal(await maxStep(), 1);

      // The run logs two points; the page shows them (table, chart) on its own.
      const drawn = await drawnMark(page);
      const written = Date.now();
      appendFileSync(join(mlruns, "0", run, "metrics/train/loss"), "1767232802000 0.5 2\n1767232803000 0.25 3\n");
      await page.waitForSelector("body[data-live-version='1']", { timeout: 30_000 });
      const shownMs = Date.now() - written;
      assert.equal(await maxStep(), 3);
      assert.notEqual(await drawnMark(page), drawn, "the chart was drawn again");
      assert.match(await page.textContent("#live"), /^Live · 1 run changed at /);
      console.log(`# a logged point was in the open page's table and chart ${shownMs} ms after it was written`);

      // A run starts: a new row.
      const fresh = join(mlruns, "0", "0000000000000000000000000000live");
      mkdirSync(join(fresh, "metrics/train"), { recursive: true });
      writeFileSync(join(fresh, "metrics/train/loss"), "1767232800000 0.8 0\n1767232801000 0.6 1\n");
      writeFileSync(join(fresh, "meta.yaml"), [
        "artifact_uri: x", "end_time: null", "experiment_id: '0'", "lifecycle_stage: active",
        "run_id: 0000000000000000000000000000live", "run_name: live-run", "start_time: 1767232800000",
        "status: 1", "user_id: carol", "",
      ].join("\n"));
      await page.waitForFunction((n) => Number(document.getElementById("table").dataset.rows) === n, runs + 1, { timeout: 30_000 });
      await page.waitForFunction(() => !document.body.dataset.busy);
      assert.match(await page.textContent("#table"), /live-run/);
      await settled(page);
      await shot(page, "live");

      // The server stops: the page says so, and keeps what it shows.
      served.stop();
      await page.waitForFunction(() => /reconnecting/.test(document.getElementById("live").textContent), null, { timeout: 30_000 });
      assert.equal(await page.getAttribute("#live", "data-state"), "error");
      assert.equal(await rowCount(page), runs + 1);
      await page.close();
    } finally {
      served.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("hostile run data", () => {
  test("names, tags and params holding HTML are shown as text everywhere", async () => {
    const served = await serve([HOSTILE]);
    try {
      const page = await open(served.url);
      const hostileName = '<img src=x onerror="window.__pwned=1">';
      assert.equal(await rowCount(page), 2);
      // The table, the tag chips, the SQL result and the config diff all hold the text.
      assert.ok((await page.locator(".cell.name").allTextContents()).includes(hostileName));
      assert.ok(await page.locator('[data-chip="note:<script>window.__pwned=2</script>"]').count());
      await page.locator('.tbody [role="row"] input').first().check();
      await page.locator('.tbody [role="row"] input').nth(1).check();
      await page.click("#tab-compare");
      await page.waitForSelector("#compare tbody tr");
      const diff = await page.textContent("#compare");
      assert.ok(diff.includes("<svg onload=window.__pwned=3>") && diff.includes('"><img src=x onerror=window.__pwned=4>'), diff);
      assert.ok(diff.includes(hostileName));
      await page.click("#tab-sql");
      await page.click("#editor .cm-content");
      await page.keyboard.press("Control+a");
      await page.keyboard.type("SELECT name FROM runs ORDER BY run_id");
      await page.keyboard.press("Control+Enter");
      await page.waitForSelector("#result tbody tr");
      assert.equal(await page.textContent("#result tbody tr:first-child td"), hostileName);
      // The load report names the skipped README as text too.
      assert.match(await page.textContent("#report-body"), /README\.md/);
      // No element was made from the data and no script ran.
      assert.equal(await page.locator("img, svg, script:not([src]), b").count(), 0);
      assert.equal(await page.evaluate(() => window.__pwned), undefined);
      await shot(page, "hostile");
      await page.close();
    } finally {
      served.stop();
    }
  });
});

test("no uncaught errors in the page", () => {
  assert.deepEqual(pageErrors, []);
});
