# shellcheck shell=bash
# Redis and IPFS (kubo) for the coordinator's integration tests and the demo:
# sourced, not run. Everything listens on 127.0.0.1 only and lives in the
# directories the caller passes; nothing here starts a system service.
#
#   source scripts/services.sh
#   ensure_redis                        # apt-get install redis-server if missing
#   start_redis PORT DIR                # private redis on 127.0.0.1:PORT, AOF in DIR
#   restart_redis PORT DIR              # stop + start on the same DIR (AOF keeps the data)
#   stop_redis PORT
#   ensure_ipfs                         # build kubo from the Go module proxy if missing
#   start_ipfs DIR API_PORT GATEWAY_PORT   # offline daemon, repo in DIR
#   stop_ipfs DIR
#   stop_services                       # stops everything this shell started (for traps)
#
# The caller owns the clean-up: `trap stop_services EXIT` (see services-smoke.sh).
# Functions print `error: ...` and return 1 on failure, so with `set -e` a failure
# stops the calling script.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# kubo release built by ensure_ipfs, and the h1: hash of its module zip (the
# same hash sum.golang.org records), checked after download.
CYXWIZ_KUBO_VERSION="${CYXWIZ_KUBO_VERSION:-v0.43.0}"
# shellcheck disable=SC2034 # read through ${!name} in _svc_build_kubo
CYXWIZ_KUBO_SUM_v0_43_0="h1:yIqtKSCSKZXsYHz68J6hf1/dWOe/eMyaPsTubsVUb3M="

CYXWIZ_CACHE="${CYXWIZ_CACHE:-$HOME/.cache/cyxwiz}"
CYXWIZ_GO_DIR="${CYXWIZ_GO_DIR:-$CYXWIZ_CACHE/go}"
# Seconds to wait for a service to answer after starting it.
CYXWIZ_SERVICE_TIMEOUT="${CYXWIZ_SERVICE_TIMEOUT:-60}"

declare -gA _CYXWIZ_REDIS_DIRS   # port -> data dir, for what this shell started
declare -gA _CYXWIZ_IPFS_DIRS    # repo dir -> 1

_svc_err() { printf 'error: %s\n' "$*" >&2; }
_svc_warn() { printf 'warning: %s\n' "$*" >&2; }
_svc_note() { printf -- '--> %s\n' "$*"; }

_svc_check_port() { # NAME VALUE
  if ! [[ "$2" =~ ^[0-9]+$ ]] || [ "$2" -lt 1 ] || [ "$2" -gt 65535 ]; then
    _svc_err "$1 must be a TCP port number (1-65535), got '$2'."
    return 1
  fi
}

# _svc_port_free PORT: succeeds when nothing accepts connections on 127.0.0.1:PORT.
_svc_port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

_svc_require_free_port() { # PORT WHAT
  if ! _svc_port_free "$1"; then
    _svc_err "127.0.0.1:$1 (wanted for $2) is already in use. Stop what listens there" \
      "(ss -ltnp 'sport = :$1' shows it) or choose another port."
    return 1
  fi
}

# _svc_abs_dir DIR: create DIR and print its absolute path.
_svc_abs_dir() {
  if [ -z "$1" ]; then
    _svc_err "a data directory argument is required."
    return 1
  fi
  if ! mkdir -p -- "$1" 2>/dev/null; then
    _svc_err "cannot create directory '$1': check the path and its permissions."
    return 1
  fi
  (cd -- "$1" && pwd)
}

# _svc_alive PID: the process exists and is not a zombie.
_svc_alive() {
  local state
  [ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
  state="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# _svc_cmdline PID: the process's command line, NULs as spaces.
_svc_cmdline() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true; }

# _svc_wait_exit PID SECONDS: wait for PID to exit (and reap it if it is our child).
_svc_wait_exit() {
  local pid="$1" deadline=$(( $(date +%s) + $2 ))
  while _svc_alive "$pid"; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
  wait "$pid" 2>/dev/null || true
  return 0
}

# _svc_terminate PID NAME: SIGTERM, wait; SIGKILL as a last resort.
_svc_terminate() {
  local pid="$1" name="$2"
  kill -TERM "$pid" 2>/dev/null || true
  _svc_wait_exit "$pid" 30 && return 0
  _svc_warn "$name (pid $pid) ignored SIGTERM for 30 s; killing it."
  kill -KILL "$pid" 2>/dev/null || true
  _svc_wait_exit "$pid" 10 && return 0
  _svc_err "$name (pid $pid) is still running after SIGKILL; stop it by hand: kill -9 $pid"
  return 1
}

# _svc_tail LOG: the end of a log file, indented, for error messages.
_svc_tail() {
  if [ -s "$1" ]; then
    printf '  last lines of %s:\n' "$1" >&2
    tail -n 15 "$1" | sed 's/^/    /' >&2
  fi
}

# _svc_apt_install PKG...: quiet apt-get install; `apt-get update` only if the
# first attempt fails. Services are not started (policy-rc.d) while installing.
_svc_apt_install() {
  if ! command -v apt-get >/dev/null; then
    _svc_err "apt-get not found: install $* with this system's package manager, then re-run."
    return 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    _svc_err "installing $* needs root. Run: sudo apt-get install -y $*  (then re-run)."
    return 1
  fi
  local log
  log="$(mktemp "${TMPDIR:-/tmp}/cyxwiz-apt.XXXXXX")"
  # A subshell so its traps remove our policy-rc.d even on failure or Ctrl-C.
  # (errexit does not apply inside it: every step is checked.)
  if ! (
    policy=/usr/sbin/policy-rc.d
    if [ ! -e "$policy" ]; then
      trap 'rm -f "$policy"' EXIT
      trap 'exit 130' INT TERM
      printf '#!/bin/sh\n# cyxwiz scripts/services.sh: no services started during install\nexit 101\n' >"$policy" \
        && chmod 755 "$policy" || exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    try_install() {
      apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 "$@" >>"$log" 2>&1
    }
    try_install "$@" || { apt-get update -qq >>"$log" 2>&1 && try_install "$@"; }
  ); then
    _svc_err "apt-get install $* failed (package lists, network or dpkg lock?)."
    _svc_tail "$log"
    printf '  full log: %s. Fix the cause (e.g. apt-get update, or wait for another apt to finish) and re-run.\n' "$log" >&2
    return 1
  fi
  rm -f "$log"
}

# ---------------------------------------------------------------------------
# Redis

# ensure_redis: Debian's redis-server (and redis-cli), installed if missing. The
# system service it ships is left stopped and disabled.
ensure_redis() {
  if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then
    return 0
  fi
  _svc_note "installing redis-server from Debian (apt-get)"
  _svc_apt_install redis-server redis-tools || return 1
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    _svc_err "apt-get installed redis-server but redis-server/redis-cli are not on PATH ($PATH)."
    return 1
  fi
  # Belt and braces: if the package's service got started or enabled anyway, undo it.
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    systemctl disable --now redis-server >/dev/null 2>&1 || true
  elif [ -x /etc/init.d/redis-server ]; then
    /etc/init.d/redis-server stop >/dev/null 2>&1 || true
    update-rc.d redis-server disable >/dev/null 2>&1 || true
  fi
  _svc_note "installed $(redis-server --version | cut -d' ' -f1-3)"
}

# ensure_chromium: Debian's chromium for the dashboard's browser test (playwright-core
# drives it; nothing is downloaded from anywhere but Debian).
ensure_chromium() {
  if [ -x "${CYXWIZ_CHROMIUM:-/usr/bin/chromium}" ]; then
    return 0
  fi
  _svc_note "installing chromium from Debian (apt-get) for the dashboard's browser test"
  _svc_apt_install chromium || return 1
  if [ ! -x /usr/bin/chromium ]; then
    _svc_err "apt-get installed chromium but /usr/bin/chromium is missing; set CYXWIZ_CHROMIUM to its path."
    return 1
  fi
}

# ensure_bwrap: Debian's bubblewrap, the sandbox node agents run client commands in.
ensure_bwrap() {
  if command -v bwrap >/dev/null; then
    return 0
  fi
  _svc_note "installing bubblewrap from Debian (apt-get): the node agent's sandbox"
  _svc_apt_install bubblewrap || return 1
}

_redis_cli() { # PORT ARGS...
  local port="$1"
  shift
  redis-cli -h 127.0.0.1 -p "$port" "$@"
}

# _redis_info PORT FIELD: one field of INFO server from the redis on PORT.
_redis_info() {
  _redis_cli "$1" info server 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p"
}

# _redis_pid_is PID PORT: PID is a redis-server serving PORT (redis sets its
# process title to "redis-server 127.0.0.1:PORT").
_redis_pid_is() {
  _svc_alive "$1" && [[ "$(_svc_cmdline "$1")" == *redis-server*":$2"* ]]
}

# start_redis PORT DIR: a private redis-server on 127.0.0.1:PORT with its
# config, AOF, pid file and log in DIR; returns once it answers PING.
start_redis() {
  if [ "$#" -ne 2 ]; then
    _svc_err "usage: start_redis PORT DIR"
    return 1
  fi
  local port="$1" dir
  _svc_check_port "redis port" "$port" || return 1
  dir="$(_svc_abs_dir "$2")" || return 1
  if [[ "$dir" == *[\"\\$'\n']* ]]; then
    _svc_err "the redis directory '$dir' contains a quote, backslash or newline; use a plainer path."
    return 1
  fi
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    _svc_err "redis-server/redis-cli not found: call ensure_redis first (or apt-get install redis-server)."
    return 1
  fi
  local conf="$dir/redis.conf" log="$dir/redis.log" pidfile="$dir/redis.pid"
  if [ -s "$pidfile" ] && _redis_pid_is "$(cat "$pidfile")" "$port"; then
    _svc_err "a redis-server (pid $(cat "$pidfile")) already runs on port $port with data in $dir; stop it first: stop_redis $port"
    return 1
  fi
  _svc_require_free_port "$port" "redis" || return 1
  rm -f "$pidfile"
  cat >"$conf" <<EOF
# Written by cyxwiz scripts/services.sh (start_redis); regenerated on every start.
bind 127.0.0.1
port $port
protected-mode yes
daemonize yes
supervised no
pidfile "$pidfile"
logfile "$log"
loglevel notice
dir "$dir"
appendonly yes
appendfsync everysec
maxmemory-policy noeviction
save ""
EOF
  _CYXWIZ_REDIS_DIRS[$port]="$dir"
  if ! redis-server "$conf" >>"$log" 2>&1; then
    _svc_err "redis-server failed to start on 127.0.0.1:$port (config $conf)."
    _svc_tail "$log"
    return 1
  fi
  local deadline=$(( $(date +%s) + CYXWIZ_SERVICE_TIMEOUT )) reply
  while :; do
    reply="$(_redis_cli "$port" ping 2>/dev/null | tr -d '\r')" || true
    [ "$reply" = PONG ] && return 0
    if [ -s "$pidfile" ] && ! _svc_alive "$(cat "$pidfile")"; then
      _svc_err "redis-server on 127.0.0.1:$port exited while starting; its log: $log"
      _svc_tail "$log"
      return 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      _svc_err "redis-server on 127.0.0.1:$port did not answer PING within ${CYXWIZ_SERVICE_TIMEOUT} s" \
        "(last reply: '${reply:-none}'); its log: $log. A large AOF takes longer to load:" \
        "raise CYXWIZ_SERVICE_TIMEOUT."
      _svc_tail "$log"
      return 1
    fi
    sleep 0.1
  done
}

# stop_redis PORT: clean shutdown (SHUTDOWN NOSAVE; the AOF is flushed) of the
# redis that start_redis started on PORT, waiting until it has exited. A no-op
# when nothing runs there; refuses to stop a redis that start_redis did not configure.
stop_redis() {
  if [ "$#" -ne 1 ]; then
    _svc_err "usage: stop_redis PORT"
    return 1
  fi
  local port="$1" dir pid="" conf
  _svc_check_port "redis port" "$port" || return 1
  dir="${_CYXWIZ_REDIS_DIRS[$port]:-}"
  if [ -n "$dir" ] && [ -s "$dir/redis.pid" ]; then
    pid="$(cat "$dir/redis.pid")"
  fi
  if [ -z "$pid" ] || ! _redis_pid_is "$pid" "$port"; then
    # Started by another shell: ask the server, and check that it is one of ours.
    pid="$(_redis_info "$port" process_id)"
    conf="$(_redis_info "$port" config_file)"
    if [ -z "$pid" ]; then
      unset "_CYXWIZ_REDIS_DIRS[$port]"
      return 0
    fi
    if [ -z "$conf" ] || ! grep -q '^# Written by cyxwiz scripts/services.sh' "$conf" 2>/dev/null; then
      _svc_err "the redis on 127.0.0.1:$port (pid $pid, config '${conf:-none}') was not started by start_redis; not stopping it."
      return 1
    fi
    dir="$(dirname "$conf")"
  fi
  redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
  if ! _svc_wait_exit "$pid" 30; then
    _svc_warn "redis on port $port did not exit after SHUTDOWN; sending SIGTERM."
    _svc_terminate "$pid" "redis-server on port $port" || return 1
  fi
  rm -f "$dir/redis.pid"
  unset "_CYXWIZ_REDIS_DIRS[$port]"
}

# restart_redis PORT DIR: stop and start again on the same data directory.
restart_redis() {
  if [ "$#" -ne 2 ]; then
    _svc_err "usage: restart_redis PORT DIR"
    return 1
  fi
  stop_redis "$1" && start_redis "$1" "$2"
}

# ---------------------------------------------------------------------------
# IPFS (kubo)

# ensure_ipfs: kubo $CYXWIZ_KUBO_VERSION at $IPFS_BIN, built from the Go module
# proxy into $CYXWIZ_GO_DIR the first time (several minutes), reused afterwards.
# Exports IPFS_BIN and puts its directory first on PATH.
ensure_ipfs() {
  local version="$CYXWIZ_KUBO_VERSION" bindir="$CYXWIZ_GO_DIR/bin"
  local bin="$bindir/ipfs" have=""
  if [ -x "$bin" ]; then
    have="$("$bin" version --number 2>/dev/null || true)"
  fi
  if [ "$have" != "${version#v}" ]; then
    _svc_build_kubo "$version" "$bin" || return 1
  fi
  export IPFS_BIN="$bin"
  case ":$PATH:" in
    *":$bindir:"*) ;;
    *) export PATH="$bindir:$PATH" ;;
  esac
  if ! command -v curl >/dev/null; then
    _svc_note "installing curl from Debian (apt-get)"
    _svc_apt_install curl || return 1
  fi
}

# _svc_build_kubo VERSION BIN
#
# Why not `go install github.com/ipfs/kubo/cmd/ipfs@VERSION`: that command first
# asks the proxy for the module's version list (@v/list, to look for deprecations
# and retractions), which the registry mirror these machines reach answers with
# 403, so it fails for every version. Instead the exact release is fetched with
# `go mod download` (checked against sum.golang.org and the pinned hash above)
# and built inside its own module, with its own go.mod and go.sum: the same
# dependency versions `go install ...@VERSION` would use.
_svc_build_kubo() {
  local version="$1" bin="$2"
  if ! command -v go >/dev/null; then
    _svc_err "go not found: kubo is built from source with Go. Install Go (>= the version in kubo's go.mod, 1.26.5 for v0.43.0) and re-run."
    return 1
  fi
  mkdir -p "$CYXWIZ_GO_DIR/bin" || {
    _svc_err "cannot create $CYXWIZ_GO_DIR: check permissions, or set CYXWIZ_GO_DIR to a writable directory."
    return 1
  }
  local log="$CYXWIZ_GO_DIR/kubo-build.log" started
  started="$(date +%s)"
  _svc_note "building kubo $version from the Go module proxy (first time: several minutes; log: $log)"
  # A lock so that two scripts on the same machine do not build at once; the
  # subshell keeps the Go settings from leaking into the caller. (errexit does
  # not apply inside it: every step is checked.)
  local rc=0
  (
    exec 9>"$CYXWIZ_GO_DIR/kubo-build.lock" || exit 15
    flock 9 || exit 15
    # Another script may have built it while this one waited.
    if [ -x "$bin" ] && [ "$("$bin" version --number 2>/dev/null || true)" = "${version#v}" ]; then
      exit 0
    fi
    export GOPATH="$CYXWIZ_GO_DIR" GOMODCACHE="$CYXWIZ_GO_DIR/pkg/mod" GOCACHE="$CYXWIZ_GO_DIR/cache"
    export GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 GOFLAGS="-mod=readonly -modcacherw -buildvcs=false"
    unset GOBIN GOOS GOARCH
    : >"$log" || exit 15
    cd "$CYXWIZ_GO_DIR" || exit 15
    if ! info="$(go mod download -json "github.com/ipfs/kubo@$version" 2>>"$log")"; then
      echo "go mod download github.com/ipfs/kubo@$version failed: $(grep -o '"Error": *"[^"]*"' <<<"$info" || true)" >>"$log"
      exit 11
    fi
    src="$(sed -n 's/^[[:space:]]*"Dir": *"\(.*\)",\{0,1\}$/\1/p' <<<"$info")"
    sum="$(sed -n 's/^[[:space:]]*"Sum": *"\(.*\)",\{0,1\}$/\1/p' <<<"$info")"
    commit="$(sed -n 's/^[[:space:]]*"Hash": *"\([0-9a-f]\{7\}\).*/\1/p' <<<"$info" | head -1)"
    if [ -z "$src" ] || [ ! -f "$src/go.mod" ]; then
      echo "go mod download did not report the module's directory: $info" >>"$log"
      exit 15
    fi
    pinned_var="CYXWIZ_KUBO_SUM_$(tr '.-' '__' <<<"$version")"
    pinned="${!pinned_var:-}"
    if [ -n "$pinned" ] && [ "$sum" != "$pinned" ]; then
      echo "kubo $version module hash $sum does not match the pinned $pinned" >>"$log"
      exit 12
    fi
    need="$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$src/go.mod")"
    have="$(go env GOVERSION | sed 's/^go//')"
    if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -1)" != "$need" ]; then
      echo "kubo $version needs Go >= $need, this machine has Go $have" >>"$log"
      exit 13
    fi
    cd "$src" || exit 15
    go build -trimpath -o "$bin.tmp.$$" \
      -ldflags "-s -w -X github.com/ipfs/kubo/plugin/plugins/telemetry.defaultEndpoint= -X github.com/ipfs/kubo.taggedRelease=$version -X github.com/ipfs/kubo.CurrentCommit=$commit" \
      ./cmd/ipfs >>"$log" 2>&1 || { rm -f "$bin.tmp.$$"; exit 14; }
    mv -f "$bin.tmp.$$" "$bin" || exit 15
  ) || rc=$?
  case "$rc" in
    0) ;;
    11) _svc_err "could not download github.com/ipfs/kubo@$version from the Go module proxy ($(go env GOPROXY))." \
          "Check network access to the proxy and GOPROXY, or pin another version with CYXWIZ_KUBO_VERSION." ;;
    12) _svc_err "the downloaded kubo $version does not have the pinned module hash: refusing to build it." \
          "If you changed the version on purpose, update CYXWIZ_KUBO_SUM_* in scripts/services.sh." ;;
    13) _svc_err "$(tail -1 "$log"). Install a newer Go, or pin an older kubo with CYXWIZ_KUBO_VERSION." ;;
    15) _svc_err "preparing the kubo build in $CYXWIZ_GO_DIR failed (permissions, disk space, or an unexpected module layout)." \
          "Fix it or set CYXWIZ_GO_DIR to a writable directory, then re-run." ;;
    *) _svc_err "building kubo $version failed (exit $rc)." \
          "Fix the cause shown in the log (disk space, proxy access), then re-run; the module cache is kept." ;;
  esac
  if [ "$rc" -ne 0 ]; then
    _svc_tail "$log"
    return 1
  fi
  if [ "$("$bin" version --number 2>/dev/null || true)" != "${version#v}" ]; then
    _svc_err "the kubo build at $bin does not report version ${version#v}; delete it and re-run."
    return 1
  fi
  KUBO_BUILD_SECONDS=$(( $(date +%s) - started ))
  _svc_note "kubo $version ready at $bin (${KUBO_BUILD_SECONDS} s)"
}

# _ipfs_logged DIR LOG ARGS...: the kubo CLI on the repo in DIR, output to LOG.
# (The redirection is on the command, not on a function call: a trap firing
# meanwhile must not find the shell's stdout/stderr pointing into LOG.)
_ipfs_logged() {
  local dir="$1" log="$2"
  shift 2
  IPFS_PATH="$dir" IPFS_TELEMETRY=off DO_NOT_TRACK=1 "$IPFS_BIN" "$@" >>"$log" 2>&1
}

# start_ipfs DIR API_PORT GATEWAY_PORT: an offline kubo daemon with its repo in
# DIR (created with the test profile if DIR has none), API and gateway on
# 127.0.0.1 only, no swarm listener, no bootstrap, no mDNS, no routing, no
# telemetry. Pid file and log in DIR; returns once the API answers.
start_ipfs() {
  if [ "$#" -ne 3 ]; then
    _svc_err "usage: start_ipfs DIR API_PORT GATEWAY_PORT"
    return 1
  fi
  local dir api="$2" gw="$3"
  _svc_check_port "ipfs API port" "$api" || return 1
  _svc_check_port "ipfs gateway port" "$gw" || return 1
  if [ "$api" = "$gw" ]; then
    _svc_err "the ipfs API and gateway ports must differ (both $api)."
    return 1
  fi
  dir="$(_svc_abs_dir "$1")" || return 1
  if [ -z "${IPFS_BIN:-}" ] || [ ! -x "$IPFS_BIN" ]; then
    ensure_ipfs || return 1
  fi
  local log="$dir/ipfs.log" pidfile="$dir/ipfs.pid" pid
  if [ -s "$pidfile" ] && _svc_alive "$(cat "$pidfile")" \
    && [[ "$(_svc_cmdline "$(cat "$pidfile")")" == *ipfs*daemon* ]]; then
    _svc_err "an ipfs daemon (pid $(cat "$pidfile")) already runs on $dir; stop it first: stop_ipfs $dir"
    return 1
  fi
  _svc_require_free_port "$api" "the ipfs API" || return 1
  _svc_require_free_port "$gw" "the ipfs gateway" || return 1
  rm -f "$pidfile"
  : >"$log"
  if [ ! -f "$dir/config" ]; then
    if ! _ipfs_logged "$dir" "$log" init --profile=test --empty-repo; then
      _svc_err "ipfs init in $dir failed; its log: $log. Remove $dir (or pick an empty directory) and re-run."
      _svc_tail "$log"
      return 1
    fi
  fi
  # Loopback only, nothing dialled, nothing announced, nothing reported.
  local -a settings=(
    "Addresses.API" "\"/ip4/127.0.0.1/tcp/$api\""
    "Addresses.Gateway" "\"/ip4/127.0.0.1/tcp/$gw\""
    "Addresses.Swarm" "[]"
    "Addresses.Announce" "[]"
    "Addresses.AppendAnnounce" "[]"
    "Addresses.NoAnnounce" "[]"
    "Bootstrap" "[]"
    "Discovery.MDNS.Enabled" "false"
    "Routing.Type" "\"none\""
    "Swarm.DisableNatPortMap" "true"
    "Gateway.NoFetch" "true"
  )
  # Keys that only some kubo versions have (AutoTLS >= 0.32, AutoConf >= 0.38,
  # the telemetry plugin >= 0.36): a failure to set them is only a warning.
  local -a optional=(
    "AutoTLS.Enabled" "false"
    "AutoConf.Enabled" "false"
    "Plugins.Plugins.telemetry" '{"Config":{"Mode":"off"}}'
  )
  local i
  for ((i = 0; i < ${#settings[@]}; i += 2)); do
    if ! _ipfs_logged "$dir" "$log" config --json "${settings[i]}" "${settings[i+1]}"; then
      _svc_err "ipfs config ${settings[i]} ${settings[i+1]} failed in $dir; its log: $log." \
        "A different kubo version may name the key differently: check CYXWIZ_KUBO_VERSION."
      _svc_tail "$log"
      return 1
    fi
  done
  for ((i = 0; i < ${#optional[@]}; i += 2)); do
    _ipfs_logged "$dir" "$log" config --json "${optional[i]}" "${optional[i+1]}" \
      || _svc_warn "this kubo has no config key ${optional[i]} (kept its default); see $log"
  done
  _CYXWIZ_IPFS_DIRS[$dir]=1
  IPFS_PATH="$dir" IPFS_TELEMETRY=off DO_NOT_TRACK=1 "$IPFS_BIN" daemon --offline >>"$log" 2>&1 &
  pid=$!
  echo "$pid" >"$pidfile"
  local deadline=$(( $(date +%s) + CYXWIZ_SERVICE_TIMEOUT ))
  while :; do
    if curl -sf -m 2 -o /dev/null -X POST "http://127.0.0.1:$api/api/v0/id" \
      && curl -s -m 2 -o /dev/null "http://127.0.0.1:$gw/"; then
      return 0
    fi
    if ! _svc_alive "$pid"; then
      wait "$pid" 2>/dev/null || true
      _svc_err "the ipfs daemon (repo $dir) exited while starting; its log: $log"
      _svc_tail "$log"
      rm -f "$pidfile"
      return 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      _svc_err "the ipfs daemon (pid $pid) did not answer on http://127.0.0.1:$api/api/v0/id" \
        "and its gateway on port $gw within ${CYXWIZ_SERVICE_TIMEOUT} s; its log: $log." \
        "Raise CYXWIZ_SERVICE_TIMEOUT on a slow machine. Stop it with: stop_ipfs $dir"
      _svc_tail "$log"
      return 1
    fi
    sleep 0.2
  done
}

# stop_ipfs DIR: SIGTERM to the daemon started by start_ipfs on DIR, waiting
# until it has exited. A no-op when none runs.
stop_ipfs() {
  if [ "$#" -ne 1 ]; then
    _svc_err "usage: stop_ipfs DIR"
    return 1
  fi
  local dir pidfile pid
  dir="$(cd -- "$1" 2>/dev/null && pwd)" || return 0
  pidfile="$dir/ipfs.pid"
  unset "_CYXWIZ_IPFS_DIRS[$dir]"
  [ -s "$pidfile" ] || return 0
  pid="$(cat "$pidfile")"
  if _svc_alive "$pid" && [[ "$(_svc_cmdline "$pid")" == *ipfs*daemon* ]]; then
    _svc_terminate "$pid" "ipfs daemon ($dir)" || return 1
  else
    wait "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# stop_services: stop every redis and ipfs daemon this shell started. For traps.
stop_services() {
  local port dir rc=0
  for port in "${!_CYXWIZ_REDIS_DIRS[@]}"; do
    stop_redis "$port" || rc=1
  done
  for dir in "${!_CYXWIZ_IPFS_DIRS[@]}"; do
    stop_ipfs "$dir" || rc=1
  done
  return "$rc"
}

# listening_addrs PID: the local address:port of every listening TCP socket and
# bound UDP socket of PID, one a line (from /proc, no extra tools), e.g.
# "tcp 127.0.0.1:15001". Used to check that a service listens on loopback only.
listening_addrs() {
  local pid="$1" inodes
  inodes="$(find "/proc/$pid/fd" -maxdepth 1 -type l -printf '%l\n' 2>/dev/null \
    | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' | sort -u | tr '\n' ' ')"
  [ -n "$inodes" ] || return 0
  local f
  for f in tcp tcp6 udp udp6; do
    [ -r "/proc/net/$f" ] || continue
    awk -v proto="$f" -v inodes=" $inodes" '
      function hex2dec(h,   i, n) { n = 0; for (i = 1; i <= length(h); i++) n = n * 16 + index("0123456789ABCDEF", substr(h, i, 1)) - 1; return n }
      function addr(a,   ip, port, s, i, parts) {
        split(a, parts, ":"); ip = parts[1]; port = hex2dec(parts[2])
        if (length(ip) == 8) {
          s = hex2dec(substr(ip, 7, 2)) "." hex2dec(substr(ip, 5, 2)) "." hex2dec(substr(ip, 3, 2)) "." hex2dec(substr(ip, 1, 2))
        } else if (ip == "00000000000000000000000001000000") { s = "[::1]"
        } else if (ip == "00000000000000000000000000000000") { s = "[::]"
        } else { s = "[" ip "]" }
        return s ":" port
      }
      NR > 1 && index(inodes, " " $10 " ") {
        if (proto ~ /^tcp/ && $4 != "0A") next
        if (proto ~ /^udp/ && $4 != "07") next
        print substr(proto, 1, 3), addr($2)
      }' "/proc/net/$f"
  done
}
