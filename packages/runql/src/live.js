// Following a watched source (`runql serve --watch PATH`): load its tables, then apply the
// rows that change as runs write, without loading everything again.
//
//   const live = await followLive(db, "/live/status", { onChange: (c) => redraw() });
//   ...
//   live.stop();

import { RunQLError, toRunQLError } from "./errors.js";

/** Longest wait between two tries after a failed request. */
const MAX_BACKOFF_MS = 10_000;

/**
 * The pause after an answer that nothing changed: a server that answers at once (`wait=0`,
 * a proxy that cuts long requests) is not asked again in a tight loop.
 */
const IDLE_PAUSE_MS = 100;

/** How many times the first load is tried before followLive gives up. */
const FIRST_LOAD_TRIES = 3;

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/**
 * What `onChange` is told after each change applied.
 * @typedef {object} LiveChangeInfo
 * @property {"load"|"changes"} kind `load`: the tables were loaded whole (the first time,
 *   after the page fell behind, or after the worker restarted); `changes`: rows changed
 * @property {number} version the server's version the tables now are at
 * @property {number} runsChanged runs whose rows were replaced, added or removed
 * @property {string} report URL of the load report as of now
 * @property {number} ms how long fetching and applying took
 */

/** @param {string|URL} url @param {typeof fetch} get */
async function json(url, get, signal) {
  const response = await get(url, { signal, cache: "no-store" });
  if (!response.ok) {
    const text = await response.text().catch(() => "");
    throw new RunQLError("load", `${url}: HTTP ${response.status}${text ? ` (${text})` : ""}`);
  }
  return response.json();
}

/** A response that says the server no longer holds what was asked (a newer version exists). */
class Gone extends Error {}

async function bytes(url, get, signal) {
  const response = await get(url, { signal, cache: "no-store" });
  if (response.status === 410) throw new Gone(String(url));
  if (!response.ok) throw new RunQLError("load", `${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Keeps `db` (a RunQL or RunQLWorker instance) up to date with a watched source.
 * Resolves once its tables are loaded; from then on each change is applied as it comes,
 * until `stop()`.
 */
export class LiveFollower {
  #db;
  #status;
  #get;
  #wait;
  #onChange;
  #onError;
  #onRecover;
  #onProgress;
  #abort = new AbortController();
  #restarts = 0;
  /** The server's version the tables are at (-1 before the first load). */
  version = -1;
  /** Resolves when the loop ends (after `stop()`). */
  done = Promise.resolve();

  /** @internal use followLive() */
  constructor(db, statusUrl, options) {
    this.#db = db;
    this.#status = new URL(statusUrl, globalThis.location?.href);
    this.#get = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#wait = Math.min(Math.max(Number(options.wait ?? 20), 0), 25);
    this.#onChange = options.onChange;
    this.#onError = options.onError;
    this.#onRecover = options.onRecover;
    this.#onProgress = options.onProgress;
  }

  /** Stops following; a change being applied finishes first. */
  stop() {
    this.#abort.abort();
  }

  get stopped() {
    return this.#abort.signal.aborted;
  }

  #tell(handler, value) {
    try {
      handler?.(value);
    } catch {
      // A broken handler on the page must not stop the follower.
    }
  }

  /** Loads the tables of the server's current version, whole. */
  async sync() {
    const started = performance.now();
    const signal = this.#abort.signal;
    const status = await json(this.#status, this.#get, signal);
    const urls = status.data.map((u) => new URL(u, this.#status).href);
    await this.#db.load(urls, { onProgress: this.#onProgress, signal });
    if (this.stopped) return;
    this.version = status.version;
    this.#restarts = this.#db.restarts ?? 0;
    this.#tell(this.#onChange, {
      kind: "load",
      version: status.version,
      runsChanged: 0,
      report: new URL(status.report, this.#status).href,
      ms: performance.now() - started,
    });
  }

  /** One wait for a change and, when one came, its application. */
  async #step() {
    const signal = this.#abort.signal;
    if ((this.#db.restarts ?? 0) !== this.#restarts) {
      // The worker was replaced and holds only what it could load again: start over.
      await this.sync();
      return;
    }
    const url = new URL("changes", this.#status);
    url.searchParams.set("since", String(this.version));
    url.searchParams.set("wait", String(this.#wait));
    const changes = await json(url, this.#get, signal);
    const started = performance.now();
    if (changes.state === "current") {
      await sleep(IDLE_PAUSE_MS);
      return;
    }
    if (changes.state === "reload") {
      await this.sync();
      return;
    }
    const tables = {};
    try {
      for (const path of changes.tables) {
        const name = path.split("/").pop().replace(/\.arrows$/, "");
        tables[name] = await bytes(new URL(path, this.#status), this.#get, signal);
      }
    } catch (e) {
      // Another page asked for other changes meanwhile: ask again.
      if (e instanceof Gone) return;
      throw e;
    }
    // Stopped meanwhile (the page loaded other runs): the change is not theirs.
    if (this.stopped) return;
    try {
      await this.#db.applyChanges({ removedRuns: changes.removed_runs, removedModels: changes.removed_models, tables });
    } catch (e) {
      // The tables stay as they were: loading them whole is how to be current again.
      this.#tell(this.#onError, toRunQLError(e, "load"));
      await this.sync();
      return;
    }
    this.version = changes.version;
    this.#tell(this.#onChange, {
      kind: "changes",
      version: changes.version,
      runsChanged: changes.runs_changed,
      report: new URL("report.json", this.#status).href,
      ms: performance.now() - started,
    });
  }

  /** @internal the loop: a step after another, waiting longer after each failure. */
  run() {
    this.done = (async () => {
      let failures = 0;
      while (!this.stopped) {
        try {
          await this.#step();
          if (failures > 0) this.#tell(this.#onRecover, undefined);
          failures = 0;
        } catch (e) {
          if (this.stopped) break;
          failures += 1;
          this.#tell(this.#onError, toRunQLError(e, "load"));
          const ms = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(failures, 6));
          await sleep(ms);
        }
      }
    })();
  }
}

/**
 * Loads a watched source's tables into `db` and keeps them up to date: every change the
 * server sees (new points, new runs, changed files) is applied as it comes, without loading
 * the rest again. `statusUrl` is the server's `/live/status` (`runql serve --watch` prints a
 * portal URL with it as `?live=`).
 *
 * `options.onChange(info)` is called after the first load and after each change (see
 * LiveChangeInfo); `options.onError(error)` when a request fails (the follower tries again,
 * waiting longer each time, up to 10 s) and `options.onRecover()` when one works again
 * after that; `options.wait` is how long each request waits on the
 * server for a change (seconds, at most 25); `options.fetch` replaces `fetch`.
 *
 * @param {{load: Function, applyChanges: Function, restarts?: number}} db a RunQL or RunQLWorker
 * @param {string|URL} statusUrl
 * @param {{onChange?: (info: LiveChangeInfo) => void, onError?: (error: RunQLError) => void, onRecover?: () => void, onProgress?: (p: object) => void, wait?: number, fetch?: typeof fetch}} [options]
 * @returns {Promise<LiveFollower>} once the first tables are loaded
 */
export async function followLive(db, statusUrl, options = {}) {
  const follower = new LiveFollower(db, statusUrl, options);
  for (let attempt = 1; ; attempt += 1) {
    try {
      await follower.sync();
      break;
    } catch (e) {
      // A server busy writing a version's tables, or one that moved on: a few more tries.
      if (attempt >= FIRST_LOAD_TRIES || (e?.kind === "load" && /HTTP 4(0[0-9]|1[0-79])/.test(e.message))) throw e;
      await sleep(250 * attempt);
    }
  }
  follower.run();
  return follower;
}
