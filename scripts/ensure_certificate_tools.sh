#!/usr/bin/env bash
# The certificate PDF's tools: poppler (pdftotext, pdftoppm: its test reads the PDF back) from Debian's
# packages, and the CJK font it embeds, Noto Sans SC Regular (SIL OFL 1.1: embedding allowed), a TrueType-outline
# TTF (reportlab reads neither .ttc collections nor CFF-only OTF) from the npm package @expo-google-fonts/noto-sans-sc.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FONT_DIR="$ROOT/certificates/vendor/certificate_pdf/fonts"
FONT="$FONT_DIR/NotoSansSC-Regular.ttf"
FONT_PACKAGE="@expo-google-fonts/noto-sans-sc@0.4.3"
SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)

if ! command -v pdftotext >/dev/null || ! command -v pdftoppm >/dev/null; then
    echo "installing Debian's poppler-utils (the certificate PDF test reads the PDF with it) ..."
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends poppler-utils >/dev/null
fi
if [ ! -s "$FONT" ]; then
    echo "fetching $FONT_PACKAGE (Noto Sans SC, OFL) ..."
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    (cd "$scratch" && npm pack --silent "$FONT_PACKAGE" >/dev/null && tar xzf ./*.tgz \
        package/400Regular/NotoSansSC_400Regular.ttf package/LICENSE_FONT)
    mkdir -p "$FONT_DIR"
    cp "$scratch/package/400Regular/NotoSansSC_400Regular.ttf" "$FONT"
    cp "$scratch/package/LICENSE_FONT" "$FONT_DIR/LICENSE_FONT"
fi
