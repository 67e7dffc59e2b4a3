// The error that keeps a repo's invariant: it never holds two different
// packages with the same name, version and architecture.
#ifndef DEBREPO_WORKER_REPO_CONFLICT_ERROR_H_
#define DEBREPO_WORKER_REPO_CONFLICT_ERROR_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "storage/package_store.h"

namespace debrepo::worker {

// ConflictError is the FAILED_PRECONDITION for packages that would sit in
// `repo` beside different packages of the same name, version and
// architecture it already has, naming both of each pair (the first few)
// and ending with `remedy`.
absl::Status ConflictError(absl::string_view repo,
                           const std::vector<storage::KeyConflict>& conflicts,
                           absl::string_view remedy);

// BuildsAddedTogetherError is the FAILED_PRECONDITION for `conflicts`
// among packages one request adds: two different builds of one name,
// version and architecture (the first few pairs named), of which a repo
// can take one.
absl::Status BuildsAddedTogetherError(
    const std::vector<storage::KeyConflict>& conflicts);

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_REPO_CONFLICT_ERROR_H_
