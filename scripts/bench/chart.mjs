// runql's line chart vs uPlot in one headless Chromium run: 100 runs x 100k points.
// Prints numbers; asserts nothing about speed.
//
//   scripts/build-wasm.sh --release          # the shipping module (or the test build)
//   npm ci                                   # at the repository's root: playwright-core, uplot (pinned)
//   node scripts/bench/chart.mjs [--runs 100] [--steps 100000] [--width 1000] [--height 500]
//
// runql's data comes from SQL over range() inside the page (no ingest), uPlot's from the
// same formula in JavaScript. "first render" for runql includes the query and preparing
// the series; uPlot's starts from ready arrays, so the query-only time is printed too.
// Redraws (smoothing change) and zooms are render-only for both: runql re-decimates the
// shown x range from the full-resolution series (M4), uPlot redraws its own way.
// Then the case users have: the same points loaded as runs, charted with the "curves"
// preset (the whole db.plot(), its query included); that case and uPlot are timed three
// times and the medians printed.

import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, startServer } from "../../tests/browser/server.mjs";
import { benchPage } from "./deps.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const spec = { runs: opt("runs", 100), steps: opt("steps", 100000), width: opt("width", 1000), height: opt("height", 500) };
const fmt = (ms) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

const server = await startServer(ROOT);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 1200 } });
  page.on("pageerror", (e) => console.error("page error:", e));
  await page.goto(`${server.url}${benchPage("chart.html")}`);
  await page.waitForFunction(() => window.benchReady === true);
  const r = await page.evaluate((s) => window.chartBench(s), spec);
  console.log(`line chart: ${spec.runs} runs x ${spec.steps} points = ${r.rows} points, ${spec.width}x${spec.height} px`);
  console.log(`runql first render (query + series + M4 + draw): ${fmt(r.firstMs)}   (the query alone: ${fmt(r.queryOnlyMs)})`);
  console.log(`runql redraw after a smoothing change (tb_ema over all points): ${fmt(r.smoothMs)}; plain redraw ${fmt(r.redrawMs)}`);
  console.log(`runql zoom re-render: ${r.zooms.map(fmt).join(", ")}  (median ${fmt(median(r.zooms))})`);
  console.log(`runql on loaded runs (the same points as a long Arrow table, loaded in ${fmt(r.loadMs)}), ` +
    `curves preset, medians of 3: first render (query + series + M4 + draw) ${fmt(r.curvesFirstMs)} ` +
    `(${r.curvesFirsts.map(fmt).join(", ")}); ` +
    `zoom ${r.curvesZooms.map(fmt).join(", ")} (median ${fmt(median(r.curvesZooms))})`);
  console.log(`uPlot 1.6.32, medians of 3: first render (from ready arrays): ${fmt(r.uFirstMs)}`);
  console.log(`uPlot zoom (setScale x): ${r.uZooms.map(fmt).join(", ")}  (median ${fmt(median(r.uZooms))})`);
  console.log(`ratios runql/uPlot: first render ${(r.firstMs / r.uFirstMs).toFixed(2)}x ` +
    `(render without the query ${((r.firstMs - r.queryOnlyMs) / r.uFirstMs).toFixed(2)}x), ` +
    `zoom ${(median(r.zooms) / median(r.uZooms)).toFixed(2)}x; ` +
    `loaded runs: first render ${(r.curvesFirstMs / r.uFirstMs).toFixed(2)}x, ` +
    `zoom ${(median(r.curvesZooms) / median(r.uZooms)).toFixed(2)}x`);
} finally {
  await browser.close();
  await server.close();
}
