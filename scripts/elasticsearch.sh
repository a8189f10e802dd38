#!/usr/bin/env bash
# A local single-node Elasticsearch on 127.0.0.1 for the test suite, benchmarks and small installs.
#
#   scripts/elasticsearch.sh start    install when missing, start, wait until healthy; last stdout line is the URL
#   scripts/elasticsearch.sh stop     stop the node this script started
#   scripts/elasticsearch.sh status   say whether it runs (exit 0) or not (exit 3)
#
# No Docker and no Debian/PyPI package exist for the server, so it uses Elastic's minimal
# "integ-test-zip" distribution from Maven Central (fetched with mvn into ~/.m2), runs it on the
# system JDK 17 with a small heap, security off, bound to 127.0.0.1 only. Elasticsearch refuses
# to run as root: as root the node runs as the system user yuqing-es (created when missing) and
# lives in that user's home, /var/lib/yuqing-es; otherwise in ~/.cache/yuqing.
#
# Settings (environment): YUQING_ES_VERSION (default: newest of 8.19.7 … 8.19.0 that Maven has),
# YUQING_ES_PORT (9200), YUQING_ES_HEAP (512m), YUQING_ES_HOME (install folder),
# YUQING_ES_JAVA_HOME (default: /usr/lib/jvm/java-17-openjdk-amd64 when present).
set -euo pipefail

PORT=${YUQING_ES_PORT:-9200}
HEAP=${YUQING_ES_HEAP:-512m}
URL="http://127.0.0.1:${PORT}"
ES_USER=yuqing-es
GROUP_ID=org.elasticsearch.distribution.integ-test-zip
ARTIFACT=elasticsearch

die() { echo "elasticsearch.sh: $*" >&2; exit 1; }
say() { echo "elasticsearch.sh: $*" >&2; }   # progress goes to stderr: stdout is only the URL

is_root() { [ "$(id -u)" = 0 ]; }
apt_install() {  # as root on Debian only; quiet
  is_root && command -v apt-get >/dev/null || return 1
  say "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 && return 0
  apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1
}

if [ -n "${YUQING_ES_HOME:-}" ]; then
  BASE=$YUQING_ES_HOME
elif is_root; then
  BASE=/var/lib/$ES_USER
else
  BASE=${XDG_CACHE_HOME:-$HOME/.cache}/yuqing
fi
PIDFILE=$BASE/elasticsearch.pid

find_java() {
  local j
  for j in "${YUQING_ES_JAVA_HOME:-}" /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-* \
           "${JAVA_HOME:-}" /usr/lib/jvm/java-21-openjdk-*; do
    [ -n "$j" ] && [ -x "$j/bin/java" ] && { echo "$j"; return 0; }
  done
  if command -v java >/dev/null; then
    j=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    [ -x "$j/bin/java" ] && { echo "$j"; return 0; }
  fi
  return 1
}

healthy() {  # the node answers and the cluster is at least yellow
  curl -fsS --max-time 3 "$URL/_cluster/health?wait_for_status=yellow&timeout=2s" 2>/dev/null | grep -q '"status":"\(green\|yellow\)"'
}

running_pid() {  # the pid of the node we started, if it is alive
  [ -f "$PIDFILE" ] || return 1
  local pid; pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && { echo "$pid"; return 0; }
  return 1
}

installed_home() {  # the newest installed distribution folder
  local d
  for d in $(ls -d "$BASE"/elasticsearch-8.* 2>/dev/null | sort -V -r); do
    [ -x "$d/bin/elasticsearch" ] && { echo "$d"; return 0; }
  done
  return 1
}

fetch_zip() {  # prints the path of the distribution zip in ~/.m2, downloading it with mvn when missing
  local versions v zip
  if [ -n "${YUQING_ES_VERSION:-}" ]; then versions=$YUQING_ES_VERSION; else versions="8.19.7 8.19.6 8.19.5 8.19.4 8.19.3 8.19.2 8.19.1 8.19.0"; fi
  local repo=${MAVEN_REPO:-$HOME/.m2/repository}
  for v in $versions; do
    zip="$repo/${GROUP_ID//.//}/$ARTIFACT/$v/$ARTIFACT-$v.zip"
    [ -s "$zip" ] && { echo "$zip"; return 0; }
  done
  command -v mvn >/dev/null || apt_install maven \
    || die "mvn is missing: install Maven (it fetches Elasticsearch from Maven Central)"
  local out=""
  for v in $versions; do
    say "fetching $GROUP_ID:$ARTIFACT:$v:zip from Maven Central"
    if out=$(mvn -q -B -Dstyle.color=never dependency:get -Dtransitive=false "-Dartifact=$GROUP_ID:$ARTIFACT:$v:zip" 2>&1); then
      zip="$repo/${GROUP_ID//.//}/$ARTIFACT/$v/$ARTIFACT-$v.zip"
      [ -s "$zip" ] && { echo "$zip"; return 0; }
    fi
  done
  [ -n "$out" ] && echo "$out" | grep -E "ERROR|Could not" | head -5 | sed 's/^/  mvn: /' >&2
  return 1
}

ensure_user() {
  is_root || return 0
  if ! id "$ES_USER" >/dev/null 2>&1; then
    say "creating system user $ES_USER (Elasticsearch refuses to run as root)"
    useradd --system --home-dir "$BASE" --no-create-home --shell /usr/sbin/nologin "$ES_USER" \
      || die "could not create the system user $ES_USER"
  fi
}

install() {  # prints the installed distribution folder
  local home
  if home=$(installed_home); then echo "$home"; return 0; fi
  command -v unzip >/dev/null || apt_install unzip || die "unzip is missing (apt-get install unzip)"
  local zip; zip=$(fetch_zip) || die "could not fetch the Elasticsearch distribution from Maven Central (tried ${YUQING_ES_VERSION:-8.19.7 down to 8.19.0})"
  mkdir -p "$BASE"
  local tmp; tmp=$(mktemp -d "$BASE/.unzip.XXXXXX")
  say "unpacking $(basename "$zip") into $BASE"
  unzip -q "$zip" -d "$tmp" || { rm -rf "$tmp"; die "could not unzip $zip"; }
  local dir; dir=$(ls -d "$tmp"/elasticsearch-* | head -1)
  [ -x "$dir/bin/elasticsearch" ] || { rm -rf "$tmp"; die "$zip has no bin/elasticsearch"; }
  home="$BASE/$(basename "$dir")"
  mv "$dir" "$home" && rm -rf "$tmp"
  echo "$home"
}

configure() {  # (re)writes our block of settings at the end of config/elasticsearch.yml
  local home=$1 yml=$1/config/elasticsearch.yml
  sed -i '/^# >>> yuqing >>>$/,/^# <<< yuqing <<<$/d' "$yml"
  cat >>"$yml" <<EOF
# >>> yuqing >>>
# written by yuqing scripts/elasticsearch.sh: one local node, loopback only, no security (tests)
cluster.name: yuqing-local
node.name: yuqing-local-1
discovery.type: single-node
network.host: 127.0.0.1
http.port: $PORT
xpack.security.enabled: false
path.data: $BASE/data
path.logs: $BASE/logs
cluster.routing.allocation.disk.threshold_enabled: false
# <<< yuqing <<<
EOF
  mkdir -p "$BASE/data" "$BASE/logs"
}

start() {
  command -v curl >/dev/null || apt_install curl || die "curl is missing"
  if healthy; then echo "$URL"; return 0; fi
  local pid
  if pid=$(running_pid); then
    say "node (pid $pid) is starting; waiting"
  else
    if curl -s --max-time 2 -o /dev/null "$URL/" 2>/dev/null; then
      die "something else answers on 127.0.0.1:$PORT but is not a healthy Elasticsearch; set YUQING_ES_PORT"
    fi
    local java
    java=$(find_java) || { apt_install openjdk-17-jre-headless && java=$(find_java); } \
      || die "no Java found: install openjdk-17-jre-headless or set YUQING_ES_JAVA_HOME"
    ensure_user
    local home; home=$(install)
    configure "$home"
    rm -f "$PIDFILE"
    is_root && chown -R "$ES_USER:$ES_USER" "$BASE"
    say "starting $(basename "$home") on $URL (java: $java, heap $HEAP)"
    local run=(env "ES_JAVA_HOME=$java" "ES_JAVA_OPTS=-Xms$HEAP -Xmx$HEAP" "ES_TMPDIR=$BASE/tmp"
               "$home/bin/elasticsearch" -d -p "$PIDFILE")
    mkdir -p "$BASE/tmp"; is_root && chown "$ES_USER:$ES_USER" "$BASE/tmp"
    if is_root; then
      (cd "$BASE" && runuser -u "$ES_USER" -- "${run[@]}" >"$BASE/logs/startup.out" 2>&1) || true
    else
      (cd "$BASE" && "${run[@]}" >"$BASE/logs/startup.out" 2>&1) || true
    fi
  fi
  local i
  for i in $(seq 1 180); do
    if healthy; then echo "$URL"; return 0; fi
    if [ "$i" -gt 5 ] && ! running_pid >/dev/null; then break; fi
    sleep 1
  done
  say "Elasticsearch did not become healthy on $URL; last log lines:"
  tail -n 25 "$BASE/logs/startup.out" "$BASE"/logs/yuqing-local.log 2>/dev/null | sed 's/^/  /' >&2 || true
  exit 1
}

stop() {
  local pid
  if ! pid=$(running_pid); then say "not running"; return 0; fi
  say "stopping pid $pid"
  kill "$pid" 2>/dev/null || true
  local i
  for i in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$PIDFILE"; say "stopped"; return 0; }
    sleep 0.5
  done
  say "still running after 30 s; killing pid $pid"
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
}

status() {
  local pid
  if healthy; then
    pid=$(running_pid || echo "not started by this script")
    echo "running at $URL (pid $pid)"
    curl -fsS --max-time 3 "$URL/_cluster/health?pretty" || true
    return 0
  fi
  if pid=$(running_pid); then echo "starting or unhealthy (pid $pid)"; return 3; fi
  echo "not running (home: $BASE)"
  return 3
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
