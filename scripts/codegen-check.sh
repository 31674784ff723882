#!/usr/bin/env bash
# Fails when src/graphql/generated is out of date with schema/*.graphql (CI runs this).
set -euo pipefail
cd "$(dirname "$0")/.."
before=$(cat src/graphql/generated/types.ts 2>/dev/null || true)
npm run --silent codegen >/dev/null
after=$(cat src/graphql/generated/types.ts)
if [ "$before" != "$after" ]; then
  echo 'codegen-check: src/graphql/generated/types.ts was out of date with schema/*.graphql; run npm run codegen and commit' >&2
  exit 1
fi
echo 'codegen-check: generated types match the schema'
