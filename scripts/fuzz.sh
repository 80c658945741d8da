#!/usr/bin/env bash
# Fuzzes every parser that reads outside data with cargo fuzz (libFuzzer, nightly Rust).
#   scripts/fuzz.sh [SECONDS_PER_TARGET=600] [TARGET ...]
# Targets: weights idx cifar npy png options onnx (see src/fuzz.rs). Seeds are fuzz/seeds/<target>/;
# what libFuzzer finds on top goes to the git-ignored fuzz/corpus/<target>/; a crash is saved
# under fuzz/artifacts/<target>/. Copy a crash to fuzz/regressions/<target>/ once it is fixed:
# `cargo test --test fuzz_corpus` replays seeds and regressions on every test run.
# Not part of scripts/test.sh (it runs for minutes per target).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${1:-600}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(weights idx cifar npy png options onnx)
log() { printf '\033[1m[fuzz]\033[0m %s\n' "$*"; }

if ! rustup toolchain list | grep -q '^nightly'; then
  log "cargo fuzz needs a nightly Rust toolchain and none is installed (rustup toolchain list)."
  log "Install one with 'rustup toolchain install nightly' where the network allows it."
  exit 2
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  log "installing cargo-fuzz from crates.io"
  cargo +nightly install cargo-fuzz --locked || { log "could not install cargo-fuzz from crates.io"; exit 2; }
fi

# Inputs larger than a file of that format needs only slow the fuzzer down.
max_len() { case "$1" in weights|onnx) echo 65536 ;; png|npy) echo 32768 ;; cifar) echo 16384 ;; *) echo 8192 ;; esac; }

log "building the targets (release, debug assertions, AddressSanitizer)"
cargo +nightly fuzz build -O --fuzz-dir fuzz

failed=()
for t in "${TARGETS[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  log "$t: ${SECONDS_PER_TARGET}s"
  set +e
  cargo +nightly fuzz run -O --fuzz-dir fuzz "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
    -max_total_time="$SECONDS_PER_TARGET" -max_len="$(max_len "$t")" -rss_limit_mb=2048 \
    -timeout=60 -print_final_stats=1 > "fuzz/$t.log" 2>&1
  status=$?
  set -e
  grep -E '^(Done [0-9]+ runs|stat::(number_of_executed_units|peak_rss_mb))' "fuzz/$t.log" || true
  # A clean run exits 0 and ends with "Done N runs"; a crash, abort, leak, timeout or
  # out-of-memory exits non-zero and leaves an artifact.
  if [ "$status" -ne 0 ] || ! grep -qE '^Done [0-9]+ runs' "fuzz/$t.log"; then
    failed+=("$t")
    log "$t: FAILED (exit $status) — see fuzz/$t.log and fuzz/artifacts/$t/"
    grep -E 'ERROR: libFuzzer|SUMMARY: |deadly signal|panicked at' "fuzz/$t.log" | head -n 5 || true
  else
    log "$t: no crash, abort, timeout or out-of-memory"
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  log "targets with findings: ${failed[*]}"
  exit 1
fi
log "all targets clean"
