#!/usr/bin/env bash
# Every check and every test of the project; CI runs exactly this.
source "$(dirname "$0")/lib.sh"
need_rust
need_node
cd "$ROOT"
start=$(date +%s)
LOG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/cyxwiz-test.XXXXXX")"

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (workspace, -D warnings)"
cargo clippy -q --workspace --all-targets -- -D warnings

step "cargo clippy (program: no unchecked arithmetic, no integer division)"
cargo clippy -q -p job-escrow --lib -- -D warnings \
  -D clippy::arithmetic_side_effects -D clippy::integer_division

step "Committed IDL matches the program"
cargo run -q -p idl-gen -- check

step "Rust tests: program unit tests, JobEscrow in a real Solana bank, the localnet's RPC"
cargo test -q --workspace 2>&1 | tee "$LOG_DIR/cargo-test.log"

step "TypeScript: install, typecheck, generated IDL types"
npm_install
npm run -s typecheck
npm run -s gen:types:check

step "TypeScript tests (mocha) against the localnet over JSON-RPC"
start_localnet "${CYXWIZ_TEST_RPC_PORT:-18899}" "$LOG_DIR/localnet.log"
export CYXWIZ_LOCALNET_DIR="$LOG_DIR/localnet"
npm run -s migrate
npm run -s test:ts 2>&1 | tee "$LOG_DIR/mocha.log"
stop_localnet

# count WORD FILE: the sum of every "N WORD" in FILE.
count() { { grep -Eo "[0-9]+ $1" "$2" || true; } | awk '{s+=$1} END {print s+0}'; }
rust_passed=$(count passed "$LOG_DIR/cargo-test.log")
rust_failed=$(count failed "$LOG_DIR/cargo-test.log")
ts_passed=$(count passing "$LOG_DIR/mocha.log")
ts_failed=$(count failing "$LOG_DIR/mocha.log")
echo
echo "rust: ${rust_passed} passed, ${rust_failed} failed; typescript: ${ts_passed} passed, ${ts_failed} failed"
echo "all suites finished in $(( $(date +%s) - start ))s"
echo "$(( rust_passed + ts_passed )) passed, $(( rust_failed + ts_failed )) failed"
[ $(( rust_failed + ts_failed )) -eq 0 ]
