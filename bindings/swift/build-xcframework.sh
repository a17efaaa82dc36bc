#!/usr/bin/env bash
# Builds bindings/swift/OutpostWalletFFI.xcframework, the binary target of the Swift package, on a
# Mac: liboutpost_ffi as a static library for iOS devices, iOS simulators (arm64 + x86_64) and
# macOS (arm64 + x86_64), each slice with the C header and a module map for `OutpostWalletFFI`.
#
#   bash bindings/swift/build-xcframework.sh
#
# Needs macOS with Xcode (xcodebuild, lipo, strip) and rustup. Then, from the repository root:
#
#   cargo build -p outpost-ledger
#   OUTPOST_LEDGER_BIN=$PWD/target/debug/outpost-ledger swift test --package-path bindings/swift
#
# What it does, and why:
#
# - Builds `outpost-bindings` with `--profile release-smaller --no-default-features`: small, and
#   without the built-in HTTP transport (`builtin-http`), because apps sync through URLSession.
# - Regenerates the Swift from the macOS dylib of that same build. uniffi reads the bindings out of
#   the library's own metadata, so the Swift must come from a library built with the same
#   features as the one shipped: Swift generated from a default-features build would declare
#   `http_sync_transport`, which the static libraries here do not contain, and the app would fail
#   to link. The generated files replace Sources/OutpostWallet/OutpostWallet.swift and
#   Sources/OutpostWalletFFI/include/*; the script says when they differ from the committed copy.
#   The metadata sits in the unstripped library (the release-smaller profile keeps symbols), so
#   generation reads the dylib before anything is stripped.
# - Strips debug symbols (`strip -S`) from the static libraries that ship. Global symbols stay: the
#   app's linker needs them.
# - Ships a module map that is uniffi's minus its `use "_Builtin_stdbool"` and
#   `use "_Builtin_stdint"` lines. Those lines only matter under -fmodules-decluse, which SwiftPM and
#   Xcode do not enable, and newer Xcodes reportedly fail to build the module because of them
#   (mozilla/uniffi-rs#2917), which silently turns `canImport(OutpostWalletFFI)` false.
#
# Headers sit at the top of each slice's Headers/ directory, where SwiftPM and Xcode's explicit
# module builds look for module.modulemap. An app that also links another static-library
# XCFramework with a top-level module.modulemap gets "Multiple commands produce
# .../include/module.modulemap" from Xcode; set OUTPOST_XCFRAMEWORK_NESTED_HEADERS=1 to put the
# header and module map in Headers/OutpostWalletFFI/ instead (clang finds a module map in a
# subdirectory named after the module; Xcode 26's explicit module scanner reportedly does not).
set -euo pipefail

if [ "$(uname -s)" != Darwin ]; then
  echo "build-xcframework.sh: this script runs on macOS only: it needs Xcode (xcodebuild, lipo," >&2
  echo "strip) and Apple's SDKs. On Linux, 'bash bindings/generate.sh' regenerates the Swift" >&2
  echo "sources; building the XCFramework and running the Swift tests needs a Mac." >&2
  exit 1
fi
for tool in cargo rustup rustc xcodebuild xcrun lipo strip; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "build-xcframework.sh: '$tool' is not on PATH (install Xcode and rustup first)" >&2
    exit 1
  fi
done

cd "$(dirname "$0")/../.."
swift_dir=bindings/swift
xcframework="$swift_dir/OutpostWalletFFI.xcframework"
profile=release-smaller
lib=liboutpost_ffi.a
ios=aarch64-apple-ios
ios_sim=(aarch64-apple-ios-sim x86_64-apple-ios)
macos=(aarch64-apple-darwin x86_64-apple-darwin)

# The minimums Package.swift declares; rustc and the C compiler building the bundled SQLite both
# read these, so every object in the libraries agrees with the package.
export IPHONEOS_DEPLOYMENT_TARGET=15.0
export MACOSX_DEPLOYMENT_TARGET=12.0

host=$(rustc -vV | sed -n 's/^host: //p')
case "$host" in
  aarch64-apple-darwin | x86_64-apple-darwin) ;;
  *) echo "build-xcframework.sh: unexpected rustc host '$host' on macOS" >&2; exit 1 ;;
esac

size() { wc -c <"$1" | tr -d ' '; }
mib() { awk -v b="$1" 'BEGIN { printf "%.2f MiB", b / 1048576 }'; }

echo "==> rustup targets"
rustup target add "$ios" "${ios_sim[@]}" "${macos[@]}"

for target in "$ios" "${ios_sim[@]}" "${macos[@]}"; do
  echo "==> cargo build -p outpost-bindings --profile $profile --no-default-features --target $target"
  cargo build --locked -p outpost-bindings --profile "$profile" --no-default-features --target "$target"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "==> generating the Swift from target/$host/$profile/liboutpost_ffi.dylib"
cargo build --locked --quiet -p outpost-uniffi-bindgen
target/debug/uniffi-bindgen generate --library "target/$host/$profile/liboutpost_ffi.dylib" \
  --config uniffi.toml --no-format --language swift --out-dir "$work/generated" >/dev/null

changed=()
install_generated() { # <generated file> <destination in the package>
  if ! cmp -s "$work/generated/$1" "$swift_dir/$2"; then
    changed+=("$swift_dir/$2")
    cp "$work/generated/$1" "$swift_dir/$2"
  fi
}
install_generated OutpostWallet.swift Sources/OutpostWallet/OutpostWallet.swift
install_generated OutpostWalletFFI.h Sources/OutpostWalletFFI/include/OutpostWalletFFI.h
install_generated OutpostWalletFFI.modulemap Sources/OutpostWalletFFI/include/module.modulemap

headers="$work/headers"
if [ "${OUTPOST_XCFRAMEWORK_NESTED_HEADERS:-0}" = 1 ]; then
  module_dir="$headers/OutpostWalletFFI"
else
  module_dir="$headers"
fi
mkdir -p "$module_dir"
cp "$work/generated/OutpostWalletFFI.h" "$module_dir/"
grep -v '^[[:space:]]*use "_Builtin_' "$work/generated/OutpostWalletFFI.modulemap" >"$module_dir/module.modulemap"
if ! grep -q '^module OutpostWalletFFI {' "$module_dir/module.modulemap" \
  || ! grep -q 'header "OutpostWalletFFI.h"' "$module_dir/module.modulemap"; then
  echo "build-xcframework.sh: the generated module map does not declare module OutpostWalletFFI" >&2
  echo "over OutpostWalletFFI.h; check uniffi.toml's [defaults.bindings.swift]" >&2
  exit 1
fi

echo "==> static libraries: one per platform, simulator and macOS slices merged with lipo"
mkdir -p "$work/ios" "$work/ios-simulator" "$work/macos"
cp "target/$ios/$profile/$lib" "$work/ios/$lib"
lipo -create "target/${ios_sim[0]}/$profile/$lib" "target/${ios_sim[1]}/$profile/$lib" \
  -output "$work/ios-simulator/$lib"
lipo -create "target/${macos[0]}/$profile/$lib" "target/${macos[1]}/$profile/$lib" \
  -output "$work/macos/$lib"

for slice in ios ios-simulator macos; do
  before=$(size "$work/$slice/$lib")
  if ! strip -S "$work/$slice/$lib" 2>"$work/strip.log"; then
    echo "build-xcframework.sh: strip -S failed on the $slice library:" >&2
    cat "$work/strip.log" >&2
    exit 1
  fi
  after=$(size "$work/$slice/$lib")
  printf '    %-14s %s (%s), unstripped %s\n' "$slice" "$(mib "$after")" "$(lipo -archs "$work/$slice/$lib")" \
    "$(mib "$before")"
done

echo "==> xcodebuild -create-xcframework"
rm -rf "$xcframework"
xcodebuild -create-xcframework \
  -library "$work/ios/$lib" -headers "$headers" \
  -library "$work/ios-simulator/$lib" -headers "$headers" \
  -library "$work/macos/$lib" -headers "$headers" \
  -output "$xcframework" >/dev/null

# Every slice must carry the library, the header and the module map, or `import
# OutpostWalletFFI` fails on that platform only.
slices=0
for dir in "$xcframework"/*/; do
  [ -f "$dir/$lib" ] || continue
  slices=$((slices + 1))
  if [ "$module_dir" = "$headers" ]; then in_headers=Headers; else in_headers=Headers/OutpostWalletFFI; fi
  for file in "$in_headers/module.modulemap" "$in_headers/OutpostWalletFFI.h"; do
    if [ ! -f "$dir/$file" ]; then
      echo "build-xcframework.sh: $dir has no $file" >&2
      exit 1
    fi
  done
done
if [ "$slices" -ne 3 ]; then
  echo "build-xcframework.sh: expected 3 slices in $xcframework, found $slices" >&2
  exit 1
fi

echo
echo "Built $xcframework (static libraries stripped with strip -S):"
for dir in "$xcframework"/*/; do
  printf '    %-32s %s\n' "$(basename "$dir")" "$(mib "$(size "$dir/$lib")")"
done
if [ "${#changed[@]}" -gt 0 ]; then
  echo
  echo "The generated Swift package sources changed (generated from the --no-default-features library):"
  printf '    %s\n' "${changed[@]}"
  echo "If the only change is httpSyncTransport disappearing, the committed copy came from a"
  echo "default-features build: see 'Generated Swift and the builtin-http feature' in bindings/swift/README.md."
fi
echo
echo "Next: cargo build -p outpost-ledger"
echo "      OUTPOST_LEDGER_BIN=\$PWD/target/debug/outpost-ledger swift test --package-path $swift_dir"
