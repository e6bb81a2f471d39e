// The charts tab: metric curves of the chosen runs (smoothing, x axis, log scale, grouping
// with bands), parallel coordinates params → metric, scatter, parameter importance; hover
// tooltips, drag to zoom, double-click to reset; PNG, SVG and CSV export.

import type { ChartSpec, ChartView } from "runql";
import { type Db, rows } from "./db";
import { download, el, formatValue, toCSV } from "./dom";
import { ident, literal } from "./sql";
import type { ViewState } from "./state";

export interface ChartHost {
  db: Db;
  state: ViewState;
  /** The runs table's filter as a condition over runs_wide `w` ("" for all runs). */
  filter(): string;
  /** The runs whose curves are drawn, as a condition over `w`, and a note saying which. */
  curveRuns(): { condition: string; note: string };
  theme(): "light" | "dark";
  /** The state changed (save it in the URL). */
  changed(): void;
  error(message: string | null): void;
}

export interface ChartElements {
  canvas: HTMLCanvasElement;
  tip: HTMLElement;
  band: HTMLElement;
  note: HTMLElement;
  controls: {
    kind: HTMLSelectElement;
    metric: HTMLSelectElement;
    smooth: HTMLInputElement;
    smoothValue: HTMLOutputElement;
    x: HTMLSelectElement;
    log: HTMLInputElement;
    group: HTMLSelectElement;
    bandKind: HTMLSelectElement;
    sx: HTMLSelectElement;
  };
}

function options(select: HTMLSelectElement, values: string[], labels: Record<string, string> = {}): void {
  const keep = select.value;
  select.replaceChildren(...values.map((v) => el("option", { value: v }, labels[v] ?? v)));
  if (values.includes(keep)) select.value = keep;
}

export class ChartPanel {
  #host: ChartHost;
  #el: ChartElements;
  #chart: ChartView | null = null;
  #generation = 0;
  #params: string[] = [];
  #drag: { x: number; y: number } | null = null;
  #picking = false;
  #lastDrawMs = 0;

  constructor(host: ChartHost, elements: ChartElements) {
    this.#host = host;
    this.#el = elements;
    this.#wireControls();
    this.#wireMouse();
  }

  /** The chart on screen (for tests and benchmarks). */
  get chart(): ChartView | null {
    return this.#chart;
  }

  /** How long the last draw or option change took, in ms. */
  get lastDrawMs(): number {
    return this.#lastDrawMs;
  }

  /** The metric keys and runs_wide param columns of the loaded data. */
  setChoices(metrics: string[], params: string[]): void {
    const s = this.#host.state;
    this.#params = params;
    const c = this.#el.controls;
    options(c.metric, metrics);
    if (!metrics.includes(s.metric)) s.metric = metrics.includes("val/loss") ? "val/loss" : (metrics[0] ?? "");
    c.metric.value = s.metric;
    options(c.group, ["", ...params], { "": "none" });
    if (!["", ...params].includes(s.group)) s.group = "";
    c.group.value = s.group;
    options(c.sx, params);
    if (!params.includes(s.sx)) s.sx = params.includes("params.lr") ? "params.lr" : (params[0] ?? "");
    c.sx.value = s.sx;
    this.#syncControls();
  }

  /** Shows the state's settings in the controls. */
  #syncControls(): void {
    const s = this.#host.state;
    const c = this.#el.controls;
    c.kind.value = s.chart;
    c.smooth.value = String(s.smooth);
    c.smoothValue.value = s.smooth.toFixed(2);
    c.x.value = s.x;
    c.log.checked = s.log;
    c.bandKind.value = s.band;
    const curves = s.chart === "curves";
    for (const [node, on] of [
      [c.smooth, curves],
      [c.x, curves],
      [c.group, curves || s.chart === "scatter"],
      [c.bandKind, curves && s.group !== ""],
      [c.sx, s.chart === "scatter"],
      [c.log, s.chart !== "importance"],
    ] as const) {
      node.closest("label")?.toggleAttribute("hidden", !on);
    }
  }

  #wireControls(): void {
    const s = () => this.#host.state;
    const c = this.#el.controls;
    const replot = (f: () => void) => () => {
      f();
      s().zoom = null;
      this.#syncControls();
      this.#host.changed();
      void this.draw();
    };
    c.kind.addEventListener("change", replot(() => (s().chart = c.kind.value as ViewState["chart"])));
    c.metric.addEventListener("change", replot(() => (s().metric = c.metric.value)));
    c.x.addEventListener("change", replot(() => (s().x = c.x.value as ViewState["x"])));
    c.group.addEventListener("change", replot(() => (s().group = c.group.value)));
    c.sx.addEventListener("change", replot(() => (s().sx = c.sx.value)));
    c.bandKind.addEventListener("change", () => {
      s().band = c.bandKind.value as ViewState["band"];
      this.#host.changed();
      void this.restyle();
    });
    c.smooth.addEventListener("input", () => {
      s().smooth = Number(c.smooth.value);
      c.smoothValue.value = s().smooth.toFixed(2);
      this.#host.changed();
      void this.restyle();
    });
    c.log.addEventListener("change", () => {
      s().log = c.log.checked;
      this.#host.changed();
      void this.restyle();
    });
  }

  #options(): NonNullable<ChartSpec["options"]> {
    const s = this.#host.state;
    const theme = this.#host.theme();
    switch (s.chart) {
      case "curves":
        return {
          theme,
          smoothing: s.smooth > 0 ? { kind: "tb_ema", param: s.smooth } : { kind: "none" },
          y_scale: s.log ? "log" : "linear",
          ignore_outliers: true,
          ...(s.group ? { aggregate: "mean", band: s.band } : {}),
        };
      case "scatter":
        return { theme, y_scale: s.log ? "log" : "linear" };
      case "parallel":
        return { theme };
      default:
        return { theme, seed: 7 };
    }
  }

  async #spec(): Promise<ChartSpec | null> {
    const s = this.#host.state;
    if (!s.metric) return null;
    const filter = this.#host.filter() || undefined;
    switch (s.chart) {
      case "curves": {
        const { condition, note } = this.#host.curveRuns();
        this.#el.note.textContent = note;
        return {
          kind: "line",
          data: { preset: "curves", metric: s.metric, runs: condition, x: s.x, group_by: s.group || undefined },
          options: this.#options(),
        };
      }
      case "parallel":
        this.#el.note.textContent = "Every run the table shows: one line per run, params → final value.";
        return {
          kind: "parallel",
          data: { preset: "params", params: this.#params.slice(0, 10), metric: s.metric, runs: filter },
          options: this.#options(),
        };
      case "scatter": {
        this.#el.note.textContent = "Every run the table shows.";
        const options = this.#options();
        if (s.sx && (await this.#wideRange(s.sx))) options.x_scale = "log";
        return {
          kind: "scatter",
          data: { preset: "scatter", x: s.sx, metric: s.metric, color: s.group || undefined, runs: filter },
          options,
        };
      }
      default:
        this.#el.note.textContent = "Correlation and random-forest importance of each param, over the runs the table shows.";
        return { kind: "importance", data: { preset: "params", metric: s.metric, runs: filter }, options: this.#options() };
    }
  }

  /** A positive numeric column spanning two decades or more is drawn on a log axis. */
  async #wideRange(column: string): Promise<boolean> {
    try {
      const [r] = await rows<{ lo: unknown; hi: unknown }>(
        this.#host.db,
        `SELECT min(w.${ident(column)}) AS lo, max(w.${ident(column)}) AS hi FROM runs_wide w`,
      );
      return typeof r?.lo === "number" && typeof r.hi === "number" && r.lo > 0 && r.hi / r.lo >= 100;
    } catch {
      return false;
    }
  }

  /** Builds the chart again (new runs, metric, kind, axis or grouping). */
  async draw(): Promise<void> {
    const generation = ++this.#generation;
    const started = performance.now();
    try {
      const spec = await this.#spec();
      if (generation !== this.#generation) return;
      this.#chart?.free();
      this.#chart = null;
      if (!spec) return;
      const chart = await this.#host.db.plot(this.#el.canvas, spec);
      if (generation !== this.#generation) {
        chart.free();
        return;
      }
      this.#chart = chart;
      const zoom = this.#host.state.zoom;
      if (zoom && this.#host.state.chart === "curves") await chart.zoom(zoom[0], zoom[1]);
      this.#host.error(null);
    } catch (e) {
      if (generation === this.#generation) this.#host.error(`Chart: ${(e as Error).message}`);
    } finally {
      this.#lastDrawMs = performance.now() - started;
      this.#el.canvas.dataset.drawn = String(generation);
    }
  }

  /** Applies option changes (smoothing, log scale, band) without running the query again. */
  async restyle(): Promise<void> {
    if (!this.#chart) return this.draw();
    const started = performance.now();
    try {
      await this.#chart.setOptions(this.#options());
      this.#lastDrawMs = performance.now() - started;
      this.#el.canvas.dataset.drawn = String(++this.#generation);
    } catch (e) {
      this.#host.error(`Chart: ${(e as Error).message}`);
    }
  }

  #pos(e: MouseEvent): { x: number; y: number } {
    const r = this.#el.canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  #xText(x: number): string {
    const s = this.#host.state;
    if (s.chart !== "curves") return `${s.chart === "scatter" ? s.sx : "x"} ${formatValue(x)}`;
    if (s.x === "time") return new Date(x).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
    if (s.x === "relative") return `${formatValue(x)} s`;
    return `step ${formatValue(x)}`;
  }

  #wireMouse(): void {
    const { canvas, tip, band } = this.#el;
    canvas.addEventListener("mousemove", async (e) => {
      const p = this.#pos(e);
      if (this.#drag) {
        const x0 = Math.min(this.#drag.x, p.x);
        band.style.left = `${x0}px`;
        band.style.width = `${Math.abs(p.x - this.#drag.x)}px`;
        band.hidden = false;
        tip.hidden = true;
        return;
      }
      // One pick at a time: mouse events come faster than the worker answers.
      if (!this.#chart || this.#picking) return;
      this.#picking = true;
      try {
        const hit = await this.#chart.pick(p.x, p.y);
        if (!hit) {
          tip.hidden = true;
          return;
        }
        // Text only: run names and group values are data.
        const value = `${formatValue(hit.y)}${hit.raw != null && hit.raw !== hit.y ? ` (raw ${formatValue(hit.raw)})` : ""}`;
        tip.replaceChildren(el("strong", {}, hit.label), el("br"), `${this.#xText(hit.x)}: ${value}`);
        tip.style.left = `${Math.min(p.x + 14, canvas.clientWidth - 220)}px`;
        tip.style.top = `${p.y + 14}px`;
        tip.hidden = false;
      } catch {
        tip.hidden = true;
      } finally {
        this.#picking = false;
      }
    });
    canvas.addEventListener("mouseleave", () => {
      tip.hidden = true;
    });
    canvas.addEventListener("mousedown", (e) => {
      if (e.button !== 0 || this.#host.state.chart !== "curves") return;
      this.#drag = this.#pos(e);
      e.preventDefault();
    });
    window.addEventListener("mouseup", async (e) => {
      const from = this.#drag;
      this.#drag = null;
      band.hidden = true;
      if (!from || !this.#chart) return;
      const to = this.#pos(e);
      if (Math.abs(to.x - from.x) < 5) return;
      const a = await this.#chart.toData(Math.min(from.x, to.x), from.y);
      const b = await this.#chart.toData(Math.max(from.x, to.x), from.y);
      if (!a || !b || !(a[0] < b[0])) return;
      await this.zoom(a[0], b[0]);
    });
    canvas.addEventListener("dblclick", () => void this.resetZoom());
    canvas.addEventListener("keydown", (e) => {
      if (e.key === "Escape" || e.key === "0") void this.resetZoom();
    });
  }

  async zoom(x0: number, x1: number): Promise<void> {
    if (!this.#chart) return;
    await this.#chart.zoom(x0, x1);
    this.#host.state.zoom = [x0, x1];
    this.#host.changed();
    this.#el.canvas.dataset.drawn = String(++this.#generation);
  }

  async resetZoom(): Promise<void> {
    if (!this.#chart) return;
    await this.#chart.reset();
    this.#host.state.zoom = null;
    this.#host.changed();
    this.#el.canvas.dataset.drawn = String(++this.#generation);
  }

  #fileName(ext: string): string {
    const s = this.#host.state;
    return `runql-${s.chart}-${s.metric.replace(/[^\w.-]+/g, "_")}.${ext}`;
  }

  exportPNG(): void {
    this.#el.canvas.toBlob((blob) => blob && download(this.#fileName("png"), blob, "image/png"));
  }

  async exportSVG(): Promise<void> {
    if (this.#chart) download(this.#fileName("svg"), await this.#chart.toSVG(), "image/svg+xml");
  }

  /** The numbers behind the chart as CSV: curve points, or one row per run. */
  async exportCSV(): Promise<void> {
    const s = this.#host.state;
    if (!s.metric) return;
    let sql: string;
    if (s.chart === "curves") {
      const where = this.#host.curveRuns().condition;
      sql = `SELECT w.run_id, w.name AS run, m.step, m.timestamp, m.value
             FROM metrics m JOIN runs_wide w ON w.run_id = m.run_id
             WHERE m.key = ${literal(s.metric)}${where ? ` AND (${where})` : ""}
             ORDER BY w.run_id, m.step, m.timestamp`;
    } else {
      const where = this.#host.filter();
      const params = this.#params.map((p) => `w.${ident(p)}`).join(", ");
      sql = `SELECT w.run_id, w.name AS run${params ? `, ${params}` : ""}, s.last AS ${ident(s.metric)}
             FROM runs_wide w JOIN metric_summary s ON s.run_id = w.run_id AND s.key = ${literal(s.metric)}
             ${where ? `WHERE ${where}` : ""} ORDER BY w.run_id`;
    }
    try {
      const result = await this.#host.db.query(sql);
      download(this.#fileName("csv"), toCSV(result.columns.map((c) => c.name), result.toArray()), "text/csv");
    } catch (e) {
      this.#host.error(`CSV export: ${(e as Error).message}`);
    }
  }
}
