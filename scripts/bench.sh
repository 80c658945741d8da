#!/usr/bin/env bash
# Speed and size, measured in headless Chromium (Debian's) on 127.0.0.1: builds the release WASM,
# then prints a table and writes bench.json. Numbers only; no test depends on them.
#   scripts/bench.sh [--reps N] [--skip-build] [--out FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
build=1
args=()
for a in "$@"; do
  if [ "$a" = "--skip-build" ]; then build=0; else args+=("$a"); fi
done
if [ "$build" = 1 ]; then scripts/build-web.sh; fi
# ONNX Runtime Web, which the own-model rows race: installed here only (the tests do not need it).
[ -d node_modules/onnxruntime-web ] || npm install --no-save --no-audit --no-fund onnxruntime-web@1.31.1
node scripts/bench.mjs "${args[@]}"
