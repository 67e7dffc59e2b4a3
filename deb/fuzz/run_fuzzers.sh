#!/bin/sh
# Builds the libFuzzer targets of the Debian formats library with clang
# (not Bazel: Bazel's toolchain here is gcc) and runs each for a bounded
# time. Usage: deb/fuzz/run_fuzzers.sh [seconds per fuzzer, default 60]
# Needs clang and libclang-rt-14-dev. Crashes are left in $OUT/<fuzzer>/.
# Exits non-zero, naming the fuzzers, when any fuzzer exits non-zero or
# leaves a crash, leak, timeout or out-of-memory input behind. Run only some
# fuzzers with FUZZERS="clearsign_fuzzer upload_control_fuzzer".
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

# The library, and the SQL compiler of its query language (query_fuzzer
# checks the SQL too).
LIB_SOURCES="deb/control deb/version deb/relation deb/checksums deb/deb_file deb/package_key deb/query deb/clearsign deb/upload_control storage/query_sql"
objects=""
for source in $LIB_SOURCES; do
  object="$OUT/obj/$(basename "$source").o"
  $CXX $CXXFLAGS -c "$ROOT/$source.cc" -o "$object"
  objects="$objects $object"
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
SHA256_E3=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
DSC="$(printf 'Format: 3.0 (native)\nSource: hello\nVersion: 1:1.0-1\nChecksums-Sha256:\n %s 0 hello_1.0.tar.xz\nFiles:\n d41d8cd98f00b204e9800998ecf8427e 0 hello_1.0.tar.xz\n' "$SHA256_E3")"
seed upload_control_fuzzer "$DSC" 1
seed upload_control_fuzzer "$(printf 'Format: 1.8\nSource: hello (1.0)\nVersion: 1.0\nArchitecture: source\nDistribution: unstable\nChecksums-Sha256:\n %s 0 hello_1.0.dsc\nFiles:\n d41d8cd98f00b204e9800998ecf8427e 0 devel optional hello_1.0.dsc\n' "$SHA256_E3")" 2
SIGNED="$(printf -- '-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n%s\n- -dash\n-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCAAdFiEE\n=abcd\n-----END PGP SIGNATURE-----\n' "$DSC")"
seed clearsign_fuzzer "$SIGNED" 1
seed upload_control_fuzzer "$SIGNED" 3
mkdir -p "$OUT/deb_fuzzer/corpus" "$OUT/seedpkg/DEBIAN"
printf 'Package: seed\nVersion: 1\nArchitecture: all\nMaintainer: x <x@y>\nDescription: s\n' \
  > "$OUT/seedpkg/DEBIAN/control"
for z in gzip xz none; do
  dpkg-deb --root-owner-group -Z$z -b "$OUT/seedpkg" "$OUT/deb_fuzzer/corpus/seed-$z.deb" >/dev/null
done

ALL_FUZZERS="control_fuzzer version_fuzzer relation_fuzzer query_fuzzer deb_fuzzer upload_control_fuzzer clearsign_fuzzer"
failed=""
for fuzzer in ${FUZZERS:-$ALL_FUZZERS}; do
  mkdir -p "$OUT/$fuzzer/corpus"
  $CXX $CXXFLAGS -fsanitize=fuzzer "$ROOT/deb/fuzz/$fuzzer.cc" $objects $LIBS \
    -o "$OUT/$fuzzer/$fuzzer"
  rm -f "$OUT/$fuzzer"/crash-* "$OUT/$fuzzer"/leak-* "$OUT/$fuzzer"/timeout-* \
    "$OUT/$fuzzer"/oom-*
  echo "== $fuzzer (${SECONDS_EACH}s)"
  # sh has no pipefail: keep the fuzzer's own exit status, then filter its log.
  rc=0
  (cd "$OUT/$fuzzer" && ./$fuzzer -max_total_time="$SECONDS_EACH" \
      -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 corpus \
      > "$OUT/$fuzzer/log" 2>&1) || rc=$?
  grep -E 'stat::number_of_executed_units|stat::peak_rss_mb|ERROR|SUMMARY|Done' \
    "$OUT/$fuzzer/log" || true
  found=$(ls "$OUT/$fuzzer" | grep -E '^(crash|leak|timeout|oom)-' || true)
  if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
    echo "!! $fuzzer FAILED: exit status $rc${found:+, inputs left: $found} (log: $OUT/$fuzzer/log)"
    failed="$failed $fuzzer"
  fi
done
if [ -n "$failed" ]; then
  echo "FAILED fuzzers:$failed" >&2
  exit 1
fi
echo "All fuzzers passed."
