#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests when it is missing (CI runs as root on Debian).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "setup-chromium: /usr/bin/chromium is missing; install the Debian package 'chromium' (needs root)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
/usr/bin/chromium --version
