// What copying packages into a repo takes, shared by repo.copy_packages /
// repo.move_packages (from a repo) and repo.import (from a mirror): the
// dependency closure of what a query selects in the source, and the
// checked write into the destination.
#ifndef DEBREPO_WORKER_REPO_PACKAGE_COPY_H_
#define DEBREPO_WORKER_REPO_PACKAGE_COPY_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "deb/query.h"
#include "proto/debrepo/v1/jobs.pb.h"
#include "storage/package_store.h"
#include "storage/transaction.h"
#include "worker/job_handler.h"

namespace debrepo::worker {

// ClosureKeys returns, sorted, the keys of `roots` and of their dependency
// closure (Pre-Depends, Depends) within the binary packages `stanzas`,
// resolved for each of `architectures`; when empty, for every architecture
// the roots are built for ("all" roots: for every architecture of
// `stanzas`, or as "all" when they have no other). Source packages among
// the roots come alone.
absl::StatusOr<std::vector<std::string>> ClosureKeys(
    const std::vector<storage::RepoStanza>& stanzas,
    const absl::flat_hash_set<std::string>& roots,
    const std::vector<std::string>& architectures = {});

// CopySource is what packages are copied from: a repo or a mirror.
struct CopySource {
  enum class Kind { kRepo, kMirror };
  Kind kind = Kind::kRepo;
  std::string name;
};

// SelectSourceKeys returns the keys of the packages of `source` matching
// `query`, by key, inside `tx`.
absl::StatusOr<std::vector<std::string>> SelectSourceKeys(
    storage::Transaction& tx, const CopySource& source,
    const deb::Query& query);

// ResolveWithDependencies is the long phase of a copy with dependencies:
// it reads `source` (locked by the job) in a short read transaction and
// returns ClosureKeys of what `query` selects, for `architectures` (when
// empty: for a mirror, every architecture its packages are built for; for
// a repo, as ClosureKeys says), logging the counts.
absl::StatusOr<std::vector<std::string>> ResolveWithDependencies(
    JobContext& context, const CopySource& source, absl::string_view query,
    const std::vector<std::string>& architectures = {});

// CopyIntoRepo adds the stored packages with `keys` to repo `destination`
// (only checks, with `dry_run`), refusing with FAILED_PRECONDITION a
// package whose name, version and architecture the repo (or another of
// `keys`) holds in another build; returns the CopyPackagesResult.
absl::StatusOr<v1::JobResult> CopyIntoRepo(storage::Transaction& tx,
                                           absl::string_view destination,
                                           const std::vector<std::string>& keys,
                                           bool dry_run);

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_REPO_PACKAGE_COPY_H_
