// Following a watched source (runql serve --watch, the portal's `?live=`): the package's
// followLive, the header badge that says how it goes, and changes shown one at a time —
// only the latest when they come faster than the page draws them.

import { type LiveChangeInfo, type LiveFollower, type LoadProgress, followLive } from "runql";
import type { Db } from "./db";
import { byId } from "./dom";

/** What the page does with a change: show the report, the tables and the chart again. */
export type ShowChange = (info: LiveChangeInfo) => Promise<void>;

export class LiveView {
  #follower: LiveFollower | null = null;
  /** Changes are shown one after another, each once the one before is drawn. */
  #shown: Promise<void> = Promise.resolve();
  /** The latest change not shown yet (each shows every change before it). */
  #waiting: LiveChangeInfo | null = null;
  #source = "";

  constructor(
    private readonly show: ShowChange,
    private readonly failed: (message: string) => void,
  ) {}

  /** Loads `statusUrl`'s tables into `db` and follows its changes; resolves once they are shown. */
  async follow(db: Db, statusUrl: string, onProgress: (p: LoadProgress) => void): Promise<void> {
    this.stop();
    this.#source = statusUrl;
    this.#follower = await followLive(db, new URL(statusUrl, location.href), {
      onChange: (info) => this.#changed(info),
      onError: (e) => this.#badge(`Live · reconnecting (${e.message})`, true),
      onRecover: () => this.#badge(`Live · connected again at ${new Date().toLocaleTimeString()}`),
      onProgress,
    });
    await this.#shown;
  }

  /** Stops following (other runs were loaded) and hides the badge. */
  stop(): void {
    this.#follower?.stop();
    this.#follower = null;
    byId("live").hidden = true;
  }

  #badge(text: string, failing = false): void {
    const badge = byId("live");
    badge.hidden = false;
    badge.dataset.state = failing ? "error" : "live";
    badge.textContent = text;
  }

  #changed(change: LiveChangeInfo): void {
    const queued = this.#waiting !== null;
    // A whole load not shown yet is still shown as one (the SQL tab's query runs after it).
    this.#waiting = { ...change, kind: this.#waiting?.kind === "load" ? "load" : change.kind };
    if (queued) return;
    this.#shown = this.#shown
      .then(async () => {
        const info = this.#waiting;
        this.#waiting = null;
        if (!info) return;
        await this.show(info);
        const when = new Date().toLocaleTimeString();
        const what = info.kind === "load" ? "loaded" : `${info.runsChanged} ${info.runsChanged === 1 ? "run" : "runs"} changed`;
        this.#badge(`Live · ${what} at ${when}`);
        byId("live").title = `Following ${this.#source}: version ${info.version}`;
        // Tests and benchmarks wait on this: the change is in the table and the chart.
        document.body.dataset.liveVersion = String(info.version);
      })
      .catch((e) => this.failed(`Showing the latest runs failed: ${(e as Error).message}`));
  }
}
