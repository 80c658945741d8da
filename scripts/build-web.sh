#!/usr/bin/env bash
# Builds the static site into www/: the WASM package (www/pkg) and the shipped weights
# (www/pretrained). The www/ folder is then self-contained: copy it to any static host.
set -euo pipefail
cd "$(dirname "$0")/.."
wasm-pack build --target web --release --no-pack --out-dir www/pkg -- --no-default-features
node scripts/strip-wasm.mjs www/pkg/saliency_bg.wasm
# The same engine with the ONNX importer (Model.fromOnnx) and the trainer (Training): a second
# module, fetched only when a visitor loads a model of their own or trains, so the default page
# keeps its size.
wasm-pack build --target web --release --no-pack --out-dir www/pkg-onnx -- --no-default-features --features onnx,train
node scripts/strip-wasm.mjs www/pkg-onnx/saliency_bg.wasm
mkdir -p www/pretrained
# The page downloads the int8 files; the f16 ones stay for visitors who want them.
cp pretrained/*.safetensors pretrained/mnist.json pretrained/cifar10.json www/pretrained/
# The example of another architecture the page offers in one click (scripts/make-example-model.py).
mkdir -p www/examples
cp pretrained/resnet-cifar10.onnx pretrained/resnet-cifar10.json www/examples/
# The training sets for the Train view, when a data directory is at hand ($SALIENCY_DATA, else
# ./data from scripts/fetch-data.sh): copied into the site, never committed, never precached.
data_dir="${SALIENCY_DATA:-data}"
rm -rf www/data
if [ -d "$data_dir/mnist" ] || [ -d "$data_dir/cifar-10-batches-bin" ]; then
  mkdir -p www/data/mnist www/data/cifar-10-batches-bin
  cp "$data_dir"/mnist/*-ubyte.gz www/data/mnist/ 2>/dev/null || true
  cp "$data_dir"/cifar-10-batches-bin/*_batch*.bin www/data/cifar-10-batches-bin/ 2>/dev/null || true
  # What the Train view may fetch, with sizes for its progress bar.
  node -e 'const fs = require("fs"); const list = (d) => fs.readdirSync(`www/data/${d}`).sort().map((f) => ({ path: `data/${d}/${f}`, bytes: fs.statSync(`www/data/${d}/${f}`).size }));
    fs.writeFileSync("www/data/index.json", JSON.stringify({ mnist: list("mnist"), cifar10: list("cifar-10-batches-bin") }));'
  echo "[build] training data: $(du -sh www/data | cut -f1) copied from $data_dir"
else
  echo "[build] no training data in $data_dir: the Train view will ask for the files"
fi
node scripts/sw-manifest.mjs
for pkg in www/pkg www/pkg-onnx; do
  ls -l $pkg/*.wasm | awk '{printf "[build] %s: %.0f KB raw", $9, $5/1024}'
  gzip -9 -c $pkg/*.wasm | wc -c | awk '{printf ", %.0f KB gzip\n", $1/1024}'
done
