# shellcheck shell=bash
# Redis and IPFS (kubo) for the coordinator's integration tests and the demo:
# sourced, not run. Everything listens on 127.0.0.1 only and lives in the
# directories the caller passes; nothing here starts a system service.
# Installing them is scripts/install.sh's job (ensure_redis, ensure_ipfs).
#
#   source scripts/install.sh; source scripts/services.sh
#   start_redis PORT DIR                # private redis on 127.0.0.1:PORT, AOF in DIR
#   restart_redis PORT DIR              # stop + start on the same DIR (AOF keeps the data)
#   stop_redis PORT
#   start_ipfs DIR API_PORT GATEWAY_PORT   # offline daemon, repo in DIR (ensure_ipfs if needed)
#   stop_ipfs DIR
#   stop_services                       # stops everything this shell started (for traps)
#
# The caller owns the clean-up: `trap stop_services EXIT` (see services-smoke.sh).
# Functions print `error: ...` and return 1 on failure, so with `set -e` a failure
# stops the calling script.
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Seconds to wait for a service to answer after starting it.
CYXWIZ_SERVICE_TIMEOUT="${CYXWIZ_SERVICE_TIMEOUT:-60}"

declare -gA _CYXWIZ_REDIS_DIRS   # port -> data dir, for what this shell started
declare -gA _CYXWIZ_IPFS_DIRS    # repo dir -> 1

# ---------------------------------------------------------------------------
# Redis

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
    if ! declare -F ensure_ipfs >/dev/null; then
      # shellcheck source=scripts/install.sh
      source "$ROOT/scripts/install.sh"
    fi
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
