// The worker script (src/worker.js) in node, without WebAssembly: its RunQL is a stand-in
// (stubs/index.mjs, put in place by stubs/hooks.mjs) whose charts record how deep inside the
// instance's guard each call into the module ran. Each chart request enters the guard once.
//
// Run: npm test -w packages/runql (node --test packages/runql/test/*.test.mjs).

import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { register } from "node:module";
import { toRunQLError } from "../src/errors.js";

register("./stubs/hooks.mjs", import.meta.url);

/** What the worker posted: {message, transfer}. */
const posted = [];
globalThis.self = { postMessage: (message, transfer = []) => posted.push({ message, transfer }) };

/** A chart handle of the stand-in instance: records each call and the guard depth it ran at. */
class FakeChart {
  constructor(db, spec) {
    this.db = db;
    this.spec = spec;
    this.freed = false;
    /** [method, how many guard entries were open] */
    this.calls = [];
  }

  #call(name) {
    this.calls.push([name, this.db.depth]);
    if (this.spec.fail === name) {
      if (this.spec.trap) this.db.crash = new Error("unreachable");
      throw toRunQLError(new Error(`${name} failed`), "chart");
    }
  }

  scene() {
    this.#call("scene");
    return { width: 10, height: 10, pixelRatio: 1, background: "#fff", shapes: [{ shape: "line", points: new Float32Array(4) }] };
  }

  zoom() {
    this.#call("zoom");
  }

  reset() {
    this.#call("reset");
  }

  setOptions() {
    this.#call("setOptions");
  }

  pick() {
    this.#call("pick");
    return null;
  }

  free() {
    this.freed = true;
  }
}

/** The stand-in instance: its guard counts entries as the real one (modules.js) is entered. */
const db = {
  crash: null,
  depth: 0,
  /** The kind of each guard entry since the last reset. */
  entries: [],
  handles: [],
  chartGuard() {
    return {
      enter: (kind, f) => {
        db.entries.push(kind);
        db.depth += 1;
        try {
          return f();
        } catch (e) {
          throw toRunQLError(e, kind);
        } finally {
          db.depth -= 1;
        }
      },
      alive: () => !db.crash,
    };
  },
  chartHandle(spec) {
    const c = new FakeChart(db, spec);
    db.handles.push(c);
    return c;
  },
};
globalThis.runqlTestDb = db;

await import("../src/worker.js");

let nextId = 1;
/** Sends one request to the worker; resolves with what it posted back. */
async function request(op, args = {}) {
  const id = nextId++;
  await self.onmessage({ data: { id, op, args } });
  const answer = posted.find((p) => p.message.id === id);
  assert.ok(answer, `the worker answered ${op}`);
  return answer;
}

await request("init", {});

beforeEach(() => {
  db.entries = [];
  db.crash = null;
});

describe("chart requests enter the instance's guard once", () => {
  test("chartCreate, chartScene, chartZoom, chartReset, chartSetOptions: one entry, the module called inside it", async () => {
    const created = await request("chartCreate", { spec: { kind: "curves" } });
    const { id, scene } = created.message.result;
    assert.equal(typeof id, "number");
    assert.equal(scene.shapes.length, 1);
    assert.deepEqual(created.transfer, [scene.shapes[0].points.buffer], "the scene's arrays are transferred");
    const c = db.handles.at(-1);
    assert.deepEqual(db.entries, ["chart"]);
    assert.deepEqual(c.calls, [["scene", 1]]);

    for (const [op, args, method] of [
      ["chartScene", {}, null],
      ["chartZoom", { x0: 0, x1: 1 }, "zoom"],
      ["chartReset", {}, "reset"],
      ["chartSetOptions", { options: "{}" }, "setOptions"],
    ]) {
      db.entries = [];
      c.calls = [];
      const answer = await request(op, { id, ...args });
      assert.equal(answer.message.error, undefined, `${op}: ${JSON.stringify(answer.message.error)}`);
      assert.deepEqual(db.entries, ["chart"], `${op} enters the guard once`);
      assert.deepEqual(c.calls, [...(method ? [[method, 1]] : []), ["scene", 1]], `${op} calls the module inside that entry`);
      assert.equal(answer.transfer.length, 1);
    }

    db.entries = [];
    const picked = await request("chartPick", { id, x: 1, y: 2 });
    assert.equal(picked.message.result, null);
    assert.deepEqual(db.entries, ["chart"]);
  });

  test("a chart whose first scene fails is freed, and gets no id", async () => {
    const failed = await request("chartCreate", { spec: { kind: "curves", fail: "scene" } });
    assert.deepEqual(failed.message.error, { kind: "chart", message: "scene failed" });
    assert.equal(db.handles.at(-1).freed, true, "nothing else could free it");
    assert.deepEqual(db.entries, ["chart"]);

    const next = await request("chartCreate", { spec: { kind: "curves" } });
    const stale = await request("chartScene", { id: next.message.result.id + 1 });
    assert.equal(stale.message.error?.kind, "input");
    assert.match(stale.message.error.message, /no chart/);
  });

  test("after a trap in the first scene, the handle is not called again (not even freed)", async () => {
    const crashed = await request("chartCreate", { spec: { kind: "curves", fail: "scene", trap: true } });
    assert.equal(crashed.message.error?.fatal, true);
    assert.equal(crashed.message.error.cause, "unreachable");
    assert.equal(db.handles.at(-1).freed, false);
  });
});
