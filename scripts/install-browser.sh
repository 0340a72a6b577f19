#!/usr/bin/env bash
# Debian's Chromium for the dashboard's browser test (tests/test_dashboard_browser.py).
# Playwright drives this system browser; it never downloads its own. Without Chromium the test
# is skipped. Needs root (or sudo) and the Debian package registry; does nothing if present.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "chromium: $(chromium --version 2>/dev/null || echo present)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-browser: not root and no sudo; the browser test will be skipped" >&2; exit 0; fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium
chromium --version
