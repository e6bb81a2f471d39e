#!/usr/bin/env bash
# Builds the runql portal and opens it on the demo sweep, or on the runs in PATHs:
#
#   scripts/portal.sh                      # the bundled demo sweep
#   scripts/portal.sh mlruns/ wandb/       # your runs (anything `runql` reads)
#   scripts/portal.sh --port 9000 mlruns/  # other `runql serve` options pass through
#   scripts/portal.sh --build-only         # build everything, serve nothing
#
# Steps: the WebAssembly package (scripts/build-wasm.sh, a fast dev build), the portal
# (`npm ci` once per lockfile + `vite build` into www/dist), the runql binary (release), then
# `runql serve --open`. Set RUNQL_PROFILE=dev for a debug binary (quicker to build).
set -euo pipefail
cd "$(dirname "$0")/.."

build_only=0
serve_args=()
for arg in "$@"; do
  if [ "$arg" = "--build-only" ]; then build_only=1; else serve_args+=("$arg"); fi
done

step() { printf '==> %s\n' "$*" >&2; }

step "WebAssembly package (packages/runql/pkg)"
scripts/build-wasm.sh

step "portal (www/dist)"
lock_sum=$(sha256sum www/package-lock.json | cut -d' ' -f1)
if [ "$(cat www/node_modules/.runql-lock 2>/dev/null)" != "$lock_sum" ]; then
  (cd www && npm ci --no-audit --no-fund --silent)
  echo "$lock_sum" > www/node_modules/.runql-lock
fi
(cd www && npm run --silent build)

if [ "${RUNQL_PROFILE:-release}" = dev ]; then
  step "runql binary (debug)"
  cargo build -p runql-cli
  runql=target/debug/runql
else
  step "runql binary (release)"
  cargo build --release -p runql-cli
  runql=target/release/runql
fi

[ "$build_only" = 1 ] && exit 0
step "runql serve"
exec "$runql" serve --open --www www/dist "${serve_args[@]}"
