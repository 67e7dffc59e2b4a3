#include "startup/storage_root_check.h"

#include <filesystem>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "startup/root_id_file.h"
#include "storage/storage_roots.h"

namespace debrepo::startup {
namespace {

// NotTheKnownRoot explains that `path`, whose id file holds `id` (nullopt:
// no id file), is not the root `known`.
absl::Status NotTheKnownRoot(const ConfiguredRoot& root,
                             const std::string& path,
                             const std::optional<std::string>& id,
                             const storage::StorageRoot& known) {
  const std::string problem =
      id.has_value() ? absl::StrCat("its ", kRootIdFileName, " holds id ", *id)
                     : absl::StrCat("it has no ", kRootIdFileName, " file");
  const std::string mounted =
      path == known.path
          ? " (the path is the same: is the shared file system mounted "
            "here?)"
          : "";
  return absl::FailedPreconditionError(absl::StrCat(
      "this process's ", root.description, " ", path,
      " is not the one the database knows, ", known.path, " (id ", known.id,
      "): ", problem, ". Every server and worker must use the same ",
      root.description, ": set ", root.setting, " to that directory as this ",
      "node sees it", mounted, ", then start again"));
}

}  // namespace

absl::Status CheckStorageRoot(storage::Database& db,
                              const ConfiguredRoot& root) {
  std::error_code error;
  const std::filesystem::path absolute =
      std::filesystem::absolute(root.path, error);
  if (root.path.empty() || error) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", root.description, " \"", root.path,
                     "\" is not a usable path; set ", root.setting));
  }
  const std::string path = absolute.lexically_normal().string();
  ASSIGN_OR_RETURN(std::optional<storage::StorageRoot> known,
                   storage::FindStorageRoot(db, root.kind, root.name));
  if (!known.has_value()) {
    // The first start against this database: this directory's id (a new
    // one unless it has one) becomes the recorded one, unless another
    // process records its own first.
    ASSIGN_OR_RETURN(const std::string id, CreateRootId(path));
    ASSIGN_OR_RETURN(known, storage::RecordStorageRoot(
                                db, {root.kind, root.name, id, path}));
    if (known->id == id) {
      LogInfo(root.description, " ", path, " is store ", id);
      return absl::OkStatus();
    }
  }
  ASSIGN_OR_RETURN(const std::optional<std::string> id, ReadRootId(path));
  if (id != known->id) return NotTheKnownRoot(root, path, id, *known);
  LogInfo(root.description, " ", path, " is store ", *id);
  return absl::OkStatus();
}

}  // namespace debrepo::startup
