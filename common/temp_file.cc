#include "common/temp_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"

namespace debrepo {

absl::Status TempFileError(absl::string_view what,
                           absl::string_view description) {
  const int error = errno;
  return absl::ErrnoToStatus(
      error, absl::StrCat("cannot ", what, " ", description, " (",
                          error == ENOSPC || error == EDQUOT
                              ? "free space in $TMPDIR, or point TMPDIR at a "
                                "larger disk"
                              : "point TMPDIR at a writable directory",
                          ")"));
}

absl::StatusOr<std::FILE*> OpenUnlinkedTempFile(absl::string_view description) {
  const char* tmpdir = std::getenv("TMPDIR");
  const std::string directory =
      tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
  int fd = open(directory.c_str(), O_TMPFILE | O_RDWR, 0600);
  if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR)) {
    // A file system without O_TMPFILE (some NFS and overlay mounts): a
    // named file, unlinked at once.
    std::string path = directory + "/debrepo-spool-XXXXXX";
    fd = mkstemp(path.data());
    if (fd >= 0) unlink(path.c_str());
  }
  if (fd < 0) {
    return TempFileError(absl::StrCat("create in ", directory), description);
  }
  std::FILE* file = fdopen(fd, "w+");
  if (file == nullptr) {
    const absl::Status status = TempFileError("open", description);
    close(fd);
    return status;
  }
  return file;
}

}  // namespace debrepo
