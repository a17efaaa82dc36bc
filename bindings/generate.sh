#!/usr/bin/env bash
# Regenerates the Kotlin, Swift and Python bindings from the built library, in uniffi's library
# mode (the bindings are read out of liboutpost_ffi's own metadata, so they always match it).
#
#   bash bindings/generate.sh            # debug build: what the JVM and Python tests load
#   bash bindings/generate.sh release    # --release, for packaging
#
# Writes:
#   bindings/kotlin/src/main/kotlin/org/outpost/wallet/outpost_ffi.kt    (not committed)
#   bindings/kotlin/src/main/resources/linux-x86-64/liboutpost_ffi.so     (not committed)
#   bindings/python/src/outpost_wallet/outpost_ffi.py + liboutpost_ffi.so (not committed)
#   bindings/swift/Sources/OutpostWallet/OutpostWallet.swift               (committed: a Mac
#   bindings/swift/Sources/OutpostWalletFFI/include/*                      needs no Rust to read it)
#
# The Swift files are committed so the package reads on a Mac; the test command regenerates them
# and fails if the committed copy is stale.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=${1:-debug}
case "$profile" in
  debug) cargo_profile=(); dir=target/debug ;;
  release) cargo_profile=(--release); dir=target/release ;;
  *) echo "usage: bash bindings/generate.sh [debug|release]" >&2; exit 2 ;;
esac

cargo build --locked --quiet "${cargo_profile[@]}" -p outpost-bindings -p outpost-uniffi-bindgen
lib="$dir/liboutpost_ffi.so"
[ "$(uname -s)" = Darwin ] && lib="$dir/liboutpost_ffi.dylib"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$dir/uniffi-bindgen" generate --library "$lib" --config uniffi.toml --no-format \
  --language kotlin --language swift --language python --out-dir "$out" >/dev/null

kotlin=bindings/kotlin/src/main
mkdir -p "$kotlin/kotlin/org/outpost/wallet" "$kotlin/resources/linux-x86-64"
# uniffi makes the Kotlin `message` of an error with fields a list of its fields
# ("reason=…, triesLeft=…"). Every Outpost error's first field is `reason`, the sentence to show,
# so the exception's message becomes exactly that: what crash reports and `e.message` show. The
# fields stay readable as properties. One rewrite of one generated line shape; if a uniffi
# upgrade changes that shape, this fails loudly rather than ship the field list (docs/adr/0007).
kt="$out/org/outpost/wallet/outpost_ffi.kt"
perl -0pi -e 's/(override val message\n\s*get\(\) = )"reason=\$\{ `reason` \}[^"\n]*"/$1`reason`/g' "$kt"
if grep -q 'get() = "[a-zA-Z]*=\${' "$kt"; then
  echo "error: an error's Kotlin message is still uniffi's field list; is every error's first field 'reason'?" >&2
  exit 1
fi
cp "$kt" "$kotlin/kotlin/org/outpost/wallet/"
if [ "$(uname -s)" = Linux ]; then cp "$lib" "$kotlin/resources/linux-x86-64/"; fi

python=bindings/python/src/outpost_wallet
mkdir -p "$python"
cp "$out/outpost_ffi.py" "$python/"
cp "$lib" "$python/"

swift=bindings/swift/Sources
mkdir -p "$swift/OutpostWallet" "$swift/OutpostWalletFFI/include"
cp "$out/OutpostWallet.swift" "$swift/OutpostWallet/"
cp "$out/OutpostWalletFFI.h" "$swift/OutpostWalletFFI/include/"
cp "$out/OutpostWalletFFI.modulemap" "$swift/OutpostWalletFFI/include/module.modulemap"

echo "generated Kotlin, Swift and Python bindings from $lib"
