#!/usr/bin/env bash
# Regenerates the page's bundled test images (www/gallery/) from a data directory.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${1:-${SALIENCY_DATA:-../shared/data}}"
for d in mnist cifar10; do cargo run --quiet -- gallery --dataset "$d" --data-dir "$DATA" --out www/gallery; done
