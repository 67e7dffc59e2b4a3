#include "worker/repo/conflict_error.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "worker/repo/bounded_lists.h"

namespace debrepo::worker {

absl::Status ConflictError(absl::string_view repo,
                           const std::vector<storage::KeyConflict>& conflicts,
                           absl::string_view remedy) {
  std::vector<std::string> pairs;
  for (const storage::KeyConflict& conflict : conflicts) {
    pairs.push_back(absl::StrCat("\"", conflict.new_key, "\" conflicts with \"",
                                 conflict.existing_key, "\""));
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "repo \"", repo,
      "\" already has a different package with the same name, version and "
      "architecture: ",
      JoinAtMost(pairs, "; "), ". ", remedy));
}

}  // namespace debrepo::worker
