#!/usr/bin/env bash
# Sets up and runs every test: formatting and lints, native cargo tests (flex and ndarray
# backends), the page's pixel code under Node, the WASM tests in headless Chrome, and the browser
# end-to-end tests against the built site (robustness, abuse and a 10,000-map soak included).
set -euo pipefail
cd "$(dirname "$0")/.."
# The data sets: $SALIENCY_DATA, else ../shared/data, else the one beside the checkout this was
# cloned from (a clone in a temporary folder), else downloaded into data/ (needs internet).
if [ -z "${SALIENCY_DATA:-}" ]; then
  origin=$(git remote get-url origin 2>/dev/null || true)
  for d in "$(cd .. && pwd)/shared/data" "${origin:+$origin/../shared/data}"; do
    if [ -n "$d" ] && [ -d "$d/mnist" ]; then SALIENCY_DATA=$(cd "$d" && pwd); break; fi
  done
  [ -n "${SALIENCY_DATA:-}" ] || { scripts/fetch-data.sh data; SALIENCY_DATA=$(pwd)/data; }
fi
export SALIENCY_DATA
scripts/setup.sh
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "style: cargo fmt --check, cargo clippy -D warnings"
cargo fmt --check
cargo clippy --all-targets -- -D warnings

step "native: cargo test --features ndarray (fuzz seeds and former crashes replayed by tests/fuzz_corpus.rs)"
cargo test --features ndarray

step "page code: node --test tests/js/ (property tests of the pixel preparation; the WASM stripper)"
node --test tests/js/

step "wasm: wasm-pack test --headless --chrome (in a dedicated worker)"
export WASM_BINDGEN_TEST_TIMEOUT=600
wasm-pack test --headless --chrome --chromedriver /usr/bin/chromedriver --mode no-install --release \
  --no-default-features --test wasm
step "wasm: the importer build (Model.fromOnnx) against PyTorch's numbers; training in the tab (Training)"
wasm-pack test --headless --chrome --chromedriver /usr/bin/chromedriver --mode no-install --release \
  --no-default-features --features onnx,train --test wasm_onnx --test wasm_train

step "site: build"
scripts/build-web.sh

step "browser end-to-end: node --test (playwright-core + Debian chromium)"
node --test --test-concurrency=1 tests/e2e/
