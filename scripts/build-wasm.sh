#!/usr/bin/env bash
# Builds the runql WebAssembly package into packages/runql/pkg/ (wasm-bindgen --target web):
# two modules, the query module (runql_wasm: SQL and charts, fetched at start) and the loader
# module (runql_load: every reader, fetched on the first load). They are built by separate
# cargo runs so that neither carries the other's code or crate features.
#
#   scripts/build-wasm.sh            fast build for tests (profile wasm-dev: opt-level 1, no LTO)
#   scripts/build-wasm.sh --release  shipping build (profile wasm-release: LTO, opt-level s,
#                                    then wasm-opt from the npm binaryen package dropping
#                                    names and debug sections) and prints the module size
#                                    raw / gzip / brotli
#   --oz                             with --release: also run wasm-opt -Oz (slow): smaller raw,
#                                    but larger after brotli and slower queries
#                                    (docs/bench-log/), so not the default
#   --out DIR                        write the package somewhere else
#   --size                           print the module size raw / gzip / brotli (slow)
#
# Installs what it needs first: the wasm32 target and wasm-bindgen-cli at exactly the
# version of the wasm-bindgen crate in Cargo.lock (skipped when already there).
set -euo pipefail
cd "$(dirname "$0")/.."

profile=wasm-dev
out=packages/runql/pkg
print_size=0
oz=0
while [ $# -gt 0 ]; do
  case "$1" in
    --release) profile=wasm-release ;;
    --size) print_size=1 ;;
    --oz) oz=1 ;;
    --profile) profile="$2"; shift ;;
    --out) out="$2"; shift ;;
    *) echo "usage: $0 [--release [--oz]] [--size] [--profile NAME] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$bindgen_version" ]; then
  echo "wasm-bindgen not found in Cargo.lock" >&2
  exit 1
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$bindgen_version" ]; then
  echo "==> installing wasm-bindgen-cli $bindgen_version (once)"
  cargo install wasm-bindgen-cli --version "$bindgen_version"
fi

binaryen_dir=target/binaryen
if [ "$profile" = wasm-release ] && [ ! -x "$binaryen_dir/node_modules/.bin/wasm-opt" ]; then
  echo "==> installing binaryen from npm into $binaryen_dir (once)"
  npm install --silent --no-save --no-audit --no-fund --prefix "$binaryen_dir" binaryen@132.0.0
fi

mkdir -p "$out"
# build_module CRATE LIB OUT_NAME: cargo build, wasm-bindgen, and for release wasm-opt.
build_module() {
  local crate=$1 lib=$2 name=$3
  echo "==> cargo build -p $crate --profile $profile (wasm32)"
  local start
  start=$(date +%s)
  cargo build -p "$crate" --lib --target wasm32-unknown-unknown --profile "$profile" --locked
  echo "    built in $(( $(date +%s) - start )) s"
  # --experimental-reset-state-function: __wbg_reset_state lets the JavaScript package replace
  # an instance that trapped by a fresh one of the same compiled module
  # (packages/runql/src/modules.js).
  wasm-bindgen --target web --weak-refs --experimental-reset-state-function --out-dir "$out" --out-name "$name" \
    "target/wasm32-unknown-unknown/$profile/$lib.wasm"
  if [ "$profile" != wasm-release ]; then
    return
  fi
  local passes=()
  if [ "$oz" = 1 ]; then
    passes=(-Oz)
    echo "==> wasm-opt -Oz $name (takes many minutes)"
  else
    echo "==> wasm-opt $name: dropping names and debug sections"
  fi
  start=$(date +%s)
  # The cargo profile keeps symbol names (see Cargo.toml); they are dropped here.
  "$binaryen_dir/node_modules/.bin/wasm-opt" "${passes[@]}" --strip-debug --strip-producers \
    --enable-bulk-memory --enable-reference-types --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-multivalue --enable-mutable-globals --enable-simd \
    "$out/${name}_bg.wasm" -o "$out/${name}_bg.opt.wasm"
  mv "$out/${name}_bg.opt.wasm" "$out/${name}_bg.wasm"
  echo "    wasm-opt took $(( $(date +%s) - start )) s"
}

build_module runql-wasm runql_wasm runql_wasm
build_module runql-wasm-load runql_wasm_load runql_load

# Brotli at quality 11 takes minutes on a 60 MB test module: sizes are printed for
# release builds (or with --size).
if [ "$profile" != wasm-release ] && [ "$print_size" != 1 ]; then
  echo "==> built $out (size: scripts/build-wasm.sh --size)"
  exit 0
fi

node -e '
  const fs = require("fs"), zlib = require("zlib");
  const mb = (n) => (n / 1048576).toFixed(2) + " MB";
  for (const [role, path] of [["query module (at start)", process.argv[1]], ["loader module (on first load)", process.argv[2]]]) {
    const b = fs.readFileSync(path);
    const gz = zlib.gzipSync(b, { level: 9 }).length;
    const br = zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length } }).length;
    console.log(`${role} ${path}: raw ${mb(b.length)}, gzip ${mb(gz)}, brotli ${mb(br)}`);
  }
' "$out/runql_wasm_bg.wasm" "$out/runql_load_bg.wasm"
