// Charts in the page: a ChartView draws a runql chart on a <canvas> and answers pick / zoom /
// reset. On the page's thread the WebAssembly module draws through plotters' canvas
// backend; behind a Web Worker the worker builds the chart and sends its display list
// (a "scene"), which paintScene() draws here.

import { toRunQLError } from "./errors.js";

const FONT_FAMILY = "DejaVu Sans, Verdana, sans-serif";

/**
 * Fills in the size and pixel ratio a chart on `canvas` should have: the spec's own
 * options win; else the canvas's CSS size and the screen's devicePixelRatio.
 */
export function prepareSpec(spec, canvas) {
  if (spec == null || typeof spec !== "object") {
    throw toRunQLError(new Error("a chart spec must be an object like {kind, data, encoding?, options?}"), "chart");
  }
  const options = { ...(spec.options ?? {}) };
  if (canvas) {
    const w = Math.round(canvas.clientWidth);
    const h = Math.round(canvas.clientHeight);
    if (options.width == null && w >= 64) options.width = w;
    if (options.height == null && h >= 64) options.height = h;
  }
  if (options.pixel_ratio == null && typeof devicePixelRatio === "number") {
    options.pixel_ratio = Math.min(8, Math.max(0.25, Math.round(devicePixelRatio * 100) / 100));
  }
  return { ...spec, options };
}

/** The ArrayBuffers inside a scene, to transfer it from a worker without copying. */
export function sceneTransferables(scene) {
  const out = [];
  for (const s of scene.shapes) if (s.points) out.push(s.points.buffer);
  return out;
}

/** Draws a scene (see ChartHandle.scene) on a canvas, sized for its pixel ratio. */
export function paintScene(canvas, scene) {
  const k = scene.pixelRatio;
  const w = Math.max(1, Math.round(scene.width * k));
  const h = Math.max(1, Math.round(scene.height * k));
  // Setting a canvas's size, even to the size it has, throws its bitmap away and makes a
  // new one: a redraw at the same size (zoom, reset) only clears it, as the wasm path does.
  const resized = canvas.width !== w || canvas.height !== h;
  if (resized) {
    canvas.width = w;
    canvas.height = h;
  }
  canvas.style.width = `${scene.width}px`;
  canvas.style.height = `${scene.height}px`;
  const ctx = canvas.getContext("2d");
  if (!ctx) throw toRunQLError(new Error("the canvas has no 2D context"), "chart");
  if (!resized) {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, h);
  }
  ctx.setTransform(k, 0, 0, k, 0, 0);
  ctx.fillStyle = scene.background;
  ctx.fillRect(0, 0, scene.width, scene.height);
  ctx.lineJoin = "round";
  for (const s of scene.shapes) {
    switch (s.shape) {
      case "line": {
        const p = s.points;
        if (p.length < 4) break;
        ctx.beginPath();
        ctx.moveTo(p[0], p[1]);
        for (let i = 2; i < p.length; i += 2) ctx.lineTo(p[i], p[i + 1]);
        ctx.strokeStyle = s.color;
        ctx.lineWidth = s.width;
        ctx.stroke();
        break;
      }
      case "area": {
        const p = s.points;
        if (p.length < 6) break;
        ctx.beginPath();
        ctx.moveTo(p[0], p[1]);
        for (let i = 2; i < p.length; i += 2) ctx.lineTo(p[i], p[i + 1]);
        ctx.closePath();
        ctx.fillStyle = s.color;
        ctx.fill();
        break;
      }
      case "rect":
        if (s.fill) {
          ctx.fillStyle = s.fill;
          ctx.fillRect(s.x, s.y, s.w, s.h);
        }
        if (s.stroke) {
          ctx.strokeStyle = s.stroke;
          ctx.lineWidth = 1;
          ctx.strokeRect(s.x, s.y, s.w, s.h);
        }
        break;
      case "circle":
        ctx.beginPath();
        ctx.arc(s.x, s.y, s.r, 0, 2 * Math.PI);
        ctx.fillStyle = s.fill;
        ctx.fill();
        break;
      case "text":
        ctx.save();
        ctx.font = `${s.bold ? "bold " : ""}${s.size}px ${FONT_FAMILY}`;
        ctx.fillStyle = s.color;
        ctx.textAlign = s.align;
        ctx.textBaseline = s.baseline;
        ctx.translate(s.x, s.y);
        if (s.vertical) ctx.rotate(-Math.PI / 2);
        // fillText draws text as text: a run name holding markup stays literal.
        ctx.fillText(s.text, 0, 0);
        ctx.restore();
        break;
      default:
        break;
    }
  }
}

/** A chart on a canvas, drawn on the page's thread by the WebAssembly module. */
export class ChartView {
  #handle;
  #canvas;
  /** Calls into the module that holds #handle ({enter, alive}, see modules.js). */
  #guard;

  /** @internal use `RunQL.plot()` */
  constructor(handle, canvas, guard) {
    this.#handle = handle;
    this.#canvas = canvas;
    this.#guard = guard;
  }

  #live() {
    if (!this.#handle) throw toRunQLError(new Error("this chart was freed"), "input");
    return this.#handle;
  }

  #call(fn) {
    const handle = this.#live();
    return this.#guard.enter("chart", () => fn(handle));
  }

  /** Draws the chart again (after zoom/reset/setOptions this happens by itself). */
  async redraw() {
    this.#call((h) => h.drawCanvas(this.#canvas));
  }

  /** The data point nearest to CSS pixel (x, y) of the canvas, or null. */
  async pick(x, y) {
    return this.#call((h) => h.pick(x, y));
  }

  /** Shows x from x0 to x1 (data units) at full resolution, and redraws. */
  async zoom(x0, x1) {
    this.#call((h) => {
      h.zoom(x0, x1);
      h.drawCanvas(this.#canvas);
    });
  }

  /** Back to all data, redrawn. */
  async reset() {
    this.#call((h) => {
      h.reset();
      h.drawCanvas(this.#canvas);
    });
  }

  /** New options (smoothing, theme, scales, ...), redrawn; the query is not run again. */
  async setOptions(options) {
    this.#call((h) => {
      h.setOptions(JSON.stringify(options));
      h.drawCanvas(this.#canvas);
    });
  }

  /** Data coordinates [x, y] of a CSS pixel, or null. */
  async toData(px, py) {
    return this.#call((h) => h.toData(px, py));
  }

  /** CSS pixel [px, py] of a data point, or null. */
  async toPixels(x, y) {
    return this.#call((h) => h.toPixels(x, y));
  }

  /** The plot area {x, y, w, h} in CSS pixels. */
  async plotArea() {
    return this.#call((h) => h.plotArea());
  }

  /** The x range shown, [lo, hi]. */
  async xRange() {
    return this.#call((h) => h.xRange());
  }

  /** The chart as an SVG document. */
  async toSVG() {
    return this.#call((h) => h.svg());
  }

  /** The spec in effect (with the preset's query filled in by runql). */
  async spec() {
    return JSON.parse(this.#call((h) => h.spec()));
  }

  /** Releases the chart's WebAssembly memory. */
  free() {
    // A handle of a module instance that trapped is not called again.
    if (this.#handle && this.#guard.alive()) this.#handle.free();
    this.#handle = null;
  }
}

/** The same API for a chart that lives in the runql worker; scenes are painted here. */
export class WorkerChartView {
  #call;
  #id;
  #canvas;

  /** @internal use `RunQLWorker.plot()` */
  constructor(call, id, canvas) {
    this.#call = call;
    this.#id = id;
    this.#canvas = canvas;
  }

  async #redrawWith(op, args = {}) {
    const scene = await this.#call(op, { id: this.#id, ...args });
    paintScene(this.#canvas, scene);
  }

  async redraw() {
    await this.#redrawWith("chartScene");
  }

  async pick(x, y) {
    return this.#call("chartPick", { id: this.#id, x, y });
  }

  async zoom(x0, x1) {
    await this.#redrawWith("chartZoom", { x0, x1 });
  }

  async reset() {
    await this.#redrawWith("chartReset");
  }

  async setOptions(options) {
    await this.#redrawWith("chartSetOptions", { options: JSON.stringify(options) });
  }

  async toData(px, py) {
    return this.#call("chartToData", { id: this.#id, px, py });
  }

  async toPixels(x, y) {
    return this.#call("chartToPixels", { id: this.#id, x, y });
  }

  async plotArea() {
    return this.#call("chartPlotArea", { id: this.#id });
  }

  async xRange() {
    return this.#call("chartXRange", { id: this.#id });
  }

  async toSVG() {
    return this.#call("chartSvg", { id: this.#id });
  }

  async spec() {
    return JSON.parse(await this.#call("chartSpec", { id: this.#id }));
  }

  free() {
    // Best effort, and free() returns nothing to report to: it fails only when the chart is
    // gone anyway (freed before, or its worker was restarted or closed).
    this.#call("chartFree", { id: this.#id }).catch(() => undefined);
  }
}
