#!/usr/bin/env bash
# Installs what building and testing need, skipping whatever is already there. Downloads only from
# package registries (crates.io, npm, Debian), never a prebuilt binary: see README "Requirements".
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# The wasm-bindgen CLI must equal the wasm-bindgen crate in Cargo.lock exactly, or wasm-pack
# tries to download one.
WBG_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
WASM_PACK_VERSION=0.15.1

rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown || {
  log "adding the wasm32-unknown-unknown target"; rustup target add wasm32-unknown-unknown; }

if ! wasm-pack --version 2>/dev/null | grep -q "$WASM_PACK_VERSION"; then
  log "installing wasm-pack $WASM_PACK_VERSION (about 10 minutes on 2 cores)"
  cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WBG_VERSION"; then
  log "installing wasm-bindgen-cli $WBG_VERSION (about 7 minutes; --locked fails for this crate)"
  cargo install wasm-bindgen-cli --version "$WBG_VERSION"
fi

if [ "${SKIP_BROWSER:-0}" != 1 ] && { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; }; then
  log "installing Debian's chromium and chromium-driver"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# Debian's binaryen 108 wasm-opt breaks the module; we build with wasm-opt off
# (Cargo.toml), so nothing to install for it.

if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/typescript ]; then
  log "installing playwright-core and typescript from npm (no browser download: Debian's chromium is used)"
  npm ci --no-audit --no-fund --silent
fi
log "ready"
