#!/usr/bin/env bash
# MLflow ingest benchmark: runql (release build) vs the mlflow Python package, one run.
#
#   scripts/bench/ingest.sh                 # 1,000 runs x 10 metrics x 1,000 steps (10M points)
#   scripts/bench/ingest.sh --runs 100      # smaller
#
# Data is generated once under bench-data/ (gitignored). The mlflow peer runs from a
# virtualenv made from scripts/bench/requirements.txt (RUNQL_BENCH_VENV, default .venv-bench).
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${RUNQL_BENCH_VENV:-.venv-bench}"
# cargo runs the benchmark in its package's folder (crates/runql-cli), so every path handed
# to it must be absolute: a relative one would be looked up from there.
case "$venv" in
  /*) ;;
  *) venv="$PWD/$venv" ;;
esac
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r scripts/bench/requirements.txt
fi
export RUNQL_BENCH_PYTHON="$venv/bin/python"
# The data folder is the repository's bench-data/ (gitignored); a --data given here comes
# later and wins.
exec cargo bench -p runql-cli --bench mlflow_ingest -- --data "$PWD/bench-data" "$@"
