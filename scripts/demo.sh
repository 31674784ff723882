#!/usr/bin/env bash
# `npm run demo`: installs what is missing, then brings up the lab of real swarms and the gateway.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/ensure-services.sh
node --import tsx src/lab/cli.ts up
exec node --import tsx src/demo.ts "$@"
