#!/usr/bin/env bash
# Every check and every test of the project; CI runs exactly this.
source "$(dirname "$0")/lib.sh"
need_rust
cd "$ROOT"
start=$(date +%s)

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (workspace, -D warnings)"
cargo clippy -q --workspace --all-targets -- -D warnings

step "cargo clippy (program: no unchecked arithmetic, no integer division)"
cargo clippy -q -p job-escrow --lib -- -D warnings \
  -D clippy::arithmetic_side_effects -D clippy::integer_division

step "Committed IDL matches the program"
cargo run -q -p idl-gen -- check

step "Rust tests: program unit tests + JobEscrow in a real Solana bank"
cargo test -q --workspace 2>&1 | tee "${TMPDIR:-/tmp}/cyxwiz-cargo-test.log"

passed=$(grep -Eo '[0-9]+ passed' "${TMPDIR:-/tmp}/cyxwiz-cargo-test.log" | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' "${TMPDIR:-/tmp}/cyxwiz-cargo-test.log" | awk '{s+=$1} END {print s+0}')
echo
echo "all suites finished in $(( $(date +%s) - start ))s"
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
