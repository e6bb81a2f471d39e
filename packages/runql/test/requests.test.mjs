// The request table (src/requests.js) against both ends of the worker: every call of the
// worker's API sends a request the table has, every request of the table is sent by some
// call, and the worker's API is the page-thread API (the same methods on RunQLWorker as on
// RunQL, and on a worker's chart as on a page's).
//
// Run: npm test -w packages/runql (node --test packages/runql/test/*.test.mjs).

import { test } from "node:test";
import assert from "node:assert/strict";
import { EMPTY_SCENE, FakeWorker, answer, answerAll, fakeCanvas, settle } from "./fake-worker.mjs";

globalThis.Worker = FakeWorker;
const { RunQLWorker } = await import("../src/worker-proxy.js");
const { REQUESTS, request } = await import("../src/requests.js");
const { RunQL } = await import("../src/index.js");
const { ChartView, WorkerChartView } = await import("../src/chart.js");

/** Methods of a class's instances, getters and the constructor left out. */
const methods = (cls) =>
  Object.getOwnPropertyNames(cls.prototype).filter((name) => {
    const d = Object.getOwnPropertyDescriptor(cls.prototype, name);
    return name !== "constructor" && typeof d?.value === "function";
  });

// What only the page-thread instance has: the worker calls these on it (requests.js), and a
// page holding a RunQLWorker has no instance of its own to call them on.
const PAGE_ONLY = ["loadDescribed", "chartHandle", "chartGuard"];

test("RunQLWorker has every method of RunQL, and nothing else", () => {
  const page = methods(RunQL).filter((m) => !PAGE_ONLY.includes(m)).sort();
  assert.deepEqual(methods(RunQLWorker).sort(), page);
});

test("a worker's chart has every method of a page's chart", () => {
  assert.deepEqual(methods(WorkerChartView).sort(), methods(ChartView).sort());
});

test("every request has a name for messages and an answer", () => {
  for (const [op, entry] of Object.entries(REQUESTS)) {
    assert.equal(typeof entry.what, "string", op);
    assert.ok(entry.what.length > 0, op);
    assert.equal(typeof entry.answer, "function", op);
  }
  assert.throws(() => request("toString"), { name: "RunQLError", kind: "internal", message: "unknown request toString" });
  assert.throws(() => request("dropTables"), { kind: "internal" });
});

test("every call of the worker's API sends a request of the table, and every request is sent", async () => {
  const SCENES = ["chartScene", "chartZoom", "chartReset", "chartSetOptions"];
  FakeWorker.reset((worker, m) =>
    worker.reply({ id: m.id, result: SCENES.includes(m.op) ? EMPTY_SCENE : answer(m) }));
  const w = await RunQLWorker.create({ queryTimeout: 0 });
  const spec = { kind: "curves", data: { preset: "curves", metric: "val/loss" } };
  await w.load([{ path: "a.csv", data: new Uint8Array([1]) }]);
  await w.loadDemo({ runs: 1 });
  await w.prefetchLoader();
  await w.query("SELECT 1");
  await w.tables();
  await w.schema("runs");
  await w.report();
  await w.applyChanges({ removedRuns: ["r1"], tables: { runs: new Uint8Array([1, 2]) } });
  await w.svg(spec);
  const chart = await w.plot(fakeCanvas(), spec);
  await chart.redraw();
  await chart.pick(1, 2);
  await chart.zoom(0, 1);
  await chart.reset();
  await chart.setOptions({});
  await chart.toData(1, 2);
  await chart.toPixels(1, 2);
  await chart.plotArea();
  await chart.xRange();
  await chart.toSVG();
  await chart.spec();
  chart.free();
  await settle();
  const sent = new Set(FakeWorker.instances.flatMap((worker) => worker.ops()));
  await w.close();
  for (const op of sent) assert.ok(Object.hasOwn(REQUESTS, op), `${op} is sent but not in the table`);
  assert.deepEqual([...sent].sort(), Object.keys(REQUESTS).sort(), "every request of the table is sent by some call");
});

test("the time limit stops every request the table marks limited, and no other", async () => {
  const spec = { kind: "curves", data: { preset: "curves", metric: "val/loss" } };
  // How the API sends each request a page can time (chart calls are on a drawn chart).
  const calls = {
    query: (w) => w.query("SELECT 1"),
    svg: (w) => w.svg(spec),
    chartCreate: (w) => w.plot(fakeCanvas(), spec),
    load: (w) => w.load([{ path: "a.csv", data: new Uint8Array([1]) }]),
    loadDemo: (w) => w.loadDemo({ runs: 1 }),
    prefetchLoader: (w) => w.prefetchLoader(),
    tables: (w) => w.tables(),
    schema: (w) => w.schema("runs"),
    report: (w) => w.report(),
    applyChanges: (w) => w.applyChanges({ tables: {} }),
  };
  for (const [op, entry] of Object.entries(REQUESTS)) {
    if (op === "init" || (op.startsWith("chart") && op !== "chartCreate")) continue;
    assert.ok(calls[op], `the test knows how to send ${op}`);
    // A worker that never answers this request, and answers everything else.
    FakeWorker.reset((worker, m) => {
      if (m.op !== op) answerAll(worker, m);
    });
    const w = await RunQLWorker.create({ queryTimeout: 30 });
    let outcome = "pending";
    calls[op](w).then(() => (outcome = "answered"), (e) => (outcome = e.kind));
    await settle(120);
    assert.equal(outcome, entry.limited ? "cancelled" : "pending", `${op} (limited: ${Boolean(entry.limited)})`);
    await w.close();
  }
  // What runs the engine for as long as the data asks is limited; the rest is not.
  const limited = Object.keys(REQUESTS).filter((op) => REQUESTS[op].limited).sort();
  assert.deepEqual(limited, ["chartCreate", "query", "svg"]);
});
