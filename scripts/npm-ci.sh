#!/usr/bin/env bash
# Installs every JavaScript part of runql with one `npm ci` at the root: the npm workspace of
# package.json (packages/runql, the portal www/, the widget's front end python/js, the
# browser tests tests/browser, the benchmarks scripts/bench), pinned in the one root
# package-lock.json. The packages are hoisted to node_modules/ at the root (a workspace gets
# a node_modules/ of its own only for a version that differs from the hoisted one), and
# `npm run` / `npx` in any workspace find their tools there. Skipped while node_modules/
# was installed from the lock as it is now (a checksum of it, kept in node_modules/).
#
# Used by scripts/setup.sh, scripts/portal.sh and scripts/build-widget.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.runql-lock 2>/dev/null)" != "$lock_sum" ]; then
  # (npm ci empties each workspace's own node_modules/ too, e.g. one left by a per-folder install.)
  npm ci --no-audit --no-fund --silent
  echo "$lock_sum" > node_modules/.runql-lock
fi
