#include "mirror/package_choice.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace debrepo::mirror {
namespace {

// kResolutionFields are the fields deb::WithDependencies reads.
constexpr absl::string_view kResolutionFields[] = {
    "Package", "Version", "Architecture", "Provides", "Pre-Depends", "Depends"};

}  // namespace

PackageChoice::PackageChoice(const deb::Query* filter, bool with_deps,
                             std::vector<std::string> architectures)
    : filter_(filter),
      with_deps_(with_deps && filter != nullptr),
      architectures_(std::move(architectures)) {}

absl::StatusOr<bool> PackageChoice::Add(const MirroredPackage& mirrored) {
  const storage::NewPackage& package = mirrored.package;
  const bool binary = package.package_type != "source";
  if (binary && package.architecture != "all" && !architectures_.empty() &&
      std::find(architectures_.begin(), architectures_.end(),
                package.architecture) == architectures_.end()) {
    return false;
  }
  // The key is "P<arch> <name> <version> <files hash>".
  const size_t hash_at = package.key.rfind(' ');
  auto [it, inserted] = seen_.try_emplace(package.key.substr(1, hash_at - 1),
                                          package.key.substr(hash_at + 1));
  if (!inserted) {
    if (it->second != absl::string_view(package.key).substr(hash_at + 1)) {
      ++duplicates_;
    }
    return false;
  }
  const int64_t entry = static_cast<int64_t>(matched_.size());
  matched_.push_back(filter_ == nullptr ||
                     filter_->Matches(package.control, package.package_type));
  if (with_deps_ && binary) {
    deb::StoredPackage& stored = binaries_.emplace_back();
    stored.id = entry;
    stored.key = package.key;  // Names the package in errors.
    for (absl::string_view field : kResolutionFields) {
      if (std::optional<absl::string_view> value = package.control.Get(field)) {
        if (absl::Status set = stored.control.Set(field, *value); !set.ok()) {
          return set;
        }
      }
    }
  }
  return true;
}

absl::StatusOr<std::vector<bool>> PackageChoice::Take() {
  std::vector<bool> take = matched_;
  if (!with_deps_) return take;
  std::vector<int64_t> roots;
  for (const deb::StoredPackage& binary : binaries_) {
    if (matched_[binary.id]) roots.push_back(binary.id);
  }
  absl::StatusOr<std::vector<int64_t>> with_deps =
      deb::WithDependencies(binaries_, roots, architectures_);
  if (!with_deps.ok()) {
    // The archive's fields are at fault, not the request.
    return absl::FailedPreconditionError(
        absl::StrCat("cannot resolve the archive's dependencies: ",
                     with_deps.status().message()));
  }
  for (int64_t id : *with_deps) take[id] = true;
  return take;
}

}  // namespace debrepo::mirror
