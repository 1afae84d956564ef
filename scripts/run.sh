#!/usr/bin/env bash
# The local marketplace in one command: a localnet with JobEscrow, Redis, IPFS, the
# coordinator and two node agents of different GPU classes; a fresh client submits a
# real training job and the terminal follows its money and its model step by step.
#
#   scripts/run.sh [--kill-node] [--json] [--epochs N] [--run-dir DIR] [--no-build]
#                  [--rpc-port 8899] [--redis-port 6380] [--ipfs-api-port 5001]
#                  [--ipfs-gateway-port 8080] [--coordinator-port 7070] [--stay]
#
# The coordinator also serves the web dashboard (app/web, built here when stale) at
# http://127.0.0.1:<coordinator-port>/; --stay keeps everything running after the job.
#
# Ctrl-C stops everything it started. Logs, keys and the job spec stay in the run
# directory it names (default: a new /tmp/cyxwiz-run.XXXXXX).
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/install.sh
source "$(dirname "$0")/install.sh"
# shellcheck source=scripts/services.sh
source "$(dirname "$0")/services.sh"

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }

RPC_PORT=8899 REDIS_PORT=6380 IPFS_API_PORT=5001 IPFS_GW_PORT=8080 COORDINATOR_PORT=7070
RUN_DIR="" BUILD=1 JSON=0
DEMO_ARGS=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --rpc-port) RPC_PORT="${2:?--rpc-port needs a port}"; shift 2 ;;
    --redis-port) REDIS_PORT="${2:?--redis-port needs a port}"; shift 2 ;;
    --ipfs-api-port) IPFS_API_PORT="${2:?--ipfs-api-port needs a port}"; shift 2 ;;
    --ipfs-gateway-port) IPFS_GW_PORT="${2:?--ipfs-gateway-port needs a port}"; shift 2 ;;
    --coordinator-port) COORDINATOR_PORT="${2:?--coordinator-port needs a port}"; shift 2 ;;
    --run-dir) RUN_DIR="${2:?--run-dir needs a directory}"; shift 2 ;;
    --epochs) DEMO_ARGS+=(--epochs "${2:?--epochs needs a number}"); shift 2 ;;
    --kill-node) DEMO_ARGS+=(--kill-node); shift ;;
    --json) DEMO_ARGS+=(--json); JSON=1; shift ;;
    --stay) DEMO_ARGS+=(--stay); shift ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown argument '$1' (scripts/run.sh --help lists the flags)" >&2; exit 2 ;;
  esac
done
for pair in "rpc:$RPC_PORT" "redis:$REDIS_PORT" "ipfs-api:$IPFS_API_PORT" "ipfs-gateway:$IPFS_GW_PORT" "coordinator:$COORDINATOR_PORT"; do
  _svc_check_port "--${pair%%:*}-port" "${pair#*:}" || exit 2
done
# With --json only the demo's JSON summary goes to stdout; the set-up talks on stderr.
if [ "$JSON" = 1 ]; then exec 3>&1 1>&2; else exec 3>&1; fi

CYXWIZ_DEMO_STARTED_AT="$(date +%s%3N)"
export CYXWIZ_DEMO_STARTED_AT
need_node
cd "$ROOT"
RUN_DIR="${RUN_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/cyxwiz-run.XXXXXX")}"
mkdir -p "$RUN_DIR"
RUN_DIR="$(cd "$RUN_DIR" && pwd)"
echo "run directory (logs, keys): $RUN_DIR"

DEMO_PID=""
# shellcheck disable=SC2317 # run by the EXIT trap; shellcheck 0.9 takes the script's final `exit` to skip it
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$DEMO_PID" ] && kill -0 "$DEMO_PID" 2>/dev/null; then
    kill -TERM "$DEMO_PID" 2>/dev/null || true
    wait "$DEMO_PID" 2>/dev/null || true
  fi
  stop_localnet
  stop_services
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "Setting up: npm packages, the local Solana node, redis-server, kubo"
npm_install
if [ "$BUILD" = 1 ]; then
  need_rust
  echo "building the localnet (the first build compiles the Solana bank: about 25 minutes on 2 cores)"
  cargo build -q -p localnet
elif [ ! -x "$CARGO_TARGET_DIR/debug/localnet" ]; then
  echo "error: --no-build, but there is no localnet at $CARGO_TARGET_DIR/debug/localnet; run without --no-build once" >&2
  exit 1
fi
ensure_redis
ensure_ipfs
# The dashboard the coordinator serves: rebuilt only when its sources changed.
if [ ! -f app/web/dist/index.html ] || [ -n "$(find app/web/src app/web/index.html app/web/vite.config.mts sdk/src protocol/src trainer/src -newer app/web/dist/index.html -print -quit)" ]; then
  echo "building the web dashboard (app/web → app/web/dist)"
  npm run -s build:web >"$RUN_DIR/build-web.log" 2>&1 || { echo "error: the dashboard build failed; its log: $RUN_DIR/build-web.log" >&2; exit 1; }
fi

step "Starting the services"
_svc_require_free_port "$RPC_PORT" "the localnet" && _svc_require_free_port "$((RPC_PORT + 1))" "the localnet's PubSub" || exit 1
_svc_require_free_port "$COORDINATOR_PORT" "the coordinator" || exit 1
"$CARGO_TARGET_DIR/debug/localnet" --rpc-port "$RPC_PORT" >"$RUN_DIR/localnet.log" 2>&1 &
LOCALNET_PID=$!
for _ in $(seq 1 120); do
  grep -q '^localnet ready' "$RUN_DIR/localnet.log" && break
  if ! kill -0 "$LOCALNET_PID" 2>/dev/null; then
    echo "error: the localnet exited while starting; its log: $RUN_DIR/localnet.log" >&2
    exit 1
  fi
  sleep 0.5
done
grep -q '^localnet ready' "$RUN_DIR/localnet.log" || { echo "error: the localnet did not get ready within 60 s; its log: $RUN_DIR/localnet.log" >&2; exit 1; }
echo "localnet    http://127.0.0.1:$RPC_PORT (log $RUN_DIR/localnet.log)"
start_redis "$REDIS_PORT" "$RUN_DIR/redis"
echo "redis       redis://127.0.0.1:$REDIS_PORT (data $RUN_DIR/redis)"
start_ipfs "$RUN_DIR/ipfs" "$IPFS_API_PORT" "$IPFS_GW_PORT"
echo "ipfs        http://127.0.0.1:$IPFS_API_PORT (gateway :$IPFS_GW_PORT, repo $RUN_DIR/ipfs)"

step "Creating the CYXWIZ mint and the JobEscrow config (migration)"
export CYXWIZ_RPC_URL="http://127.0.0.1:$RPC_PORT"
export CYXWIZ_LOCALNET_DIR="$RUN_DIR/localnet"
if ! npm run -s migrate >"$RUN_DIR/migrate.log" 2>&1; then
  echo "error: the migration failed; its log: $RUN_DIR/migrate.log" >&2
  tail -n 15 "$RUN_DIR/migrate.log" >&2
  exit 1
fi
grep -E '^(mint|config|treasury) ' "$RUN_DIR/migrate.log" || true

step "Building the TypeScript packages (npm run build: tsc -b into each package's dist/)"
npm run -s build

step "The marketplace"
node app/demo/dist/main.js \
  --run-dir "$RUN_DIR" --rpc-url "$CYXWIZ_RPC_URL" --localnet-dir "$CYXWIZ_LOCALNET_DIR" \
  --redis-url "redis://127.0.0.1:$REDIS_PORT" --ipfs-api "http://127.0.0.1:$IPFS_API_PORT" \
  --coordinator-port "$COORDINATOR_PORT" --dashboard "$ROOT/app/web/dist" "${DEMO_ARGS[@]}" >&3 &
DEMO_PID=$!
set +e
wait "$DEMO_PID"
rc=$?
set -e
DEMO_PID=""
exit "$rc"
