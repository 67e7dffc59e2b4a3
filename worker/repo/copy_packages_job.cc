#include "worker/repo/copy_packages_job.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "deb/query.h"
#include "deb/resolver.h"
#include "storage/package_store.h"
#include "storage/repo_store.h"
#include "worker/repo/bounded_lists.h"
#include "worker/repo/conflict_error.h"

namespace debrepo::worker {
namespace {

// The keys of `roots` and of their dependency closure (Pre-Depends,
// Depends) within the binary packages `stanzas`, for every architecture the
// roots are built for. Source packages among the roots come alone.
absl::StatusOr<std::vector<std::string>> ClosureKeys(
    const std::vector<storage::RepoStanza>& stanzas,
    const absl::flat_hash_set<std::string>& roots) {
  deb::PackageSet set;
  std::vector<size_t> root_indices;
  absl::flat_hash_set<std::string> architectures;
  for (const storage::RepoStanza& stanza : stanzas) {
    ASSIGN_OR_RETURN(deb::PackageInfo info,
                     deb::PackageInfoFromParagraph(stanza.control));
    const std::string architecture = info.architecture;
    const size_t index = set.Add(std::move(info));
    if (roots.contains(stanza.key)) {
      root_indices.push_back(index);
      architectures.insert(architecture);
    }
  }
  // "all" packages install anywhere: resolve them for every architecture
  // the source has, or as "all" when it has no other.
  if (architectures.erase("all") > 0 && architectures.empty()) {
    for (size_t i = 0; i < set.size(); ++i) {
      if (set.package(i).architecture != "all") {
        architectures.insert(set.package(i).architecture);
      }
    }
    if (architectures.empty()) architectures.insert("all");
  }
  absl::flat_hash_set<size_t> members;
  for (const std::string& architecture : architectures) {
    for (size_t index :
         deb::DependencyClosure(set, root_indices, architecture).packages) {
      members.insert(index);
    }
  }
  std::vector<std::string> keys(roots.begin(), roots.end());
  for (size_t index : members) {
    if (!roots.contains(stanzas[index].key)) {
      keys.push_back(stanzas[index].key);
    }
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace

absl::StatusOr<PreparedCopy> CopyPackagesJob::Prepare(
    const v1::CopyPackagesArgs& copy, JobContext& context) const {
  if (!copy.with_deps()) return PreparedCopy();
  ASSIGN_OR_RETURN(deb::Query query, deb::Query::Parse(copy.query()));
  std::vector<storage::RepoStanza> stanzas;
  std::vector<std::string> selected;
  RETURN_IF_ERROR(context.Read([&](storage::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(stanzas,
                     storage::LoadRepoBinaryStanzas(tx, copy.source()));
    ASSIGN_OR_RETURN(selected,
                     storage::SelectRepoPackageKeys(tx, copy.source(), &query));
    return absl::OkStatus();
  }));
  ASSIGN_OR_RETURN(std::vector<std::string> keys,
                   ClosureKeys(stanzas, absl::flat_hash_set<std::string>(
                                            selected.begin(), selected.end())));
  context.Log(absl::StrCat(selected.size(), " packages match, ", keys.size(),
                           " with their dependencies"));
  return PreparedCopy{.closure = std::move(keys)};
}

absl::StatusOr<v1::JobResult> CopyPackagesJob::Apply(
    const v1::CopyPackagesArgs& copy, const PreparedCopy& prepared,
    storage::Transaction& tx, JobContext& /*context*/) const {
  RETURN_IF_ERROR(storage::LoadRepo(tx, copy.source()).status());
  RETURN_IF_ERROR(storage::LoadRepo(tx, copy.destination()).status());
  std::vector<std::string> keys;
  if (prepared.closure.has_value()) {
    // Resolved in the long phase; the source has been locked since.
    keys = *prepared.closure;
  } else {
    // The source as it is now, under its lock: never a stale copy.
    ASSIGN_OR_RETURN(deb::Query query, deb::Query::Parse(copy.query()));
    ASSIGN_OR_RETURN(keys,
                     storage::SelectRepoPackageKeys(tx, copy.source(), &query));
  }
  // Invariant: a repo never holds two different packages with the same
  // name, version and architecture.
  ASSIGN_OR_RETURN(std::vector<storage::KeyConflict> conflicts,
                   storage::FindRepoConflicts(tx, copy.destination(), keys));
  if (!conflicts.empty()) {
    return ConflictError(copy.destination(), conflicts,
                         "Nothing was copied; remove those first");
  }
  // A dry run stops here: what it would copy (or move) and the conflicts
  // that would stop it are known.
  if (!copy.dry_run()) {
    RETURN_IF_ERROR(storage::AddToRepo(tx, copy.destination(), keys));
    if (copy.move()) {
      RETURN_IF_ERROR(storage::RemoveFromRepo(tx, copy.source(), keys,
                                              /*query=*/nullptr)
                          .status());
    }
  }
  v1::JobResult result;
  v1::CopyPackagesResult& copied = *result.mutable_copy_packages();
  copied.set_dry_run(copy.dry_run());
  copied.set_copied_count(
      ListAtMost(keys, kMaxKeysInResult, *copied.mutable_copied()));
  return result;
}

}  // namespace debrepo::worker
