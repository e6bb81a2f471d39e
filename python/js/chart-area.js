// The chart area of one view: draws the model's `chart` spec on a canvas with db.plot and
// shows the run and value under the mouse.

const DEFAULT_HEIGHT = 320;

function pickText(hit) {
  const fmt = (v) => (typeof v === "number" ? String(Number(v.toPrecision(6))) : String(v));
  return `${hit.label ?? hit.series}  x=${fmt(hit.x)}  y=${fmt(hit.y)}`;
}

export class ChartArea {
  /** @type {import("../../packages/runql/index.d.ts").ChartView | null} */
  view = null;

  constructor(session, box) {
    this.session = session;
    this.box = box;
    this.canvas = document.createElement("canvas");
    this.canvas.className = "runql-canvas";
    this.tip = document.createElement("div");
    this.tip.className = "runql-tip";
    box.append(this.canvas, this.tip);
    this.drawn = 0;
    this.canvas.addEventListener("mousemove", (e) => this.#hover(e));
    this.canvas.addEventListener("mouseleave", () => { this.tip.textContent = ""; });
  }

  async #hover(e) {
    if (!this.view) return;
    const r = this.canvas.getBoundingClientRect();
    try {
      const hit = await this.view.pick(e.clientX - r.left, e.clientY - r.top);
      this.tip.textContent = hit ? pickText(hit) : "";
    } catch {
      this.tip.textContent = "";
    }
  }

  /** Draws the model's chart spec (or hides the area when it is empty). */
  async draw() {
    const spec = this.session.model.get("chart") ?? {};
    const run = ++this.drawn;
    this.view?.free();
    this.view = null;
    this.tip.textContent = "";
    const empty = Object.keys(spec).length === 0;
    this.box.hidden = empty;
    if (empty || !this.session.db) return;
    const options = { ...(spec.options ?? {}) };
    // The canvas takes the cell's width; db.plot fixes its CSS size to what it drew.
    options.width ??= Math.max(320, Math.min(1600, Math.round(this.box.clientWidth || 720)));
    options.height ??= DEFAULT_HEIGHT;
    try {
      const view = await this.session.db.plot(this.canvas, { ...spec, options });
      if (run !== this.drawn) return view.free();
      this.view = view;
      this.session.chartError(null);
    } catch (e) {
      if (run !== this.drawn) return;
      this.session.chartError(e);
    }
  }

  free() {
    this.drawn++;
    this.view?.free();
    this.view = null;
  }
}
