#!/usr/bin/env bash
# Start the servers the test suite talks to, installing them when run as root on Debian:
# PostgreSQL (Debian package), Elasticsearch (scripts/elasticsearch.sh) and headless Chromium.
# Source it: it exports YUQING_TEST_PG_URL and YUQING_TEST_ES_URL for the tests.
# Whatever cannot be started is reported, and the tests that need it skip with that reason.

_yq_root() { [ "$(id -u)" = 0 ]; }
_yq_apt() {
  _yq_root && command -v apt-get >/dev/null || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 && return 0
  apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1
}

yq_start_postgres() {
  if [ -n "${YUQING_TEST_PG_URL:-}" ]; then return 0; fi
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "services: installing PostgreSQL"; _yq_apt postgresql || { echo "services: PostgreSQL not available; PostgreSQL tests will skip"; return 0; }
  fi
  _yq_root || { echo "services: not root; start PostgreSQL yourself and set YUQING_TEST_PG_URL"; return 0; }
  local ver; ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
  pg_lsclusters -h 2>/dev/null | grep -q "^$ver main" || pg_createcluster "$ver" main >/dev/null
  pg_ctlcluster "$ver" main start 2>/dev/null || true
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
  su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='yuqing_test'\"" | grep -q 1 || \
    su postgres -c "psql -qc \"CREATE ROLE yuqing_test LOGIN CREATEDB PASSWORD 'yuqing_test'\"" >/dev/null
  export YUQING_TEST_PG_URL="postgresql+psycopg://yuqing_test:yuqing_test@127.0.0.1:5432/postgres"
  echo "services: PostgreSQL $ver on 127.0.0.1:5432"
}

yq_start_elasticsearch() {
  if [ -n "${YUQING_TEST_ES_URL:-}" ]; then return 0; fi
  local here; here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  if [ -x "$here/elasticsearch.sh" ]; then
    local url; url=$("$here/elasticsearch.sh" start) && export YUQING_TEST_ES_URL="$url" && echo "services: Elasticsearch at $url" \
      || echo "services: Elasticsearch could not be started; Elasticsearch tests will skip"
  fi
}

yq_install_chromium() {
  if command -v chromium >/dev/null; then return 0; fi
  echo "services: installing Chromium for the browser tests"
  _yq_apt chromium || echo "services: Chromium not available; browser tests will skip"
}

yq_start_postgres
yq_start_elasticsearch
yq_install_chromium
