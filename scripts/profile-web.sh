#!/usr/bin/env bash
# Profiles the WASM engine in headless Chromium, function by function (see profile-web.mjs). The
# site's build drops the function names; this one keeps them, in target/profile-pkg.
#   scripts/profile-web.sh [mnist|cifar10] [method|predict] [runs]
# A hot function the compiler inlined shows up as its caller; mark it #[inline(never)] while
# profiling to see it on its own.
set -euo pipefail
cd "$(dirname "$0")/.."
wasm-pack build --target web --release --no-pack --out-dir target/profile-pkg -- --no-default-features
node scripts/profile-web.mjs target/profile-pkg "$@"
