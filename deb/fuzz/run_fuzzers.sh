#!/bin/sh
# Builds the libFuzzer targets of the Debian formats library with clang
# (not Bazel: Bazel's toolchain here is gcc) and runs each for a bounded
# time. Usage: deb/fuzz/run_fuzzers.sh [seconds per fuzzer, default 60]
# Needs clang and libclang-rt-14-dev. Crashes are left in $OUT/<fuzzer>/.
set -eu
SECONDS_EACH=${1:-60}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-/tmp/debrepo-fuzz}
mkdir -p "$OUT/obj"
CXX=${CXX:-clang++}
CXXFLAGS="-std=c++20 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -I$ROOT"
# The system libraries the library links, as Bazel links them.
ABSL=$(grep -o '"-labsl_[a-z0-9_]*"' "$ROOT/third_party/system/BUILD.bazel" | tr -d '"' | tr '\n' ' ')
LIBS="$ABSL -larchive -lcrypto -lre2 -lpthread"

LIB_SOURCES="control version relation checksums deb_file package_key query"
objects=""
for source in $LIB_SOURCES; do
  $CXX $CXXFLAGS -c "$ROOT/deb/$source.cc" -o "$OUT/obj/$source.o"
  objects="$objects $OUT/obj/$source.o"
done

# Seeds: real data where it helps the fuzzer past the format's framing.
seed() {
  mkdir -p "$OUT/$1/corpus"
  printf '%s' "$2" > "$OUT/$1/corpus/seed$3"
}
seed control_fuzzer "$(printf 'Package: a\nVersion: 1.0\nDescription: x\n y\n .\n z\n\nPackage: b\n')" 1
seed version_fuzzer "$(printf '1:2.0~rc1-3+b1\n2.0-1')" 1
seed relation_fuzzer 'libc6 (>= 2.34) | libc6.1 [amd64 !i386] <!nocheck>, perl:any' 1
seed query_fuzzer 'Name (~ ^lib), (Priority (required) | nginx (>= 1.2) {amd64}), !$Source (% f*)' 1
mkdir -p "$OUT/deb_fuzzer/corpus" "$OUT/seedpkg/DEBIAN"
printf 'Package: seed\nVersion: 1\nArchitecture: all\nMaintainer: x <x@y>\nDescription: s\n' \
  > "$OUT/seedpkg/DEBIAN/control"
for z in gzip xz none; do
  dpkg-deb --root-owner-group -Z$z -b "$OUT/seedpkg" "$OUT/deb_fuzzer/corpus/seed-$z.deb" >/dev/null
done

status=0
for fuzzer in control_fuzzer version_fuzzer relation_fuzzer query_fuzzer deb_fuzzer; do
  $CXX $CXXFLAGS -fsanitize=fuzzer "$ROOT/deb/fuzz/$fuzzer.cc" $objects $LIBS \
    -o "$OUT/$fuzzer/$fuzzer"
  rm -f "$OUT/$fuzzer"/crash-* "$OUT/$fuzzer"/leak-* "$OUT/$fuzzer"/timeout-* \
    "$OUT/$fuzzer"/oom-*
  echo "== $fuzzer (${SECONDS_EACH}s)"
  if ! (cd "$OUT/$fuzzer" && ./$fuzzer -max_total_time="$SECONDS_EACH" \
        -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 corpus 2>&1 |
        grep -E 'stat::number_of_executed_units|stat::peak_rss_mb|ERROR|SUMMARY|Done'); then
    :
  fi
  found=$(ls "$OUT/$fuzzer" | grep -E '^(crash|leak|timeout|oom)-' || true)
  if [ -n "$found" ]; then
    echo "!! $fuzzer found problems: $found"
    status=1
  fi
done
exit $status
