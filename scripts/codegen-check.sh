#!/usr/bin/env bash
# Fails when a generated file is out of date (CI runs this): src/graphql/generated with schema/*.graphql, the
# chatops bot's typed client with examples/chatops-bot/client/operations/*.graphql and the schema.
set -euo pipefail
cd "$(dirname "$0")/.."
generated=(src/graphql/generated/types.ts examples/chatops-bot/client/generated/documents.ts)
before=()
for file in "${generated[@]}"; do before+=("$(cat "$file" 2>/dev/null || true)"); done
npm run --silent codegen >/dev/null
for index in "${!generated[@]}"; do
  file=${generated[$index]}
  if [ "${before[$index]}" != "$(cat "$file")" ]; then
    echo "codegen-check: $file was out of date with the schema (and its operations); run npm run codegen and commit" >&2
    exit 1
  fi
done
echo 'codegen-check: generated types and the typed client match the schema'
