#!/usr/bin/env bash
# Runs the whole test suite: unit tests, storage tests on SQLite and PostgreSQL, HTTP,
# CLI and multi-instance tests, and browser + accessibility tests in headless Chromium.
#
# PostgreSQL: uses MELDPUNT_TEST_POSTGRES_URL when set; otherwise starts a throwaway
# server when the PostgreSQL binaries are installed; otherwise those tests are skipped
# with a line saying so. Under CI (CI set) a missing prerequisite — PostgreSQL, Chromium,
# the S3/SMTP test servers, the OpenID test provider, the API linters — fails the run instead of skipping.
# The closing line counts skipped tests apart: "Summary: N passed, M failed, K skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-debian.sh --test

status=0
pg_tmp=""
skip_log=$(mktemp)
export MELDPUNT_TEST_SKIP_LOG="$skip_log"
cleanup() {
  rm -f "$skip_log"
  if [ -n "$pg_tmp" ]; then
    runuser_pg "$pg_bin/pg_ctl" -D "$pg_tmp/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_tmp"
  fi
}
trap cleanup EXIT

runuser_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ -z "${MELDPUNT_TEST_POSTGRES_URL:-}" ]; then
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ]; then
    pg_tmp=$(mktemp -d /tmp/meldpunt-pg.XXXXXX)
    chmod 755 "$pg_tmp"
    [ "$(id -u)" = 0 ] && chown postgres "$pg_tmp"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    runuser_pg "$pg_bin/initdb" -D "$pg_tmp/data" -U postgres --auth=trust >/dev/null
    runuser_pg "$pg_bin/pg_ctl" -D "$pg_tmp/data" -l "$pg_tmp/log" -w \
      -o "-p $port -k $pg_tmp -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    export MELDPUNT_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
    echo "PostgreSQL: started a throwaway server on port $port"
  else
    echo "PostgreSQL tests SKIPPED: set MELDPUNT_TEST_POSTGRES_URL or install the postgresql package"
    if [ -n "${CI:-}" ]; then echo "CI: PostgreSQL is required"; status=1; fi
  fi
else
  echo "PostgreSQL: using MELDPUNT_TEST_POSTGRES_URL"
fi

# A local S3 server (moto) and SMTP server (aiosmtpd) for the evidence and mail tests.
tools=target/test-tools-venv
if [ -x "$tools/bin/moto_server" ] || { python3 -m venv "$tools" >/dev/null 2>&1 &&
    "$tools/bin/pip" install -q 'moto[server]==5.2.5' 'aiosmtpd==1.4.6'; }; then
  export MELDPUNT_TEST_TOOLS="$PWD/$tools/bin"
  echo "S3 (moto) and SMTP (aiosmtpd) test servers: installed"
else
  echo "S3 and SMTP tests SKIPPED: could not install moto and aiosmtpd (python3 -m venv and pip needed)"
  [ -z "${CI:-}" ] || status=1
fi
# A real OpenID provider (oidc-provider from npm, pinned in its package-lock) for the single
# sign-on tests; tests/it/oidc.rs starts it.
if command -v npm >/dev/null 2>&1 && (cd tests/tools/oidc &&
    { [ -d node_modules/oidc-provider ] || npm ci --silent --no-audit --no-fund; }); then
  export MELDPUNT_TEST_OIDC_PROVIDER="$PWD/tests/tools/oidc/provider.mjs"
  echo "OpenID provider (oidc-provider) for the single sign-on tests: installed"
else
  echo "Single sign-on tests SKIPPED: could not install oidc-provider (npm needed)"
  [ -z "${CI:-}" ] || status=1
fi
log=$(mktemp)
cargo test --locked --no-fail-fast "$@" 2>&1 | tee "$log" || status=$?

# The binary `cargo test` just built (a `cargo build` would recompile dependencies with
# another feature set).
bin="${CARGO_TARGET_DIR:-target}/debug/meldpunt"
[ -x "$bin" ] || cargo build --locked --quiet

# The OpenAPI document against the Dutch API Design Rules (Logius' Spectral ruleset).
if command -v npx >/dev/null 2>&1; then
  mkdir -p target
  MELDPUNT_PUBLIC_URL=https://meldpunt.example "$bin" openapi > target/openapi.json
  if npx --yes @stoplight/spectral-cli@6.16.3 lint --fail-severity=warn \
      -r tests/standards/api-design-rules-linter.yaml target/openapi.json; then
    echo "API Design Rules lint: passed"
  else
    echo "API Design Rules lint: FAILED"
    status=1
  fi
else
  echo "API Design Rules lint SKIPPED: npx (Node.js) is not installed"
  [ -z "${CI:-}" ] || status=1
fi

# Property-based fuzzing of the API against its own OpenAPI document (schemathesis):
# no 5xx, every answer as documented. "Schema-valid data is accepted" is not checked: a report
# also has to meet rules a schema cannot state (a date not in the past, an existing
# municipality, a link to a public host, a description when the category is "other"); those
# answers are 400 problem+json with invalidParams, which the other checks do verify.
venv=target/schemathesis-venv
if [ -x "$venv/bin/st" ] || { python3 -m venv "$venv" >/dev/null 2>&1 && "$venv/bin/pip" install -q schemathesis==4.32.5; }; then
  fuzz_dir=$(mktemp -d)
  fuzz_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$bin" --data-dir "$fuzz_dir" org import >/dev/null
  fuzz_token=$("$bin" --data-dir "$fuzz_dir" token add --org GM0363 --name schemathesis 2>/dev/null)
  MELDPUNT_PUBLIC_URL="http://127.0.0.1:$fuzz_port" "$bin" --data-dir "$fuzz_dir" serve \
    --listen "127.0.0.1:$fuzz_port" >"$fuzz_dir/serve.log" 2>&1 &
  fuzz_pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$fuzz_port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  if "$venv/bin/st" run "http://127.0.0.1:$fuzz_port/api/v1/openapi.json" \
      --header "Authorization: Bearer $fuzz_token" --checks all \
      --exclude-checks positive_data_acceptance; then
    echo "API fuzzing (schemathesis): passed"
  else
    echo "API fuzzing (schemathesis): FAILED"
    status=1
  fi
  kill "$fuzz_pid" 2>/dev/null || true
  rm -rf "$fuzz_dir"
else
  echo "API fuzzing SKIPPED: could not install schemathesis (python3 -m venv and pip needed)"
  [ -z "${CI:-}" ] || status=1
fi

# Each PostgreSQL test made its own database; remove them.
if [ -n "${MELDPUNT_TEST_POSTGRES_URL:-}" ] && command -v psql >/dev/null 2>&1; then
  psql -q -X "$MELDPUNT_TEST_POSTGRES_URL" -At -c \
    "SELECT datname FROM pg_database WHERE datname LIKE 'meldpunt_t_%'" 2>/dev/null |
    while read -r db; do psql -q -X "$MELDPUNT_TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; done
fi
# One closing line for the whole run. A test that returned early because a prerequisite
# was missing (tests/it/support.rs `skip`) counts as skipped, not as passed.
ok=$(grep -E '^test result:' "$log" | sed -E 's/.* ([0-9]+) passed.*/\1/' | awk '{s+=$1} END {print s+0}')
failed=$(grep -E '^test result:' "$log" | sed -E 's/.* ([0-9]+) failed.*/\1/' | awk '{s+=$1} END {print s+0}')
skipped=$(grep -c '^SKIPPED ' "$skip_log" || true)
rm -f "$log"
if [ "${skipped:-0}" != 0 ]; then
  echo "Skipped tests (a prerequisite was missing):"
  sed 's/^/  /' "$skip_log"
fi
passed=$(( ${ok:-0} - ${skipped:-0} ))
[ "$status" = 0 ] || [ "${failed:-0}" != 0 ] || failed=1
echo "Summary: ${passed} passed, ${failed:-0} failed, ${skipped:-0} skipped"
exit $status
