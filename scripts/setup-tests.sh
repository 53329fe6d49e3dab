#!/usr/bin/env bash
# npm test's pretest: installs what the suite needs on a fresh machine, or says in one line what to run.
#  - the packages the lockfile pins (npm ci), when node_modules is missing or older than the lockfile;
#  - Debian's chromium for the browser tests (scripts/setup-chromium.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ npm-shrinkwrap.json -nt node_modules/.package-lock.json ]; then
  echo "setup-tests: installing the pinned packages (npm ci)" >&2
  npm ci --no-audit --no-fund >&2 || { echo "setup-tests: npm ci failed; run 'npm ci' and then 'npm test'" >&2; exit 1; }
fi
bash scripts/setup-chromium.sh
