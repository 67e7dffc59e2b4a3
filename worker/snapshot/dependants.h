// What dropping a snapshot's source (a repo, a snapshot or a mirror) does
// to the snapshots made from it.
#ifndef DEBREPO_WORKER_SNAPSHOT_DEPENDANTS_H_
#define DEBREPO_WORKER_SNAPSHOT_DEPENDANTS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "proto/debrepo/v1/snapshots_types.pb.h"
#include "storage/transaction.h"

namespace debrepo::worker {

// ReleaseDependants readies the `kind` source `name` to be dropped: while
// it is published, FAILED_PRECONDITION naming the publications, even with
// `force`; while snapshots were made from it, FAILED_PRECONDITION naming them,
// unless `force`, which marks their source entries dropped (their packages
// never change).
absl::Status ReleaseDependants(storage::Transaction& tx,
                               v1::SnapshotSource::Kind kind,
                               absl::string_view name, bool force);

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_SNAPSHOT_DEPENDANTS_H_
