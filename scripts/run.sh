#!/usr/bin/env bash
# Builds and starts meldpunt on an embedded SQLite database (./meldpunt-data) with demo
# data, and prints where and as whom to sign in. Extra arguments go to `meldpunt serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-debian.sh
exec cargo run --locked --quiet -- serve --demo "$@"
