#include "worker/publish/publish_roots.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
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

// ComparablePath is `path` with symbolic links of its existing part
// resolved, "." and ".." folded and no trailing "/", so that two spellings
// of one directory compare equal.
std::filesystem::path ComparablePath(absl::string_view path) {
  std::error_code error;
  std::filesystem::path resolved =
      std::filesystem::weakly_canonical(std::string(path), error);
  if (error) resolved = std::filesystem::path(std::string(path));
  resolved = resolved.lexically_normal();
  if (!resolved.has_filename()) resolved = resolved.parent_path();
  return resolved;
}

// IsWithin says whether `inner` is `outer` or lies below it.
bool IsWithin(const std::filesystem::path& inner,
              const std::filesystem::path& outer) {
  return std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end())
             .first == outer.end();
}

// RejectSharedTrees fails when one storage's root is another's or lies
// inside it: each storage's publications prune their prefix's pool by what
// that storage alone lists, so two storages over one tree would delete
// each other's pool files, and a prefix of one could be the other's tree.
absl::Status RejectSharedTrees(
    const std::map<std::string, std::string>& roots) {
  for (const auto& [storage, path] : roots) {
    for (const auto& [other_storage, other_path] : roots) {
      if (storage == other_storage) continue;
      if (IsWithin(ComparablePath(other_path), ComparablePath(path))) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the publish root of ", other_storage, " (", other_path,
            ") is the publish root of ", storage, " (", path,
            ") or inside it; give each storage a directory of its own, "
            "outside the others"));
      }
    }
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
  RETURN_IF_ERROR(RejectSharedTrees(roots));
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
