#include "worker/publish/file_errors.h"

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace debrepo::worker {

absl::Status FileError(absl::string_view what,
                       const std::filesystem::path& path,
                       const std::error_code& error) {
  return absl::UnavailableError(
      absl::StrCat(what, " ", path.string(), ": ", error.message()));
}

absl::Status ErrnoError(absl::string_view what,
                        const std::filesystem::path& path) {
  return FileError(what, path, std::error_code(errno, std::generic_category()));
}

}  // namespace debrepo::worker
