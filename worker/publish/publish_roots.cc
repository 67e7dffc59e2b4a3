#include "worker/publish/publish_roots.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/status_macros.h"

namespace debrepo::worker {
namespace {

constexpr absl::string_view kFilesystem = "filesystem:";

absl::Status AddRoot(std::map<std::string, std::string>& roots,
                     std::string storage, absl::string_view path) {
  RETURN_IF_ERROR(ValidatePublishStorage(storage));
  if (!absl::StartsWith(path, "/")) {
    return absl::InvalidArgumentError(
        absl::StrCat("the publish root of ", storage, " is \"", path,
                     "\"; give an absolute path"));
  }
  if (!roots.emplace(storage, std::string(path)).second) {
    return absl::InvalidArgumentError(
        absl::StrCat("storage ", storage, " is configured twice"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> ParsePublishRoots(
    absl::string_view publish_root,
    const std::vector<std::string>& publish_storages) {
  std::map<std::string, std::string> roots;
  if (!publish_root.empty()) {
    RETURN_IF_ERROR(
        AddRoot(roots, absl::StrCat(kFilesystem, "default"), publish_root));
  }
  for (const std::string& entry : publish_storages) {
    const size_t equals = entry.find('=');
    if (equals == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--publish_storage entry \"", entry, "\" is not NAME=PATH"));
    }
    RETURN_IF_ERROR(AddRoot(roots,
                            absl::StrCat(kFilesystem, entry.substr(0, equals)),
                            absl::string_view(entry).substr(equals + 1)));
  }
  return roots;
}

absl::StatusOr<std::string> PublishRootOf(const PublishConfig& config,
                                          absl::string_view storage) {
  auto it = config.roots.find(std::string(storage));
  if (it != config.roots.end()) return it->second;
  return absl::FailedPreconditionError(absl::StrCat(
      "this worker has no publish root for storage ", storage,
      "; start the workers with ",
      storage == "filesystem:default"
          ? std::string("--publish_root=PATH")
          : absl::StrCat("--publish_storage=",
                         storage.substr(kFilesystem.size()), "=PATH")));
}

}  // namespace debrepo::worker
