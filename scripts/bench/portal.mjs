// The portal with a large sweep loaded, in headless Chromium, served by `runql serve`.
// Prints numbers; asserts nothing about speed.
//
//   scripts/portal.sh --build-only            # wasm package, www/dist, the runql binary
//   npm ci                                    # at the repository's root: playwright-core
//   node scripts/bench/portal.mjs [--runs 1000] [--metrics 10] [--steps 1000] [--repeat 15]
//
// Measures: time to interactive (navigation → the runs table filled and the first chart
// drawn: fetching runql's Parquet tables from `runql serve`, loading them in the worker,
// the table query and the chart), on the first visit and on a second visit in the same
// browser profile (a persistent one, with a disk cache like a user's: `runql serve` lets
// browsers keep the content-named assets, so the module comes from the cache); table filter latency (a tag chip and a WHERE condition:
// query in the worker → rows rendered; the chart it redraws is waited for between tries);
// chart redraw after a smoothing change (setOptions in
// the worker → scene painted). Medians over --repeat tries. RUNQL_BIN picks the binary
// (default target/release/runql, else target/debug/runql).

import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createInterface } from "node:readline";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { CHROMIUM, CHROMIUM_ARGS } from "../../tests/browser/server.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
// playwright-core as the browser tests have it (the npm workspace hoists it to the root).
const { chromium } = createRequire(join(ROOT, "tests/browser/package.json"))("playwright-core");
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const spec = { runs: opt("runs", 1000), metrics: opt("metrics", 10), steps: opt("steps", 1000) };
const repeat = opt("repeat", 15);
const RUNQL = process.env.RUNQL_BIN ?? [join(ROOT, "target/release/runql"), join(ROOT, "target/debug/runql")].find(existsSync);
if (!RUNQL) throw new Error("no runql binary: run scripts/portal.sh --build-only (or set RUNQL_BIN)");
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;

const dir = mkdtempSync(join(tmpdir(), "runql-portal-bench-"));
let server;
let context;
try {
  const data = join(dir, "sweep");
  execFileSync(RUNQL, ["gen", "--format", "mlflow", "--runs", String(spec.runs), "--metrics", String(spec.metrics),
    "--steps", String(spec.steps), "--seed", "42", "-o", data], { stdio: "ignore" });
  const serveStart = performance.now();
  const child = spawn(RUNQL, ["serve", "--port", "0", "-q", "--www", join(ROOT, "www/dist"), data], { stdio: ["ignore", "pipe", "inherit"] });
  server = child;
  const url = await new Promise((ok, fail) => {
    child.once("exit", (code) => fail(new Error(`runql serve exited with ${code}`)));
    createInterface({ input: child.stdout }).once("line", (l) => ok(l.replace(/^runql portal: /, "").trim()));
  });
  const serveMs = performance.now() - serveStart;

  // A profile on disk: Playwright's default contexts keep their HTTP cache in memory, where a
  // module of tens of MB is not kept, so a second visit would fetch it again.
  context = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: CHROMIUM, args: CHROMIUM_ARGS, viewport: { width: 1500, height: 950 },
  });
  const page = context.pages()[0] ?? await context.newPage();
  const t0 = performance.now();
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready && document.getElementById("chart").dataset.drawn, null, { timeout: 600_000 });
  const tti = performance.now() - t0;
  const inPage = await page.evaluate(() => ({ ...window.runqlPortal.timings, rows: document.getElementById("table").dataset.rows }));

  // A second visit in the same profile (same HTTP cache), then back to the first page.
  const again = await context.newPage();
  const t1 = performance.now();
  await again.goto(url);
  await again.waitForFunction(() => document.body.dataset.ready && document.getElementById("chart").dataset.drawn, null, { timeout: 600_000 });
  const revisitTti = performance.now() - t1;
  const revisitLoad = await again.evaluate(() => window.runqlPortal.timings.load);
  await again.close();

  // Filter latency: toggling a tag chip, and a WHERE condition, each re-querying runs_wide.
  const filter = (action) => page.evaluate(async (what) => {
    const p = window.runqlPortal;
    const before = p.timings.filter;
    if (what === "chip") document.querySelector('[data-chip="model_size:7b"]').click();
    else {
      const box = document.getElementById("where");
      box.value = box.value ? "" : `w."params.lr" < 0.001`;
      document.getElementById("where-form").requestSubmit();
    }
    const canvas = document.getElementById("chart");
    const mark = canvas.dataset.drawn;
    while (p.timings.filter === before) await new Promise((r) => setTimeout(r, 1));
    const ms = p.timings.filter;
    // The worker answers one request at a time: let the chart the filter redraws finish, so
    // the next measurement does not queue behind it.
    while (canvas.dataset.drawn === mark) await new Promise((r) => setTimeout(r, 1));
    return ms;
  }, action);
  const chip = [];
  const where = [];
  for (let i = 0; i < repeat; i++) chip.push(await filter("chip"));
  for (let i = 0; i < repeat; i++) where.push(await filter("where"));

  // Chart redraw after a smoothing change (the slider's input event → repainted).
  const redraw = [];
  for (let i = 0; i < repeat; i++) {
    redraw.push(await page.evaluate(async (v) => {
      const canvas = document.getElementById("chart");
      const mark = canvas.dataset.drawn;
      const slider = document.getElementById("c-smooth");
      const t = performance.now();
      slider.value = String(v);
      slider.dispatchEvent(new Event("input", { bubbles: true }));
      while (canvas.dataset.drawn === mark) await new Promise((r) => setTimeout(r, 1));
      return performance.now() - t;
    }, i % 2 ? 0.3 : 0.9));
  }
  const points = spec.runs * spec.metrics * spec.steps;
  console.log(`portal: ${spec.runs} runs x ${spec.metrics} metrics x ${spec.steps} steps = ${(points / 1e6).toFixed(1)}M points (runql serve: ${RUNQL})`);
  console.log(`  runql serve start (native load + Parquet in memory): ${fmt(serveMs)}`);
  console.log(`  time to interactive (navigation -> table + first chart): ${fmt(tti)} (load in worker ${fmt(inPage.load)}, ${inPage.rows} rows)`);
  console.log(`  time to interactive, second visit (module from the browser's cache): ${fmt(revisitTti)} (load in worker ${fmt(revisitLoad)})`);
  console.log(`  table filter, tag chip: median ${fmt(median(chip))} (min ${fmt(Math.min(...chip))}, max ${fmt(Math.max(...chip))})`);
  console.log(`  table filter, WHERE:    median ${fmt(median(where))} (min ${fmt(Math.min(...where))}, max ${fmt(Math.max(...where))})`);
  console.log(`  chart redraw after a smoothing change (20 curves): median ${fmt(median(redraw))} (min ${fmt(Math.min(...redraw))}, max ${fmt(Math.max(...redraw))})`);
} finally {
  await context?.close();
  server?.kill();
  rmSync(dir, { recursive: true, force: true });
}
