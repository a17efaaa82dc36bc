#!/usr/bin/env bash
# Runs every Outpost test: formatting and lint checks, then the whole Rust workspace (unit,
# integration, property, cross-process and doc tests). Cargo fetches the pinned crates itself,
# so a fresh machine with Rust installed needs nothing else. As the Kotlin and Python bindings
# arrive, their suites join this script, and it installs what they need the same way.
#
# Ends with one summary line: "tests: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
  echo "error: cargo not found. Install Rust with rustup, then run this again." >&2
  exit 1
fi
export CARGO_TERM_COLOR=never

step() { printf '\n== %s\n' "$*"; }

if cargo fmt --version >/dev/null 2>&1; then
  step "formatting (cargo fmt --check)"
  cargo fmt --all -- --check
else
  step "formatting: SKIPPED, rustfmt is not installed on this machine"
fi

if cargo clippy --version >/dev/null 2>&1; then
  step "lints (cargo clippy, warnings are errors)"
  cargo clippy --workspace --all-targets --locked --quiet -- -D warnings
else
  step "lints: SKIPPED, clippy is not installed on this machine"
fi

step "Rust workspace tests"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# Sum cargo's per-binary "test result:" lines into one closing line.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "\ntests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
