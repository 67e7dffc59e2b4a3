// PoolPathCheck: two packages of one publication that would put different
// files at one pool path. The publishing transaction compares the files a
// job adds with those the rest of its prefix lists
// (storage::ConflictingPoolFiles); the job's own packages it leaves to the
// long phase, which lists them all anyway and checks them here in memory
// instead of reading every file of a first publication again.
#ifndef DEBREPO_WORKER_PUBLISH_POOL_PATH_CHECK_H_
#define DEBREPO_WORKER_PUBLISH_POOL_PATH_CHECK_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace debrepo::worker {

// PoolPathCheck collects the pool paths of a publication's files. Not
// thread-safe.
class PoolPathCheck {
 public:
  // Add records the file `name` with SHA-256 `sha256` of a package of
  // source package `source` in `component`.
  void Add(absl::string_view component, absl::string_view source,
           absl::string_view name, absl::string_view sha256);

  // Result is OK, or FAILED_PRECONDITION naming (at most 20) the pool
  // paths "<component>/<source>/<file>" that two files of other bytes
  // were added at, for the publication named `publication`.
  absl::Status Result(absl::string_view publication) const;

 private:
  // SHA-256 by pool path.
  absl::flat_hash_map<std::string, std::string> sha256_by_path_;
  std::vector<std::string> conflicts_;
};

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_PUBLISH_POOL_PATH_CHECK_H_
