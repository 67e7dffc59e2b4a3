// Publish calls through gRPC for integration tests, each submitting through
// server `server` of a Stack and waiting for the job, and what tests read
// of a published tree.
#ifndef DEBREPO_TESTS_PUBLISH_CALLS_H_
#define DEBREPO_TESTS_PUBLISH_CALLS_H_

#include <map>
#include <string>
#include <vector>

#include "tests/harness.h"

namespace debrepo::testing {

// SnapshotComponent is component `component` published from `snapshot`;
// RepoComponent from repo `repo`.
v1::PublishedComponent SnapshotComponent(const std::string& component,
                                         const std::string& snapshot);
v1::PublishedComponent RepoComponent(const std::string& component,
                                     const std::string& repo);

// Ref names the publication at `prefix` and `distribution` on the default
// storage.
v1::PublicationRef Ref(const std::string& prefix,
                       const std::string& distribution);

// PublishSnapshot publishes snapshot `snapshot` as component "main" of
// `prefix`/`distribution`, unsigned unless `signed_`, for amd64.
Result PublishSnapshot(Stack& stack, const std::string& prefix,
                       const std::string& distribution,
                       const std::string& snapshot, bool signed_ = false,
                       int server = 0);

// PublishRepo publishes repo `repo` as component "main" of
// `prefix`/`distribution`, unsigned, for amd64.
Result PublishRepo(Stack& stack, const std::string& prefix,
                   const std::string& distribution, const std::string& repo,
                   int server = 0);

// CreatePublication publishes `publication` and waits.
Result CreatePublication(Stack& stack, const v1::Publication& publication,
                         int server = 0);

// SwitchPublication points component "main" of `ref` at `snapshot`.
Result SwitchPublication(Stack& stack, const v1::PublicationRef& ref,
                         const std::string& snapshot, int server = 0);

// UpdatePublication writes `ref`'s tree again, settings unchanged.
Result UpdatePublication(Stack& stack, const v1::PublicationRef& ref,
                         int server = 0);

// DeletePublication drops `ref`.
Result DeletePublication(Stack& stack, const v1::PublicationRef& ref,
                         bool force_drop = false, int server = 0);

// ReleaseSha256 reads the SHA256 section of the Release file in
// `dist_dir`: path → "digest size".
std::map<std::string, std::string> ReleaseSha256(const std::string& dist_dir);

// TreeMismatches lists the files the Release in `dist_dir` names whose
// digest or size differ, or that are missing (empty when the tree is
// whole).
std::vector<std::string> TreeMismatches(const std::string& dist_dir);

// PoolFileMismatches lists the pool files that the amd64 Packages of
// `prefix`/`distribution`'s component `component` under publish root
// `root` names and that are not there or whose SHA-256 differs from the
// one Packages gives (empty when apt would download every one).
std::vector<std::string> PoolFileMismatches(
    const std::string& root, const std::string& prefix,
    const std::string& distribution, const std::string& component = "main");

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_PUBLISH_CALLS_H_
