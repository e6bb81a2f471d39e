#!/usr/bin/env bash
# Builds the Jupyter widget's front end into the Python package (python/src/runql/static/):
# bundles python/js/ together with packages/runql's modules into one ES module (esbuild,
# pinned in the root package-lock.json) and copies the two WebAssembly modules built by
# scripts/build-wasm.sh (query and loader) next to it. It does not build them itself.
#
#   scripts/build-widget.sh          then: pip install ./python
set -euo pipefail
cd "$(dirname "$0")/.."

modules=(packages/runql/pkg/runql_wasm_bg.wasm packages/runql/pkg/runql_load_bg.wasm)
for wasm in "${modules[@]}"; do
  if [ ! -f "$wasm" ]; then
    echo "error: $wasm is missing; build it first with scripts/build-wasm.sh" >&2
    exit 1
  fi
done

scripts/npm-ci.sh

static=python/src/runql/static
# esbuild is hoisted to the root node_modules/ (python/js is a workspace of the root package.json).
(cd python/js && npm exec --no -- esbuild widget.js --bundle --format=esm --target=es2022 \
  --log-level=warning --outfile="../src/runql/static/widget.js")
printf 'built %s (%s bytes)\n' "$static/widget.js" "$(stat -c %s "$static/widget.js")"
for wasm in "${modules[@]}"; do
  cp "$wasm" "$static/"
  printf 'copied %s (%s bytes)\n' "$static/$(basename "$wasm")" "$(stat -c %s "$wasm")"
done
