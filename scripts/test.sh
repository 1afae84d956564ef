#!/usr/bin/env bash
# Every check and every test of the project; CI runs exactly this.
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/install.sh
source "$(dirname "$0")/install.sh"
# shellcheck source=scripts/services.sh
source "$(dirname "$0")/services.sh"
need_rust
need_node
cd "$ROOT"
start=$(date +%s)
LOG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/cyxwiz-test.XXXXXX")"

step "cargo fmt --check"
cargo fmt --all --check

step "shellcheck (every shell script: *.sh, and bash/sh shebangs such as scripts/cyxwiz)"
ensure_shellcheck
shell_scripts | xargs -0 shellcheck -x

step "cargo clippy (workspace, -D warnings)"
cargo clippy -q --workspace --all-targets -- -D warnings

step "cargo clippy (program: no unchecked arithmetic, no integer division)"
cargo clippy -q -p job-escrow --lib -- -D warnings \
  -D clippy::arithmetic_side_effects -D clippy::integer_division

step "Committed IDL matches the program"
cargo run -q -p idl-gen -- check

step "Rust tests: program unit tests, JobEscrow in a real Solana bank, the localnet's RPC"
cargo test -q --workspace 2>&1 | tee "$LOG_DIR/cargo-test.log"

step "TypeScript: install, format and lint (Biome), typecheck and build (tsc -b into each package's dist/), generated IDL types and OpenAPI document"
npm_install
npm run -s lint
npm run -s typecheck
npm run -s gen:types:check
npm run -s gen:openapi:check

step "Protocol unit tests (signed requests, IPFS errors, the API's schemas)"
npm run -s test:protocol 2>&1 | tee "$LOG_DIR/mocha-protocol.log"

step "Coordinator unit tests"
npm run -s test:coordinator:unit 2>&1 | tee "$LOG_DIR/mocha-coordinator-unit.log"

step "Trainer tests (the built-in training kind and its re-evaluation)"
npm run -s test:trainer 2>&1 | tee "$LOG_DIR/mocha-trainer.log"

step "Repository checks: the security-test catalogue"
npm run -s test:repo 2>&1 | tee "$LOG_DIR/mocha-repo.log"

step "Services: the localnet (JSON-RPC), a real redis-server, a real kubo daemon (offline)"
start_localnet "${CYXWIZ_TEST_RPC_PORT:-18899}" "$LOG_DIR/localnet.log"
trap 'stop_localnet; stop_services' EXIT
ensure_redis
start_redis "${CYXWIZ_TEST_REDIS_PORT:-16379}" "$LOG_DIR/redis"
export CYXWIZ_TEST_REDIS_URL="redis://127.0.0.1:${CYXWIZ_TEST_REDIS_PORT:-16379}"
# The coordinator's proof checks read weights from it (the first build of kubo takes
# a few minutes; it is cached in $CYXWIZ_GO_DIR afterwards).
ensure_ipfs
start_ipfs "$LOG_DIR/ipfs" "${CYXWIZ_TEST_IPFS_API_PORT:-15001}" "${CYXWIZ_TEST_IPFS_GATEWAY_PORT:-18080}"
export CYXWIZ_TEST_IPFS_API="http://127.0.0.1:${CYXWIZ_TEST_IPFS_API_PORT:-15001}"
export CYXWIZ_LOCALNET_DIR="$LOG_DIR/localnet"
npm run -s migrate

step "TypeScript tests (mocha) against the localnet over JSON-RPC"
npm run -s test:ts 2>&1 | tee "$LOG_DIR/mocha-chain.log"

step "Coordinator integration tests (real redis-server and localnet)"
npm run -s test:coordinator:integration 2>&1 | tee "$LOG_DIR/mocha-coordinator-integration.log"

step "Node agent tests (its sandbox is Debian's bubblewrap; the integration test trains on the real stack)"
ensure_bwrap
npm run -s test:agent 2>&1 | tee "$LOG_DIR/mocha-agent.log"

step "CLI end to end: real coordinator and node processes, driven as a user would"
npm run -s test:cli 2>&1 | tee "$LOG_DIR/mocha-cli.log"

step "Web dashboard: typecheck, build, and the browser test in Debian's chromium"
ensure_chromium
npm run -s typecheck:web
npm run -s test:web 2>&1 | tee "$LOG_DIR/mocha-web.log"
stop_localnet
stop_services

# count WORD FILE: the sum of every "N WORD" in FILE.
count() { { grep -Eo "[0-9]+ $1" "$2" || true; } | awk '{s+=$1} END {print s+0}'; }
rust_passed=$(count passed "$LOG_DIR/cargo-test.log")
rust_failed=$(count failed "$LOG_DIR/cargo-test.log")
ts_passed=$(cat "$LOG_DIR"/mocha-*.log | count passing /dev/stdin)
ts_failed=$(cat "$LOG_DIR"/mocha-*.log | count failing /dev/stdin)
echo
echo "rust: ${rust_passed} passed, ${rust_failed} failed; typescript: ${ts_passed} passed, ${ts_failed} failed"
echo "all suites finished in $(( $(date +%s) - start ))s"
echo "$(( rust_passed + ts_passed )) passed, $(( rust_failed + ts_failed )) failed"
[ $(( rust_failed + ts_failed )) -eq 0 ]
