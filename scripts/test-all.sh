#!/usr/bin/env bash
# Runs every runql test: formatting, lints, unit/integration/doc tests, SQL logic tests,
# the WebAssembly build check, the JavaScript package's unit tests (node), the WebAssembly
# package's tests in headless Chromium, the portal (www/) built and tested in headless
# Chromium through `runql serve`, and the Jupyter widget (ruff, pytest, then JupyterLab and
# Notebook 7 in headless Chromium).
# Installs what it needs first (see scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

step() { printf '\n==> %s\n' "$*"; }

step "rustfmt"
cargo fmt --all --check

step "clippy (warnings are errors; unwrap/expect/panic denied outside tests)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests (unit, integration, doc, sqllogictest)"
cargo test --workspace --locked

step "WebAssembly build check"
cargo check -p runql-core -p runql-readers -p runql-sql --target wasm32-unknown-unknown --locked

step "WebAssembly package (scripts/build-wasm.sh)"
scripts/build-wasm.sh

step "JavaScript package: wire types up to date, type-checked against its declarations and the built modules' types, unit tests in node"
npm test --silent --workspace packages/runql

step "WebAssembly package in headless Chromium (tests/browser)"
node --test --test-concurrency=1 tests/browser/runql.test.mjs tests/browser/limits.test.mjs

step "portal: www/ type-checked and built on that package, then tested in headless Chromium through runql serve"
(cd www && npm run --silent build)
node --test --test-concurrency=1 tests/browser/portal.test.mjs

step "Jupyter widget: ruff and pytest, then the widget in JupyterLab and Notebook 7 (headless Chromium)"
# Bundles the front end and copies the WebAssembly module built above (no second wasm build).
scripts/build-widget.sh
.venv-widget/bin/python -m pip install --quiet --disable-pip-version-check --no-deps \
  --no-build-isolation --force-reinstall ./python
# ruff also checks the MLflow client helper of the REST tests, with the same settings.
(cd python && ../.venv-widget/bin/python -m ruff check . ../crates/runql-cli/tests \
  && ../.venv-widget/bin/python -m ruff format --check . ../crates/runql-cli/tests)
(cd python && ../.venv-widget/bin/python -m pytest -q)
node --test --test-concurrency=1 tests/browser/jupyter-widget.test.mjs

step "all tests passed"
