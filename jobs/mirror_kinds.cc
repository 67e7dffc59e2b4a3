#include "jobs/mirror_kinds.h"

#include <string>

#include "absl/algorithm/container.h"
#include "common/status_macros.h"
#include "jobs/job_spec.h"
#include "storage/database.h"
#include "storage/mirror_store.h"

namespace debrepo::jobs {
namespace {

// Fails fast when the mirror exists.
absl::Status CheckMirrorAbsent(storage::Database& db, absl::string_view name) {
  absl::StatusOr<v1::Mirror> existing = storage::GetMirror(db, name);
  if (existing.ok()) return storage::MirrorAlreadyExists(name);
  if (existing.status().code() == absl::StatusCode::kNotFound) {
    return absl::OkStatus();
  }
  return existing.status();
}

// Fails fast when the mirror is missing.
absl::Status CheckMirrorExists(storage::Database& db, absl::string_view name) {
  return storage::GetMirror(db, name).status();
}

bool IsRename(const v1::UpdateMirrorArgs& update) {
  return absl::c_linear_search(update.fields(), "name") &&
         update.mirror().name() != update.name();
}

absl::Status UpdateMirrorKeys(const v1::UpdateMirrorArgs& update,
                              ResourceKeys& keys) {
  keys.exclusive.push_back(MirrorKey(update.name()));
  // A rename also locks the new name, so it races fairly with a create of
  // that name or another rename onto it.
  if (IsRename(update)) {
    keys.exclusive.push_back(MirrorKey(update.mirror().name()));
  }
  return absl::OkStatus();
}

absl::Status CheckUpdatable(storage::Database& db,
                            const v1::UpdateMirrorArgs& update) {
  RETURN_IF_ERROR(CheckMirrorExists(db, update.name()));
  if (!IsRename(update)) return absl::OkStatus();
  return CheckMirrorAbsent(db, update.mirror().name());
}

}  // namespace

const JobKind<v1::CreateMirrorArgs> kCreateMirror = {
    .name = "mirror.create",
    .args_case = v1::JobArgs::kCreateMirror,
    .args = &v1::JobArgs::create_mirror,
    .keys =
        [](const v1::CreateMirrorArgs& create, ResourceKeys& keys) {
          keys.exclusive.push_back(MirrorKey(create.mirror().name()));
          return absl::OkStatus();
        },
    .fail_fast =
        [](storage::Database& db, const v1::CreateMirrorArgs& create) {
          return CheckMirrorAbsent(db, create.mirror().name());
        },
};

const JobKind<v1::UpdateMirrorArgs> kUpdateMirror = {
    .name = "mirror.update",
    .args_case = v1::JobArgs::kUpdateMirror,
    .args = &v1::JobArgs::update_mirror,
    .keys = UpdateMirrorKeys,
    .fail_fast = CheckUpdatable,
};

const JobKind<v1::DeleteMirrorArgs> kDeleteMirror = {
    .name = "mirror.delete",
    .args_case = v1::JobArgs::kDeleteMirror,
    .args = &v1::JobArgs::delete_mirror,
    .keys =
        [](const v1::DeleteMirrorArgs& drop, ResourceKeys& keys) {
          keys.exclusive.push_back(MirrorKey(drop.name()));
          return absl::OkStatus();
        },
    .fail_fast =
        [](storage::Database& db, const v1::DeleteMirrorArgs& drop) {
          return CheckMirrorExists(db, drop.name());
        },
};

const JobKind<v1::SyncMirrorArgs> kSyncMirror = {
    .name = "mirror.sync",
    .args_case = v1::JobArgs::kSyncMirror,
    .args = &v1::JobArgs::sync_mirror,
    .keys =
        [](const v1::SyncMirrorArgs& sync, ResourceKeys& keys) {
          keys.exclusive.push_back(MirrorKey(sync.name()));
          return absl::OkStatus();
        },
    .fail_fast =
        [](storage::Database& db, const v1::SyncMirrorArgs& sync) {
          return CheckMirrorExists(db, sync.name());
        },
};

}  // namespace debrepo::jobs
