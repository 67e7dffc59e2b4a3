#include "worker/snapshot/pull_snapshot_job.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "deb/query.h"
#include "google/protobuf/repeated_field.h"
#include "storage/snapshot_sets.h"
#include "storage/snapshot_store.h"
#include "worker/repo/bounded_lists.h"
#include "worker/snapshot/derived_snapshot.h"

namespace debrepo::worker {
namespace {

// ArchitecturesToResolve returns `requested`, else the built architectures
// of the first of the snapshots at `positions` of `snapshots` that has
// any, else "all": those a pull resolves dependencies for (its base's,
// then its source's). The snapshots' architectures are read only when
// none are requested.
absl::StatusOr<std::vector<std::string>> ArchitecturesToResolve(
    const google::protobuf::RepeatedPtrField<std::string>& requested,
    storage::SnapshotPackagesByName& snapshots,
    const std::vector<size_t>& positions) {
  std::vector<std::string> architectures(requested.begin(), requested.end());
  for (size_t position : positions) {
    if (!architectures.empty()) break;
    ASSIGN_OR_RETURN(architectures, snapshots.BuiltArchitectures(position));
  }
  if (architectures.empty()) architectures.push_back("all");
  return architectures;
}

}  // namespace

absl::StatusOr<deb::PullPlan> PullSnapshotJob::Prepare(
    const v1::PullSnapshotArgs& pull, JobContext& context) const {
  ASSIGN_OR_RETURN(deb::Query query, deb::Query::Parse(pull.query()));
  std::vector<int64_t> matched;
  deb::PullPlan plan;
  RETURN_IF_ERROR(context.Read([&](storage::Transaction& tx) -> absl::Status {
    // Base first: it is the one named when neither exists.
    constexpr size_t kBase = 0;
    constexpr size_t kSource = 1;
    ASSIGN_OR_RETURN(storage::SnapshotPackagesByName snapshots,
                     storage::SnapshotPackagesByName::Open(
                         tx, {pull.base(), pull.source()}));
    ASSIGN_OR_RETURN(
        matched, storage::SelectSnapshotPackageIds(tx, pull.source(), query));
    ASSIGN_OR_RETURN(const std::vector<std::string> matched_names,
                     snapshots.NamesOf(matched));
    ASSIGN_OR_RETURN(std::vector<std::string> architectures,
                     ArchitecturesToResolve(pull.architectures(), snapshots,
                                            {kBase, kSource}));
    const deb::PackageLookup lookup = [&](const std::vector<std::string>& names)
        -> absl::StatusOr<deb::NamedPackages> {
      ASSIGN_OR_RETURN(std::vector<std::vector<deb::StoredPackage>> read,
                       snapshots.Read(names));
      return deb::NamedPackages{.source = std::move(read[kSource]),
                                .base = std::move(read[kBase])};
    };
    ASSIGN_OR_RETURN(
        plan, deb::PlanPullByName(lookup, snapshots.ids(kBase), matched_names,
                                  matched,
                                  {.no_deps = pull.no_deps(),
                                   .no_remove = pull.no_remove(),
                                   .all_matches = pull.all_matches(),
                                   .architectures = std::move(architectures)}));
    return absl::OkStatus();
  }));
  context.Log(absl::StrCat(matched.size(), " packages of ", pull.source(),
                           " match; pulling ", plan.added.size(), " into ",
                           pull.base(), ", removing ", plan.removed.size()));
  if (!plan.unsatisfied.empty()) {
    context.Log(
        absl::StrCat("nothing satisfies ", JoinAtMost(plan.unsatisfied, "; ")));
  }
  return plan;
}

absl::StatusOr<v1::JobResult> PullSnapshotJob::Apply(
    const v1::PullSnapshotArgs& pull, const deb::PullPlan& plan,
    storage::Transaction& tx, JobContext& /*context*/) const {
  // Both were read in the long phase under the job's shared locks, which
  // no drop or rename gets past: reloading them by name only confirms it.
  RETURN_IF_ERROR(storage::LoadSnapshot(tx, pull.base()).status());
  RETURN_IF_ERROR(storage::LoadSnapshot(tx, pull.source()).status());
  v1::JobResult result;
  v1::PullSnapshotResult& pulled = *result.mutable_pull_snapshot();
  pulled.set_dry_run(pull.dry_run());
  pulled.set_added_count(
      ListAtMost(plan.added, kMaxKeysInResult, *pulled.mutable_added()));
  pulled.set_removed_count(
      ListAtMost(plan.removed, kMaxKeysInResult, *pulled.mutable_removed()));
  if (pull.dry_run()) return result;
  RETURN_IF_ERROR(CheckSnapshotNameFree(tx, pull.destination().name()));
  ASSIGN_OR_RETURN(
      *pulled.mutable_snapshot(),
      InsertDerivedSnapshot(tx, pull.destination(),
                            {pull.base(), pull.source()}, plan.package_ids));
  return result;
}

}  // namespace debrepo::worker
