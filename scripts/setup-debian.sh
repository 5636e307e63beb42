#!/usr/bin/env bash
# Installs what meldpunt needs on a fresh Debian machine, skipping what is present.
#   scripts/setup-debian.sh          build tools and Rust (to run meldpunt)
#   scripts/setup-debian.sh --test   also Chromium, ChromeDriver and PostgreSQL (to run the tests)
set -euo pipefail

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
need_pkg() { dpkg -s "$1" >/dev/null 2>&1 || missing+=("$1"); }

# libssl-dev: webauthn-rs (passkeys) builds on OpenSSL.
for p in build-essential pkg-config libssl-dev ca-certificates curl; do need_pkg "$p"; done
if [ "$want_test" = 1 ]; then
  for p in chromium chromium-driver; do need_pkg "$p"; done
  # Node.js runs the API Design Rules linter (Spectral) from npm.
  command -v npx >/dev/null 2>&1 || { need_pkg nodejs; need_pkg npm; }
  # Python's venv runs the API fuzzer (schemathesis) from PyPI.
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need_pkg python3-venv
  # Server binaries for a throwaway test database (scripts/test.sh starts its own).
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_pkg postgresql
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "Installing the Rust toolchain with rustup (stable)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi
