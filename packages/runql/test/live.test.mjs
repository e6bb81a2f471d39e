// followLive (src/live.js) against a scripted server and a recording instance: the first
// load, changes applied in order with their tables, a page that fell behind loading again,
// a worker restart, tables gone between two requests, failures retried, and stop().
//
// Run: npm test -w packages/runql (node --test packages/runql/test/*.test.mjs).

import { test } from "node:test";
import assert from "node:assert/strict";

const { followLive } = await import("../src/live.js");

const BASE = "http://127.0.0.1:9/live/";
const TABLES = ["runs", "params", "metrics", "tags", "metric_summary", "runs_wide", "models"];

/** A server that answers from `routes` (path+query → [status, body]) and records requests. */
function server(routes) {
  const asked = [];
  const fetch = async (url) => {
    const u = new URL(url);
    const key = u.pathname + u.search;
    asked.push(key);
    const route = routes(key, u);
    if (!route) return new Response("not found", { status: 404 });
    const [status, body] = route;
    if (body instanceof Uint8Array) return new Response(body, { status });
    return new Response(typeof body === "string" ? body : JSON.stringify(body), { status });
  };
  return { fetch, asked };
}

/** An instance that records what the follower asks of it. */
function instance() {
  const calls = [];
  return {
    calls,
    restarts: 0,
    async load(urls) {
      calls.push({ op: "load", urls });
    },
    async applyChanges(change) {
      calls.push({ op: "apply", change });
    },
  };
}

const status = (version) => ({
  version,
  data: TABLES.map((t) => `/live/tables/${version}/${t}.parquet`),
  report: "/live/report.json",
});

const changes = (from, to, removed) => ({
  state: "changes",
  version: to,
  removed_runs: removed,
  removed_models: [],
  runs_changed: removed.length,
  tables: TABLES.map((t) => `/live/delta/${from}-${to}/${t}.arrows`),
});

const until = async (f, ms = 2000) => {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((ok) => setTimeout(ok, 5));
  }
};

test("loads the tables of the current version, then applies each change with its tables", async () => {
  let version = 3;
  const { fetch, asked } = server((key) => {
    if (key === "/live/status") return [200, status(version)];
    if (key.startsWith("/live/changes?since=3")) return [200, changes(3, 4, ["r1"])];
    if (key.startsWith("/live/changes?since=4")) return [200, { ...changes(4, 4, []), state: "current" }];
    if (key.startsWith("/live/delta/3-4/")) return [200, new Uint8Array([key.length % 251])];
    return null;
  });
  const db = instance();
  const seen = [];
  const live = await followLive(db, `${BASE}status`, { fetch, wait: 0, onChange: (c) => seen.push(c) });
  await until(() => seen.length >= 2);
  live.stop();
  await live.done;
  assert.deepEqual(db.calls[0], { op: "load", urls: status(3).data.map((u) => new URL(u, BASE).href) });
  const apply = db.calls[1];
  assert.equal(apply.op, "apply");
  assert.deepEqual(apply.change.removedRuns, ["r1"]);
  assert.deepEqual(Object.keys(apply.change.tables).sort(), [...TABLES].sort());
  assert.ok(apply.change.tables.metrics instanceof Uint8Array);
  assert.deepEqual(seen.map((c) => [c.kind, c.version, c.runsChanged]), [["load", 3, 0], ["changes", 4, 1]]);
  assert.equal(live.version, 4);
  assert.ok(asked.some((k) => k.startsWith("/live/changes?since=3&wait=0")), asked.join("\n"));
});

test("a page that fell behind, or whose worker was replaced, loads the tables again", async () => {
  let version = 1;
  let reloads = 0;
  const { fetch } = server((key) => {
    if (key === "/live/status") return [200, status(version)];
    if (key.startsWith("/live/changes?since=1")) {
      version = 9;
      reloads += 1;
      return [200, { ...changes(1, 9, []), state: "reload" }];
    }
    if (key.startsWith("/live/changes?since=9")) return [200, { ...changes(9, 9, []), state: "current" }];
    return null;
  });
  const db = instance();
  const live = await followLive(db, `${BASE}status`, { fetch, wait: 0 });
  await until(() => live.version === 9);
  assert.equal(reloads, 1);
  assert.equal(db.calls.filter((c) => c.op === "load").length, 2);
  // The worker is replaced: its tables are the loads' only, so the follower loads again.
  db.restarts = 1;
  await until(() => db.calls.filter((c) => c.op === "load").length === 3);
  live.stop();
  await live.done;
  assert.deepEqual(db.calls.at(-1).urls, status(9).data.map((u) => new URL(u, BASE).href));
});

test("a change whose tables are gone is asked for again; failures are reported and retried", async () => {
  let gone = true;
  let failing = 2;
  const { fetch } = server((key) => {
    if (key === "/live/status") return [200, status(0)];
    if (key.startsWith("/live/changes?since=0")) {
      if (failing > 0) {
        failing -= 1;
        return [503, "busy"];
      }
      return [200, changes(0, 1, ["a"])];
    }
    if (key.startsWith("/live/changes?since=1")) return [200, { ...changes(1, 1, []), state: "current" }];
    if (key.startsWith("/live/delta/0-1/")) {
      if (gone) {
        gone = false;
        return [410, "no longer kept"];
      }
      return [200, new Uint8Array([7])];
    }
    return null;
  });
  const db = instance();
  const errors = [];
  let recovered = 0;
  const live = await followLive(db, `${BASE}status`, {
    fetch,
    wait: 0,
    onError: (e) => errors.push(e),
    onRecover: () => (recovered += 1),
  });
  await until(() => live.version === 1, 5000);
  live.stop();
  await live.done;
  assert.equal(errors.length, 2);
  assert.equal(recovered, 1, "one recovery, after the two failures");
  assert.equal(errors[0].kind, "load");
  assert.match(errors[0].message, /HTTP 503 \(busy\)/);
  assert.equal(db.calls.filter((c) => c.op === "apply").length, 1, "applied once, after the tables were there");
});

test("a server that is not there fails the first load with the URL", async () => {
  const { fetch } = server(() => [502, "bad gateway"]);
  await assert.rejects(followLive(instance(), `${BASE}status`, { fetch }), {
    name: "RunQLError",
    kind: "load",
    message: /live\/status: HTTP 502 \(bad gateway\)/,
  });
});

test("a change the instance refuses is reported, and the tables are loaded whole again", async () => {
  let version = 0;
  const { fetch } = server((key) => {
    if (key === "/live/status") return [200, status(version)];
    if (key.startsWith("/live/changes?since=0")) {
      version = 1;
      return [200, changes(0, 1, ["r1"])];
    }
    if (key.startsWith("/live/changes?since=1")) return [200, { ...changes(1, 1, []), state: "current" }];
    if (key.startsWith("/live/delta/0-1/")) return [200, new Uint8Array([1])];
    return null;
  });
  const db = instance();
  db.applyChanges = async () => {
    throw Object.assign(new Error("added rows with other columns"), { name: "RunQLError", kind: "load" });
  };
  const errors = [];
  const live = await followLive(db, `${BASE}status`, { fetch, wait: 0, onError: (e) => errors.push(e) });
  await until(() => live.version === 1);
  live.stop();
  await live.done;
  assert.match(errors[0]?.message ?? "", /other columns/);
  assert.equal(db.calls.filter((c) => c.op === "load").length, 2, "loaded whole again after the refused change");
});
