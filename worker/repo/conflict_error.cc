#include "worker/repo/conflict_error.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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

absl::Status BuildsAddedTogetherError(
    const std::vector<storage::KeyConflict>& conflicts) {
  std::vector<std::string> pairs;
  for (const storage::KeyConflict& conflict : conflicts) {
    // "P<arch> <name> <version> <hash>" names the build.
    const std::vector<absl::string_view> parts =
        absl::StrSplit(conflict.new_key, ' ');
    const std::string what =
        parts.size() == 4
            ? absl::StrCat(parts[1], " ", parts[2], " ", parts[0].substr(1))
            : conflict.new_key;
    pairs.push_back(absl::StrCat(what, " (\"", conflict.existing_key,
                                 "\" and \"", conflict.new_key, "\")"));
  }
  return absl::FailedPreconditionError(
      absl::StrCat("two different builds of ", JoinAtMost(pairs, "; "),
                   " are in this request. Nothing was added; add one of them"));
}

absl::Status CheckPackagesStored(storage::Transaction& tx,
                                 const std::vector<std::string>& keys,
                                 absl::string_view consequence) {
  absl::StatusOr<std::vector<std::string>> missing =
      storage::MissingPackages(tx, keys);
  if (!missing.ok()) return missing.status();
  if (missing->empty()) return absl::OkStatus();
  for (std::string& key : *missing) key = absl::StrCat("\"", key, "\"");
  return absl::NotFoundError(
      absl::StrCat("no package has the key ", JoinAtMost(*missing, ", "), "; ",
                   consequence, ". `debrepo package search` finds keys"));
}

}  // namespace debrepo::worker
