// The snapshot benchmark's input, the same for debrepo and aptly: two repos
// of packages generated from the machine's real Packages index that differ
// in every tenth package, the query that filter selects with, and the
// names that pull takes.
#ifndef DEBREPO_TESTS_BENCH_SNAPSHOT_WORKLOAD_H_
#define DEBREPO_TESTS_BENCH_SNAPSHOT_WORKLOAD_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tests/harness.h"

namespace debrepo::testing {

// kFilterQuery is what the benchmark's filter keeps (with dependencies):
// about 1% of the index, each with a few dependencies of its own.
inline constexpr char kFilterQuery[] = "Section (admin)";

// kArchitecture is the architecture pull and filter resolve dependencies
// for, given to both tools (bookworm's index is amd64 plus "all").
inline constexpr char kArchitecture[] = "amd64";

// SnapshotWorkload is the packages of repos "a" and "b" and what to pull.
struct SnapshotWorkload {
  // Repo "a": one .deb per stanza of the index, "p<i>.deb".
  std::vector<FileToUpload> repo_a;
  // Repo "b": repo_a's files, except that every tenth (i % 10 == 9) is
  // rebuilt with "+bench1" appended to its version, a higher version, as
  // "p<i>-bench1.deb".
  std::vector<FileToUpload> repo_b;
  // The names of repo_b's changed packages.
  std::vector<std::string> changed_names;
  // Up to 100 of changed_names, those with a Depends field first: pull
  // takes these from a snapshot of "b" into one of "a".
  std::vector<std::string> pull_names;
};

// MakeSnapshotWorkload builds the workload from the first `count` stanzas
// of the index (fewer when the index is shorter).
SnapshotWorkload MakeSnapshotWorkload(size_t count);

// WriteFiles writes each file into `directory` (created if missing) under
// its filename.
absl::Status WriteFiles(const std::vector<FileToUpload>& files,
                        const std::string& directory);

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_BENCH_SNAPSHOT_WORKLOAD_H_
