#!/usr/bin/env bash
# Builds liboutpost_ffi.so for Android (arm64-v8a, armeabi-v7a, x86_64) and packs it with the
# generated Kotlin as an Android library module in bindings/android/build/:
#
#   bindings/android/build/
#     build.gradle.kts, consumer-rules.pro         (from bindings/android/library/)
#     src/main/jniLibs/<abi>/liboutpost_ffi.so     (stripped, 16 KB-aligned)
#     src/main/kotlin/org/outpost/wallet/outpost_ffi.kt
#
#   ANDROID_NDK_HOME=$HOME/Android/Sdk/ndk/<version> bash bindings/android/build-android.sh
#   bash bindings/android/build-android.sh --check-alignment <lib.so>...   # only the 16 KB check
#
# Why each step is the way it is:
#
# - cargo-ndk (pinned below) sets the NDK's clang as linker and C compiler for each ABI; the
#   bundled SQLite is C. `--platform 24` links against API level 24 (Android 7.0), the minSdk
#   chosen for Outpost apps: the first level where a Keystore key can be invalidated when
#   biometrics are re-enrolled (KeyGenParameterSpec.Builder.setInvalidatedByBiometricEnrollment),
#   which the reference app's key protector requires. OUTPOST_ANDROID_MIN_SDK changes it; it must
#   not exceed the app's minSdk, or older phones miss libc functions the library links to.
# - `--profile release-smaller --no-default-features`: small, and without the built-in HTTP
#   transport (`builtin-http`), because Android apps sync through OkHttp.
# - 16 KB pages: Android 15+ devices may use 16 KB memory pages, and a library whose LOAD
#   segments are aligned to 4 KB does not load there. NDK r28 and newer link 16 KB-aligned by
#   default; r27 and older do not, so the link flag `-z max-page-size=16384` is passed for every
#   ABI through CARGO_TARGET_<TRIPLE>_RUSTFLAGS, whatever the NDK, and every library is checked
#   with llvm-readelf afterwards: the script fails if any LOAD segment is aligned below 0x4000.
# - The release-smaller profile keeps symbols, because uniffi-bindgen reads the bindings out of
#   the library's metadata. The shipped copies are stripped with the NDK's llvm-strip (the
#   dynamic symbols JNA looks up stay); the Kotlin is generated from an unstripped HOST build of
#   the same features, so it declares exactly what the Android libraries export.
# - The root uniffi.toml generates Kotlin for the JVM. This script generates with a copy of it
#   plus `android = true` under [defaults.bindings.kotlin], so the Kotlin frees native objects
#   with Android's SystemCleaner (API 34+, JNA's cleaner below) instead of java.lang.ref.Cleaner,
#   which Android lacks before API 33.
set -euo pipefail

CARGO_NDK_VERSION=3.5.4
MIN_SDK=${OUTPOST_ANDROID_MIN_SDK:-24}
PROFILE=release-smaller
ABIS=(arm64-v8a armeabi-v7a x86_64)
PAGE_SIZE_FLAG="-C link-arg=-Wl,-z,max-page-size=16384"

die() {
  echo "build-android.sh: $*" >&2
  exit 1
}

triple_of() {
  case "$1" in
    arm64-v8a) echo aarch64-linux-android ;;
    armeabi-v7a) echo armv7-linux-androideabi ;;
    x86_64) echo x86_64-linux-android ;;
    *) die "unknown ABI $1" ;;
  esac
}

# Fails unless every LOAD segment of each library is aligned to at least 16 KB.
check_alignment() { # <llvm-readelf> <lib.so>...
  local readelf=$1 lib aligns align bad=0
  shift
  for lib in "$@"; do
    [ -f "$lib" ] || die "$lib does not exist"
    aligns=$("$readelf" -lW "$lib" | awk '$1 == "LOAD" { print $NF }')
    [ -n "$aligns" ] || die "$lib has no LOAD segments: is it an ELF shared library?"
    for align in $aligns; do
      if [[ ! "$align" =~ ^0x[0-9a-fA-F]+$ ]] || ((align < 0x4000)); then
        echo "    FAIL $lib: a LOAD segment is aligned to $align, below 16 KB (0x4000)" >&2
        bad=1
        continue 2
      fi
    done
    echo "    ok   $lib: LOAD segments aligned to $(echo "$aligns" | sort -u | tr '\n' ' ')"
  done
  return "$bad"
}

[[ "$MIN_SDK" =~ ^[0-9]+$ ]] || die "OUTPOST_ANDROID_MIN_SDK=$MIN_SDK is not an API level"

if [ "${1:-}" = --check-alignment ]; then
  shift
  [ "$#" -gt 0 ] || die "usage: build-android.sh --check-alignment <lib.so>..."
  readelf=llvm-readelf
  if [ -n "${ANDROID_NDK_HOME:-}" ]; then
    for candidate in "$ANDROID_NDK_HOME"/toolchains/llvm/prebuilt/*/bin/llvm-readelf; do
      [ -x "$candidate" ] && readelf=$candidate
    done
  fi
  command -v "$readelf" >/dev/null 2>&1 || die "no llvm-readelf: set ANDROID_NDK_HOME or put llvm-readelf on PATH"
  check_alignment "$readelf" "$@" || die "not 16 KB-aligned"
  exit 0
fi
[ "$#" -eq 0 ] || die "usage: build-android.sh [--check-alignment <lib.so>...]"

# ---- The NDK ----

if [ -z "${ANDROID_NDK_HOME:-}" ]; then
  die "ANDROID_NDK_HOME is not set. Point it at an installed NDK (r28 or newer recommended), e.g.
    ANDROID_NDK_HOME=\$HOME/Android/Sdk/ndk/<version> bash bindings/android/build-android.sh
(Android Studio: SDK Manager > SDK Tools > NDK (Side by side); or sdkmanager 'ndk;<version>')."
fi
[ -f "$ANDROID_NDK_HOME/source.properties" ] || die "ANDROID_NDK_HOME=$ANDROID_NDK_HOME is not an NDK (no source.properties)"
# Absolute, because the build runs from the repository root.
ANDROID_NDK_HOME=$(cd "$ANDROID_NDK_HOME" && pwd)
export ANDROID_NDK_HOME
ndk_revision=$(sed -n 's/^Pkg\.Revision *= *//p' "$ANDROID_NDK_HOME/source.properties")
ndk_bin=
for dir in "$ANDROID_NDK_HOME"/toolchains/llvm/prebuilt/*/bin; do
  [ -x "$dir/llvm-readelf" ] && ndk_bin=$dir
done
[ -n "$ndk_bin" ] || die "no toolchains/llvm/prebuilt/<host>/bin/llvm-readelf in $ANDROID_NDK_HOME"
readelf="$ndk_bin/llvm-readelf"
strip="$ndk_bin/llvm-strip"
[ -x "$strip" ] || die "no llvm-strip in $ndk_bin"
echo "==> NDK $ndk_revision at $ANDROID_NDK_HOME"
if [ "${ndk_revision%%.*}" -lt 28 ] 2>/dev/null; then
  echo "    (NDK before r28 does not align to 16 KB by default; the explicit link flag below does)"
fi

# RUSTFLAGS and CARGO_ENCODED_RUSTFLAGS replace the per-target flags set below, 16 KB included.
if [ -n "${RUSTFLAGS:-}${CARGO_ENCODED_RUSTFLAGS:-}" ]; then
  die "unset RUSTFLAGS / CARGO_ENCODED_RUSTFLAGS: they would replace the per-target flags that set 16 KB page alignment"
fi

cd "$(dirname "$0")/../.."
out=bindings/android/build
lib=liboutpost_ffi.so

# ---- Tools ----

if ! command -v cargo-ndk >/dev/null 2>&1; then
  echo "==> cargo install cargo-ndk --version $CARGO_NDK_VERSION --locked"
  cargo install cargo-ndk --version "$CARGO_NDK_VERSION" --locked
fi
installed=$(cargo ndk --version 2>/dev/null | head -n 1 || true)
case "$installed" in
  *"$CARGO_NDK_VERSION"*) ;;
  *) echo "    note: found '${installed:-cargo-ndk of unknown version}'; this script was written for cargo-ndk $CARGO_NDK_VERSION" ;;
esac

targets=()
for abi in "${ABIS[@]}"; do
  targets+=("$(triple_of "$abi")")
done
echo "==> rustup target add ${targets[*]}"
rustup target add "${targets[@]}"

# ---- Build ----

ndk_args=()
for abi in "${ABIS[@]}"; do
  triple=$(triple_of "$abi")
  var="CARGO_TARGET_$(echo "$triple" | tr 'a-z-' 'A-Z_')_RUSTFLAGS"
  export "$var=${!var:+${!var} }$PAGE_SIZE_FLAG"
  echo "    $var=${!var}"
  ndk_args+=(-t "$abi")
done

echo "==> cargo ndk ${ndk_args[*]} --platform $MIN_SDK build -p outpost-bindings --profile $PROFILE --no-default-features"
cargo ndk "${ndk_args[@]}" --platform "$MIN_SDK" \
  build --locked -p outpost-bindings --profile "$PROFILE" --no-default-features

# ---- Kotlin, generated from an unstripped host build with the same features ----

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "==> host build for generation: cargo build -p outpost-bindings --profile $PROFILE --no-default-features"
cargo build --locked -p outpost-bindings --profile "$PROFILE" --no-default-features
cargo build --locked --quiet -p outpost-uniffi-bindgen
host_lib="target/$PROFILE/$lib"
[ "$(uname -s)" = Darwin ] && host_lib="target/$PROFILE/liboutpost_ffi.dylib"

# uniffi.toml with `android = true` in [defaults.bindings.kotlin] (replacing any android line
# there, adding the table if it is missing).
awk '
  /^\[/ { in_kotlin = ($0 == "[defaults.bindings.kotlin]") }
  in_kotlin && /^[[:space:]]*android[[:space:]]*=/ { next }
  { print }
  $0 == "[defaults.bindings.kotlin]" { print "android = true"; found = 1 }
  END { if (!found) { print ""; print "[defaults.bindings.kotlin]"; print "android = true" } }
' uniffi.toml >"$work/uniffi-android.toml"

target/debug/uniffi-bindgen generate --library "$host_lib" --config "$work/uniffi-android.toml" \
  --no-format --language kotlin --out-dir "$work/kotlin" >/dev/null
kotlin="$work/kotlin/org/outpost/wallet/outpost_ffi.kt"
[ -f "$kotlin" ] || die "uniffi-bindgen wrote no org/outpost/wallet/outpost_ffi.kt"
grep -q 'android.system.SystemCleaner' "$kotlin" || die "the Kotlin was not generated with android = true"
if grep -q 'http_sync_transport' "$kotlin"; then
  die "the Kotlin declares http_sync_transport, which the --no-default-features libraries lack"
fi

# ---- Pack ----

echo "==> packing $out"
rm -rf "$out"
mkdir -p "$out/src/main/kotlin/org/outpost/wallet"
cp "$kotlin" "$out/src/main/kotlin/org/outpost/wallet/"
cp bindings/android/library/consumer-rules.pro "$out/"
# The module's minSdk is the API level the libraries were built against.
sed "s/minSdk = 24\$/minSdk = $MIN_SDK/" bindings/android/library/build.gradle.kts >"$out/build.gradle.kts"
grep -q "minSdk = $MIN_SDK\$" "$out/build.gradle.kts" || die "could not set minSdk = $MIN_SDK in $out/build.gradle.kts"

size() { wc -c <"$1" | tr -d ' '; }
mib() { awk -v b="$1" 'BEGIN { printf "%.2f MiB", b / 1048576 }'; }
shipped=()
for abi in "${ABIS[@]}"; do
  built="target/$(triple_of "$abi")/$PROFILE/$lib"
  [ -f "$built" ] || die "cargo ndk did not produce $built"
  mkdir -p "$out/src/main/jniLibs/$abi"
  "$strip" --strip-all -o "$out/src/main/jniLibs/$abi/$lib" "$built"
  shipped+=("$out/src/main/jniLibs/$abi/$lib")
  # JNA binds by name: the stripped library must still export the FFI functions.
  exported=$("$readelf" --dyn-syms -W "$out/src/main/jniLibs/$abi/$lib" | grep -c ' uniffi_outpost_ffi_fn_' || true)
  [ "$exported" -gt 0 ] || die "$abi: the stripped library exports no uniffi_outpost_ffi_fn_* symbols"
  printf '    %-12s %s stripped (%s unstripped), %s FFI functions exported\n' "$abi" \
    "$(mib "$(size "$out/src/main/jniLibs/$abi/$lib")")" "$(mib "$(size "$built")")" "$exported"
done

echo "==> 16 KB page alignment (llvm-readelf -l)"
check_alignment "$readelf" "${shipped[@]}" || die "a library is not 16 KB-aligned: see above"

echo
echo "Packed an Android library module in $out:"
(cd "$out" && find . -type f | sort | sed 's|^\./|    |')
echo "See bindings/android/README.md for adding it to an app."
