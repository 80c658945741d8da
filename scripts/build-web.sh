#!/usr/bin/env bash
# Builds the static site into www/: the WASM package (www/pkg) and the shipped weights
# (www/pretrained). The www/ folder is then self-contained: copy it to any static host.
set -euo pipefail
cd "$(dirname "$0")/.."
wasm-pack build --target web --release --no-pack --out-dir www/pkg -- --no-default-features
node scripts/strip-wasm.mjs www/pkg/saliency_bg.wasm
# The same engine with the ONNX importer (Model.fromOnnx): a second module, fetched only when a
# visitor loads a model of their own, so the default page keeps its size.
wasm-pack build --target web --release --no-pack --out-dir www/pkg-onnx -- --no-default-features --features onnx,train
node scripts/strip-wasm.mjs www/pkg-onnx/saliency_bg.wasm
mkdir -p www/pretrained
# The page downloads the int8 files; the f16 ones stay for visitors who want them.
cp pretrained/*.safetensors pretrained/mnist.json pretrained/cifar10.json www/pretrained/
# The example of another architecture the page offers in one click (scripts/make-example-model.py).
mkdir -p www/examples
cp pretrained/resnet-cifar10.onnx pretrained/resnet-cifar10.json www/examples/
node scripts/sw-manifest.mjs
for pkg in www/pkg www/pkg-onnx; do
  ls -l $pkg/*.wasm | awk '{printf "[build] %s: %.0f KB raw", $9, $5/1024}'
  gzip -9 -c $pkg/*.wasm | wc -c | awk '{printf ", %.0f KB gzip\n", $1/1024}'
done
