#include "worker/snapshot/filter_snapshot_job.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "deb/package_selection.h"
#include "deb/query.h"
#include "storage/snapshot_sets.h"
#include "storage/snapshot_store.h"
#include "worker/snapshot/derived_snapshot.h"

namespace debrepo::worker {

absl::StatusOr<PreparedFilter> FilterSnapshotJob::Prepare(
    const v1::FilterSnapshotArgs& filter, JobContext& context) const {
  ASSIGN_OR_RETURN(deb::Query query, deb::Query::Parse(filter.query()));
  if (!filter.with_deps()) return PreparedFilter();
  std::vector<deb::StoredPackage> source;
  std::vector<int64_t> matched;
  RETURN_IF_ERROR(context.Read([&](storage::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(source, storage::LoadSnapshotMembers(tx, filter.source()));
    ASSIGN_OR_RETURN(
        matched, storage::SelectSnapshotPackageIds(tx, filter.source(), query));
    return absl::OkStatus();
  }));
  ASSIGN_OR_RETURN(std::vector<int64_t> package_ids,
                   deb::WithDependencies(source, matched,
                                         {filter.architectures().begin(),
                                          filter.architectures().end()}));
  context.Log(absl::StrCat(matched.size(), " packages match, ",
                           package_ids.size(), " with their dependencies"));
  return PreparedFilter{.package_ids = std::move(package_ids)};
}

absl::StatusOr<v1::JobResult> FilterSnapshotJob::Apply(
    const v1::FilterSnapshotArgs& filter, const PreparedFilter& prepared,
    storage::Transaction& tx, JobContext& /*context*/) const {
  RETURN_IF_ERROR(CheckSnapshotNameFree(tx, filter.destination().name()));
  RETURN_IF_ERROR(storage::LoadSnapshot(tx, filter.source()).status());
  std::vector<int64_t> package_ids;
  if (prepared.package_ids.has_value()) {
    // Resolved in the long phase; the source has been held shared since.
    package_ids = *prepared.package_ids;
  } else {
    ASSIGN_OR_RETURN(deb::Query query, deb::Query::Parse(filter.query()));
    ASSIGN_OR_RETURN(package_ids, storage::SelectSnapshotPackageIds(
                                      tx, filter.source(), query));
  }
  v1::JobResult result;
  ASSIGN_OR_RETURN(*result.mutable_snapshot(),
                   InsertDerivedSnapshot(tx, filter.destination(),
                                         {filter.source()}, package_ids));
  return result;
}

}  // namespace debrepo::worker
