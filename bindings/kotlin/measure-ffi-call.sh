#!/usr/bin/env bash
# Measures what one trivial call into liboutpost_ffi costs from Kotlin (the uniffi-generated
# bindings over JNA), next to a trivial Kotlin call and a raw JNA call. Not a test: it prints
# nanoseconds per call for you to read.
#
#   bash bindings/kotlin/measure-ffi-call.sh [seconds-per-run]     (default 2; about 30 s in all)
#
# It measures the library bindings/generate.sh last copied in (the debug build unless you ran
# `bash bindings/generate.sh release`, which copies the release one). Numbers move with the
# machine's load: run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -f src/main/kotlin/org/outpost/wallet/outpost_ffi.kt ] ||
  [ ! -f src/main/resources/linux-x86-64/liboutpost_ffi.so ]; then
  echo "no generated bindings here: run bash bindings/generate.sh first" >&2
  exit 1
fi
mvn -q -f pom.xml test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
exec java -cp "target/classes:target/test-classes:$(cat target/test-classpath.txt)" \
  org.outpost.wallet.FfiCallCostKt "$@"
