# shellcheck shell=bash
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

# shell_scripts: every shell script of the repository (tracked, or new and not
# ignored), NUL-separated, relative to ROOT: *.sh, and extensionless files whose
# first line is an sh or bash shebang (scripts/cyxwiz, .ci/run).
shell_scripts() {
  local path first shebang='^#! *[^ ]*/(env +)?(ba)?sh( |$)'
  git -C "$ROOT" ls-files -z --cached --others --exclude-standard | sort -zu \
    | while IFS= read -r -d '' path; do
      if [ ! -f "$ROOT/$path" ] || [ -L "$ROOT/$path" ]; then continue; fi
      case "${path##*/}" in
        *.sh) printf '%s\0' "$path" ;;
        *.*) ;;
        *)
          first=""
          IFS= read -r first <"$ROOT/$path" 2>/dev/null || true
          if [[ "$first" =~ $shebang ]]; then printf '%s\0' "$path"; fi
          ;;
      esac
    done
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

# ---------------------------------------------------------------------------
# Messages and process helpers shared by install.sh, services.sh and run.sh.

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
