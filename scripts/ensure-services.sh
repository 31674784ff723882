#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432, trust auth for local tests) and Redis (127.0.0.1:6379) answer,
# installing Debian's packages and starting the servers when they do not, and that Debian's Chromium is there for
# the browser test. Idempotent.
set -euo pipefail

log() { printf '[services] %s\n' "$*"; }
answers() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
need_root() {
  if [ "$(id -u)" != 0 ]; then
    log "$1 is not answering and this script is not root: start it yourself (see README, Requirements)"
    exit 1
  fi
}
apt_install() {
  command -v apt-get >/dev/null || { log "apt-get not found: install $* by hand"; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
}

if ! answers 5432; then
  need_root PostgreSQL
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    log 'installing PostgreSQL'
    apt_install postgresql
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    # Local test server only: trust connections from loopback, as the test machines are set up.
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nlocal all all trust' "$hba"
  fi
  log "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 30); do answers 5432 && break; sleep 0.5; done
  answers 5432 || { log 'PostgreSQL did not come up on 127.0.0.1:5432'; exit 1; }
fi

if ! answers 6379; then
  need_root Redis
  command -v redis-server >/dev/null || { log 'installing Redis'; apt_install redis-server; }
  log 'starting Redis'
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save '' --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do answers 6379 && break; sleep 0.5; done
  answers 6379 || { log 'Redis did not come up on 127.0.0.1:6379'; exit 1; }
fi
log 'PostgreSQL and Redis answer'

# The browser test (test/integration/browser-pages.test.ts) drives Debian's Chromium with playwright-core, which downloads no
# browser of its own. Without root it is left to the test, which fails saying how to install it.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    log 'installing Chromium (for the browser test)'
    apt_install chromium
  else
    log 'Chromium is missing: the browser test needs `apt-get install -y chromium` (as root)'
  fi
fi
