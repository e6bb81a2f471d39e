// Building SQL from the page's controls. Values are quoted as SQL string literals (quotes
// doubled) and column names as identifiers, so no run data can change a query's shape.

/** A SQL string literal. */
export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A quoted identifier, e.g. `"params.lr"`. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A `key:value` tag chip as a {key, value} pair (split on the first colon, like W&B tags). */
export function splitTag(chip: string): { key: string; value: string | null } {
  const i = chip.indexOf(":");
  return i < 0 ? { key: chip, value: null } : { key: chip.slice(0, i), value: chip.slice(i + 1) };
}

/**
 * The condition (over runs_wide aliased `w`) that the runs table's filters mean: the user's
 * WHERE text, and every active tag chip.
 */
export function runsCondition(where: string, tags: string[]): string {
  const parts: string[] = [];
  if (where.trim()) parts.push(`(${where.trim()})`);
  for (const chip of tags) {
    const { key, value } = splitTag(chip);
    const v = value == null ? "t.value IS NULL" : `t.value = ${literal(value)}`;
    parts.push(`w.run_id IN (SELECT t.run_id FROM tags t WHERE t.key = ${literal(key)} AND ${v})`);
  }
  return parts.join(" AND ");
}

/** `w.run_id IN (...)` for a list of run ids. */
export function runIdsCondition(ids: string[]): string {
  return ids.length ? `w.run_id IN (${ids.map(literal).join(", ")})` : "FALSE";
}
