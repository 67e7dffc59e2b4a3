#include "jobs/repo_kinds.h"

#include <string>

#include "absl/algorithm/container.h"
#include "common/status_macros.h"
#include "jobs/job_spec.h"
#include "storage/database.h"
#include "storage/mirror_store.h"
#include "storage/repo_store.h"
#include "storage/upload_store.h"

namespace debrepo::jobs {
namespace {

// Requires repo `name` to exist (or, with `exists` false, not to).
Requirement RepoRequirement(absl::string_view name, bool exists) {
  return {Requirement::Resource::kRepo, std::string(name), exists};
}

// Fails fast when the repo is missing.
absl::Status CheckRepoExists(storage::Database& db, absl::string_view name) {
  ASSIGN_OR_RETURN(const bool exists, storage::RepoExists(db, name));
  return exists ? absl::OkStatus() : storage::RepoNotFound(name);
}

// Fails fast when the repo or the upload directory is missing.
absl::Status CheckRepoAndUploadExist(storage::Database& db,
                                     absl::string_view repo,
                                     absl::string_view directory) {
  RETURN_IF_ERROR(CheckRepoExists(db, repo));
  return storage::CheckUploadExists(db, directory, /*filename=*/"");
}

bool IsRename(const v1::UpdateRepoArgs& update) {
  return absl::c_linear_search(update.fields(), "name") &&
         update.repo().name() != update.name();
}

absl::Status UpdateRepoKeys(const v1::UpdateRepoArgs& update,
                            ResourceKeys& keys) {
  keys.exclusive.push_back(RepoKey(update.name()));
  // A rename also locks the new name, so it races fairly with a create of
  // that name.
  if (IsRename(update)) keys.exclusive.push_back(RepoKey(update.repo().name()));
  return absl::OkStatus();
}

void UpdatableRepo(const v1::UpdateRepoArgs& update,
                   std::vector<Requirement>& requirements) {
  requirements.push_back(RepoRequirement(update.name(), /*exists=*/true));
  if (IsRename(update)) {
    requirements.push_back(
        RepoRequirement(update.repo().name(), /*exists=*/false));
  }
}

absl::Status CopyPackagesKeys(const v1::CopyPackagesArgs& copy,
                              ResourceKeys& keys) {
  // The source is only read by a copy, but changed by a move.
  keys.exclusive.push_back(RepoKey(copy.destination()));
  (copy.move() ? keys.exclusive : keys.shared)
      .push_back(RepoKey(copy.source()));
  return absl::OkStatus();
}

void CopiedRepos(const v1::CopyPackagesArgs& copy,
                 std::vector<Requirement>& requirements) {
  requirements.push_back(RepoRequirement(copy.source(), /*exists=*/true));
  requirements.push_back(RepoRequirement(copy.destination(), /*exists=*/true));
}

// The requirement of a job on one existing repo, `name`.
template <typename Args, const std::string& (Args::*name)() const>
void ExistingRepo(const Args& args, std::vector<Requirement>& requirements) {
  requirements.push_back(RepoRequirement((args.*name)(), /*exists=*/true));
}

}  // namespace

const JobKind<v1::CreateRepoArgs> kCreateRepo = {
    .name = "repo.create",
    .args_case = v1::JobArgs::kCreateRepo,
    .args = &v1::JobArgs::create_repo,
    .keys =
        [](const v1::CreateRepoArgs& create, ResourceKeys& keys) {
          keys.exclusive.push_back(RepoKey(create.repo().name()));
          return absl::OkStatus();
        },
    .requirements =
        [](const v1::CreateRepoArgs& create,
           std::vector<Requirement>& requirements) {
          requirements.push_back(
              RepoRequirement(create.repo().name(), /*exists=*/false));
        },
};

const JobKind<v1::UpdateRepoArgs> kUpdateRepo = {
    .name = "repo.update",
    .args_case = v1::JobArgs::kUpdateRepo,
    .args = &v1::JobArgs::update_repo,
    .keys = UpdateRepoKeys,
    .requirements = UpdatableRepo,
};

const JobKind<v1::DeleteRepoArgs> kDeleteRepo = {
    .name = "repo.delete",
    .args_case = v1::JobArgs::kDeleteRepo,
    .args = &v1::JobArgs::delete_repo,
    .keys =
        [](const v1::DeleteRepoArgs& drop, ResourceKeys& keys) {
          keys.exclusive.push_back(RepoKey(drop.name()));
          return absl::OkStatus();
        },
    .requirements = ExistingRepo<v1::DeleteRepoArgs, &v1::DeleteRepoArgs::name>,
};

const JobKind<v1::AddFromUploadArgs> kAddFromUpload = {
    .name = "repo.add_from_upload",
    .args_case = v1::JobArgs::kAddFromUpload,
    .args = &v1::JobArgs::add_from_upload,
    .keys =
        [](const v1::AddFromUploadArgs& add, ResourceKeys& keys) {
          // The directory too: its files are read, then removed.
          keys.exclusive.push_back(RepoKey(add.name()));
          keys.exclusive.push_back(UploadKey(add.directory()));
          return absl::OkStatus();
        },
    .fail_fast =
        [](storage::Database& db, const v1::AddFromUploadArgs& add) {
          return CheckRepoAndUploadExist(db, add.name(), add.directory());
        },
};

const JobKind<v1::IncludeChangesArgs> kIncludeChanges = {
    .name = "repo.include_changes",
    .args_case = v1::JobArgs::kIncludeChanges,
    .args = &v1::JobArgs::include_changes,
    .keys =
        [](const v1::IncludeChangesArgs& include, ResourceKeys& keys) {
          keys.exclusive.push_back(RepoKey(include.name()));
          keys.exclusive.push_back(UploadKey(include.directory()));
          return absl::OkStatus();
        },
    .fail_fast =
        [](storage::Database& db, const v1::IncludeChangesArgs& include) {
          return CheckRepoAndUploadExist(db, include.name(),
                                         include.directory());
        },
};

const JobKind<v1::AddPackagesArgs> kAddPackages = {
    .name = "repo.add_packages",
    .args_case = v1::JobArgs::kAddPackages,
    .args = &v1::JobArgs::add_packages,
    .keys =
        [](const v1::AddPackagesArgs& add, ResourceKeys& keys) {
          keys.exclusive.push_back(RepoKey(add.name()));
          return absl::OkStatus();
        },
    .requirements =
        ExistingRepo<v1::AddPackagesArgs, &v1::AddPackagesArgs::name>,
};

const JobKind<v1::RemovePackagesArgs> kRemovePackages = {
    .name = "repo.remove_packages",
    .args_case = v1::JobArgs::kRemovePackages,
    .args = &v1::JobArgs::remove_packages,
    .keys =
        [](const v1::RemovePackagesArgs& remove, ResourceKeys& keys) {
          keys.exclusive.push_back(RepoKey(remove.name()));
          return absl::OkStatus();
        },
    .requirements =
        ExistingRepo<v1::RemovePackagesArgs, &v1::RemovePackagesArgs::name>,
};

const JobKind<v1::CopyPackagesArgs> kCopyPackages = {
    .name = "repo.copy_packages",
    .args_case = v1::JobArgs::kCopyPackages,
    .args = &v1::JobArgs::copy_packages,
    .keys = CopyPackagesKeys,
    .selects = [](const v1::CopyPackagesArgs& copy) { return !copy.move(); },
    .requirements = CopiedRepos,
};

const JobKind<v1::CopyPackagesArgs> kMovePackages = {
    .name = "repo.move_packages",
    .args_case = v1::JobArgs::kCopyPackages,
    .args = &v1::JobArgs::copy_packages,
    .keys = CopyPackagesKeys,
    .selects = [](const v1::CopyPackagesArgs& copy) { return copy.move(); },
    .requirements = CopiedRepos,
};

const JobKind<v1::ImportFromMirrorArgs> kImportFromMirror = {
    .name = "repo.import",
    .args_case = v1::JobArgs::kImportFromMirror,
    .args = &v1::JobArgs::import_from_mirror,
    .keys =
        [](const v1::ImportFromMirrorArgs& import, ResourceKeys& keys) {
          // The mirror is only read: syncs wait, other readers do not.
          keys.exclusive.push_back(RepoKey(import.repo()));
          keys.shared.push_back(MirrorKey(import.mirror()));
          return absl::OkStatus();
        },
    .fail_fast =
        [](storage::Database& db, const v1::ImportFromMirrorArgs& import) {
          RETURN_IF_ERROR(storage::GetMirror(db, import.mirror()).status());
          return CheckRepoExists(db, import.repo());
        },
};

}  // namespace debrepo::jobs
