#!/usr/bin/env bash
# Debian packages the project needs: Chromium for the browser tests, Pango for PDF exports,
# poppler-utils (pdftotext, pdftoppm) for the tests that read and render the PDF exports.
# `--if-root`: do nothing (quietly) unless we are root with apt-get; used by `make test`.
set -euo pipefail
PACKAGES=(chromium fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "${1:-}" = "--if-root" ] && { [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; }; then
  echo "note: ${missing[*]} not installed; browser tests will be skipped (run: sudo make system-deps)" >&2
  exit 0
fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
echo "installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
