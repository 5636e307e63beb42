#!/usr/bin/env bash
# Re-vendors the front-end assets from the pinned npm packages (assets/package-lock.json)
# into files that are embedded in the binary (assets/vendor) or used by the browser tests.
set -euo pipefail
cd "$(dirname "$0")/../assets"
npm ci --no-audit --no-fund
cp node_modules/@utrecht/component-library-css/dist/index.css vendor/utrecht-component-library.css
cp node_modules/@nl-design-system-unstable/voorbeeld-design-tokens/dist/theme.css vendor/voorbeeld-theme.css
cp node_modules/axe-core/axe.min.js ../tests/vendor/axe.min.js
echo "vendored: $(ls vendor) and tests/vendor/axe.min.js"
