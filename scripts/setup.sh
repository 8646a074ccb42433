#!/usr/bin/env bash
# Install everything napari-symseg needs on a fresh Debian machine (idempotent):
# the Debian libraries Qt/napari need under Xvfb, a virtual environment in .venv,
# and the package with its test extras: the library and CLI, the napari plugin's packages
# (napari, PyQt6 as the one Qt binding, magicgui, npe2; extras since issue 16, see
# pyproject.toml) and the test tools.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PACKAGES="xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-xinerama0 libgl1 libglx-mesa0
libgl1-mesa-dri libegl1 libfontconfig1 libdbus-1-3 libglib2.0-0 libxkbcommon0
libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0 libxcb-image0 libxcb-randr0
libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1"

missing=""
for pkg in $DEB_PACKAGES; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  echo "== installing Debian packages:$missing"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv"
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
echo "== installing napari-symseg[testing] into .venv"
.venv/bin/python -m pip install -q -e ".[testing]"
