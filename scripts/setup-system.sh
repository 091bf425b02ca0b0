#!/usr/bin/env bash
# Installs the Debian packages liangxian needs: Qt's runtime libraries, fonts (Tibetan and Chinese),
# poppler-utils (PDF to PNG for looking at printouts), Xvfb, PostgreSQL (the central server's
# production database; the tests start a throw-away cluster of it), and gnome-keyring with a D-Bus
# session bus (a real Secret Service without a desktop), hunspell with its Tibetan
# dictionary (the Tibetan spelling test, tests/i18n), and tesseract with its Tibetan and Chinese
# models (the OCR round trip of the printouts and screens, docs/ocr-roundtrip.md). Idempotent;
# skips apt when all present.
set -euo pipefail
PKGS=(
  libgl1 libegl1 libopengl0 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6 libdbus-1-3
  libglib2.0-0 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-randr0
  libxcb-render-util0 libxcb-xinerama0 libxcb-image0 libxcb-xkb1 libxrender1 libxi6 libsm6 libice6
  fonts-noto-core fonts-tibetan-machine fonts-droid-fallback fonts-wqy-microhei
  poppler-utils xvfb xauth python3-venv
  postgresql
  # a real Secret Service for machines without a desktop session (scripts/secret-service.sh, tests)
  dbus-daemon dbus-bin dbus-x11 gnome-keyring libsecret-tools
  # the Tibetan spelling test (hunspell's Tibetan dictionary)
  hunspell hunspell-bo
  # the OCR round trip (tests/printing/test_ocr_roundtrip.py, tests/desktop/test_screen_ocr.py)
  tesseract-ocr tesseract-ocr-bod tesseract-ocr-chi-sim
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "liangxian set-up: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
