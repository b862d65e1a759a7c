#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (playwright-core, executablePath /usr/bin/chromium). A fresh machine
# has none: install it from Debian's packages, as root or through sudo. Does nothing when it is there.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
echo "installing Debian's chromium (browser tests need it) ..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
"$CHROMIUM" --version
