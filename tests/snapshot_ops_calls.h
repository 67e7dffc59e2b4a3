// Calls of the snapshot operations that make snapshots from others (merge,
// pull, filter) and compare them (diff, verify), for integration tests, and
// a way to store hand-made packages: each submits through server `server`
// of a Stack and waits for the job, like tests/snapshot_calls.h.
#ifndef DEBREPO_TESTS_SNAPSHOT_OPS_CALLS_H_
#define DEBREPO_TESTS_SNAPSHOT_OPS_CALLS_H_

#include <map>
#include <string>
#include <vector>

#include "tests/harness.h"
#include "tests/snapshot_calls.h"

namespace debrepo::testing {

// StorePackages builds `specs`, uploads them into `directory` and adds
// them to repo `repo` (created first), and returns their keys by
// "name_version_architecture"; a failed step fails the test.
std::map<std::string, std::string> StorePackages(
    Stack& stack, const std::string& repo, const std::string& directory,
    const std::vector<PackageSpec>& specs);

// MergeSnapshots merges `sources` into `destination`.
Result MergeSnapshots(Stack& stack, const std::string& destination,
                      const std::vector<std::string>& sources,
                      bool latest = false, bool no_remove = false,
                      int server = 0);

// FilterSnapshot makes `destination` of the packages of `source` matching
// `query`.
Result FilterSnapshot(Stack& stack, const std::string& source,
                      const std::string& destination, const std::string& query,
                      bool with_deps = false, int server = 0);

// PullSnapshot runs `request` (its request_id set when empty).
Result PullSnapshot(Stack& stack, const v1::PullSnapshotRequest& request,
                    int server = 0);

// DiffLines returns the diff from `left` to `right` as lines like aptly's
// ("! name arch left-version right-version", "+ name arch version",
// "- name arch version"), read in pages of `page_size`; a failed call
// fails the test.
std::vector<std::string> DiffLines(Stack& stack, const std::string& left,
                                   const std::string& right,
                                   bool only_matching = false,
                                   int page_size = 3);

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_SNAPSHOT_OPS_CALLS_H_
