#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (playwright-core, executablePath /usr/bin/chromium). A fresh machine
# has none: install it from Debian's packages, as root or through sudo, with a Chinese font (without one the
# screenshots show boxes for every character). Does nothing when both are there.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
CJK_FONT=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
if [ -x "$CHROMIUM" ] && [ -f "$CJK_FONT" ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
echo "installing Debian's chromium and a Chinese font (browser tests need them) ..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei >/dev/null
"$CHROMIUM" --version
