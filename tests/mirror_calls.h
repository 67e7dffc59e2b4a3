// Mirror calls through gRPC for integration tests: each submits through
// server `server` of a Stack and waits for the job, like the repo helpers
// of tests/harness.h; and RecordMirrorPackages, which gives a mirror a
// package list as a sync's transaction does, for tests of what reads
// mirrors without running a sync.
#ifndef DEBREPO_TESTS_MIRROR_CALLS_H_
#define DEBREPO_TESTS_MIRROR_CALLS_H_

#include <string>
#include <vector>

#include "proto/debrepo/v1/mirrors_types.pb.h"
#include "tests/harness.h"
#include "tests/test_database.h"

namespace debrepo::testing {

// CreateMirror creates `mirror` (its name and settings).
Result CreateMirror(Stack& stack, const v1::Mirror& mirror, int server = 0);

// UpdateMirror sets the `fields` of mirror `name` to those of `mirror`.
Result UpdateMirror(Stack& stack, const std::string& name,
                    const v1::Mirror& mirror,
                    const std::vector<std::string>& fields, int server = 0);

// DeleteMirror drops mirror `name` (with `force`: also when snapshots were
// made from it).
Result DeleteMirror(Stack& stack, const std::string& name, bool force = false,
                    int server = 0);

// SyncMirror syncs mirror `name`.
Result SyncMirror(Stack& stack, const std::string& name, int server = 0);

// GetMirror reads mirror `name`; the status of the call goes to `rpc`.
v1::Mirror GetMirror(Stack& stack, const std::string& name,
                     grpc::Status* rpc = nullptr, int server = 0);

// CreateSnapshotFromMirror snapshots mirror `mirror` as `name`.
Result CreateSnapshotFromMirror(Stack& stack, const std::string& name,
                                const std::string& mirror, int server = 0);

// MirrorKeys lists the keys of mirror `name`'s packages matching `query`,
// page by page; a failed call fails the test.
std::vector<std::string> MirrorKeys(Stack& stack, const std::string& name,
                                    const std::string& query = "",
                                    int server = 0);

// RecordMirrorPackages makes the stored packages with `keys` mirror
// `name`'s list, with storage::ReplaceMirrorPackages in a transaction of
// its own: what a sync's transaction does once it has stored them. Fails
// the test when that fails.
void RecordMirrorPackages(const TestDatabase& db, const std::string& name,
                          const std::vector<std::string>& keys);

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_MIRROR_CALLS_H_
