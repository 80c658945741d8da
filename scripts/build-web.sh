#!/usr/bin/env bash
# Builds the static site into www/: the WASM package (www/pkg) and the shipped weights
# (www/pretrained). The www/ folder is then self-contained: copy it to any static host.
set -euo pipefail
cd "$(dirname "$0")/.."
wasm-pack build --target web --release --no-pack --out-dir www/pkg -- --no-default-features
node scripts/strip-wasm.mjs www/pkg/saliency_bg.wasm
mkdir -p www/pretrained
# The page downloads the int8 files; the f16 ones stay for visitors who want them.
cp pretrained/*.safetensors pretrained/*.json www/pretrained/
node scripts/sw-manifest.mjs
ls -l www/pkg/*.wasm | awk '{printf "[build] %s: %.0f KB raw", $9, $5/1024}'
gzip -9 -c www/pkg/*.wasm | wc -c | awk '{printf ", %.0f KB gzip\n", $1/1024}'
