#!/usr/bin/env bash
# Compiles and runs the Swift tests: the Swift package's XCTest suite (bindings/swift) and the
# iOS reference app's platform-free core with its tests (ios-demo/Package.swift), against the
# library as phones build it (outpost-bindings without the built-in HTTP transport) and a real
# `outpost-ledger` process. scripts/test-all.sh runs this as one of its steps.
#
# A `swift` on PATH (a Mac, or a machine that has a toolchain) is used as it is. Otherwise, on
# Linux as root, the Swift toolchain is provisioned once: Debian trixie's `swiftlang` (pinned
# below) inside a trixie root made by debootstrap in .cache/swift/ (ignored by git), which later
# runs reuse. The checkout is bind-mounted into that root at its own path, the Rust libraries are
# built on this machine, and every mount is undone on exit. A root left half-made by an
# interrupted run is rebuilt. Costs the first time: about 550 MB of downloads, 2.5 GB on disk.
#
# Ends with XCTest's own summary lines ("Executed N tests, with F failures ...").
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

swiftlang_version=6.0.3-2 # Debian trixie's swiftlang: Swift 6.0.3
debian_suite=trixie
debian_mirror=${OUTPOST_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=$repo/.cache/swift
root=$cache/$debian_suite-root
ready=$root/.outpost-swift-ready # written last: its absence means the root is half-made

say() { printf '%s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
seconds() { date +%s; }

# --- the Rust side: the phone library and the ledger the tests start ---------------------------

phone_lib=$repo/target/swift-phone-lib
ledger_bin=$repo/target/debug/outpost-ledger
outpost_bin=$repo/target/debug/outpost
build_rust() {
  command -v cargo >/dev/null 2>&1 || die "cargo not found. Install Rust with rustup, then run this again."
  say "building the ledger, the outpost command and the phone library (outpost-bindings --no-default-features)"
  cargo build --locked --quiet -p outpost-ledger -p outpost-cli
  # The phone build and the default build share target/debug: cargo keeps both, but the file
  # target/debug/liboutpost_ffi.so is whichever was built last. The phone copy goes to its own
  # folder, then the default build is put back for the JVM and Python steps.
  cargo build --locked --quiet -p outpost-bindings --no-default-features
  mkdir -p "$phone_lib"
  case "$(uname -s)" in
    Darwin) cp target/debug/liboutpost_ffi.dylib "$phone_lib/" ;;
    *) cp target/debug/liboutpost_ffi.so "$phone_lib/" ;;
  esac
  cargo build --locked --quiet -p outpost-bindings
}

# --- the Swift side: build and test both packages ---------------------------------------------

# Runs where `swift` is: on this machine, or inside the root (this same script, `--run-tests`).
# Both packages are tried even if the first fails; the exit status says whether any failed.
run_swift_tests() {
  export LIBRARY_PATH=$phone_lib LD_LIBRARY_PATH=$phone_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  export OUTPOST_LEDGER_BIN=$ledger_bin # bindings/swift's tests start their own ledgers
  local failed=0

  printf '\n== swift test: bindings/swift\n'
  local started=$SECONDS
  (cd bindings/swift && swift build --build-tests && swift test --skip-build) || failed=1
  say "bindings/swift: built and tested in $((SECONDS - started)) s"

  # ios-demo's end-to-end test is written so that a simulator can run it too: it is given a
  # ledger started here, founded by two officers whose keys it uses through `outpost ledger call`
  # (one makes a credit, the other approves it), as ios-demo/README.md says.
  printf '\n== swift test: ios-demo (OutpostDemo/Core and OutpostDemoTests)\n'
  started=$SECONDS
  local ledger_dir pid="" address="" founders=() name code
  ledger_dir=$(mktemp -d)
  for name in maker checker; do
    od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$ledger_dir/$name.passphrase"
    chmod 600 "$ledger_dir/$name.passphrase"
    code=$("$outpost_bin" officer new --key "$ledger_dir/$name.officer" --name "ios-demo $name" \
      --passphrase-file "$ledger_dir/$name.passphrase" | sed -n 's/^enrolment code: //p') || code=""
    [ -n "$code" ] && founders+=(--founding-officer "$code")
  done
  if [ "${#founders[@]}" -eq 4 ]; then
    mkdir "$ledger_dir/ledger"
    OUTPOST_LOG=warn "$ledger_bin" --dir "$ledger_dir/ledger" --listen 127.0.0.1:0 "${founders[@]}" \
      >"$ledger_dir/stdout" &
    pid=$!
    for _ in $(seq 300); do
      address=$(sed -n 's/^listening on //p' "$ledger_dir/stdout")
      if [ -n "$address" ] || ! kill -0 "$pid" 2>/dev/null; then break; fi
      sleep 0.1
    done
  fi
  if [ -z "$address" ]; then
    echo "error: no ledger with two officers could be started; ios-demo not tested" >&2
    failed=1
  else
    (cd ios-demo && swift build --build-tests \
      && OUTPOST_TEST_LEDGER=$address OUTPOST_TEST_OFFICERS=$ledger_dir OUTPOST_TEST_CLI=$outpost_bin \
        swift test --skip-build) || failed=1
  fi
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$ledger_dir"
  say "ios-demo: built and tested in $((SECONDS - started)) s"
  return "$failed"
}

if [ "${1:-}" = --run-tests ]; then
  run_swift_tests
  exit
fi

# --- a toolchain already here ----------------------------------------------------------------

if command -v swift >/dev/null 2>&1; then
  say "using $(command -v swift): $(swift --version 2>&1 | head -n 1)"
  if [ "$(uname -s)" = Darwin ] && [ ! -d bindings/swift/OutpostWalletFFI.xcframework ]; then
    die "bindings/swift/OutpostWalletFFI.xcframework is missing: run bash bindings/swift/build-xcframework.sh first"
  fi
  build_rust
  run_swift_tests
  exit
fi

# --- otherwise: a Debian trixie root with swiftlang --------------------------------------------

[ "$(uname -s)" = Linux ] || die "no swift on PATH: install Xcode or a Swift toolchain"
[ "$(id -u)" -eq 0 ] || die "no swift on PATH, and provisioning one (debootstrap, chroot, mounts) needs root; install Swift 6 or run as root"

mounts_under_root() { awk -v r="$root/" 'index($2 "/", r) == 1 { print $2 }' /proc/self/mounts | sort -r; }

unmount_all() {
  local m
  for m in $(mounts_under_root); do
    umount "$m" 2>/dev/null || umount -l "$m" || true
  done
}

# Deleting a root that still has the checkout mounted in it would delete the checkout: never
# remove anything while a mount is left under it.
remove_root() {
  unmount_all
  if [ -n "$(mounts_under_root)" ]; then
    die "cannot remove $root: still mounted: $(mounts_under_root | tr '\n' ' ')"
  fi
  rm -rf --one-file-system "$root"
}

mkdir -p "$cache"
# One run at a time per checkout: a second run's exit would unmount the first one's root.
exec 9>"$cache/lock"
flock -n 9 || die "another scripts/test-swift.sh is using $root; wait for it to finish"
trap unmount_all EXIT

if [ -f "$ready" ] && [ "$(cat "$ready")" != "swiftlang=$swiftlang_version" ]; then
  say "the Swift root in $root has $(cat "$ready"), not swiftlang=$swiftlang_version: making it again"
  rm -f "$ready"
fi
if [ -d "$root" ] && [ ! -f "$ready" ]; then
  say "the Swift root in $root is half-made (an interrupted run): making it again"
  remove_root
fi

if [ ! -f "$ready" ]; then
  started=$(seconds)
  say "provisioning Swift $swiftlang_version in $root (debootstrap $debian_suite, then swiftlang): once, later runs reuse it"
  if ! command -v debootstrap >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || die "no swift, no debootstrap and no apt-get: install a Swift toolchain"
    { DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap \
      || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap; }; } \
      >"$cache/apt-host.log" 2>&1 || die "apt-get could not install debootstrap; see $cache/apt-host.log"
  fi
  debootstrap --variant=minbase "$debian_suite" "$root" "$debian_mirror" >"$cache/debootstrap.log" 2>&1 \
    || die "debootstrap $debian_suite from $debian_mirror failed; see $cache/debootstrap.log"
  say "  debootstrap: $(( $(seconds) - started )) s"
fi

mount_in_root() { # mount_in_root <what> <where inside the root> [mount options...]
  local target=$root$2
  mkdir -p "$target"
  mountpoint -q "$target" && return
  mount "${@:3}" "$1" "$target"
  # Private: nothing mounted or unmounted here may reach the machine's own /dev or checkout.
  mount --make-private "$target"
}
mount_in_root proc /proc -t proc # without /proc, swift cannot load libswiftCore.so
mount_in_root /dev /dev --bind
mount_in_root /dev/pts /dev/pts --bind
mount_in_root "$repo" "$repo" --bind
in_root() { chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TMPDIR=/tmp "$@"; }

if [ ! -f "$ready" ]; then
  started=$(seconds)
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  in_root apt-get update -q >"$cache/apt.log" 2>&1 \
    && in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      "swiftlang=$swiftlang_version" libc6-dev >>"$cache/apt.log" 2>&1 \
    || die "installing swiftlang=$swiftlang_version in the $debian_suite root failed; see $cache/apt.log"
  in_root apt-get clean
  echo "swiftlang=$swiftlang_version" >"$ready"
  say "  swiftlang install: $(( $(seconds) - started )) s"
fi

started=$(seconds)
build_rust
say "Rust libraries ready in $(( $(seconds) - started )) s"
say "using Swift in $root: $(in_root swift --version 2>&1 | head -n 1)"
in_root bash "$repo/scripts/test-swift.sh" --run-tests
