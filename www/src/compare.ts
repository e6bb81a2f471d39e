// The compare tab: a config diff of the selected runs, listing only the params whose values
// differ between them (a param missing from some runs counts as differing).

import { type Db, rows } from "./db";
import { el } from "./dom";
import { literal } from "./sql";

export interface ParamRow {
  run_id: string;
  name: string | null;
  key: string;
  value: string | null;
}

export interface ConfigDiff {
  runs: { id: string; name: string }[];
  /** Params that differ, with each run's value (undefined: the run does not have it). */
  differing: { key: string; values: (string | null | undefined)[] }[];
  /** How many params all the runs share with equal values. */
  same: number;
}

/** The diff of the runs' params (pure, for tests and the view). */
export function configDiff(runs: { id: string; name: string }[], params: ParamRow[]): ConfigDiff {
  const byRun = new Map(runs.map((r) => [r.id, new Map<string, string | null>()]));
  for (const p of params) byRun.get(p.run_id)?.set(p.key, p.value);
  const keys = [...new Set(params.map((p) => p.key))].sort();
  const differing: ConfigDiff["differing"] = [];
  let same = 0;
  for (const key of keys) {
    const values = runs.map((r) => (byRun.get(r.id)?.has(key) ? byRun.get(r.id)?.get(key) : undefined));
    if (values.every((v) => v === values[0])) same += 1;
    else differing.push({ key, values });
  }
  return { runs, differing, same };
}

/** Renders the diff of `ids` into `root`. */
export async function renderCompare(db: Db, ids: string[], root: HTMLElement): Promise<void> {
  if (ids.length < 2) {
    root.replaceChildren(el("p", { class: "hint" }, "Select two or more runs in the table to see how their configs differ."));
    return;
  }
  const list = ids.map(literal).join(", ");
  const params = await rows<ParamRow>(
    db,
    `SELECT p.run_id, r.name, p.key, p.value FROM params p JOIN runs r USING (run_id) WHERE p.run_id IN (${list})`,
  );
  const names = await rows<{ run_id: string; name: string | null }>(db, `SELECT run_id, name FROM runs WHERE run_id IN (${list})`);
  const nameOf = new Map(names.map((r) => [r.run_id, r.name ?? r.run_id]));
  const runs = ids.filter((id) => nameOf.has(id)).map((id) => ({ id, name: nameOf.get(id) ?? id }));
  const diff = configDiff(runs, params);
  const head = el("tr", {}, el("th", { scope: "col" }, "param"), ...runs.map((r) => el("th", { scope: "col", title: r.id }, r.name)));
  const body = diff.differing.map((d) =>
    el(
      "tr",
      { "data-param": d.key },
      el("th", { scope: "row" }, d.key),
      ...d.values.map((v) => el("td", { class: v === undefined ? "missing" : "" }, v === undefined ? "—" : (v ?? "null"))),
    ),
  );
  root.replaceChildren(
    el(
      "p",
      { class: "hint" },
      `${diff.differing.length} param${diff.differing.length === 1 ? "" : "s"} differ across ${runs.length} runs; ` +
        `${diff.same} identical param${diff.same === 1 ? " is" : "s are"} hidden.`,
    ),
    diff.differing.length
      ? el("div", { class: "scroll-x" }, el("table", { class: "grid", "aria-label": "Config diff" }, el("thead", {}, head), el("tbody", {}, ...body)))
      : el("p", {}, "These runs have the same config."),
  );
}
