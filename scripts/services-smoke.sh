#!/usr/bin/env bash
# Smoke test of scripts/install.sh and scripts/services.sh: installs/builds Redis
# and kubo if needed, starts both on loopback ports in temp dirs, checks
# persistence and IPFS add/cat, stops both. Ports: CYXWIZ_REDIS_PORT (16379), CYXWIZ_IPFS_API_PORT
# (15001), CYXWIZ_IPFS_GATEWAY_PORT (18080). Exits non-zero on any failure and
# never leaves a process running (trap on exit, failure and Ctrl-C).
# shellcheck source=scripts/install.sh
source "$(dirname "$0")/install.sh"
# shellcheck source=scripts/services.sh
source "$(dirname "$0")/services.sh"

REDIS_PORT="${CYXWIZ_REDIS_PORT:-16379}"
IPFS_API_PORT="${CYXWIZ_IPFS_API_PORT:-15001}"
IPFS_GATEWAY_PORT="${CYXWIZ_IPFS_GATEWAY_PORT:-18080}"

started=$(date +%s)
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cyxwiz-services.XXXXXX")"
ok=0

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  stop_services
  if [ "$ok" = 1 ]; then
    rm -rf "$WORK"
  else
    echo "services smoke: FAILED; logs kept in $WORK (redis/redis.log, ipfs/ipfs.log)" >&2
    [ "$rc" -ne 0 ] || rc=1
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  printf 'error: %s\n' "$*" >&2
  exit 1
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

# only_loopback NAME PID: every socket PID listens on is 127.0.0.1 / ::1.
only_loopback() {
  local addrs bad
  addrs="$(listening_addrs "$2")"
  [ -n "$addrs" ] || fail "$1 (pid $2) listens on nothing that /proc shows; is it running?"
  bad="$(grep -Ev ' (127\.0\.0\.1|\[::1\]):[0-9]+$' <<<"$addrs" || true)"
  [ -z "$bad" ] || fail "$1 (pid $2) listens beyond loopback: $(tr '\n' ' ' <<<"$bad")— check its config in $WORK."
  tr '\n' ' ' <<<"$addrs" | sed 's/ $//'
}

ensure_redis
ensure_ipfs

start_redis "$REDIS_PORT" "$WORK/redis"
redis_version="$(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')"
listens="$(only_loopback redis "$(cat "$WORK/redis/redis.pid")")"
_svc_note "redis $redis_version on 127.0.0.1:$REDIS_PORT (listening: $listens)"

start_ipfs "$WORK/ipfs" "$IPFS_API_PORT" "$IPFS_GATEWAY_PORT"
kubo_version="$("$IPFS_BIN" version --number)"
listens="$(only_loopback ipfs "$(cat "$WORK/ipfs/ipfs.pid")")"
_svc_note "kubo $kubo_version offline, API 127.0.0.1:$IPFS_API_PORT, gateway 127.0.0.1:$IPFS_GATEWAY_PORT (listening: $listens)"

# Redis: configuration, then a key that must survive a restart (AOF).
rcli() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" --raw "$@" | tr -d '\r'; }
policy="$(rcli config get maxmemory-policy | sed -n 2p)"
[ "$policy" = noeviction ] || fail "redis maxmemory-policy is '$policy', expected noeviction (see start_redis in scripts/services.sh)."
aof="$(rcli config get appendonly | sed -n 2p)"
[ "$aof" = yes ] || fail "redis appendonly is '$aof', expected yes (see start_redis in scripts/services.sh)."
fsync="$(rcli config get appendfsync | sed -n 2p)"
[ "$fsync" = everysec ] || fail "redis appendfsync is '$fsync', expected everysec (see start_redis in scripts/services.sh)."
value="smoke-$$-$(date +%s%N)-$RANDOM"
[ "$(rcli set cyxwiz:smoke "$value")" = OK ] || fail "redis SET on port $REDIS_PORT failed."
restart_redis "$REDIS_PORT" "$WORK/redis"
got="$(rcli get cyxwiz:smoke)"
[ "$got" = "$value" ] || fail "after restart_redis the key reads '$got', expected '$value': the AOF did not keep it (see $WORK/redis/redis.log)."

# IPFS: add a small file through the HTTP API, read it back through the API
# and through the gateway, byte for byte.
api="http://127.0.0.1:$IPFS_API_PORT/api/v0"
head -c 3000 /dev/urandom >"$WORK/sample.bin"
printf 'cyxwiz services smoke %s\n' "$value" >>"$WORK/sample.bin"
added="$(curl -sS -f -m 30 -X POST -F "file=@$WORK/sample.bin" "$api/add?cid-version=1&pin=true")" \
  || fail "POST $api/add failed (see $WORK/ipfs/ipfs.log)."
cid="$(sed -n 's/.*"Hash":"\([^"]*\)".*/\1/p' <<<"$added")"
[ -n "$cid" ] || fail "ipfs add answered without a Hash: $added"
curl -sS -f -m 30 -X POST -o "$WORK/cat.bin" "$api/cat?arg=$cid" || fail "POST $api/cat?arg=$cid failed (see $WORK/ipfs/ipfs.log)."
cmp -s "$WORK/sample.bin" "$WORK/cat.bin" || fail "ipfs cat $cid returned different bytes than were added."
curl -sS -f -m 30 -o "$WORK/gateway.bin" "http://127.0.0.1:$IPFS_GATEWAY_PORT/ipfs/$cid" \
  || fail "GET http://127.0.0.1:$IPFS_GATEWAY_PORT/ipfs/$cid failed (see $WORK/ipfs/ipfs.log)."
cmp -s "$WORK/sample.bin" "$WORK/gateway.bin" || fail "the gateway returned different bytes for $cid than were added."

ipfs_pid="$(cat "$WORK/ipfs/ipfs.pid")"
redis_pid="$(cat "$WORK/redis/redis.pid")"
stop_ipfs "$WORK/ipfs"
stop_redis "$REDIS_PORT"
! _svc_alive "$ipfs_pid" || fail "the ipfs daemon (pid $ipfs_pid) still runs after stop_ipfs."
! _svc_alive "$redis_pid" || fail "redis-server (pid $redis_pid) still runs after stop_redis."

ok=1
size=$(wc -c <"$WORK/sample.bin")
echo "services smoke: ok in $(( $(date +%s) - started ))s: redis $redis_version (noeviction, AOF kept a key across restart), kubo $kubo_version (add/cat/gateway ${size} B as $cid), both stopped"
