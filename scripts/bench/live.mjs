// `runql serve --watch` with a large sweep open in the portal, in headless Chromium: how long
// from a metric line appended to a run's file to that point being in the page's runs table and
// chart, next to the peer — loading the page again, which is how a page without --watch gets
// to see the point. Prints numbers; asserts nothing about speed.
//
//   scripts/portal.sh --build-only            # wasm package, www/dist, the runql binary
//   npm ci                                    # at the repository's root: playwright-core
//   node scripts/bench/live.mjs [--runs 1000] [--metrics 10] [--steps 1000] [--repeat 10] [--interval S]
//
// Each try appends one line ("<ms> <value> <step>\n") to one metric file of one run and
// waits until the page has applied the change and drawn the table and the chart again
// (body[data-live-version]); the clock starts when the line is written. RUNQL_BIN picks the
// binary (default target/release/runql, else target/debug/runql).

import { execFileSync, spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { createInterface } from "node:readline";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { CHROMIUM, CHROMIUM_ARGS } from "../../tests/browser/server.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const { chromium } = createRequire(join(ROOT, "tests/browser/package.json"))("playwright-core");
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const spec = { runs: opt("runs", 1000), metrics: opt("metrics", 10), steps: opt("steps", 1000) };
const repeat = opt("repeat", 10);
const interval = opt("interval", 0);
const RUNQL = process.env.RUNQL_BIN ?? [join(ROOT, "target/release/runql"), join(ROOT, "target/debug/runql")].find(existsSync);
if (!RUNQL) throw new Error("no runql binary: run scripts/portal.sh --build-only (or set RUNQL_BIN)");
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${ms.toFixed(0)} ms`;

/** The first metric file under an MLflow store (a run's metrics/<key>). */
function metricFile(dir) {
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop();
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) stack.push(p);
      else if (d.split("/").includes("metrics")) return p;
    }
  }
  throw new Error(`no metric file under ${dir}`);
}

const dir = mkdtempSync(join(tmpdir(), "runql-live-bench-"));
let server;
let browser;
try {
  const data = join(dir, "sweep");
  execFileSync(RUNQL, ["gen", "--format", "mlflow", "--runs", String(spec.runs), "--metrics", String(spec.metrics),
    "--steps", String(spec.steps), "--seed", "42", "-o", data], { stdio: "ignore" });
  const every = interval > 0 ? ["--interval", String(interval)] : [];
  const child = spawn(RUNQL, ["serve", "--port", "0", "-q", "--watch", ...every,
    "--www", join(ROOT, "www/dist"), data], { stdio: ["ignore", "pipe", "inherit"] });
  server = child;
  const url = await new Promise((ok, fail) => {
    child.once("exit", (code) => fail(new Error(`runql serve exited with ${code}`)));
    createInterface({ input: child.stdout }).once("line", (l) => ok(l.replace(/^runql portal: /, "").trim()));
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
  const opened = performance.now();
  await page.goto(url);
  await page.waitForSelector("body[data-live-version]", { timeout: 600_000 });
  const firstMs = performance.now() - opened;

  const file = metricFile(data);
  const shown = [];
  const applied = [];
  const drawn = [];
  let version = Number(await page.getAttribute("body", "data-live-version"));
  for (let i = 0; i < repeat; i += 1) {
    // Tries start at different points of the server's round.
    await page.waitForTimeout(300 + ((i * 137) % 700));
    const written = performance.now();
    appendFileSync(file, `${1_900_000_000_000 + i} 0.5 ${10_000_000 + i}\n`);
    await page.waitForFunction((v) => Number(document.body.dataset.liveVersion) > v, version, { timeout: 60_000 });
    shown.push(performance.now() - written);
    const t = await page.evaluate(() => window.runqlPortal.timings);
    applied.push(t.liveApply);
    drawn.push(t.liveShow);
    version = Number(await page.getAttribute("body", "data-live-version"));
  }
  // The peer: the same page loaded again (every table fetched and loaded whole).
  const reloads = [];
  for (let i = 0; i < 3; i += 1) {
    const t = performance.now();
    await page.reload();
    await page.waitForSelector("body[data-live-version]", { timeout: 600_000 });
    await page.waitForFunction(() => !document.body.dataset.busy);
    reloads.push(performance.now() - t);
  }
  const points = await page.evaluate(async () => {
    const r = await window.runqlPortal.db.query("SELECT count(*) AS n FROM metrics");
    return Number(r.toArray()[0].n);
  });
  const pace = interval > 0 ? `--interval ${interval} s` : "the default interval";
  console.log(`sweep: ${spec.runs} runs × ${spec.metrics} metrics × ${spec.steps} steps (${(points / 1e6).toFixed(1)}M points), ${pace}`);
  console.log("| measure | median | range |");
  console.log("|---|---|---|");
  console.log(`| a line appended → its point in the open page's table and chart (${repeat} tries) | **${fmt(median(shown))}** | ${fmt(Math.min(...shown))} – ${fmt(Math.max(...shown))} |`);
  console.log(`| of it, in the page: fetching and applying the change | ${fmt(median(applied))} | ${fmt(Math.min(...applied))} – ${fmt(Math.max(...applied))} |`);
  console.log(`| of it, in the page: the table, report and chart shown again | ${fmt(median(drawn))} | ${fmt(Math.min(...drawn))} – ${fmt(Math.max(...drawn))} |`);
  console.log(`| peer: the page loaded again (3 tries) | ${fmt(median(reloads))} | ${fmt(Math.min(...reloads))} – ${fmt(Math.max(...reloads))} |`);
  console.log(`| first load of the page (once) | ${fmt(firstMs)} | |`);
} finally {
  await browser?.close();
  server?.kill();
  rmSync(dir, { recursive: true, force: true });
}
