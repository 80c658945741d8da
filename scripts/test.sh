#!/usr/bin/env bash
# Sets up and runs every test: native cargo tests (flex and ndarray backends), the WASM tests in
# headless Chrome, and the browser end-to-end tests against the built site.
set -euo pipefail
cd "$(dirname "$0")/.."
export SALIENCY_DATA="${SALIENCY_DATA:-$(cd .. && pwd)/shared/data}"
scripts/setup.sh
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "native: cargo test --features ndarray"
cargo test --features ndarray

step "wasm: wasm-pack test --headless --chrome (in a dedicated worker)"
export WASM_BINDGEN_TEST_TIMEOUT=600
wasm-pack test --headless --chrome --chromedriver /usr/bin/chromedriver --mode no-install --release \
  --no-default-features --test wasm

step "site: build"
scripts/build-web.sh

step "browser end-to-end: node --test (playwright-core + Debian chromium)"
node --test --test-concurrency=1 tests/e2e/
