#!/usr/bin/env bash
# Sets up, builds the site and serves it on http://127.0.0.1:${PORT:-8080}/ (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
SKIP_BROWSER=1 scripts/setup.sh
scripts/build-web.sh
exec node scripts/serve.mjs "${PORT:-8080}" www
