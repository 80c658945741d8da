#!/usr/bin/env bash
# Downloads the official MNIST and CIFAR-10 (binary version) archives into DIR (default: data/),
# laid out as the tools expect (DIR/mnist/*.gz, DIR/cifar-10-batches-bin/*.bin). Needs internet;
# with a local copy, pass --data-dir or set SALIENCY_DATA instead.
set -euo pipefail
DIR="${1:-data}"
mkdir -p "$DIR/mnist"
MNIST_BASE="https://ossci-datasets.s3.amazonaws.com/mnist"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  [ -s "$DIR/mnist/$f.gz" ] || curl -fL --retry 3 -o "$DIR/mnist/$f.gz" "$MNIST_BASE/$f.gz"
done
if [ ! -s "$DIR/cifar-10-batches-bin/test_batch.bin" ]; then
  curl -fL --retry 3 -o "$DIR/cifar-10-binary.tar.gz" "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
  tar -xzf "$DIR/cifar-10-binary.tar.gz" -C "$DIR"
  rm "$DIR/cifar-10-binary.tar.gz"
fi
echo "data ready in $DIR (export SALIENCY_DATA=$DIR)"
