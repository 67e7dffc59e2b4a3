// Dependencies are resolved as deb::WithDependencies resolves them (the
// same closure, aptly's rule), but without holding 63,000 parsed stanzas:
// each binary package is kept as the text of its resolution fields, the
// package set is built from names, versions and Provides, and Pre-Depends
// and Depends are parsed only for the packages the closure reaches, until
// it reaches no new one. Measured on bookworm main amd64 (63,440 stanzas,
// six packages with dependencies): 205 MB peak through WithDependencies,
// see mirror/bench for this way's.
#include "mirror/package_choice.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "deb/resolver.h"

namespace debrepo::mirror {
namespace {

// kIdentityFields say which package a stanza is and what it provides;
// kDependencyFields are those the closure follows (WithDependencies').
constexpr absl::string_view kIdentityFields[] = {"Package", "Version",
                                                 "Architecture", "Provides"};
const std::vector<std::string>& DependencyFields() {
  static const auto* const kFields =
      new std::vector<std::string>{"Pre-Depends", "Depends"};
  return *kFields;
}

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
    Candidate& candidate = candidates_.emplace_back();
    candidate.entry = entry;
    candidate.key = package.key;
    for (absl::string_view field : kIdentityFields) {
      if (std::optional<absl::string_view> value = package.control.Get(field)) {
        absl::StrAppend(&candidate.fields, field, ": ", *value, "\n");
      }
    }
    for (const std::string& field : DependencyFields()) {
      if (std::optional<absl::string_view> value = package.control.Get(field)) {
        absl::StrAppend(&candidate.fields, field, ": ", *value, "\n");
      }
    }
  }
  return true;
}

absl::StatusOr<deb::PackageInfo> PackageChoice::Parse(
    const Candidate& candidate, bool with_dependencies) const {
  absl::StatusOr<deb::Paragraph> fields = deb::ParseParagraph(candidate.fields);
  absl::StatusOr<deb::PackageInfo> info =
      fields.ok() ? deb::PackageInfoFromParagraph(
                        *fields, with_dependencies ? DependencyFields()
                                                   : std::vector<std::string>())
                  : fields.status();
  if (!info.ok()) {
    // The archive's fields are at fault, not the request.
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot resolve the dependencies of the archive's package ",
        candidate.key, ": ", info.status().message()));
  }
  return info;
}

absl::StatusOr<std::vector<bool>> PackageChoice::Take() {
  std::vector<bool> take = matched_;
  if (!with_deps_) return take;
  deb::PackageSet set;
  set.Reserve(candidates_.size());
  std::vector<size_t> roots, all;
  all.reserve(candidates_.size());
  for (const Candidate& candidate : candidates_) {
    absl::StatusOr<deb::PackageInfo> info = Parse(candidate, false);
    if (!info.ok()) return info.status();
    const size_t index = set.Add(*std::move(info));
    all.push_back(index);
    if (matched_[candidate.entry]) roots.push_back(index);
  }
  // As WithDependencies: the mirror's, else those built for, else "all".
  std::vector<std::string> architectures = architectures_;
  if (architectures.empty()) {
    architectures = deb::BuiltArchitectures(set, all);
  }
  if (architectures.empty()) architectures.push_back("all");
  std::sort(architectures.begin(), architectures.end());
  architectures.erase(std::unique(architectures.begin(), architectures.end()),
                      architectures.end());
  std::vector<bool> parsed(candidates_.size());
  while (true) {
    deb::Closure closure =
        deb::ClosureForArchitectures(set, roots, architectures);
    bool reached_new = false;
    for (size_t index : closure.packages) {
      if (parsed[index]) continue;
      absl::StatusOr<deb::PackageInfo> info = Parse(candidates_[index], true);
      if (!info.ok()) return info.status();
      set.SetDependencies(index, std::move(info->depends),
                          std::move(info->depends_fields));
      parsed[index] = true;
      reached_new = true;
    }
    if (!reached_new) {
      // Every package in the closure had its dependencies: it is the one
      // the whole set's would give.
      for (size_t index : closure.packages) {
        take[candidates_[index].entry] = true;
      }
      return take;
    }
  }
}

}  // namespace debrepo::mirror
