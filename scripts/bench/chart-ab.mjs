// Two builds of the runql module on the line chart users have (10M loaded points through the
// "curves" preset, as in chart.mjs), timed alternately in fresh pages of one headless
// Chromium, so that a change can be told from the machine's own drift. Prints numbers;
// asserts nothing.
//
//   scripts/build-wasm.sh --release --out /tmp/before   # on the old tree (any build works,
//   scripts/build-wasm.sh --release --out /tmp/after    #  as long as both are built alike)
//   node scripts/bench/chart-ab.mjs --a /tmp/before --b /tmp/after [--pages 6] [--plots 6]
//
// A page serves one build in place of packages/runql/pkg/ (its JavaScript included) and
// times --plots plots, each zoomed to the four ranges of chart.mjs. Pages go A B B A A B …:
// on a machine whose speed drifts, the build measured first in a pair tends to win, and this
// order gives each build the first place equally often. Each page's medians are printed,
// then per build the median and the lowest of those (a slow spell only adds time).

import { existsSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, startServer } from "../../tests/browser/server.mjs";
import { benchPage } from "./deps.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const argv = process.argv.slice(2);
const arg = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const builds = { A: arg("a"), B: arg("b") };
for (const [name, dir] of Object.entries(builds)) {
  if (!dir || !existsSync(join(dir, "runql_wasm_bg.wasm"))) {
    console.error(`--${name.toLowerCase()} must name a package directory holding runql_wasm_bg.wasm ` +
      "(scripts/build-wasm.sh --out DIR)");
    process.exit(2);
  }
}
const pages = Number(arg("pages") ?? 6);
const plots = Number(arg("plots") ?? 6);
const size = { runs: 100, steps: 100000, width: 1000, height: 500 };
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const fmt = (ms) => ms.toFixed(1).padStart(7);
const LABELS = ["first render", "zoom 10%", "zoom 500 steps", "zoom whole run", "zoom 100 steps"];

// A B B A A B B A …
const order = Array.from({ length: pages }, (_, i) => (((i + 1) >> 1) % 2 === 0 ? "A" : "B"));
const server = await startServer(ROOT);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
const perBuild = { A: [], B: [] };
try {
  console.log(`A = ${builds.A}\nB = ${builds.B}\n${pages} pages (${order.join(" ")}), ${plots} plots each, ` +
    `${size.runs} runs x ${size.steps} points; medians per page, ms:`);
  console.log(`page build ${LABELS.map((l) => l.padStart(15)).join("")}`);
  for (const [i, build] of order.entries()) {
    const context = await browser.newContext();
    // This page's module: every file under packages/runql/pkg/ from the build's directory.
    await context.route("**/packages/runql/pkg/**", (route) => {
      const path = new URL(route.request().url()).pathname.split("/packages/runql/pkg/")[1] ?? "";
      const file = join(builds[build], ...path.split("/").filter((p) => p && p !== ".."));
      if (existsSync(file)) {
        route.fulfill({ path: file, contentType: file.endsWith(".wasm") ? "application/wasm" : undefined });
      }
      else route.fulfill({ status: 404, body: `not in build ${build}: ${basename(file)}` });
    });
    const page = await context.newPage();
    page.on("pageerror", (e) => console.error("page error:", e));
    await page.goto(`${server.url}${benchPage("chart.html")}`);
    await page.waitForFunction(() => window.benchReady === true);
    const r = await page.evaluate((s) => window.loadedRunsBench(s), { ...size, plots });
    const row = [median(r.firsts), ...r.zooms.map(median)];
    perBuild[build].push(row);
    console.log(`${String(i + 1).padStart(4)} ${build.padStart(5)} ${row.map((v) => fmt(v).padStart(15)).join("")}`);
    await context.close();
  }
  // A slow spell of the machine only ever adds time, so the lowest page is the least
  // disturbed view of each build; the median shows whether it is typical.
  for (const [what, pick] of [["median", median], ["lowest", (v) => Math.min(...v)]]) {
    console.log(`${what} of the pages' medians, ms:`);
    for (const build of ["A", "B"]) {
      const rows = perBuild[build];
      if (rows.length === 0) continue;
      const cols = LABELS.map((_, c) => pick(rows.map((row) => row[c])));
      console.log(`     ${build.padStart(5)} ${cols.map((v) => fmt(v).padStart(15)).join("")}`);
    }
  }
} finally {
  await browser.close();
  await server.close();
}
