# Shared set-up for the project's scripts: sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Cargo builds are kept outside the clone so that later runs on the same
# machine reuse them (the Solana bank is a large dependency tree).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cyxwiz/target}"
export RUST_LOG="${RUST_LOG:-error}"

step() { printf '\n==> %s\n' "$*"; }

need_rust() {
  if ! command -v cargo >/dev/null; then
    echo "error: cargo not found. Install Rust with rustup (stable), then re-run." >&2
    exit 1
  fi
  for tool in cargo-fmt cargo-clippy; do
    if ! command -v "$tool" >/dev/null; then
      echo "error: $tool not found. Run: rustup component add rustfmt clippy" >&2
      exit 1
    fi
  done
}

need_node() {
  if ! command -v npm >/dev/null; then
    echo "error: npm not found. Install Node.js 20 with npm, then re-run." >&2
    exit 1
  fi
}

# npm dependencies, installed from the lock file when missing or stale.
npm_install() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

# start_localnet PORT LOG: build and start the local chain on PORT (PubSub on
# PORT+1) in the background, wait for its ready line, stop it on exit.
start_localnet() {
  local port="$1" log="$2"
  cargo build -q -p localnet
  "$CARGO_TARGET_DIR/debug/localnet" --rpc-port "$port" >"$log" 2>&1 &
  LOCALNET_PID=$!
  trap stop_localnet EXIT
  for _ in $(seq 1 120); do
    if grep -q '^localnet ready' "$log"; then
      head -1 "$log" | cut -c1-120
      export CYXWIZ_RPC_URL="http://127.0.0.1:$port"
      return 0
    fi
    if ! kill -0 "$LOCALNET_PID" 2>/dev/null; then
      echo "error: the localnet exited while starting:" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep 0.5
  done
  echo "error: the localnet did not get ready within 60 s; its log: $log" >&2
  exit 1
}

stop_localnet() {
  if [ -n "${LOCALNET_PID:-}" ] && kill -0 "$LOCALNET_PID" 2>/dev/null; then
    kill -TERM "$LOCALNET_PID" 2>/dev/null || true
    wait "$LOCALNET_PID" 2>/dev/null || true
  fi
}
