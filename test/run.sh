#!/usr/bin/env bash
# The one test command (`npm test`): makes sure PostgreSQL, Redis and the lab are there, then runs every test.
# A lab this script brought up is brought down again at the end; one that was already up stays up.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/ensure-services.sh

started_lab=0
if node --import tsx src/lab/cli.ts check-clean >/dev/null 2>&1; then
  started_lab=1
fi
cleanup() {
  if [ "$started_lab" = 1 ] && [ "${SWARMGATE_KEEP_LAB:-0}" != 1 ]; then
    node --import tsx src/lab/cli.ts down || true
  fi
}
trap cleanup EXIT
node --import tsx src/lab/cli.ts up

# Gateways built by the tests log here; the last test scans these files for secrets.
rm -rf var/test-logs
mapfile -t files < <(find test -name '*.test.ts' | sort)
if [ "$#" -gt 0 ]; then files=("$@"); fi
node --import tsx --test --test-concurrency=1 --test-timeout=600000 --test-reporter=spec "${files[@]}"
