#!/usr/bin/env bash
# Intake over loopback with an external closed-loop load generator (wrk), as a new user would
# measure it: a release server on a fresh database, an organisation API token, and wrk posting
# a new report per request. Prints wrk's summary per run.
#
#   scripts/bench-intake-wrk.sh sqlite 32 30          # backend, clients, seconds
#   scripts/bench-intake-wrk.sh postgres 64 30        # needs MELDPUNT_BENCH_POSTGRES_ADMIN_URL or a local PostgreSQL
#   INSTANCES=2 scripts/bench-intake-wrk.sh postgres 64 30   # two servers on one database, wrk on both
#   BIN=/tmp/meldpunt-old scripts/bench-intake-wrk.sh …        # another build, to compare side by side
set -euo pipefail
backend=${1:-sqlite}; clients=${2:-32}; seconds=${3:-30}; instances=${INSTANCES:-1}
bin=${BIN:-target/release/meldpunt}
[ -x "$bin" ] || cargo build --release --locked
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT
args=(--data-dir "$dir")
if [ "$backend" = postgres ]; then
  admin=${MELDPUNT_BENCH_POSTGRES_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
  db="meldpunt_bench_$$"
  psql "$admin" -qc "CREATE DATABASE $db" >/dev/null
  trap 'kill $(jobs -p) 2>/dev/null || true; sleep 1; psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; rm -rf "$dir"' EXIT
  args+=(--database-url "${admin%/*}/$db")
fi
"$bin" "${args[@]}" migrate >/dev/null
"$bin" "${args[@]}" org add --kind municipality --code GM0363 --name Amsterdam >/dev/null
token=$("$bin" "${args[@]}" token add --org GM0363 --name wrk 2>/dev/null)
urls=()
for i in $(seq 1 "$instances"); do
  port=$((18700 + i))
  MELDPUNT_METRICS_TOKEN=${METRICS_TOKEN:-} RUST_LOG=warn "$bin" "${args[@]}" serve --listen "127.0.0.1:$port" >"$dir/serve$i.log" 2>&1 &
  urls+=("http://127.0.0.1:$port")
done
for u in "${urls[@]}"; do
  for _ in $(seq 1 100); do curl -sf "$u/healthz" >/dev/null && break; sleep 0.1; done
done
per=$((clients / instances))
for i in "${!urls[@]}"; do
  TOKEN=$token RUN=$((i + 1)) wrk -t1 -c"$per" -d"${seconds}s" --latency -s scripts/wrk-intake.lua "${urls[$i]}" >"$dir/wrk$i.txt" &
done
wait $(jobs -p | tail -n "${#urls[@]}") 2>/dev/null || true
sleep 1
for i in "${!urls[@]}"; do echo "== ${urls[$i]} ($backend, $per clients, ${seconds}s)"; cat "$dir/wrk$i.txt"; done
