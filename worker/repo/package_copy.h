// What copying packages into a repo takes, shared by repo.copy_packages /
// repo.move_packages (from a repo) and repo.import (from a mirror): the
// dependency closure of what a query selects in the source, and the
// checked write into the destination.
#ifndef DEBREPO_WORKER_REPO_PACKAGE_COPY_H_
#define DEBREPO_WORKER_REPO_PACKAGE_COPY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "deb/query.h"
#include "proto/debrepo/v1/jobs.pb.h"
#include "storage/transaction.h"
#include "worker/job_handler.h"

namespace debrepo::worker {

// PreparedCopy is what a copy's long phase resolved.
struct PreparedCopy {
  // With dependencies: the keys of the selected packages and of their
  // dependency closure within the source.
  std::optional<std::vector<std::string>> closure;
};

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
// returns, sorted, the keys of what `query` selects and of their
// dependency closure (Pre-Depends, Depends) within its binary packages,
// logging the counts. Each selected package's dependencies are resolved
// for those of `architectures` it is built for (all of them for "all").
// When `architectures` is empty: for a mirror, every architecture its
// packages are built for; for a repo, those the selected packages are
// built for ("all" alone: every architecture the repo has, or "all").
// Source packages come alone.
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
