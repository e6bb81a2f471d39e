// Where npm installed the benchmark pages' dependencies, as URL paths on the server of
// tests/browser/server.mjs (it serves the repository). The npm workspace (the root
// package.json) hoists packages to the root node_modules/ and nests a version only where
// two are needed (DuckDB-Wasm's apache-arrow and flatbuffers are older than the browser
// tests'), so the pages are told where each one is instead of assuming a layout: they take
// the `deps` parameter that benchPage() adds (see browser.html and chart.html).

import { existsSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../..");

/** The folder of package `name` as Node finds it from folder `from`: the nearest node_modules/NAME up the tree. */
export function packageDir(name, from = HERE) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(dir) === dir) throw new Error(`${name} is not installed: run \`npm ci\` at the repository's root`);
  }
}

/** The URL path of a folder inside the repository. */
function urlPath(dir) {
  const path = relative(ROOT, dir);
  if (path.startsWith("..")) throw new Error(`${dir} is outside the repository, which the test server serves`);
  return `/${path.split(sep).join("/")}`;
}

/** The pages' dependencies: each package's folder as a URL path, by package name. */
export function benchDeps() {
  const duckdb = packageDir("@duckdb/duckdb-wasm");
  // DuckDB-Wasm's browser build imports "apache-arrow": the version it depends on, and that
  // version's own flatbuffers and tslib.
  const arrow = packageDir("apache-arrow", duckdb);
  return {
    "@duckdb/duckdb-wasm": urlPath(duckdb),
    "apache-arrow": urlPath(arrow),
    flatbuffers: urlPath(packageDir("flatbuffers", arrow)),
    tslib: urlPath(packageDir("tslib", arrow)),
    uplot: urlPath(packageDir("uplot")),
  };
}

/** The URL path of a page of scripts/bench/ (e.g. "chart.html") with its `deps` parameter. */
export function benchPage(page) {
  return `/scripts/bench/${page}?deps=${encodeURIComponent(JSON.stringify(benchDeps()))}`;
}
