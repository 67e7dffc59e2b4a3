// The errors that keep a repo's (and a snapshot's) invariant: it never
// holds two different packages with the same name, version and
// architecture; and the error for package keys nothing has.
#ifndef DEBREPO_WORKER_REPO_CONFLICT_ERROR_H_
#define DEBREPO_WORKER_REPO_CONFLICT_ERROR_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "storage/package_store.h"
#include "storage/transaction.h"

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

// CheckPackagesStored is NOT_FOUND naming those of `keys` that no stored
// package has (the first few), ending with `consequence` ("nothing was
// added").
absl::Status CheckPackagesStored(storage::Transaction& tx,
                                 const std::vector<std::string>& keys,
                                 absl::string_view consequence);

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_REPO_CONFLICT_ERROR_H_
