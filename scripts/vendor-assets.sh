#!/usr/bin/env bash
# Re-vendors the front-end assets from the pinned npm packages (assets/package-lock.json)
# into files that are embedded in the binary (assets/vendor) or used by the browser tests.
set -euo pipefail
cd "$(dirname "$0")/../assets"
npm ci --no-audit --no-fund
cp node_modules/@utrecht/component-library-css/dist/index.css vendor/utrecht-component-library.css
cp node_modules/@nl-design-system-unstable/voorbeeld-design-tokens/dist/theme.css vendor/voorbeeld-theme.css
# One typeface, Noto Sans (SIL Open Font License 1.1), the one the theme names: Latin and
# Latin Extended, regular, italic and bold.
for f in latin-400-normal latin-400-italic latin-700-normal latin-ext-400-normal latin-ext-400-italic latin-ext-700-normal; do
  cp "node_modules/@fontsource/noto-sans/files/noto-sans-$f.woff2" vendor/
done
cp node_modules/@fontsource/noto-sans/LICENSE vendor/noto-sans-OFL.txt
cp node_modules/axe-core/axe.min.js ../tests/vendor/axe.min.js
echo "vendored: $(ls vendor) and tests/vendor/axe.min.js"
