#!/usr/bin/env bash
# Validates docker-compose.yml statically (no engine can pull images here): schema, services, health checks,
# and Redis run the way BullMQ needs it (AOF on, maxmemory-policy noeviction).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v docker-compose >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null; }
  else
    echo 'compose-check: docker-compose is missing; install Debian package docker-compose' >&2
    exit 1
  fi
fi
rendered=$(SWARMGATE_JWT_SECRET=check docker-compose -f docker-compose.yml config)
fail() { echo "compose-check: $*" >&2; exit 1; }
services=$(SWARMGATE_JWT_SECRET=check docker-compose -f docker-compose.yml config --services | sort | tr '\n' ' ')
[ "$services" = 'gateway postgres redis worker ' ] || fail "expected services gateway postgres redis worker, got: $services"
[ "$(grep -c '^    healthcheck:' <<<"$rendered")" = 4 ] || fail 'every service needs a healthcheck'
grep -q -- '- --appendonly' <<<"$rendered" && grep -A1 -- '- --appendonly' <<<"$rendered" | grep -q -- '- .yes' ||
  fail 'redis must run with --appendonly yes'
grep -A1 -- '- --maxmemory-policy' <<<"$rendered" | grep -q -- '- noeviction' || fail 'redis must run with --maxmemory-policy noeviction'
echo 'compose-check: docker-compose.yml is valid'
