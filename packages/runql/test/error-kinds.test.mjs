// The error kinds are one list in every place that names them: the Rust enum ErrorKind
// (runql-core), the wire schema and types generated from it (wire.schema.json, wire.d.ts),
// ERROR_KINDS (src/errors.js) and its JSDoc type, and the README's table.
//
// Run: npm test -w packages/runql (node --test packages/runql/test/*.test.mjs).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ERROR_KINDS, RunQLError, toRunQLError } from "../src/errors.js";

const PACKAGE = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const read = (path) => readFileSync(path, "utf8");
const sorted = (xs) => [...new Set(xs)].sort();
const quoted = (text) => [...text.matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);

/** The kinds of the wire schema, in the order of the Rust enum. */
function wireKinds() {
  const schema = JSON.parse(read(join(PACKAGE, "wire.schema.json")));
  return schema.$defs.ErrorKind.oneOf.map((k) => k.const);
}

test("ERROR_KINDS is frozen, without duplicates, and matches its JSDoc type", () => {
  assert.ok(Object.isFrozen(ERROR_KINDS));
  assert.equal(new Set(ERROR_KINDS).size, ERROR_KINDS.length);
  const typedef = read(join(PACKAGE, "src/errors.js")).match(/@typedef \{([^}]*)\} ErrorKind/);
  assert.ok(typedef, "src/errors.js has the ErrorKind typedef");
  assert.deepEqual(quoted(typedef[1]), [...ERROR_KINDS], "same kinds, same order");
});

test("wire.d.ts: ErrorKind (generated) has the kinds of ERROR_KINDS, in its order", () => {
  const union = read(join(PACKAGE, "wire.d.ts")).match(/export type ErrorKind =([^;]*);/);
  assert.ok(union, "wire.d.ts declares ErrorKind");
  assert.deepEqual(quoted(union[1]), [...ERROR_KINDS]);
  assert.match(read(join(PACKAGE, "index.d.ts")), /export type \{[^}]*\bErrorKind\b[^}]*\} from "\.\/wire"/);
});

test("ERROR_KINDS are the Rust enum's kinds (by the generated wire schema), in its order", () => {
  assert.deepEqual(wireKinds(), [...ERROR_KINDS]);
});

test("the README's table describes every kind", () => {
  const readme = read(join(PACKAGE, "README.md"));
  const section = readme.slice(readme.indexOf("**Errors**"), readme.indexOf("The list is exported as `ERROR_KINDS`"));
  assert.ok(section.length > 0, "the README has its Errors table");
  const described = section
    .split("\n")
    .filter((line) => /^\| `/.test(line))
    .flatMap((line) => [...line.split("|")[1].matchAll(/`([a-z_]+)`/g)].map((m) => m[1]));
  assert.deepEqual(sorted(described), sorted(ERROR_KINDS));
});

test("toRunQLError keeps the kind a Rust error carries", () => {
  for (const kind of ERROR_KINDS) {
    const fromWasm = Object.assign(new Error("m"), { name: "RunQLError", kind });
    const e = toRunQLError(fromWasm);
    assert.ok(e instanceof RunQLError);
    assert.equal(e.kind, kind);
  }
});
