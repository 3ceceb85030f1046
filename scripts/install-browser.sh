#!/usr/bin/env bash
# Headless Chromium for the browser test of the page (tests/ui): Debian's own package, never the
# Playwright browser download. Idempotent: does nothing when /usr/bin/chromium is there.
# Needs root (CI runs as root) or sudo; without either it says so and leaves the test to skip.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: no apt-get here; install Chromium as /usr/bin/chromium yourself" \
         "(the browser test skips without it)" >&2
    exit 0
fi
run_as_root=()
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "install-browser: not root and no sudo; run 'apt-get install chromium' as root" \
             "(the browser test skips without it)" >&2
        exit 0
    fi
    run_as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${run_as_root[@]}" apt-get update -qq
"${run_as_root[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
