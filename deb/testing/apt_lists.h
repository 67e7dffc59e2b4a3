// Access to the machine's apt lists, the source of real-world indices for
// differential tests and benchmarks.
#ifndef DEBREPO_DEB_TESTING_APT_LISTS_H_
#define DEBREPO_DEB_TESTING_APT_LISTS_H_

#include <string>

#include "absl/status/statusor.h"

namespace debrepo::deb::testing {

// FindAptPackagesIndex returns the path of the largest binary Packages index
// in /var/lib/apt/lists (on Debian 12: bookworm main amd64), NOT_FOUND when
// there is none.
absl::StatusOr<std::string> FindAptPackagesIndex();

// FindAptInRelease returns the path of the InRelease file of the
// distribution FindAptPackagesIndex's index belongs to (on Debian 12:
// bookworm, signed by Debian's archive keys), NOT_FOUND when there is none.
absl::StatusOr<std::string> FindAptInRelease();

// ReadDecompressedFile returns the contents of a file compressed with any
// filter libarchive knows (lz4, gz, xz, zstd, ...) or not compressed at all.
absl::StatusOr<std::string> ReadDecompressedFile(const std::string& path);

}  // namespace debrepo::deb::testing

#endif  // DEBREPO_DEB_TESTING_APT_LISTS_H_
