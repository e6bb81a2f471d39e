// The runs table: one row per run of runs_wide, sortable, virtually scrolled (only the rows
// on screen exist in the DOM, so 10k+ runs scroll smoothly), with a selection.

import { Virtualizer, elementScroll, observeElementOffset, observeElementRect } from "@tanstack/virtual-core";
import { el, formatValue } from "./dom";

const ROW_HEIGHT = 30;

export type Row = Record<string, unknown> & { run_id: string };

export interface TableEvents {
  /** The selection changed (by the user). */
  onSelect(ids: string[]): void;
  /** The sort changed: `column` or `-column`. */
  onSort(sort: string): void;
}

/** Orders values: numbers by value (NaN after numbers), text by locale, null last. */
function compare(a: unknown, b: unknown): number {
  if (a == null || b == null) return a == null ? (b == null ? 0 : 1) : -1;
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (typeof a === "number" && typeof b === "number") {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
    return a - b;
  }
  if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/** Sorts rows by `column` / `-column` (stable; nulls last either way). */
export function sortRows(rows: Row[], sort: string): Row[] {
  if (!sort) return rows;
  const desc = sort.startsWith("-");
  const col = desc ? sort.slice(1) : sort;
  return [...rows].sort((x, y) => {
    const a = x[col];
    const b = y[col];
    if (a == null || b == null) return compare(a, b);
    return desc ? compare(b, a) : compare(a, b);
  });
}

export class RunsTable {
  readonly root: HTMLElement;
  #head: HTMLElement;
  #body: HTMLElement;
  #virtualizer: Virtualizer<HTMLElement, HTMLElement>;
  #rows: Row[] = [];
  #columns: string[] = [];
  #sort = "";
  #selected = new Set<string>();
  #events: TableEvents;

  constructor(root: HTMLElement, events: TableEvents) {
    this.root = root;
    this.#events = events;
    this.#head = el("div", { class: "trow thead", role: "row" });
    this.#body = el("div", { class: "tbody", role: "rowgroup" });
    root.replaceChildren(this.#head, this.#body);
    this.#virtualizer = new Virtualizer<HTMLElement, HTMLElement>({
      count: 0,
      getScrollElement: () => this.root,
      estimateSize: () => ROW_HEIGHT,
      overscan: 12,
      scrollToFn: elementScroll,
      observeElementRect,
      observeElementOffset,
      onChange: () => this.#renderRows(),
    });
    this.#virtualizer._didMount();
  }

  /** The rows in their current order. */
  get rows(): Row[] {
    return this.#rows;
  }

  get selected(): string[] {
    return [...this.#selected];
  }

  /** New data: rows (already filtered), the columns to show, the sort, the selection. */
  update(rows: Row[], columns: string[], sort: string, selected: string[]): void {
    this.#columns = columns;
    this.#sort = sort;
    this.#rows = sortRows(rows, sort);
    this.#selected = new Set(selected);
    this.root.setAttribute("aria-rowcount", String(this.#rows.length + 1));
    // Fixed tracks: every row is its own grid, so content-sized tracks would not line up.
    const widths = ["2.2rem", "14rem", ...columns.map(() => "9rem")].join(" ");
    this.root.style.setProperty("--cols", widths);
    this.#renderHead();
    this.#virtualizer.setOptions({ ...this.#virtualizer.options, count: this.#rows.length });
    this.#virtualizer._willUpdate();
    this.#virtualizer.measure();
    this.#renderRows();
  }

  setSelected(ids: string[]): void {
    this.#selected = new Set(ids);
    this.#renderHead();
    this.#renderRows();
  }

  #toggle(id: string, on: boolean, row: HTMLElement): void {
    if (on) this.#selected.add(id);
    else this.#selected.delete(id);
    // Only this row changes: re-rendering would take the keyboard focus off its checkbox.
    row.classList.toggle("selected", on);
    row.setAttribute("aria-selected", String(on));
    this.#renderHead();
    this.#events.onSelect(this.selected);
  }

  #header(col: string, label: string): HTMLElement {
    const desc = this.#sort === `-${col}`;
    const asc = this.#sort === col;
    const button = el(
      "button",
      {
        type: "button",
        class: "sort",
        title: `Sort by ${col}`,
        onclick: () => this.#events.onSort(asc ? `-${col}` : desc ? "" : col),
      },
      label,
      asc ? " ▲" : desc ? " ▼" : "",
    );
    const kind = /^(params|metrics|tags)\./.exec(col)?.[1];
    return el("div", { role: "columnheader", class: kind ? `cell kind-${kind}` : "cell", "aria-sort": asc ? "ascending" : desc ? "descending" : "none" }, button);
  }

  #renderHead(): void {
    const all = this.#rows.length > 0 && this.#rows.every((r) => this.#selected.has(r.run_id));
    const box = el("input", {
      type: "checkbox",
      "aria-label": "Select all runs shown",
      onchange: (e: Event) => {
        const on = (e.target as HTMLInputElement).checked;
        for (const r of this.#rows) {
          if (on) this.#selected.add(r.run_id);
          else this.#selected.delete(r.run_id);
        }
        this.#renderHead();
        this.#renderRows();
        this.#events.onSelect(this.selected);
      },
    });
    box.checked = all;
    this.#head.replaceChildren(
      el("div", { role: "columnheader", class: "cell check" }, box),
      this.#header("name", "run"),
      ...this.#columns.map((c) => this.#header(c, c.replace(/^(params|metrics|tags)\./, ""))),
    );
  }

  #renderRows(): void {
    const items = this.#virtualizer.getVirtualItems();
    this.#body.style.height = `${this.#virtualizer.getTotalSize()}px`;
    const nodes: HTMLElement[] = [];
    for (const item of items) {
      const row = this.#rows[item.index];
      if (!row) continue;
      const id = row.run_id;
      const name = formatValue(row.name ?? id);
      const on = this.#selected.has(id);
      const box = el("input", {
        type: "checkbox",
        "aria-label": `Select run ${name}`,
        onchange: (e: Event) => {
          const input = e.target as HTMLInputElement;
          const row = input.closest<HTMLElement>(".trow");
          if (row) this.#toggle(id, input.checked, row);
        },
      });
      box.checked = on;
      nodes.push(
        el(
          "div",
          {
            class: on ? "trow selected" : "trow",
            role: "row",
            "aria-rowindex": item.index + 2,
            "aria-selected": on ? "true" : "false",
            "data-run": id,
            style: `transform: translateY(${item.start}px)`,
          },
          el("div", { role: "cell", class: "cell check" }, box),
          el("div", { role: "cell", class: "cell name", title: `${name}\n${id}` }, name),
          ...this.#columns.map((c) => {
            const text = formatValue(row[c]);
            const numeric = typeof row[c] === "number";
            return el("div", { role: "cell", class: numeric ? "cell num" : "cell", title: text }, text);
          }),
        ),
      );
    }
    this.#body.replaceChildren(...nodes);
  }
}
