#include "jobs/snapshot_kinds.h"

#include <string>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "jobs/job_spec.h"
#include "storage/database.h"
#include "storage/mirror_store.h"
#include "storage/repo_store.h"
#include "storage/snapshot_store.h"

namespace debrepo::jobs {
namespace {

// Fails fast when the snapshot exists.
absl::Status CheckSnapshotAbsent(storage::Database& db,
                                 absl::string_view name) {
  absl::StatusOr<v1::Snapshot> existing = storage::GetSnapshot(db, name);
  if (existing.ok()) return storage::SnapshotAlreadyExists(name);
  if (existing.status().code() == absl::StatusCode::kNotFound) {
    return absl::OkStatus();
  }
  return existing.status();
}

// Fails fast when the snapshot is missing.
absl::Status CheckSnapshotExists(storage::Database& db,
                                 absl::string_view name) {
  return storage::GetSnapshot(db, name).status();
}

bool IsRename(const v1::UpdateSnapshotArgs& update) {
  return absl::c_linear_search(update.fields(), "name") &&
         update.snapshot().name() != update.name();
}

absl::Status CreateSnapshotKeys(const v1::CreateSnapshotArgs& create,
                                ResourceKeys& keys) {
  keys.exclusive.push_back(SnapshotKey(create.snapshot().name()));
  if (create.from_case() == v1::CreateSnapshotArgs::kRepo) {
    keys.shared.push_back(RepoKey(create.repo()));
  }
  if (create.from_case() == v1::CreateSnapshotArgs::kMirror) {
    keys.shared.push_back(MirrorKey(create.mirror()));
  }
  return absl::OkStatus();
}

absl::Status CheckCreatable(storage::Database& db,
                            const v1::CreateSnapshotArgs& create) {
  if (create.from_case() == v1::CreateSnapshotArgs::kRepo) {
    RETURN_IF_ERROR(storage::GetRepo(db, create.repo()).status());
  }
  if (create.from_case() == v1::CreateSnapshotArgs::kMirror) {
    RETURN_IF_ERROR(storage::GetMirror(db, create.mirror()).status());
  }
  return CheckSnapshotAbsent(db, create.snapshot().name());
}

absl::Status UpdateSnapshotKeys(const v1::UpdateSnapshotArgs& update,
                                ResourceKeys& keys) {
  keys.exclusive.push_back(SnapshotKey(update.name()));
  // A rename also locks the new name, so it races fairly with a create of
  // that name or another rename onto it.
  if (IsRename(update)) {
    keys.exclusive.push_back(SnapshotKey(update.snapshot().name()));
  }
  return absl::OkStatus();
}

absl::Status CheckUpdatable(storage::Database& db,
                            const v1::UpdateSnapshotArgs& update) {
  RETURN_IF_ERROR(CheckSnapshotExists(db, update.name()));
  if (!IsRename(update)) return absl::OkStatus();
  return CheckSnapshotAbsent(db, update.snapshot().name());
}

absl::Status MergeSnapshotsKeys(const v1::MergeSnapshotsArgs& merge,
                                ResourceKeys& keys) {
  if (merge.sources().empty() || merge.sources_size() > kMaxMergeSources) {
    return absl::InvalidArgumentError(
        absl::StrCat("a merge reads 1 to ", kMaxMergeSources,
                     " snapshots, not ", merge.sources_size()));
  }
  keys.exclusive.push_back(SnapshotKey(merge.destination().name()));
  for (const std::string& source : merge.sources()) {
    keys.shared.push_back(SnapshotKey(source));
  }
  return absl::OkStatus();
}

absl::Status CheckMergeable(storage::Database& db,
                            const v1::MergeSnapshotsArgs& merge) {
  for (const std::string& source : merge.sources()) {
    RETURN_IF_ERROR(CheckSnapshotExists(db, source));
  }
  return CheckSnapshotAbsent(db, merge.destination().name());
}

absl::Status PullSnapshotKeys(const v1::PullSnapshotArgs& pull,
                              ResourceKeys& keys) {
  if (!pull.dry_run()) {
    keys.exclusive.push_back(SnapshotKey(pull.destination().name()));
  }
  keys.shared.push_back(SnapshotKey(pull.base()));
  keys.shared.push_back(SnapshotKey(pull.source()));
  return absl::OkStatus();
}

absl::Status CheckPullable(storage::Database& db,
                           const v1::PullSnapshotArgs& pull) {
  RETURN_IF_ERROR(CheckSnapshotExists(db, pull.base()));
  RETURN_IF_ERROR(CheckSnapshotExists(db, pull.source()));
  if (pull.dry_run()) return absl::OkStatus();
  return CheckSnapshotAbsent(db, pull.destination().name());
}

absl::Status FilterSnapshotKeys(const v1::FilterSnapshotArgs& filter,
                                ResourceKeys& keys) {
  keys.exclusive.push_back(SnapshotKey(filter.destination().name()));
  keys.shared.push_back(SnapshotKey(filter.source()));
  return absl::OkStatus();
}

absl::Status CheckFilterable(storage::Database& db,
                             const v1::FilterSnapshotArgs& filter) {
  RETURN_IF_ERROR(CheckSnapshotExists(db, filter.source()));
  return CheckSnapshotAbsent(db, filter.destination().name());
}

}  // namespace

const JobKind<v1::CreateSnapshotArgs> kCreateSnapshot = {
    .name = "snapshot.create",
    .args_case = v1::JobArgs::kCreateSnapshot,
    .args = &v1::JobArgs::create_snapshot,
    .keys = CreateSnapshotKeys,
    .fail_fast = CheckCreatable,
};

const JobKind<v1::UpdateSnapshotArgs> kUpdateSnapshot = {
    .name = "snapshot.update",
    .args_case = v1::JobArgs::kUpdateSnapshot,
    .args = &v1::JobArgs::update_snapshot,
    .keys = UpdateSnapshotKeys,
    .fail_fast = CheckUpdatable,
};

const JobKind<v1::DeleteSnapshotArgs> kDeleteSnapshot = {
    .name = "snapshot.delete",
    .args_case = v1::JobArgs::kDeleteSnapshot,
    .args = &v1::JobArgs::delete_snapshot,
    .keys =
        [](const v1::DeleteSnapshotArgs& drop, ResourceKeys& keys) {
          keys.exclusive.push_back(SnapshotKey(drop.name()));
          return absl::OkStatus();
        },
    .fail_fast =
        [](storage::Database& db, const v1::DeleteSnapshotArgs& drop) {
          return CheckSnapshotExists(db, drop.name());
        },
};

const JobKind<v1::MergeSnapshotsArgs> kMergeSnapshots = {
    .name = "snapshot.merge",
    .args_case = v1::JobArgs::kMergeSnapshots,
    .args = &v1::JobArgs::merge_snapshots,
    .keys = MergeSnapshotsKeys,
    .fail_fast = CheckMergeable,
};

const JobKind<v1::PullSnapshotArgs> kPullSnapshot = {
    .name = "snapshot.pull",
    .args_case = v1::JobArgs::kPullSnapshot,
    .args = &v1::JobArgs::pull_snapshot,
    .keys = PullSnapshotKeys,
    .fail_fast = CheckPullable,
};

const JobKind<v1::FilterSnapshotArgs> kFilterSnapshot = {
    .name = "snapshot.filter",
    .args_case = v1::JobArgs::kFilterSnapshot,
    .args = &v1::JobArgs::filter_snapshot,
    .keys = FilterSnapshotKeys,
    .fail_fast = CheckFilterable,
};

}  // namespace debrepo::jobs
