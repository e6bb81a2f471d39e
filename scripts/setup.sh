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
