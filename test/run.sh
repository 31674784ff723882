#!/usr/bin/env bash
# The one test command (`npm test`). The tests are in three tiers, each mirroring src/:
#   test/unit/         pure functions: no PostgreSQL, no Redis, no Docker engine   (npm run test:unit)
#   test/integration/  PostgreSQL and Redis, no engine                             (npm run test:integration)
#   test/lab/          the lab's real Docker engines as well                       (npm run test:lab)
# With no argument it runs the three in that order, then scans every log line the tests' gateways wrote for secrets
# (test/secret-scan.ts). `--tier NAME` (repeatable) runs only those tiers; files given run alone, each with what its
# tier needs (`npm test -- test/unit/config.test.ts test/lab/walkthrough.test.ts`).
# PostgreSQL and Redis are started when missing (scripts/ensure-services.sh) for the integration and lab tiers; the
# lab is brought up for the lab tier, and down again at the end only when this script brought it up
# (SWARMGATE_KEEP_LAB=1 keeps it). The unit tier runs with service URLs that point at a closed port, so that a unit
# test that reaches for PostgreSQL or Redis fails instead of quietly using them.
# Test files run in path order (node --test sorts them), but for LAB_LAST below.
set -euo pipefail
cd "$(dirname "$0")/.."

TIERS=(unit integration lab)
DEAD_POSTGRES=postgres://postgres@127.0.0.1:1/postgres
DEAD_REDIS=redis://127.0.0.1:1
# Lab tests that run after all the others (node --test runs the files of one call in path order). node-roles demotes
# and promotes an alpha manager: Docker 20.10 then brings the new raft member up to date over many minutes, and a
# test that stops another alpha manager meanwhile (state/failover, lab/faults) finds alpha without a quorum.
LAB_LAST=(test/lab/operations/node-roles.test.ts)

usage() {
  echo "usage: bash test/run.sh [--tier unit|integration|lab]... [FILE.test.ts...]" >&2
  exit 2
}

selected=()
files=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --tier) [ "$#" -ge 2 ] || usage; selected+=("$2"); shift 2 ;;
    --tier=*) selected+=("${1#--tier=}"); shift ;;
    -h | --help) usage ;;
    *) files+=("$1"); shift ;;
  esac
done
for tier in "${selected[@]}"; do
  case " ${TIERS[*]} " in *" $tier "*) ;; *) echo "unknown tier: $tier" >&2; usage ;; esac
done

# The files of each tier to run: every test of the selected tiers, or the files given, by the folder they are in.
declare -A tier_files=()
if [ "${#files[@]}" -gt 0 ]; then
  for file in "${files[@]}"; do
    [ -f "$file" ] || { echo "no such test file: $file" >&2; exit 2; }
    case "$file" in
      test/unit/* | ./test/unit/*) tier=unit ;;
      test/integration/* | ./test/integration/*) tier=integration ;;
      # A file outside the tiers gets everything a test may need.
      *) tier=lab ;;
    esac
    if [ "${#selected[@]}" -gt 0 ] && [[ ! " ${selected[*]} " == *" $tier "* ]]; then continue; fi
    tier_files[$tier]+="$file"$'\n'
  done
else
  [ "${#selected[@]}" -gt 0 ] || selected=("${TIERS[@]}")
  for tier in "${selected[@]}"; do
    tier_files[$tier]=$(find "test/$tier" -name '*.test.ts' | sort)$'\n'
  done
fi

[ -d node_modules ] || npm ci --no-audit --no-fund

started_lab=0
cleanup() {
  if [ "$started_lab" = 1 ] && [ "${SWARMGATE_KEEP_LAB:-0}" != 1 ]; then
    node --import tsx src/lab/cli.ts down || true
  fi
}
trap cleanup EXIT

services_ready=0
ensure_services() {
  [ "$services_ready" = 1 ] && return
  bash scripts/ensure-services.sh
  services_ready=1
}

ensure_lab() {
  if node --import tsx src/lab/cli.ts check-clean >/dev/null 2>&1; then
    started_lab=1
  fi
  node --import tsx src/lab/cli.ts up
}

# Files of the integration and lab tiers run one at a time: they share Redis and the lab's swarms.
run_serially() {
  node --import tsx --test --test-concurrency=1 --test-timeout=600000 --test-reporter=spec "$@"
}

failed=()
summary=()
logs_cleared=0
gateways_ran=0
for tier in "${TIERS[@]}"; do
  [ -n "${tier_files[$tier]:-}" ] || continue
  mapfile -t list < <(printf '%s' "${tier_files[$tier]}" | sed '/^$/d')
  [ "${#list[@]}" -gt 0 ] || continue
  printf '\n=== %s tier: %s test files\n' "$tier" "${#list[@]}"
  began=$(date +%s)
  case "$tier" in
    unit)
      status=0
      SWARMGATE_TEST_ADMIN_DATABASE_URL=$DEAD_POSTGRES SWARMGATE_TEST_REDIS_URL=$DEAD_REDIS \
        DATABASE_URL=$DEAD_POSTGRES REDIS_URL=$DEAD_REDIS \
        node --import tsx --test --test-timeout=30000 --test-reporter=spec "${list[@]}" || status=$?
      ;;
    integration | lab)
      ensure_services
      [ "$tier" = lab ] && ensure_lab
      # The tests' gateways log here (test/helper.ts); the scan after the tiers reads every line.
      if [ "$logs_cleared" = 0 ]; then
        rm -rf var/test-logs
        logs_cleared=1
      fi
      gateways_ran=1
      # The lab tier in two calls: LAB_LAST after the rest.
      first=() last=()
      for file in "${list[@]}"; do
        if [ "$tier" = lab ] && [[ " ${LAB_LAST[*]} " == *" ${file#./} "* ]]; then last+=("$file"); else first+=("$file"); fi
      done
      status=0
      if [ "${#first[@]}" -gt 0 ]; then run_serially "${first[@]}" || status=$?; fi
      if [ "${#last[@]}" -gt 0 ]; then run_serially "${last[@]}" || status=$?; fi
      ;;
  esac
  took=$(($(date +%s) - began))
  if [ "$status" = 0 ]; then
    summary+=("$tier tier: passed (${#list[@]} files, ${took}s)")
  else
    summary+=("$tier tier: FAILED (${#list[@]} files, ${took}s)")
    failed+=("$tier")
  fi
done

if [ "$gateways_ran" = 1 ]; then
  printf '\n=== secret scan of var/test-logs\n'
  scan_args=()
  # Chosen files may build no gateway at all; whole tiers always do.
  [ "${#files[@]}" -gt 0 ] && scan_args+=(--allow-empty)
  if node --import tsx test/secret-scan.ts "${scan_args[@]}"; then
    summary+=('secret scan: passed')
  else
    summary+=('secret scan: FAILED')
    failed+=('secret scan')
  fi
fi

printf '\n=== summary\n'
[ "${#summary[@]}" -gt 0 ] || { echo 'no test file selected' >&2; exit 2; }
printf '%s\n' "${summary[@]}"
[ "${#failed[@]}" = 0 ]
