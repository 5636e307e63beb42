#!/usr/bin/env bash
# Writes screenshots of the main pages, at 390 px (a phone) and 1280 px, to docs/screenshots/,
# from a fresh demo database in headless Chromium (apt-get install chromium chromium-driver).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --test it browser::write_screenshots_of_the_main_pages -- --ignored --exact
ls docs/screenshots
