#!/usr/bin/env bash
# Builds the runql portal and opens it on the demo sweep, or on the runs in PATHs:
#
#   scripts/portal.sh                      # the bundled demo sweep
#   scripts/portal.sh mlruns/ wandb/       # your runs (anything `runql` reads)
#   scripts/portal.sh --port 9000 mlruns/  # other `runql serve` options pass through
#   scripts/portal.sh --build-only         # build everything, serve nothing
#
# Steps: the WebAssembly package (scripts/build-wasm.sh, a fast dev build), the portal (the
# root `npm ci` of scripts/npm-ci.sh when the lock changed, + `vite build` into www/dist), the
# runql binary (release), then `runql serve --open`. Set RUNQL_PROFILE=dev for a debug binary
# (quicker to build).
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
scripts/npm-ci.sh
npm run --silent build --workspace www

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
