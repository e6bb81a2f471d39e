// The result table. Every value is set with textContent: run names, params and tags are
// untrusted text, never markup.

/** Rows shown in the cell; the whole result still goes to the kernel. */
export const SHOWN_ROWS = 200;

function cellText(v) {
  if (v === null || v === undefined) return "NULL";
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "Invalid Date" : v.toISOString();
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  return String(v);
}

/**
 * Fills `container` with a table of `result` ({columns, rows, numRows}); `rows` may hold
 * only the first rows of a large result.
 * @returns {string} a one-line summary ("3 rows × 2 columns")
 */
export function renderTable(container, result) {
  container.replaceChildren();
  const { columns, rows, numRows } = result;
  const table = document.createElement("table");
  const head = table.createTHead().insertRow();
  for (const c of columns) {
    const th = document.createElement("th");
    th.textContent = c.name;
    th.title = c.type;
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (const row of rows.slice(0, SHOWN_ROWS)) {
    const tr = body.insertRow();
    for (const c of columns) {
      const td = tr.insertCell();
      const v = row[c.name];
      td.textContent = cellText(v);
      if (typeof v === "number" || typeof v === "bigint") td.className = "num";
    }
  }
  container.appendChild(table);
  const shown = Math.min(rows.length, SHOWN_ROWS);
  const more = numRows > shown ? ` (first ${shown} shown)` : "";
  return `${numRows} row${numRows === 1 ? "" : "s"} × ${columns.length} column${columns.length === 1 ? "" : "s"}${more}`;
}
