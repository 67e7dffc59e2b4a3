#include "jobs/publish_kinds.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "jobs/job_spec.h"
#include "storage/database.h"
#include "storage/publication_store.h"
#include "storage/repo_store.h"
#include "storage/snapshot_store.h"
#include "storage/storage_roots.h"

namespace debrepo::jobs {
namespace {

using storage::MakePublicationRef;

// The key of the distribution `ref` names, which every publish job holds
// exclusively.
std::string KeyOf(const v1::PublicationRef& ref) {
  return PublishedKey(ref.storage(), ref.prefix(), ref.distribution());
}

// Adds the shared key of `component`'s source.
absl::Status AddSourceKey(const v1::PublishedComponent& component,
                          ResourceKeys& keys) {
  switch (component.source_case()) {
    case v1::PublishedComponent::kSnapshot:
      keys.shared.push_back(SnapshotKey(component.snapshot()));
      return absl::OkStatus();
    case v1::PublishedComponent::kRepo:
      keys.shared.push_back(RepoKey(component.repo()));
      return absl::OkStatus();
    case v1::PublishedComponent::SOURCE_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError(
      "every component is published from a snapshot or a repo");
}

// Fails fast when `component`'s source is missing.
absl::Status CheckSourceExists(storage::Database& db,
                               const v1::PublishedComponent& component) {
  if (component.source_case() == v1::PublishedComponent::kRepo) {
    return storage::GetRepo(db, component.repo()).status();
  }
  return storage::GetSnapshot(db, component.snapshot()).status();
}

absl::Status CheckPublished(storage::Database& db,
                            const v1::PublicationRef& ref) {
  return storage::GetPublication(db, ref).status();
}

v1::PublicationRef RefOfCreate(const v1::CreatePublicationArgs& create) {
  const v1::Publication& publication = create.publication();
  return MakePublicationRef(publication.storage(), publication.prefix(),
                            publication.distribution());
}

absl::Status CreatePublicationKeys(const v1::CreatePublicationArgs& create,
                                   ResourceKeys& keys) {
  keys.exclusive.push_back(KeyOf(RefOfCreate(create)));
  for (const v1::PublishedComponent& component :
       create.publication().components()) {
    RETURN_IF_ERROR(AddSourceKey(component, keys));
  }
  return absl::OkStatus();
}

absl::Status CheckPublishable(storage::Database& db,
                              const v1::CreatePublicationArgs& create) {
  // Workers record their publish roots at start-up: none recorded, no
  // worker could write the tree.
  const std::string& storage_name = create.publication().storage();
  ASSIGN_OR_RETURN(std::optional<storage::StorageRoot> root,
                   storage::FindStorageRoot(db, "publish", storage_name));
  if (!root.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no worker has a publish root for storage ", storage_name,
        "; start the workers with --publish_root (filesystem:default) or "
        "--publish_storage=NAME=PATH"));
  }
  for (const v1::PublishedComponent& component :
       create.publication().components()) {
    RETURN_IF_ERROR(CheckSourceExists(db, component));
  }
  const v1::PublicationRef ref = RefOfCreate(create);
  absl::Status existing = CheckPublished(db, ref);
  if (existing.ok()) return storage::PublicationAlreadyExists(ref);
  if (existing.code() == absl::StatusCode::kNotFound) return absl::OkStatus();
  return existing;
}

absl::Status UpdatePublicationKeys(const v1::UpdatePublicationArgs& update,
                                   ResourceKeys& keys) {
  keys.exclusive.push_back(KeyOf(MakePublicationRef(
      update.storage(), update.prefix(), update.distribution())));
  // Every source, snapshots too: a snapshot renamed while the tree is
  // written would let another take its name, and the ids recorded at
  // commit would not be those of the tree.
  for (const v1::PublishedComponent& component :
       update.settings().components()) {
    RETURN_IF_ERROR(AddSourceKey(component, keys));
  }
  return absl::OkStatus();
}

absl::Status SwitchPublicationKeys(const v1::SwitchPublicationArgs& switch_,
                                   ResourceKeys& keys) {
  keys.exclusive.push_back(KeyOf(MakePublicationRef(
      switch_.storage(), switch_.prefix(), switch_.distribution())));
  for (const v1::PublishedComponent& component : switch_.components()) {
    if (component.source_case() != v1::PublishedComponent::kSnapshot) {
      return absl::InvalidArgumentError(
          "a switch points components at snapshots only");
    }
    RETURN_IF_ERROR(AddSourceKey(component, keys));
  }
  // The components the switch leaves alone are written again too: their
  // sources must not change (a repo add or remove, a rename) before the
  // commit records what the tree lists.
  for (const v1::PublishedComponent& published :
       switch_.published_components()) {
    const bool switched =
        std::any_of(switch_.components().begin(), switch_.components().end(),
                    [&](const v1::PublishedComponent& component) {
                      return component.component() == published.component();
                    });
    if (!switched) RETURN_IF_ERROR(AddSourceKey(published, keys));
  }
  return absl::OkStatus();
}

absl::Status CheckSwitchable(storage::Database& db,
                             const v1::SwitchPublicationArgs& switch_) {
  RETURN_IF_ERROR(
      CheckPublished(db, MakePublicationRef(switch_.storage(), switch_.prefix(),
                                            switch_.distribution())));
  for (const v1::PublishedComponent& component : switch_.components()) {
    RETURN_IF_ERROR(CheckSourceExists(db, component));
  }
  return absl::OkStatus();
}

}  // namespace

const JobKind<v1::CreatePublicationArgs> kCreatePublication = {
    .name = "publish.create",
    .args_case = v1::JobArgs::kCreatePublication,
    .args = &v1::JobArgs::create_publication,
    .keys = CreatePublicationKeys,
    .fail_fast = CheckPublishable,
};

const JobKind<v1::UpdatePublicationArgs> kUpdatePublication = {
    .name = "publish.update",
    .args_case = v1::JobArgs::kUpdatePublication,
    .args = &v1::JobArgs::update_publication,
    .keys = UpdatePublicationKeys,
    .fail_fast =
        [](storage::Database& db, const v1::UpdatePublicationArgs& update) {
          return CheckPublished(
              db, MakePublicationRef(update.storage(), update.prefix(),
                                     update.distribution()));
        },
};

const JobKind<v1::SwitchPublicationArgs> kSwitchPublication = {
    .name = "publish.switch",
    .args_case = v1::JobArgs::kSwitchPublication,
    .args = &v1::JobArgs::switch_publication,
    .keys = SwitchPublicationKeys,
    .fail_fast = CheckSwitchable,
};

const JobKind<v1::DeletePublicationArgs> kDeletePublication = {
    .name = "publish.delete",
    .args_case = v1::JobArgs::kDeletePublication,
    .args = &v1::JobArgs::delete_publication,
    .keys =
        [](const v1::DeletePublicationArgs& drop, ResourceKeys& keys) {
          keys.exclusive.push_back(KeyOf(MakePublicationRef(
              drop.storage(), drop.prefix(), drop.distribution())));
          return absl::OkStatus();
        },
    .fail_fast =
        [](storage::Database& db, const v1::DeletePublicationArgs& drop) {
          return CheckPublished(
              db, MakePublicationRef(drop.storage(), drop.prefix(),
                                     drop.distribution()));
        },
};

}  // namespace debrepo::jobs
