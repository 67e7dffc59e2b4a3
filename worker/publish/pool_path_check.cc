#include "worker/publish/pool_path_check.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace debrepo::worker {
namespace {

// The most conflicts an error names, as the transaction's check does.
constexpr size_t kMaxNamed = 20;

}  // namespace

void PoolPathCheck::Add(absl::string_view component, absl::string_view source,
                        absl::string_view name, absl::string_view sha256) {
  std::string path = absl::StrCat(component, "/", source, "/", name);
  auto [it, inserted] = sha256_by_path_.try_emplace(path, sha256);
  if (inserted || it->second == sha256) return;
  if (conflicts_.size() < kMaxNamed &&
      std::find(conflicts_.begin(), conflicts_.end(), path) ==
          conflicts_.end()) {
    conflicts_.push_back(std::move(path));
  }
}

absl::Status PoolPathCheck::Result(absl::string_view publication) const {
  if (conflicts_.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "publication ", publication,
      " would hold different files of the same name in its pool "
      "(component/source/file): ",
      absl::StrJoin(conflicts_, ", "),
      "; its sources hold two builds of one file: remove one of them (or "
      "publish them in different components)"));
}

}  // namespace debrepo::worker
