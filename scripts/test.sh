#!/usr/bin/env bash
# Install everything the tests need on a fresh machine, then run them (offline: tests build their
# own tiny models). Extra arguments go to pytest, e.g. `bash scripts/test.sh -k pipeline`.
set -euo pipefail
cd "$(dirname "$0")/.."

# Browser tests drive Debian's Chromium; without CJK fonts Korean and Japanese render as boxes.
if ! command -v chromium >/dev/null 2>&1 || ! (fc-list 2>/dev/null | grep -qi "Noto Sans CJK"); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  else
    echo "note: chromium / fonts-noto-cjk are missing and apt-get is not usable: browser tests will skip" >&2
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
# shellcheck disable=SC1091
. .venv/bin/activate
# The CPU build of torch first: a bare `torch` requirement would pull a multi-GB CUDA build.
pip install -q torch==2.13.0
pip install -q -e ".[test]"

export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 GRADIO_ANALYTICS_ENABLED=False
ruff check .
ruff format --check service tests app.py benchmarks
mypy
python -m pytest "$@"
