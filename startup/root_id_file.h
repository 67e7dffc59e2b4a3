// The id file of a storage root: `.debrepo-store-id` at the top of the
// directory tree, holding a random id that the database records
// (storage/storage_roots.h). A directory's id says which store it is,
// whatever path a node mounts it at.
#ifndef DEBREPO_STARTUP_ROOT_ID_FILE_H_
#define DEBREPO_STARTUP_ROOT_ID_FILE_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace debrepo::startup {

// kRootIdFileName is the name of the id file in a storage root.
inline constexpr char kRootIdFileName[] = ".debrepo-store-id";

// ReadRootId returns the id in `dir`'s id file, or nullopt when `dir` has
// no id file (or does not exist). FAILED_PRECONDITION when the file holds
// something other than an id.
absl::StatusOr<std::optional<std::string>> ReadRootId(const std::string& dir);

// CreateRootId gives `dir` (created if missing) an id file with a new
// random id unless it has one, and returns the id in the file. Race-free:
// the file is written under a temporary name and linked into place, so it
// never appears half-written, and of many processes creating it at once
// the first link wins and every process returns its id.
absl::StatusOr<std::string> CreateRootId(const std::string& dir);

}  // namespace debrepo::startup

#endif  // DEBREPO_STARTUP_ROOT_ID_FILE_H_
