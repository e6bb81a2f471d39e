// Generates wire.d.ts, the TypeScript types of runql's wire types (ChartSpec, LoadReport,
// Pick, ErrorKind, ...), from wire.schema.json, which the Rust types generate
// (crates/runql/tests/wire.rs). `--check` fails instead of writing when wire.d.ts is stale.
//
//   npm run wire -w packages/runql            # write wire.d.ts
//   node packages/runql/scripts/wire.mjs --check

import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "json-schema-to-typescript";

const PACKAGE = join(dirname(fileURLToPath(import.meta.url)), "..");
const SCHEMA = join(PACKAGE, "wire.schema.json");
const OUT = join(PACKAGE, "wire.d.ts");

const BANNER = `// runql's wire types, generated from wire.schema.json (itself generated from the Rust types by
// crates/runql/tests/wire.rs) by scripts/wire.mjs: do not edit; run \`npm run wire -w packages/runql\`.
`;

export async function wireTypes() {
  const schema = JSON.parse(readFileSync(SCHEMA, "utf8"));
  // Each definition is a named export (ChartKind, DataSpec, ...), not inlined where it is used.
  for (const [name, def] of Object.entries(schema.$defs)) def.title ??= name;
  // A reference with anything beside it (a description, a default) would become a copy of the type
  // (Stat1, Stat2, ...): keep the reference alone, so the field has the named type (whose docs it then shows).
  const bare = (node) => {
    if (Array.isArray(node)) return node.forEach(bare);
    if (!node || typeof node !== "object") return;
    if (typeof node.$ref === "string") {
      for (const key of Object.keys(node)) if (key !== "$ref") delete node[key];
    }
    Object.values(node).forEach(bare);
  };
  bare(schema.$defs);
  return compile(schema, "RunqlWire", {
    bannerComment: BANNER,
    // Every definition, also those only reachable from others.
    unreachableDefinitions: true,
    additionalProperties: false,
    strictIndexSignatures: false,
    format: true,
    style: { printWidth: 110 },
  });
}

const text = await wireTypes();
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(OUT, "utf8");
  } catch {
    // missing: stale
  }
  if (current !== text) {
    console.error("packages/runql/wire.d.ts is stale: run `npm run wire -w packages/runql` and review the diff");
    process.exit(1);
  }
} else {
  writeFileSync(OUT, text);
  console.log(`wrote ${OUT}`);
}
