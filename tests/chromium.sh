#!/usr/bin/env bash
# Debian's Chromium, installed where missing: the browser the tests and the benchmarks drive
# (a browser download by Playwright does not work offline). Run by tests/run and bench/run.
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  echo "[chromium] installing Debian's chromium"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium chromium-driver >/dev/null
fi
