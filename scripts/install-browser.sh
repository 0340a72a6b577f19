#!/usr/bin/env bash
# Debian's Chromium and poppler-utils: the dashboard's browser test (tests/test_dashboard_browser.py),
# report.pdf (the HTML report printed by headless Chromium) and the page previews of report.pdf
# (pdftoppm, checked by tests/test_report_pages.py). Playwright drives this system browser; it never
# downloads its own. Without them those tests are skipped and `maturasi run` writes report.html only.
# Needs root (or sudo) and the Debian package registry; does nothing if both are present.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
if [ ${#need[@]} -eq 0 ]; then
  echo "chromium: $(chromium --version 2>/dev/null || echo present); pdftoppm: present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-browser: not root and no sudo; cannot install ${need[*]} (their tests will be skipped)" >&2; exit 0; fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${need[@]}"
chromium --version
pdftoppm -v 2>&1 | head -1
