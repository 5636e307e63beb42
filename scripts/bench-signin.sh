#!/usr/bin/env bash
# Signs a demo account in over HTTP, as a browser would, and prints the Cookie header value
# for load generators (wrk -H "Cookie: …"). Staff accounts get their second factor from
# `meldpunt demo-code` (demo databases only).
#
#   scripts/bench-signin.sh http://127.0.0.1:18600 "--data-dir /tmp/scale" [analist@meldpunt.demo]
set -euo pipefail
base=$1; db_args=$2; email=${3:-analist@meldpunt.demo}
bin=${MELDPUNT_BIN:-target/release/meldpunt}
jar=$(mktemp); trap 'rm -f "$jar"' EXIT
token() { curl -s -c "$jar" -b "$jar" "$base$1" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//'; }
next=$(curl -s -c "$jar" -b "$jar" -o /dev/null -w "%{redirect_url}" --data-urlencode "csrf=$(token /aanmelden)" \
  --data-urlencode "email=$email" --data-urlencode "password=meldpunt-demo-2026" "$base/aanmelden")
if [[ "$next" == */aanmelden/tweede-factor ]]; then
  csrf=$(token /aanmelden/tweede-factor)
  # shellcheck disable=SC2086
  code=$("$bin" $db_args demo-code 2>/dev/null | grep -o '[0-9]\{6\}' | head -1)
  curl -s -c "$jar" -b "$jar" -o /dev/null --data-urlencode "csrf=$csrf" --data-urlencode "code=$code" "$base/aanmelden/tweede-factor"
fi
sed 's/^#HttpOnly_//' "$jar" | awk '!/^#/ && NF >= 7 { printf "%s%s=%s", sep, $6, $7; sep = "; " }'
echo
