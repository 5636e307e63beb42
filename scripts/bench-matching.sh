#!/usr/bin/env bash
# The matching benchmark (issue 14) and, in the same run on the same data, the peer tools:
# Python datasketch (MinHashLSH) and the reference PDQ through the pdqhash package, installed
# from PyPI into the tests' virtual environment (never into meldpunt).
#   scripts/bench-matching.sh            (MELDPUNT_BENCH_TEXTS=100000 for a quicker run)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/test-tools-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q 'datasketch==1.6.5' 'pdqhash==0.2.8' 'pillow==13.0.0' 'numpy==2.4.6'
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
MELDPUNT_BENCH_OUT="$out" cargo bench --locked --bench matching
"$venv/bin/python" scripts/bench_peers.py "$out"
