// Errors of the file system work of publishing (trees, pool), as the
// after-commit step retries them.
#ifndef DEBREPO_WORKER_PUBLISH_FILE_ERRORS_H_
#define DEBREPO_WORKER_PUBLISH_FILE_ERRORS_H_

#include <filesystem>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace debrepo::worker {

// FileError is UNAVAILABLE "<what> <path>: <error>": a full disk or an
// unmounted shared file system, which the after-commit step retries and
// another worker may do better at.
absl::Status FileError(absl::string_view what,
                       const std::filesystem::path& path,
                       const std::error_code& error);

// ErrnoError is FileError with the error in errno.
absl::Status ErrnoError(absl::string_view what,
                        const std::filesystem::path& path);

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_PUBLISH_FILE_ERRORS_H_
