#include "mirror/index_plan.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "jobs/mirror_update.h"

namespace debrepo::mirror {
namespace {

// kCompressions are the index forms a sync can read, best first. "Best" is
// the cheapest sync, not the smallest download: zlib inflates bookworm
// main's 50 MB Packages in 0.23 s of CPU, liblzma in 0.53 s (measured
// 2026-12-04), which was a third of a filtered sync's time; the .xz saves
// 2.8 MB (25%) of the 11.7 MB .gz, less than that CPU time costs on links
// faster than about 10 MB/s. aptly reads .gz before .xz too; apt prefers
// .xz. Plain text comes last: four times the bytes of either.
constexpr absl::string_view kCompressions[] = {".gz", ".xz", ""};

bool Contains(const std::vector<std::string>& list, absl::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// Choose returns `asked` when it is not empty, each of which the Release
// must offer (`what` names them in the error), else `offered`.
absl::StatusOr<std::vector<std::string>> Choose(
    absl::string_view what,
    const google::protobuf::RepeatedPtrField<std::string>& asked,
    const std::vector<std::string>& offered) {
  if (asked.empty()) return offered;
  for (const std::string& name : asked) {
    if (!Contains(offered, name)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the archive's Release has no ", what, " \"", name,
          "\"; it offers: ", absl::CHexEscape(absl::StrJoin(offered, " ")),
          "; edit the mirror's ", what, "s"));
    }
  }
  return std::vector<std::string>(asked.begin(), asked.end());
}

// Plan returns the index `name` (a path without compression suffix) with
// the candidates the Release lists.
PlannedIndex Plan(const Release& release, std::string component,
                  std::string architecture, IndexKind kind, std::string name) {
  PlannedIndex index{
      std::move(component), std::move(architecture), kind, {}, std::move(name)};
  for (absl::string_view suffix : kCompressions) {
    if (const ReleaseIndexFile* file =
            release.FindFile(absl::StrCat(index.name, suffix))) {
      index.candidates.push_back(*file);
    }
  }
  return index;
}

// Require fails when the Release lists no form of `index`.
absl::Status Require(const PlannedIndex& index) {
  if (!index.candidates.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "the archive's Release lists no ", index.name,
      " index (neither .gz, .xz nor plain); check the mirror's components "
      "and architectures"));
}

// AppendEscaped appends `path` percent-escaped, keeping '/' and RFC 3986's
// unreserved characters, and dropping "." segments.
void AppendEscaped(absl::string_view path, std::string& url) {
  bool first = true;
  for (absl::string_view segment : absl::StrSplit(path, '/')) {
    if (segment == "." || (segment.empty() && first)) continue;
    if (!first) url.push_back('/');
    first = false;
    for (char c : segment) {
      if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' ||
          c == '~') {
        url.push_back(c);
      } else {
        absl::StrAppend(&url, "%",
                        absl::AsciiStrToUpper(absl::StrCat(absl::Hex(
                            static_cast<unsigned char>(c), absl::kZeroPad2))));
      }
    }
  }
}

// ArchiveRoot is archive_url with exactly one '/' at its end.
std::string ArchiveRoot(const v1::Mirror& mirror) {
  absl::string_view url = mirror.archive_url();
  while (absl::ConsumeSuffix(&url, "/")) {
  }
  return absl::StrCat(url, "/");
}

}  // namespace

absl::StatusOr<std::vector<PlannedIndex>> PlanIndices(
    const Release& release, const v1::Mirror& mirror) {
  std::vector<PlannedIndex> plan;
  if (jobs::IsFlatDistribution(mirror.distribution())) {
    if (!mirror.components().empty()) {
      return absl::FailedPreconditionError(
          "a flat repository has no components; edit the mirror's "
          "components to none");
    }
    plan.push_back(Plan(release, "", "", IndexKind::kPackages, "Packages"));
    RETURN_IF_ERROR(Require(plan.back()));
    if (mirror.with_sources()) {
      plan.push_back(Plan(release, "", "", IndexKind::kSources, "Sources"));
      RETURN_IF_ERROR(Require(plan.back()));
    }
    return plan;
  }
  ASSIGN_OR_RETURN(
      std::vector<std::string> components,
      Choose("component", mirror.components(), release.components));
  std::vector<std::string> offered_architectures;
  for (const std::string& architecture : release.architectures) {
    if (architecture != "all" && architecture != "source") {
      offered_architectures.push_back(architecture);
    }
  }
  ASSIGN_OR_RETURN(
      std::vector<std::string> architectures,
      Choose("architecture", mirror.architectures(), offered_architectures));
  for (const std::string& component : components) {
    for (const std::string& architecture : architectures) {
      plan.push_back(
          Plan(release, component, architecture, IndexKind::kPackages,
               absl::StrCat(component, "/binary-", architecture, "/Packages")));
      RETURN_IF_ERROR(Require(plan.back()));
    }
    if (Contains(release.architectures, "all") &&
        !release.all_in_architecture_indices) {
      PlannedIndex all = Plan(release, component, "all", IndexKind::kPackages,
                              absl::StrCat(component, "/binary-all/Packages"));
      if (!all.candidates.empty()) plan.push_back(std::move(all));
    }
    if (mirror.with_udebs()) {
      for (const std::string& architecture : architectures) {
        PlannedIndex udebs = Plan(
            release, component, architecture, IndexKind::kInstallerPackages,
            absl::StrCat(component, "/debian-installer/binary-", architecture,
                         "/Packages"));
        if (!udebs.candidates.empty()) plan.push_back(std::move(udebs));
      }
    }
    if (mirror.with_sources()) {
      plan.push_back(Plan(release, component, "", IndexKind::kSources,
                          absl::StrCat(component, "/source/Sources")));
      RETURN_IF_ERROR(Require(plan.back()));
    }
  }
  return plan;
}

std::string DistributionUrl(const v1::Mirror& mirror) {
  std::string url = ArchiveRoot(mirror);
  if (!jobs::IsFlatDistribution(mirror.distribution())) url += "dists/";
  size_t before = url.size();
  AppendEscaped(mirror.distribution(), url);
  if (url.size() > before && url.back() != '/') url.push_back('/');
  return url;
}

std::string IndexUrl(const v1::Mirror& mirror, const ReleaseIndexFile& file,
                     bool by_hash) {
  std::string url = DistributionUrl(mirror);
  if (!by_hash) {
    AppendEscaped(file.path, url);
    return url;
  }
  size_t slash = file.path.rfind('/');
  if (slash != std::string::npos) {
    AppendEscaped(absl::string_view(file.path).substr(0, slash + 1), url);
  }
  absl::StrAppend(&url, "by-hash/SHA256/", file.sha256);
  return url;
}

std::string ArchiveFileUrl(const v1::Mirror& mirror,
                           absl::string_view archive_path) {
  std::string url = ArchiveRoot(mirror);
  AppendEscaped(archive_path, url);
  return url;
}

}  // namespace debrepo::mirror
