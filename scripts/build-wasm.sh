#!/usr/bin/env bash
# Builds the runql WebAssembly package into packages/runql/pkg/ (wasm-bindgen --target web).
#
#   scripts/build-wasm.sh            fast build for tests (profile wasm-dev: opt-level 1, no LTO)
#   scripts/build-wasm.sh --release  shipping build (profile wasm-release: LTO, opt-level s,
#                                    then wasm-opt from the npm binaryen package dropping
#                                    names and debug sections) and prints the module size
#                                    raw / gzip / brotli
#   --oz                             with --release: also run wasm-opt -Oz (~17 min on 2
#                                    cores): 14% smaller raw, but 8% larger after brotli, and
#                                    the -Oz build measured the day before ran the ranking
#                                    queries 2-3.6x slower (BENCHMARKS.md), so not the default
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

echo "==> cargo build -p runql-wasm --profile $profile (wasm32)"
start=$(date +%s)
cargo build -p runql-wasm --lib --target wasm32-unknown-unknown --profile "$profile" --locked
echo "    built in $(( $(date +%s) - start )) s"

wasm="target/wasm32-unknown-unknown/$profile/runql_wasm.wasm"
mkdir -p "$out"
wasm-bindgen --target web --weak-refs --out-dir "$out" --out-name runql_wasm "$wasm"

if [ "$profile" = wasm-release ]; then
  binaryen_dir=target/binaryen
  if [ ! -x "$binaryen_dir/node_modules/.bin/wasm-opt" ]; then
    echo "==> installing binaryen from npm into $binaryen_dir (once)"
    npm install --silent --no-save --no-audit --no-fund --prefix "$binaryen_dir" binaryen@132.0.0
  fi
  passes=()
  if [ "$oz" = 1 ]; then
    passes=(-Oz)
    echo "==> wasm-opt -Oz (takes many minutes)"
  else
    echo "==> wasm-opt: dropping names and debug sections"
  fi
  start=$(date +%s)
  # The cargo profile keeps symbol names (see Cargo.toml); they are dropped here.
  "$binaryen_dir/node_modules/.bin/wasm-opt" "${passes[@]}" --strip-debug --strip-producers \
    --enable-bulk-memory --enable-reference-types --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-multivalue --enable-mutable-globals \
    "$out/runql_wasm_bg.wasm" -o "$out/runql_wasm_bg.opt.wasm"
  mv "$out/runql_wasm_bg.opt.wasm" "$out/runql_wasm_bg.wasm"
  echo "    wasm-opt took $(( $(date +%s) - start )) s"
fi

# Brotli at quality 11 takes minutes on a 60 MB test module: sizes are printed for
# release builds (or with --size).
if [ "$profile" != wasm-release ] && [ "$print_size" != 1 ]; then
  echo "==> built $out (size: scripts/build-wasm.sh --size)"
  exit 0
fi

node -e '
  const fs = require("fs"), zlib = require("zlib");
  const b = fs.readFileSync(process.argv[1]);
  const mb = (n) => (n / 1048576).toFixed(2) + " MB";
  const gz = zlib.gzipSync(b, { level: 9 }).length;
  const br = zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
    [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length } }).length;
  console.log(`module ${process.argv[1]}: raw ${mb(b.length)}, gzip ${mb(gz)}, brotli ${mb(br)}`);
' "$out/runql_wasm_bg.wasm"
