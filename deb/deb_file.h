// Reading binary packages (.deb and .udeb): an ar container holding
// debian-binary, control.tar[.gz|.xz|.zst] and data.tar[.gz|.xz|.zst|.bz2]
// (deb(5)). One pass over the file yields the control stanza, the paths the
// package installs and the file's checksums.
#ifndef DEBREPO_DEB_DEB_FILE_H_
#define DEBREPO_DEB_DEB_FILE_H_

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "deb/checksums.h"
#include "deb/control.h"

namespace debrepo::deb {

// DebLimits bound what a hostile package can make the reader hold.
struct DebLimits {
  // The uncompressed DEBIAN/control file (a decompression bomb stops here).
  uint64_t max_control_bytes = 16 << 20;
  // The number of entries in each tar member, the length of each path and
  // the total length of the paths kept (a Contents index of real packages
  // needs a few MiB at most).
  size_t max_paths = 1'000'000;
  size_t max_path_length = 4096;
  uint64_t max_path_bytes = 64 << 20;
  // The bytes the tar members decompress to, together (headers and entry
  // data, counted from the sizes the tar headers declare before any data is
  // skipped), so a small compressed bomb cannot keep the reader busy for
  // hours. Real packages stay far below; the largest in Debian is ~5 GiB.
  uint64_t max_uncompressed_bytes = uint64_t{8} << 30;
};

// DebFile is what ReadDeb learns about a package.
struct DebFile {
  // control is DEBIAN/control; it has a valid Package name (dpkg's rules:
  // lower-case alphanumerics and "+-.", starting alphanumeric, at least two
  // characters), a valid Version and a single-word Architecture
  // ([a-z0-9-]+), so package keys built from them are unambiguous; its
  // Source field, when it has one, is a valid package name with an optional
  // valid "(version)" (ValidateSourceField), so it names a pool directory.
  Paragraph control;
  // paths lists the non-directory entries of data.tar in archive order,
  // without the leading "./" (the form Contents indices use).
  std::vector<std::string> paths;
  // checksums covers the whole .deb file.
  Checksums checksums;
};

// ReadDeb reads a package from `in` to its end. Malformed, truncated or
// unsafe packages (absolute or ".." paths or hard-link targets, control
// characters in paths, missing or invalid fields, limits exceeded) are
// INVALID_ARGUMENT with a message naming the problem.
absl::StatusOr<DebFile> ReadDeb(std::istream& in, const DebLimits& limits = {});

// ReadDebFile is ReadDeb on the file at `path` (NOT_FOUND if it cannot be
// opened).
absl::StatusOr<DebFile> ReadDebFile(const std::string& path,
                                    const DebLimits& limits = {});

}  // namespace debrepo::deb

#endif  // DEBREPO_DEB_DEB_FILE_H_
