#!/usr/bin/env bash
# Runs a real training job's money through JobEscrow in a native Solana bank.
source "$(dirname "$0")/lib.sh"
need_rust
cd "$ROOT"
step "Building (the first build compiles the Solana bank: about 10-15 minutes on 2 cores)"
cargo build -q -p escrow-tests --example escrow_demo
step "Running the escrow demo"
cargo run -q -p escrow-tests --example escrow_demo
