#include "worker/repo/package_copy.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "deb/resolver.h"
#include "storage/package_store.h"
#include "worker/repo/bounded_lists.h"
#include "worker/repo/conflict_error.h"

namespace debrepo::worker {
namespace {

// The keys of `roots` and of their dependency closure within `stanzas`,
// as ResolveWithDependencies says.
absl::StatusOr<std::vector<std::string>> ClosureKeys(
    const std::vector<storage::RepoStanza>& stanzas,
    const absl::flat_hash_set<std::string>& roots,
    const std::vector<std::string>& architectures) {
  deb::PackageSet set;
  std::vector<size_t> root_indices;
  absl::flat_hash_set<std::string> root_architectures;
  for (const storage::RepoStanza& stanza : stanzas) {
    ASSIGN_OR_RETURN(deb::PackageInfo info,
                     deb::PackageInfoFromParagraph(stanza.control));
    const std::string architecture = info.architecture;
    const size_t index = set.Add(std::move(info));
    if (roots.contains(stanza.key)) {
      root_indices.push_back(index);
      root_architectures.insert(architecture);
    }
  }
  if (!architectures.empty()) {
    root_architectures = absl::flat_hash_set<std::string>(architectures.begin(),
                                                          architectures.end());
  } else if (root_architectures.erase("all") > 0 &&
             root_architectures.empty()) {
    // "all" packages install anywhere: resolve them for every architecture
    // the source has, or as "all" when it has no other.
    for (size_t i = 0; i < set.size(); ++i) {
      if (set.package(i).architecture != "all") {
        root_architectures.insert(set.package(i).architecture);
      }
    }
    if (root_architectures.empty()) root_architectures.insert("all");
  }
  // Each root's dependencies are resolved for what it is built for (or,
  // for "all", for each architecture).
  std::vector<std::string> resolved_for(root_architectures.begin(),
                                        root_architectures.end());
  std::sort(resolved_for.begin(), resolved_for.end());
  std::vector<std::string> keys(roots.begin(), roots.end());
  for (size_t index :
       deb::ClosureForArchitectures(set, root_indices, resolved_for).packages) {
    if (!roots.contains(stanzas[index].key)) {
      keys.push_back(stanzas[index].key);
    }
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> SelectSourceKeys(
    storage::Transaction& tx, const CopySource& source,
    const deb::Query& query) {
  return source.kind == CopySource::Kind::kMirror
             ? storage::SelectMirrorPackageKeys(tx, source.name, &query)
             : storage::SelectRepoPackageKeys(tx, source.name, &query);
}

absl::StatusOr<std::vector<std::string>> ResolveWithDependencies(
    JobContext& context, const CopySource& source, absl::string_view query,
    const std::vector<std::string>& architectures) {
  ASSIGN_OR_RETURN(const deb::Query parsed, deb::Query::Parse(query));
  std::vector<storage::RepoStanza> stanzas;
  std::vector<std::string> selected;
  RETURN_IF_ERROR(context.Read([&](storage::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(stanzas,
                     source.kind == CopySource::Kind::kMirror
                         ? storage::LoadMirrorBinaryStanzas(tx, source.name)
                         : storage::LoadRepoBinaryStanzas(tx, source.name));
    ASSIGN_OR_RETURN(selected, SelectSourceKeys(tx, source, parsed));
    return absl::OkStatus();
  }));
  std::vector<std::string> resolved_for = architectures;
  // An import resolves by default for every architecture the mirror has
  // (ImportFromMirrorRequest), as aptly's `repo import` does; a copy for
  // those its roots are built for.
  if (resolved_for.empty() && source.kind == CopySource::Kind::kMirror) {
    absl::flat_hash_set<std::string> seen;
    for (const storage::RepoStanza& stanza : stanzas) {
      const std::string architecture(stanza.control.GetOrEmpty("Architecture"));
      if (architecture != "all" && seen.insert(architecture).second) {
        resolved_for.push_back(architecture);
      }
    }
  }
  ASSIGN_OR_RETURN(std::vector<std::string> keys,
                   ClosureKeys(stanzas,
                               absl::flat_hash_set<std::string>(
                                   selected.begin(), selected.end()),
                               resolved_for));
  context.Log(absl::StrCat(selected.size(), " packages match, ", keys.size(),
                           " with their dependencies"));
  return keys;
}

absl::StatusOr<v1::JobResult> CopyIntoRepo(storage::Transaction& tx,
                                           absl::string_view destination,
                                           const std::vector<std::string>& keys,
                                           bool dry_run) {
  // Invariant: a repo never holds two different packages with the same
  // name, version and architecture.
  ASSIGN_OR_RETURN(std::vector<storage::KeyConflict> conflicts,
                   storage::FindRepoConflicts(tx, destination, keys));
  if (!conflicts.empty()) {
    return ConflictError(destination, conflicts,
                         "Nothing was copied; remove those first");
  }
  // A dry run stops here: what it would copy and the conflicts that would
  // stop it are known.
  if (!dry_run) RETURN_IF_ERROR(storage::AddToRepo(tx, destination, keys));
  v1::JobResult result;
  v1::CopyPackagesResult& copied = *result.mutable_copy_packages();
  copied.set_dry_run(dry_run);
  copied.set_copied_count(
      ListAtMost(keys, kMaxKeysInResult, *copied.mutable_copied()));
  return result;
}

}  // namespace debrepo::worker
