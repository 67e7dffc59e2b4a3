#include "worker/snapshot/merge_snapshots_job.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "deb/package_sets.h"
#include "storage/snapshot_sets.h"
#include "storage/snapshot_store.h"
#include "worker/snapshot/derived_snapshot.h"

namespace debrepo::worker {

absl::StatusOr<v1::JobResult> MergeSnapshotsJob::Apply(
    const v1::MergeSnapshotsArgs& merge, const NothingPrepared& /*prepared*/,
    storage::Transaction& tx, JobContext& context) const {
  RETURN_IF_ERROR(CheckSnapshotNameFree(tx, merge.destination().name()));
  const std::vector<std::string> sources(merge.sources().begin(),
                                         merge.sources().end());
  const storage::MergeRule rule = merge.latest() ? storage::MergeRule::kLatest
                                  : merge.no_remove()
                                      ? storage::MergeRule::kKeepAll
                                      : storage::MergeRule::kLastSourceWins;
  // Each source as it is now, under the job's shared lock on it: NOT_FOUND
  // if a drop or rename was queued before this merge.
  ASSIGN_OR_RETURN(const deb::PairedIds packages,
                   storage::MergeSnapshotPackages(tx, sources, rule));
  context.Log(absl::StrCat("merged ", sources.size(), " snapshots into ",
                           packages.ids.size(), " packages"));
  v1::JobResult result;
  ASSIGN_OR_RETURN(
      *result.mutable_snapshot(),
      InsertDerivedSnapshot(tx, merge.destination(), sources, packages));
  return result;
}

}  // namespace debrepo::worker
