#!/usr/bin/env bash
# Local infrastructure for Ticketing: FerretDB (MongoDB wire protocol on
# SQLite), NATS Streaming, NATS JetStream (nats-server 2.14 from the Go module
# proxy), Redis and stripe-mock, all bound to
# 127.0.0.1, all living under <repo>/.local/ (override: TICKETING_LOCAL_DIR).
#
#   infra.sh install [component...]   install what is missing (idempotent)
#   infra.sh start   [component...]   start what is not running (idempotent)
#   infra.sh stop    [component...]   stop what the pid files name
#   infra.sh status                   one line per component
#   infra.sh env                      export lines for the services' env
#   infra.sh release <pid>            end a lease (see below)
#
# Components: mongo stan jetstream redis stripe (default: all), zipkin
# (the trace viewer; only when named: `npm start` names it unless told not to)
# and mailpit (the mail catcher the notifications service sends to: SMTP and
# a web page to read the mail; only when named: `npm start` and e2e name it).
# `install` with no component also installs chromium (browser tests) and
# nginx (`install gateway`: the local gateway, which scripts/system.js starts
# with a config generated from the ingress manifest; no start/stop here).
#
# Leases (used by scripts/with-infra.js and scripts/test.js): a runner calls
# `start` with TICKETING_INFRA_LEASE=<its pid>; what that start brings up is
# marked auto-started. `release <pid>` drops the lease and, when no other live
# lease remains, stops the auto-started components. Components started by hand
# (no lease) are never stopped by a release, so concurrent `npm test` runs
# never pull infrastructure from under each other.
#
# Ports (env): MONGO_PORT 27017, STAN_PORT 4222, STAN_MONITOR_PORT 8222,
# JETSTREAM_PORT 4223, JETSTREAM_MONITOR_PORT 8223, REDIS_PORT 6379,
# STRIPE_MOCK_PORT 12111, STRIPE_MOCK_HTTPS_PORT 12112, ZIPKIN_PORT 9411,
# MAILPIT_SMTP_PORT 1025, MAILPIT_UI_PORT 8025.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="${TICKETING_LOCAL_DIR:-$REPO/.local}"
# shellcheck source=tools-dir.sh
source "$REPO/scripts/tools-dir.sh"
BIN="$(tools_dir bin)"
DATA="$LOCAL/data"
LOGS="$LOCAL/logs"
RUN="$LOCAL/run"
LEASES="$RUN/leases"

MONGO_PORT="${MONGO_PORT:-27017}"
STAN_PORT="${STAN_PORT:-4222}"
STAN_MONITOR_PORT="${STAN_MONITOR_PORT:-8222}"
JETSTREAM_PORT="${JETSTREAM_PORT:-4223}"
JETSTREAM_MONITOR_PORT="${JETSTREAM_MONITOR_PORT:-8223}"
REDIS_PORT="${REDIS_PORT:-6379}"
STRIPE_MOCK_PORT="${STRIPE_MOCK_PORT:-12111}"
STRIPE_MOCK_HTTPS_PORT="${STRIPE_MOCK_HTTPS_PORT:-12112}"
ZIPKIN_PORT="${ZIPKIN_PORT:-9411}"
ZIPKIN_MAX_SPANS="${ZIPKIN_MAX_SPANS:-50000}"
MAILPIT_SMTP_PORT="${MAILPIT_SMTP_PORT:-1025}"
MAILPIT_UI_PORT="${MAILPIT_UI_PORT:-8025}"
START_TIMEOUT="${INFRA_START_TIMEOUT:-30}"
# FerretDB's SQLite as durable as MongoDB's default write concern, not more:
# WAL synced at checkpoints (survives a process crash, may lose the last
# commits on power loss; mongod's w:1 loses up to its 100 ms journal interval)
# instead of an fsync per commit. FERRETDB_SQLITE_SYNCHRONOUS=full restores SQLite's default.
FERRETDB_SQLITE_SYNCHRONOUS="${FERRETDB_SQLITE_SYNCHRONOUS:-normal}"
# More SQLite pragmas for FerretDB's connections, space-separated (e.g. "cache_size(-65536)").
FERRETDB_SQLITE_PRAGMAS="${FERRETDB_SQLITE_PRAGMAS:-}"
# FerretDB converts every document between BSON and JSON: a Go heap four times
# the live one before each collection trades a few MB for a third less GC work.
FERRETDB_GOGC="${FERRETDB_GOGC:-400}"

NATS_STREAMING_VERSION="v0.25.6"
# The JetStream server: a release line that still gets fixes (Debian's 2.9.10 does not).
NATS_SERVER_VERSION="v2.14.9"
STRIPE_MOCK_FALLBACK_VERSION="v0.203.0"
FERRETDB_VERSION="v1.24.2"
ZIPKIN_VERSION="3.5.1"
ZIPKIN_JAR="zipkin-server-$ZIPKIN_VERSION-exec.jar"
MAILPIT_VERSION="v1.33.1"

ALL_COMPONENTS=(mongo stan jetstream redis stripe)
# Started only when named (not by a bare `start`), known to stop/status/release.
OPTIONAL_COMPONENTS=(zipkin mailpit)
KNOWN_COMPONENTS=("${ALL_COMPONENTS[@]}" "${OPTIONAL_COMPONENTS[@]}")

CLEANUP_DIRS=()
cleanup() { local d; for d in "${CLEANUP_DIRS[@]}"; do rm -rf "$d"; done; }
trap cleanup EXIT

log() { printf '[infra] %s\n' "$*"; }
err() { printf '[infra] ERROR: %s\n' "$*" >&2; }
die() { err "$*"; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

go_bin() {
  if [[ -n "${GO:-}" ]]; then echo "$GO"; return; fi
  if command -v go >/dev/null 2>&1; then command -v go; return; fi
  if [[ -x /usr/local/go/bin/go ]]; then echo /usr/local/go/bin/go; return; fi
  die "Go toolchain not found (set GO=/path/to/go)"
}

as_root() {
  if [[ "$(id -u)" == 0 ]]; then "$@"; else sudo "$@"; fi
}

# ---------------------------------------------------------------- locking --
LOCKED=0
lock() {
  [[ "$LOCKED" == 1 ]] && return
  mkdir -p "$RUN"
  exec 9>"$RUN/infra.flock"
  if ! flock -n 9; then
    log "waiting for another infra.sh to finish..."
    flock 9
  fi
  LOCKED=1
}

# ---------------------------------------------------------------- install --
apt_install() { # pkg...
  local t0; t0="$(now)"
  log "installing Debian package(s): $* ..."
  export DEBIAN_FRONTEND=noninteractive
  if ! as_root apt-get install -y --no-install-recommends "$@"; then
    log "apt-get install failed; running apt-get update and retrying"
    as_root apt-get update
    as_root apt-get install -y --no-install-recommends "$@"
  fi
  log "installed $* in $(elapsed "$t0")"
}

have_mailpit() { [[ -x "$BIN/mailpit" ]] && [[ "$("$BIN/mailpit" version --no-release-check 2>/dev/null)" == *"$MAILPIT_VERSION"* ]]; }

# `go install` alone builds a Mailpit whose page lacks its scripts (/dist/app.js
# is 404): the UI is built with npm from the module's own package.json first.
install_mailpit() {
  have_mailpit && return 0
  local t0 go src work
  t0="$(now)"; go="$(go_bin)"
  command -v npm >/dev/null 2>&1 || die "npm not found: Mailpit's web page is built with it"
  log "building mailpit $MAILPIT_VERSION (UI with npm, then go build) ..."
  src="$(cd "${TMPDIR:-/tmp}" && "$go" mod download -json "github.com/axllent/mailpit@$MAILPIT_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$src" ]] || die "mailpit module source not found after go mod download"
  work="$(mktemp -d "${TMPDIR:-/tmp}/mailpit-build.XXXXXX")"
  CLEANUP_DIRS+=("$work")
  # The module cache is read-only: build in a writable copy.
  cp -R "$src/." "$work/"
  chmod -R u+w "$work"
  # The lock of v1.33.1 names sass-embedded 1.108.1, since taken off the registry,
  # and a registry may lack rapidoc 12 (only the API docs page uses it): when
  # `npm ci` cannot fetch what the lock names, resolve afresh, rapidoc at any version.
  (cd "$work" && { npm ci --no-audit --no-fund --loglevel=error ||
    { log "npm ci failed (a locked version is not on the registry); installing by package.json ranges"
      npm pkg set 'dependencies.rapidoc=*'
      npm install --no-audit --no-fund --loglevel=error --package-lock=false; }; } && npm run package)
  [[ -f "$work/server/ui/dist/app.js" ]] || die "mailpit UI build produced no server/ui/dist/app.js"
  mkdir -p "$BIN"
  (cd "$work" && CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -buildvcs=false" "$go" build -trimpath \
    -ldflags "-s -w -X github.com/axllent/mailpit/config.Version=$MAILPIT_VERSION" -o "$BIN/mailpit.tmp" .)
  mv -f "$BIN/mailpit.tmp" "$BIN/mailpit"
  log "built mailpit in $(elapsed "$t0")"
}

have_redis() { command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; }
have_chromium() { [[ -x /usr/bin/chromium ]]; }
have_nginx() { [[ -x /usr/sbin/nginx ]] || command -v nginx >/dev/null 2>&1; }

nats_server_bin() { echo "$BIN/nats-server"; }

go_install() { # name module@version
  local name="$1" target="$2" t0 go
  t0="$(now)"; go="$(go_bin)"
  log "building $name ($target) ..."
  mkdir -p "$BIN"
  (cd "${TMPDIR:-/tmp}" && GOBIN="$BIN" GOFLAGS="${GOFLAGS:-} -buildvcs=false" "$go" install "$target")
  log "built $name in $(elapsed "$t0")"
}

install_stan() {
  [[ -x "$BIN/nats-streaming-server" ]] && return
  go_install nats-streaming-server "github.com/nats-io/nats-streaming-server@$NATS_STREAMING_VERSION"
}

install_stripe() {
  if [[ ! -x "$BIN/stripe-mock" ]]; then
    if ! go_install stripe-mock "github.com/stripe/stripe-mock@latest"; then
      log "stripe-mock@latest failed; falling back to $STRIPE_MOCK_FALLBACK_VERSION"
      go_install stripe-mock "github.com/stripe/stripe-mock@$STRIPE_MOCK_FALLBACK_VERSION"
    fi
  fi
  install_stripe_fixtures
}

# stripe-mock answers from canned fixtures, and its canned PaymentIntent is
# `requires_payment_method` whatever was sent (it keeps no state). The system
# runs pay against it, so it is started with its own bundled fixtures where
# only the PaymentIntent is the one a successful confirm returns (succeeded,
# with its charge; no error, no next action). Everything else stays canned.
STRIPE_FIXTURES="$LOCAL/etc/stripe-mock-fixtures.json"
install_stripe_fixtures() {
  local go version dir
  go="$(go_bin)"
  version="$("$go" version -m "$BIN/stripe-mock" | awk '$1 == "mod" && $2 == "github.com/stripe/stripe-mock" { print $3 }')"
  [[ -n "$version" ]] || die "cannot tell which stripe-mock $BIN/stripe-mock is"
  [[ -s "$STRIPE_FIXTURES" && "$(cat "$STRIPE_FIXTURES.version" 2>/dev/null)" == "$version" ]] && return
  dir="$(cd "${TMPDIR:-/tmp}" && "$go" mod download -json "github.com/stripe/stripe-mock@$version" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  [[ -f "$dir/embedded/openapi/fixtures3.json" ]] || die "stripe-mock $version: no bundled fixtures under $dir"
  mkdir -p "$(dirname "$STRIPE_FIXTURES")"
  node "$REPO/scripts/stripe-mock-fixtures.js" "$dir/embedded/openapi/fixtures3.json" "$STRIPE_FIXTURES.tmp"
  mv -f "$STRIPE_FIXTURES.tmp" "$STRIPE_FIXTURES"
  printf '%s' "$version" >"$STRIPE_FIXTURES.version"
  log "wrote stripe-mock fixtures ($version, PaymentIntent succeeded) to $STRIPE_FIXTURES"
}

# FerretDB v1.24's SQLite backend finds a document by _id with the SQL
# expression `_ferretdb_sjson->'$._id'`, but creates its unique _id index on
# `_ferretdb_sjson->"_id"`: the same JSON path, yet SQLite matches an indexed
# expression only as written, so every find, update and delete by _id scanned
# the whole table (EXPLAIN QUERY PLAN: SCAN). Written as the index is, the
# lookup uses it (SEARCH ... USING INDEX), so a lookup by _id no longer
# grows with the collection (docs/benchmarks.md has the figures). Same answers
# (same path, same JSON text on both sides); only the plan changes. Applied to fresh builds;
# an existing binary is kept (delete .local/bin/ferretdb to rebuild it).
patch_ferretdb_id_lookup() { # FerretDB source dir
  local file="$1/internal/backends/sqlite/metadata/metadata.go"
  sed -i "s|IDColumn = DefaultColumn + \"->'\\\$._id'\"|IDColumn = DefaultColumn + \`->\"_id\"\`|" "$file"
  grep -qF 'IDColumn = DefaultColumn + `->"_id"`' "$file" || die "ferretdb _id lookup patch did not apply to $file"
}

# `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` fails behind
# this proxy (it answers 403 to the @v/list deprecation lookup), so fetch the
# module source and build it in place. version.txt must be filled in or the
# binary panics at start.
install_mongo() {
  [[ -x "$BIN/ferretdb" ]] && return
  local t0 go tmp src
  t0="$(now)"; go="$(go_bin)"
  log "building ferretdb $FERRETDB_VERSION from source (1-2 min on a fresh machine) ..."
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/ferretdb-build.XXXXXX")"
  CLEANUP_DIRS+=("$tmp")
  local dir=""
  # Preferred: go mod download (checksum-verified, lands in the module cache).
  if dir="$(cd "$tmp" && "$go" mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" 2>/dev/null \
      | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')" && [[ -n "$dir" && -d "$dir" ]]; then
    mkdir -p "$tmp/src"
    cp -R "$dir" "$tmp/src/FerretDB"
    src="$tmp/src/FerretDB"
  else
    log "go mod download failed; fetching the module zip from proxy.golang.org"
    command -v curl >/dev/null 2>&1 || apt_install curl ca-certificates
    command -v unzip >/dev/null 2>&1 || apt_install unzip
    curl -fsSL -o "$tmp/ferretdb.zip" \
      "https://proxy.golang.org/github.com/%21ferret%21d%21b/%21ferret%21d%21b/@v/$FERRETDB_VERSION.zip"
    unzip -q "$tmp/ferretdb.zip" -d "$tmp/src"
    src="$tmp/src/github.com/FerretDB/FerretDB@$FERRETDB_VERSION"
  fi
  chmod -R u+w "$tmp/src"
  printf '%s' "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  patch_ferretdb_id_lookup "$src"
  mkdir -p "$BIN"
  (cd "$src" && GOFLAGS=-buildvcs=false CGO_ENABLED=0 "$go" build -o "$BIN/ferretdb.tmp" ./cmd/ferretdb)
  mv -f "$BIN/ferretdb.tmp" "$BIN/ferretdb"
  rm -rf "$tmp"
  log "built ferretdb in $(elapsed "$t0")"
}

# Zipkin's server is an executable jar on Maven Central (classifier exec):
# fetched with Maven itself (checksum-verified, cached in ~/.m2), run on Java 17.
install_zipkin() {
  [[ -f "$BIN/$ZIPKIN_JAR" ]] && return
  command -v java >/dev/null 2>&1 || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null 2>&1 || apt_install maven
  local t0; t0="$(now)"
  log "fetching io.zipkin:zipkin-server:$ZIPKIN_VERSION (exec jar) with Maven ..."
  mkdir -p "$BIN"
  (cd "${TMPDIR:-/tmp}" && mvn -q -B -Dstyle.color=never org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
    "-Dartifact=io.zipkin:zipkin-server:$ZIPKIN_VERSION:jar:exec" "-DoutputDirectory=$BIN" -Dmdep.overWriteReleases=true)
  [[ -f "$BIN/$ZIPKIN_JAR" ]] || die "Maven did not produce $BIN/$ZIPKIN_JAR"
  log "fetched zipkin in $(elapsed "$t0")"
}

# Cached under $BIN; rebuilt only when the cached binary is another version.
have_nats() { [[ -x "$BIN/nats-server" ]] && [[ "$("$BIN/nats-server" --version 2>/dev/null)" == *" $NATS_SERVER_VERSION" ]]; }
install_jetstream() { have_nats || go_install nats-server "github.com/nats-io/nats-server/v2@$NATS_SERVER_VERSION"; }
install_redis() { have_redis || apt_install redis-server redis-tools; }
install_chromium() { have_chromium || apt_install chromium fonts-liberation; }
install_gateway() { have_nginx || apt_install nginx; }

cmd_install() { # component...
  local comps=("$@") with_chromium=0
  if [[ ${#comps[@]} -eq 0 ]]; then comps=("${ALL_COMPONENTS[@]}" gateway); with_chromium=1; fi
  lock
  # Installs into the machine's shared tool directory: one checkout at a time.
  # Held only while installing (closed before any server starts), never by a server.
  exec 7>"$BIN/.install.flock"
  flock 7
  # Debian packages first, in one apt-get call.
  local pkgs=() c
  for c in "${comps[@]}"; do
    case "$c" in
      redis) have_redis || pkgs+=(redis-server redis-tools) ;;
      chromium) with_chromium=1 ;;
      gateway) have_nginx || pkgs+=(nginx) ;;
    esac
  done
  # fonts-liberation is only a Recommends of chromium; pages need real fonts.
  if [[ "$with_chromium" == 1 ]] && ! have_chromium; then pkgs+=(chromium fonts-liberation); fi
  if [[ ${#pkgs[@]} -gt 0 ]]; then apt_install "${pkgs[@]}"; fi
  for c in "${comps[@]}"; do
    case "$c" in
      mongo) install_mongo ;;
      stan) install_stan ;;
      jetstream) install_jetstream ;;
      redis) install_redis ;;
      stripe) install_stripe ;;
      zipkin) install_zipkin ;;
      mailpit) install_mailpit ;;
      chromium) install_chromium ;;
      gateway) install_gateway ;;
    esac
  done
  exec 7>&-
  return 0
}

# ------------------------------------------------------------ processes --
port_of() {
  case "$1" in
    mongo) echo "$MONGO_PORT" ;;
    stan) echo "$STAN_PORT" ;;
    jetstream) echo "$JETSTREAM_PORT" ;;
    redis) echo "$REDIS_PORT" ;;
    stripe) echo "$STRIPE_MOCK_PORT" ;;
    zipkin) echo "$ZIPKIN_PORT" ;;
    mailpit) echo "$MAILPIT_UI_PORT" ;;
  esac
}

# Binary name as it appears in /proc/<pid>/cmdline (guards against pid reuse).
exe_of() {
  case "$1" in
    mongo) echo ferretdb ;;
    stan) echo nats-streaming-server ;;
    jetstream) echo nats-server ;;
    redis) echo redis-server ;;
    stripe) echo stripe-mock ;;
    zipkin) echo "$ZIPKIN_JAR" ;;
    mailpit) echo mailpit ;;
  esac
}

# kill -0 also succeeds on a zombie (an exited daemon not yet reaped by its
# new parent, which here can take seconds): treat zombies as gone.
alive() { # pid
  kill -0 "$1" 2>/dev/null || return 1
  local st
  st="$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null || true)"
  [[ "$st" != Z && "$st" != X ]]
}

port_open() { # port
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

pid_of() { # component -> pid from pid file if that process is alive and is ours
  local f="$RUN/$1.pid" pid
  [[ -f "$f" ]] || return 1
  pid="$(cat "$f" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  if [[ -r "/proc/$pid/cmdline" ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$(exe_of "$1")" || return 1
  fi
  echo "$pid"
}

ferretdb_sqlite_query() { # the --sqlite-url's query: one _pragma per pragma
  local pragma query="_pragma=synchronous($FERRETDB_SQLITE_SYNCHRONOUS)"
  for pragma in $FERRETDB_SQLITE_PRAGMAS; do query+="&_pragma=$pragma"; done
  printf '%s' "$query"
}

command_for() { # component -> prints NUL-free argv, one per line
  case "$1" in
    mongo)
      printf '%s\n' env "GOGC=$FERRETDB_GOGC" "$BIN/ferretdb" --handler=sqlite \
        "--sqlite-url=file:$DATA/ferretdb/?$(ferretdb_sqlite_query)" \
        "--listen-addr=127.0.0.1:$MONGO_PORT" \
        "--state-dir=$DATA/ferretdb-state" \
        --telemetry=disable --debug-addr=- --log-level=warn ;;
    stan)
      printf '%s\n' "$BIN/nats-streaming-server" -cid ticketing \
        -a 127.0.0.1 -p "$STAN_PORT" -m "$STAN_MONITOR_PORT" \
        -store file -dir "$DATA/stan" ;;
    jetstream)
      printf '%s\n' "$(nats_server_bin)" -js -a 127.0.0.1 \
        -p "$JETSTREAM_PORT" -m "$JETSTREAM_MONITOR_PORT" -sd "$DATA/jetstream" ;;
    redis)
      printf '%s\n' redis-server --bind 127.0.0.1 --port "$REDIS_PORT" \
        --dir "$DATA/redis" --appendonly yes --daemonize no --save "" ;;
    stripe)
      printf '%s\n' "$BIN/stripe-mock" -fixtures "$STRIPE_FIXTURES" \
        -http-addr "127.0.0.1:$STRIPE_MOCK_PORT" \
        -https-addr "127.0.0.1:$STRIPE_MOCK_HTTPS_PORT" ;;
    zipkin)
      # In-memory storage (spans are gone on restart), loopback only, a small heap.
      # The span bound must fit the heap: a span takes about 2 KB of it, so 200,000 filled
      # the old generation and the collector then spent a core on garbage collection (docs/observability.md).
      printf '%s\n' env STORAGE_TYPE=mem "MEM_MAX_SPANS=$ZIPKIN_MAX_SPANS" "QUERY_PORT=$ZIPKIN_PORT" \
        java -Xms64m -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
        "-Darmeria.ports[0].ip=127.0.0.1" "-Darmeria.ports[0].port=$ZIPKIN_PORT" \
        -jar "$BIN/$ZIPKIN_JAR" ;;
    mailpit)
      # Messages in memory (a mail catcher), loopback only; any SMTP login accepted.
      printf '%s\n' "$BIN/mailpit" --listen "127.0.0.1:$MAILPIT_UI_PORT" \
        --smtp "127.0.0.1:$MAILPIT_SMTP_PORT" --smtp-auth-accept-any --smtp-auth-allow-insecure \
        --disable-version-check --max 5000 ;;
  esac
}

# Extra readiness beyond "port accepts connections".
ready_extra() { # component logfile offset
  case "$1" in
    # The embedded NATS server listens before the streaming layer has
    # recovered its store; clients connecting earlier time out.
    stan) tail -c +"$(($3 + 1))" "$2" 2>/dev/null | grep -q "Streaming Server is ready" ;;
    jetstream) tail -c +"$(($3 + 1))" "$2" 2>/dev/null | grep -q "Server is ready" ;;
    # Armeria binds before the collector and UI are wired.
    zipkin) curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$ZIPKIN_PORT/health" 2>/dev/null ;;
    mailpit) port_open "$MAILPIT_SMTP_PORT" ;;
    *) return 0 ;;
  esac
}

# A stripe-mock started before the fixture existed (an older infra.sh) answers
# every PaymentIntent with requires_payment_method: payments cannot succeed.
stale_stripe_mock() { # component pid
  [[ "$1" == stripe && -r "/proc/$2/cmdline" ]] || return 1
  ! tr '\0' ' ' <"/proc/$2/cmdline" | grep -qF -- "-fixtures $STRIPE_FIXTURES"
}

lease_mode() { [[ -n "${TICKETING_INFRA_LEASE:-}" ]]; }

start_one() { # component
  local c="$1" port pid logf offset t0
  port="$(port_of "$c")"
  if pid="$(pid_of "$c")"; then
    if port_open "$port" && ! stale_stripe_mock "$c" "$pid"; then
      lease_mode || rm -f "$RUN/$c.auto"  # started by hand: keep it running
      log "$c already running (pid $pid, port $port)"
      return 0
    fi
    if port_open "$port"; then
      # Stateless, and up again within a second or two: safe to swap under other runs.
      log "$c (pid $pid) runs without the PaymentIntent fixture ($STRIPE_FIXTURES); restarting it"
    else
      log "$c (pid $pid) does not answer on port $port; restarting it"
    fi
    stop_one "$c" >/dev/null
  fi
  rm -f "$RUN/$c.pid"
  if port_open "$port"; then
    err "$c: port 127.0.0.1:$port is already in use by a process infra.sh did not start"
    err "stop that process, or move $c to another port (port variables: see the infra.sh header)"
    return 1
  fi
  mkdir -p "$DATA" "$LOGS" "$RUN"
  case "$c" in
    mongo) mkdir -p "$DATA/ferretdb" "$DATA/ferretdb-state" ;;
    stan) mkdir -p "$DATA/stan" ;;
    jetstream) mkdir -p "$DATA/jetstream" ;;
    redis) mkdir -p "$DATA/redis" ;;
  esac
  logf="$LOGS/$c.log"
  touch "$logf"
  offset="$(stat -c %s "$logf")"
  printf '\n==== %s: starting %s\n' "$(date -Is)" "$c" >>"$logf"
  local argv=()
  mapfile -t argv < <(command_for "$c")
  t0="$(now)"
  # New session (setsid) + nohup so it survives the calling shell; the inner
  # shell writes its own pid then execs, so the pid file names the server.
  # fd 9 (our lock) and 7 (the install lock) must not leak into the daemon nor into any shell that
  # waits on it: the background subshell closes it first, then execs setsid,
  # so no shell lingers holding the lock.
  (
    exec 9>&- 7>&-
    cd "$DATA"
    exec setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$RUN/$c.pid" "${argv[@]}" \
      </dev/null >>"$logf" 2>&1
  ) &
  local timeout="$START_TIMEOUT"
  # A JVM on two busy cores needs longer than a Go binary.
  [[ "$c" == zipkin ]] && timeout=$((START_TIMEOUT * 3))
  local deadline=$((SECONDS + timeout))
  while :; do
    pid="$(cat "$RUN/$c.pid" 2>/dev/null || true)"
    if [[ -n "$pid" ]] && ! alive "$pid"; then
      err "$c exited during start; last log lines ($logf):"
      tail -c +"$((offset + 1))" "$logf" | tail -n 30 >&2 || true
      rm -f "$RUN/$c.pid"
      return 1
    fi
    if [[ -n "$pid" ]] && port_open "$port" && ready_extra "$c" "$logf" "$offset"; then break; fi
    if ((SECONDS >= deadline)); then
      err "$c did not answer on 127.0.0.1:$port within ${timeout}s; last log lines ($logf):"
      tail -c +"$((offset + 1))" "$logf" | tail -n 30 >&2 || true
      [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
      rm -f "$RUN/$c.pid"
      return 1
    fi
    sleep 0.1
  done
  if lease_mode; then touch "$RUN/$c.auto"; else rm -f "$RUN/$c.auto"; fi
  log "$c started (pid $pid, port $port) in $(elapsed "$t0")"
}

stop_one() { # component
  local c="$1" pid i
  if pid="$(pid_of "$c")"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      alive "$pid" || break
      sleep 0.1
    done
    if alive "$pid"; then
      log "$c (pid $pid) ignored SIGTERM for 10s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    fi
    log "$c stopped (pid $pid)"
  else
    log "$c not running"
  fi
  rm -f "$RUN/$c.pid" "$RUN/$c.auto"
}

check_components() {
  local c a ok
  for c in "$@"; do
    ok=0
    for a in "${KNOWN_COMPONENTS[@]}"; do [[ "$c" == "$a" ]] && ok=1; done
    [[ "$ok" == 1 ]] || die "unknown component '$c' (known: ${KNOWN_COMPONENTS[*]})"
  done
}

live_leases() { # prunes dead leases, prints live ones
  local f p
  mkdir -p "$LEASES"
  for f in "$LEASES"/*; do
    [[ -e "$f" ]] || continue
    p="$(basename "$f")"
    if [[ "$p" =~ ^[0-9]+$ ]] && alive "$p"; then echo "$p"; else rm -f "$f"; fi
  done
}

cmd_start() {
  local comps=("$@") c failed=0
  [[ ${#comps[@]} -eq 0 ]] && comps=("${ALL_COMPONENTS[@]}")
  check_components "${comps[@]}"
  lock
  if lease_mode; then
    mkdir -p "$LEASES"
    echo "${comps[*]}" >"$LEASES/$TICKETING_INFRA_LEASE"
  fi
  cmd_install "${comps[@]}"
  for c in "${comps[@]}"; do start_one "$c" || failed=1; done
  [[ "$failed" == 0 ]] || exit 1
}

cmd_stop() {
  local comps=("$@") c
  [[ ${#comps[@]} -eq 0 ]] && comps=("${KNOWN_COMPONENTS[@]}")
  check_components "${comps[@]}"
  lock
  for c in "${comps[@]}"; do stop_one "$c"; done
}

cmd_release() { # pid
  local holder="${1:-}" c others
  [[ "$holder" =~ ^[0-9]+$ ]] || die "usage: infra.sh release <pid>"
  lock
  rm -f "$LEASES/$holder"
  others="$(live_leases | tr '\n' ' ')"
  if [[ -n "${others// /}" ]]; then
    log "other runs still use the infrastructure (pids: ${others% }); leaving it running"
    return 0
  fi
  for c in "${KNOWN_COMPONENTS[@]}"; do
    [[ -f "$RUN/$c.auto" ]] && stop_one "$c"
  done
  return 0
}

cmd_status() {
  local c pid port state
  for c in "${KNOWN_COMPONENTS[@]}"; do
    port="$(port_of "$c")"
    if pid="$(pid_of "$c")"; then
      if port_open "$port"; then state=running; else state="running (port not answering)"; fi
      [[ -f "$RUN/$c.auto" ]] && state="$state, auto"
    else
      pid="-"; state=stopped
    fi
    printf '%-10s %-34s pid %-8s port %s\n' "$c" "$state" "$pid" "$port"
  done
}

cmd_env() {
  cat <<EOF
export MONGO_URI=mongodb://127.0.0.1:$MONGO_PORT
export NATS_STREAMING_URL=nats://127.0.0.1:$STAN_PORT
export NATS_CLUSTER_ID=ticketing
export NATS_JETSTREAM_URL=nats://127.0.0.1:$JETSTREAM_PORT
export REDIS_HOST=127.0.0.1
export REDIS_PORT=$REDIS_PORT
export STRIPE_API_BASE=http://127.0.0.1:$STRIPE_MOCK_PORT
export SMTP_URL=smtp://127.0.0.1:$MAILPIT_SMTP_PORT
EOF
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

main() {
  local sub="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$sub" in
    install)
      local c
      for c in "$@"; do [[ "$c" == chromium || "$c" == gateway ]] || check_components "$c"; done
      cmd_install "$@" ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status ;;
    env) cmd_env ;;
    release) cmd_release "$@" ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
