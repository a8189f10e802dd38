#!/usr/bin/env bash
# Install yuqing into ./.venv with everything it needs (idempotent).
# Also installs a CJK font for the digest's charts when run as root on Debian.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
stamp=.venv/.yuqing-installed
if [ ! -f "$stamp" ] || [ setup.cfg -nt "$stamp" ]; then
  echo "setup: installing yuqing and its dependencies (a few minutes the first time)"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[test]'
  touch "$stamp"
fi
# Chinese glyphs in charts need a CJK font.
if ! fc-list 2>/dev/null | grep -qiE "Noto Sans CJK|WenQuanYi|Source Han"; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing a CJK font (fonts-noto-cjk)"
    (apt-get install -y -qq fonts-noto-cjk >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq fonts-noto-cjk >/dev/null; }) \
      || echo "setup: warning: could not install fonts-noto-cjk; charts may show boxes for Chinese" >&2
  else
    echo "setup: warning: no CJK font found; install fonts-noto-cjk so charts show Chinese" >&2
  fi
fi
