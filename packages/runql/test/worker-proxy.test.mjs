// RunQLWorker (src/worker-proxy.js) in node, without WebAssembly: the worker is a stand-in
// (fake-worker.mjs) whose answers each test chooses, so that restarts can be made to happen
// exactly where a race would be: charts belong to the worker that drew them, a restart
// reports how many loads came back, a load answered just before a restart is replayed, and
// a worker that fails while starting leaves no unhandled rejection behind.
//
// Run: npm test -w packages/runql (node --test packages/runql/test/*.test.mjs).

import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { FakeWorker, answer, answerAll, fakeCanvas, fatal, settle } from "./fake-worker.mjs";

globalThis.Worker = FakeWorker;
const { RunQLWorker } = await import("../src/worker-proxy.js");

const SPEC = { kind: "curves", data: { preset: "curves", metric: "val/loss" } };
const bytes = (path) => [{ path, data: new Uint8Array([1, 2, 3]) }];
/** The paths of the loads a worker was sent, in order. */
const loadedPaths = (worker) =>
  worker.received.filter((m) => m.op === "load").map((m) => m.args.descriptors.map((d) => d.path).join(","));
/** What onRestart was told, with the error as {kind, message}. */
const plain = (info) => ({ ...info, error: info.error && { kind: info.error.kind, message: info.error.message } });

let unhandled = [];
const onUnhandled = (reason) => unhandled.push(reason);

beforeEach(() => {
  FakeWorker.reset();
  unhandled = [];
  process.on("unhandledRejection", onUnhandled);
});

afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
});

/** A RunQLWorker on fake workers that all run `script`; restarts go to `restarts`. */
async function create(script = answerAll, options = {}) {
  FakeWorker.script = script;
  const restarts = [];
  const w = await RunQLWorker.create({ queryTimeout: 0, onRestart: (info) => restarts.push(plain(info)), ...options });
  return { w, restarts };
}

describe("charts belong to the worker that drew them", () => {
  test("a restart right after the chart's answer: its calls are refused, not sent to the new worker", async () => {
    const { w, restarts } = await create((worker, m) => {
      worker.reply({ id: m.id, result: answer(m) });
      // The worker dies in the same task that delivered the chart: a new worker starts
      // before plot() runs again.
      if (m.op === "chartCreate" && worker.index === 1) worker.fail("boom");
    });
    const chart = await w.plot(fakeCanvas(), SPEC);
    assert.equal(FakeWorker.instances.length, 2, "the first worker was replaced");
    await assert.rejects(chart.pick(10, 10), (e) => e.kind === "input" && /draw it again/.test(e.message));
    await assert.rejects(chart.zoom(0, 1), (e) => e.kind === "input");
    assert.deepEqual(FakeWorker.instances[1].ops().filter((op) => op.startsWith("chart")), [],
      "no call of the old chart reached the new worker (which has no such chart, or another one with its id)");
    await w.tables(); // waits for the new worker
    assert.deepEqual(restarts, [{ reason: "crashed", restored: true, restoredLoads: 0, totalLoads: 0, error: null }]);

    // A chart drawn by the new worker works.
    const again = await w.plot(fakeCanvas(), SPEC);
    assert.equal(await again.pick(10, 10), true);
    assert.deepEqual(FakeWorker.instances[1].ops().filter((op) => op.startsWith("chart")), ["chartCreate", "chartPick"]);
    await w.close();
  });

  test("without a restart the chart's calls go to the worker that drew it", async () => {
    const { w } = await create();
    const chart = await w.plot(fakeCanvas(), SPEC);
    assert.deepEqual(await chart.xRange(), true);
    assert.deepEqual(FakeWorker.instances[0].ops(), ["init", "chartCreate", "chartXRange"]);
    await w.close();
  });
});

describe("a restart reports how many loads came back", () => {
  /** Loads a.csv, then b.csv and c.csv with append; then stops a query, which restarts the worker. */
  async function threeLoadsThenCancel(script) {
    const made = await create(script);
    const { w } = made;
    await w.load(bytes("a.csv"));
    await w.load(bytes("b.csv"), { append: true });
    await w.load(bytes("c.csv"), { append: true });
    const controller = new AbortController();
    const running = w.query("SLOW", [], { signal: controller.signal });
    await settle(); // the query is in the worker now
    controller.abort(new Error("the test stops it"));
    await assert.rejects(running, (e) => e.kind === "cancelled");
    // Calls wait for the new worker: by then it has replayed the loads and told onRestart.
    assert.deepEqual(await w.tables(), ["runs"]);
    return made;
  }

  /** Answers everything but the query "SLOW" (never answered). */
  const slowQuery = (next) => (worker, m) => {
    if (m.op === "query" && m.args.sql === "SLOW") return;
    next(worker, m);
  };

  test("all of them", async () => {
    const { w, restarts } = await threeLoadsThenCancel(slowQuery(answerAll));
    assert.deepEqual(restarts, [{ reason: "cancelled", restored: true, restoredLoads: 3, totalLoads: 3, error: null }]);
    assert.deepEqual(loadedPaths(FakeWorker.instances[1]), ["a.csv", "b.csv", "c.csv"]);
    await w.close();
  });

  test("some of them: the ones before the load that failed, which and those after it are dropped", async () => {
    const { w, restarts } = await threeLoadsThenCancel(slowQuery((worker, m) => {
      const path = m.args?.descriptors?.[0]?.path;
      if (worker.index > 1 && m.op === "load" && path === "b.csv") {
        worker.reply({ id: m.id, error: { kind: "load", message: "b.csv no longer answers" } });
        return;
      }
      answerAll(worker, m);
    }));
    assert.deepEqual(restarts, [{
      reason: "cancelled", restored: false, restoredLoads: 1, totalLoads: 3,
      error: { kind: "load", message: "b.csv no longer answers" },
    }]);
    assert.deepEqual(loadedPaths(FakeWorker.instances[1]), ["a.csv", "b.csv"], "c.csv is not tried without b.csv");

    // What is left is what a later restart replays: all of it, this time.
    const controller = new AbortController();
    const running = w.query("SLOW", [], { signal: controller.signal });
    await settle();
    controller.abort();
    await assert.rejects(running, (e) => e.kind === "cancelled");
    await w.tables();
    assert.deepEqual(restarts[1], { reason: "cancelled", restored: true, restoredLoads: 1, totalLoads: 1, error: null });
    assert.deepEqual(loadedPaths(FakeWorker.instances[2]), ["a.csv"]);
    await w.close();
  });

  test("a load that crashes the new worker too: another one starts without it", async () => {
    const { w, restarts } = await threeLoadsThenCancel(slowQuery((worker, m) => {
      const path = m.args?.descriptors?.[0]?.path;
      if (worker.index === 2 && m.op === "load" && path === "b.csv") {
        worker.reply(fatal(m));
        return;
      }
      answerAll(worker, m);
    }));
    assert.equal(FakeWorker.instances.length, 3);
    assert.deepEqual(loadedPaths(FakeWorker.instances[2]), ["a.csv"]);
    assert.equal(restarts.length, 1, "one restart is reported, when the data is in place");
    assert.equal(restarts[0].restored, false);
    assert.equal(restarts[0].restoredLoads, 1);
    assert.equal(restarts[0].totalLoads, 3);
    assert.equal(restarts[0].error.kind, "internal");
    assert.match(restarts[0].error.message, /crashed in its worker while answering the load/);
    await w.close();
  });

  test("none of them: the first load fails", async () => {
    const { w, restarts } = await threeLoadsThenCancel(slowQuery((worker, m) => {
      if (worker.index > 1 && m.op === "load") {
        worker.reply({ id: m.id, error: { kind: "load", message: "gone" } });
        return;
      }
      answerAll(worker, m);
    }));
    assert.deepEqual(restarts, [{
      reason: "cancelled", restored: false, restoredLoads: 0, totalLoads: 3, error: { kind: "load", message: "gone" },
    }]);
    await w.close();
  });

  test("a load answered just before the worker crashed is replayed and counted", async () => {
    const { w, restarts } = await create((worker, m) => {
      worker.reply({ id: m.id, result: answer(m) });
      if (m.op === "load" && worker.index === 1) worker.fail("boom");
    });
    const report = await w.load(bytes("a.csv"));
    assert.deepEqual(report, { rows: { runs: 1 } }, "the load itself succeeded");
    await w.tables();
    assert.deepEqual(loadedPaths(FakeWorker.instances[1]), ["a.csv"]);
    assert.deepEqual(restarts, [{ reason: "crashed", restored: true, restoredLoads: 1, totalLoads: 1, error: null }]);
    await w.close();
  });
});

describe("a worker that cannot start", () => {
  test("no new worker: every call fails with why, and onRestart is told", async () => {
    const { w, restarts } = await create((worker, m) => {
      if (m.op === "query" && m.args.sql === "SLOW") return;
      if (worker.index > 1 && m.op === "init") {
        worker.reply({ id: m.id, error: { kind: "load", message: "the module is gone" } });
        return;
      }
      answerAll(worker, m);
    });
    await w.load(bytes("a.csv"));
    const controller = new AbortController();
    const running = w.query("SLOW", [], { signal: controller.signal });
    await settle();
    controller.abort();
    await assert.rejects(running, (e) => e.kind === "cancelled");
    await assert.rejects(w.tables(), (e) => e.kind === "internal" && /could not be restarted \(the module is gone\)/.test(e.message));
    assert.equal(restarts.length, 1);
    assert.equal(restarts[0].restored, false);
    assert.equal(restarts[0].restoredLoads, 0);
    assert.equal(restarts[0].totalLoads, 1);
    assert.match(restarts[0].error.message, /could not be restarted/);
    await w.close();
  });

  test("the first worker crashes while it starts: create() rejects, and nothing is left unhandled", async () => {
    FakeWorker.script = (worker, m) => worker.reply(fatal(m));
    await assert.rejects(RunQLWorker.create({ queryTimeout: 0 }), (e) => e.kind === "internal" && /crashed/.test(e.message));
    await settle(20);
    assert.deepEqual(unhandled, []);
    assert.equal(FakeWorker.instances.length, 1, "no worker is started again for an instance that never came up");
  });
});
