#!/usr/bin/env bash
# Installs what building and testing runql needs on a fresh Debian machine with rustup.
# Safe to run repeatedly: each step is skipped when already done.
set -euo pipefail

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

# clang compiles the C parts of dependencies for wasm32.
if ! command -v clang >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq clang >/dev/null
fi

# Browser tests (tests/browser): Debian's Chromium driven by playwright-core (the Playwright
# browser download does not work here), node for the test runner, wasm-bindgen-cli at the
# exact version of the wasm-bindgen crate in Cargo.lock, and the pinned npm packages.
cd "$(dirname "$0")/.."
apt_install() {
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "$@" >/dev/null
}
if [ ! -x /usr/bin/chromium ]; then
  apt_install chromium
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm
fi

bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -n "$bindgen_version" ] && [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$bindgen_version" ]; then
  cargo install wasm-bindgen-cli --version "$bindgen_version"
fi

# Every npm package, with one `npm ci` at the root (the npm workspace of package.json, pinned
# in the root package-lock.json; skipped while the lock is unchanged): playwright-core and
# apache-arrow for the browser tests; Vite, TypeScript and CodeMirror for the portal (www/);
# esbuild for the widget's bundle (python/js); the benchmarks' DuckDB-Wasm and uPlot.
scripts/npm-ci.sh

# Jupyter widget (python/): a virtual environment inside the checkout (.venv-widget, ignored
# by git) with the exact packages of python/requirements-dev.txt (JupyterLab, Notebook 7,
# anywidget, pandas, pyarrow, polars, pytest, ruff).
if ! python3 -c "import venv, ensurepip" >/dev/null 2>&1; then
  apt_install python3-venv
fi
req_sum=$(sha256sum python/requirements-dev.txt | cut -d' ' -f1)
if [ "$(cat .venv-widget/.runql-requirements 2>/dev/null)" != "$req_sum" ]; then
  [ -x .venv-widget/bin/python ] || python3 -m venv .venv-widget
  .venv-widget/bin/python -m pip install --quiet --disable-pip-version-check -r python/requirements-dev.txt
  echo "$req_sum" > .venv-widget/.runql-requirements
fi

# A real MLflow tracking server for the REST tests (crates/runql-cli/tests/mlflow_server.rs):
# mlflow with its basic-auth app, pinned in scripts/requirements-mlflow-server.txt, in a
# second virtual environment (.venv-mlflow, ignored by git) so its many dependencies stay
# apart from the widget's.
req_sum=$(sha256sum scripts/requirements-mlflow-server.txt | cut -d' ' -f1)
if [ "$(cat .venv-mlflow/.runql-requirements 2>/dev/null)" != "$req_sum" ]; then
  [ -x .venv-mlflow/bin/python ] || python3 -m venv .venv-mlflow
  .venv-mlflow/bin/python -m pip install --quiet --disable-pip-version-check -r scripts/requirements-mlflow-server.txt
  echo "$req_sum" > .venv-mlflow/.runql-requirements
fi
