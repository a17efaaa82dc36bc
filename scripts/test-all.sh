#!/usr/bin/env bash
# Runs every Outpost test: formatting and lint checks, then the whole Rust workspace (unit,
# integration, property, cross-process and doc tests), then the Python and Kotlin binding suites
# and the Android app's JVM core (android-demo/core) against the real library, then the Swift
# package's XCTest suite and the iOS app's core (scripts/test-swift.sh) against the library as
# phones build it, then the officers' web console in headless Chromium (scripts/test-console.sh).
# Cargo fetches the pinned crates, pip the pinned pytest (into bindings/python/.venv), Maven the
# pinned Kotlin, kotlinx-coroutines, JNA and JUnit, npm the pinned playwright-core and axe-core
# (into tests/console); the Rust tests run `go mod download` for Go's signed-note verifier
# (tests/interop/go). A fresh machine needs Rust, Go 1.22+, Python 3.9+, Java 17 with Maven and
# Node 20+ with npm; a Swift toolchain is used if on PATH, else test-swift.sh provisions one
# (Debian's swiftlang, as root, in .cache/swift/), and Debian's chromium is installed with
# apt-get (as root) if /usr/bin/chromium is missing.
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

failed_steps=()
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

step "Rust workspace tests"
set +e
cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$log/rust"
[ "${PIPESTATUS[0]}" -eq 0 ] || failed_steps+=("rust")
set -e

step "the ledger's suites again, on PostgreSQL (a throwaway cluster, scripts/postgres.sh)"
set +e
# The simulator's default 2,000 scenarios each make a database: 200 of them on PostgreSQL.
# cli's postgres suite is `outpost ledger serve` and `outpost demo` with --database; crash
# injection (tests/) kills children inside the ledger's PostgreSQL transactions.
OUTPOST_LEDGER_BACKEND=postgres OUTPOST_SIM_SCENARIOS=200 bash scripts/postgres.sh \
  cargo test --locked -p outpost-ledger -p outpost-cli -p outpost-scenarios --no-fail-fast \
  --test settlement --test http_sync --test attacks --test load --test log_cache \
  --test equivocation --test ledger \
  --test migrate --test simulator --test processes --test officer_crash --test passkeys --test postgres \
  --test crash_injection 2>&1 \
  | tee "$log/rust-postgres"
[ "${PIPESTATUS[0]}" -eq 0 ] || failed_steps+=("rust-postgres")
set -e

step "bindings: generate Kotlin, Swift and Python from the built library"
# The ledger the binding tests start, and the `outpost` command that makes its officers.
cargo build --locked --quiet -p outpost-ledger -p outpost-cli
bash bindings/generate.sh
# The generated Swift is committed (a Mac reads it without Rust): it must match the library.
if git rev-parse --git-dir >/dev/null 2>&1 && ! git diff --quiet -- bindings/swift/Sources; then
  echo "error: the committed Swift bindings are stale; commit what bindings/generate.sh wrote:" >&2
  git diff --stat -- bindings/swift/Sources >&2
  failed_steps+=("swift-generation")
fi

step "Python bindings (pytest, real library and a real ledger process)"
if ! command -v python3 >/dev/null 2>&1; then
  echo "error: python3 not found; the Python binding tests need Python 3.9 or later" >&2
  exit 1
fi
venv=bindings/python/.venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r bindings/python/requirements-test.txt
set +e
PYTHONPATH=bindings/python/src "$venv/bin/python" -m pytest bindings/python -q -p no:cacheprovider 2>&1 \
  | tee "$log/python"
[ "${PIPESTATUS[0]}" -eq 0 ] || failed_steps+=("python")
set -e

step "Kotlin on the JVM: the bindings, then android-demo/core (JUnit 5 through Maven, real library and ledger)"
if ! command -v mvn >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then
  echo "error: Java 17 and Maven are needed for the Kotlin tests (mvn or java not found)" >&2
  exit 1
fi
set +e
# `install` runs the binding tests and puts the jar and its test fixtures in ~/.m2, where
# android-demo/core finds them; without a fresh install the core would test an older jar.
mvn -q -f bindings/kotlin/pom.xml install 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | tee "$log/kotlin"
if [ "${PIPESTATUS[0]}" -eq 0 ]; then
  mvn -q -f android-demo/core/pom.xml test 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | tee "$log/android-core"
  [ "${PIPESTATUS[0]}" -eq 0 ] || failed_steps+=("android-core")
else
  failed_steps+=("kotlin")
  echo "android-demo/core: not tested, it needs the bindings installed by the step above" | tee "$log/android-core"
fi
set -e

step "Swift: the package's XCTest suite and ios-demo's core (scripts/test-swift.sh)"
set +e
bash scripts/test-swift.sh 2>&1 | tee "$log/swift"
[ "${PIPESTATUS[0]}" -eq 0 ] || failed_steps+=("swift")
set -e

step "the officers' web console in Chromium (scripts/test-console.sh: playwright-core, axe-core)"
set +e
bash scripts/test-console.sh 2>&1 | tee "$log/console"
[ "${PIPESTATUS[0]}" -eq 0 ] || failed_steps+=("console")
set -e

# One closing line: cargo's per-binary "test result:" lines, pytest's and surefire's summaries,
# and XCTest's line per test case ("Test Case '…' passed (…)": its "Executed N tests, with F
# failures" counts failed assertions, not tests), and node's TAP "# pass N" / "# fail N", added up.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i }; next }
     /^=*[ ]*[0-9]+ (passed|failed)/ {
       for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/ || $(i+1) ~ /^errors?/) f += $i }
     }
     /^\[(INFO|ERROR)\] Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+$/ {
       gsub(",", ""); p += $4 - $6 - $8 - $10; f += $6 + $8
     }
     /^Test Case .* passed \(/ { p++ }
     /^Test Case .* failed \(/ { f++ }
     /^# pass [0-9]+$/ { p += $3 }
     /^# fail [0-9]+$/ { f += $3 }
     END { printf "\ntests: %d passed, %d failed\n", p, f }' "$log/rust" "$log/rust-postgres" "$log/python" "$log/kotlin" "$log/android-core" "$log/swift" "$log/console"
if [ "${#failed_steps[@]}" -gt 0 ]; then
  echo "failed: ${failed_steps[*]}" >&2
  exit 1
fi
