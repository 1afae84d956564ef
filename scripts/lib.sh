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
