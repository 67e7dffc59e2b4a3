// The archive the mirror benchmark serves: the machine's real bookworm main
// amd64 Packages index (about 63,000 stanzas) as an upstream archive
// publishes it, but with every stanza pointing at a small generated file of
// its own, so that mirroring tools can download all of it on loopback.
#ifndef DEBREPO_TESTS_BENCH_BENCH_ARCHIVE_H_
#define DEBREPO_TESTS_BENCH_BENCH_ARCHIVE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "tests/harness.h"

namespace debrepo::testing {

// BenchArchive is a written archive: root/dists/<distribution>/ holds the
// Release and InRelease, root/pool/ the files.
struct BenchArchive {
  std::string root;
  std::string distribution;
  std::string component;
  std::string architecture;
  // A binary OpenPGP keyring (outside root) holding the key that signed
  // the Release, for `aptly -keyring` and Mirror.keyring.
  std::string keyring_path;
  // Stanzas of the index, and distinct files they name.
  int64_t stanzas = 0;
  int64_t files = 0;
};

// WriteBenchArchive writes the archive under `directory` (which must
// exist): each stanza of the machine's apt Packages index
// (deb::testing::FindAptPackagesIndex) keeps its fields except Size,
// MD5sum, SHA1 and SHA256, which describe a generated file at the stanza's
// Filename (a line of text naming it: a distinct file per Filename, tens of
// bytes, not a .deb). The index is written as Packages.xz and Packages.gz,
// the Release is made by `apt-ftparchive release` (listing the plain
// Packages too, which is then removed, as Debian serves it) and signed by
// `signer`'s key of `signers` as InRelease (no Release.gpg: both aptly and
// debrepo read InRelease first). NOT_FOUND when
// the machine has no apt list; INTERNAL when a tool fails.
absl::StatusOr<BenchArchive> WriteBenchArchive(const std::string& directory,
                                               TestSigners& signers,
                                               const std::string& signer);

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_BENCH_BENCH_ARCHIVE_H_
