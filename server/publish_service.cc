#include "server/publish_service.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "server/grpc_status.h"
#include "server/page_token.h"
#include "storage/publication_store.h"
#include "storage/repo_store.h"

namespace debrepo::server {
namespace {

// Bounds that keep a job's arguments and a Release file small.
constexpr int kMaxComponents = 100;
constexpr int kMaxArchitectures = 64;
constexpr size_t kMaxFieldLength = 200;

// The settings UpdatePublication may change.
const std::set<std::string>& UpdatableFields() {
  static const std::set<std::string>* const fields = new std::set<std::string>{
      "origin",          "label",         "suite",
      "codename",        "not_automatic", "but_automatic_upgrades",
      "acquire_by_hash", "skip_contents", "compressions",
      "skip_signing",    "gpg_key"};
  return *fields;
}

// Normalises and checks where a publication is: empty storage is the
// default one, empty prefix the root.
absl::StatusOr<v1::PublicationRef> NormalizedRef(
    const v1::PublicationRef& ref) {
  v1::PublicationRef normalized = ref;
  if (normalized.storage().empty()) {
    normalized.set_storage(std::string(storage::kDefaultPublishStorage));
  }
  if (normalized.prefix().empty()) normalized.set_prefix(".");
  RETURN_IF_ERROR(ValidatePublishStorage(normalized.storage()));
  RETURN_IF_ERROR(ValidatePublishPrefix(normalized.prefix()));
  RETURN_IF_ERROR(ValidatePublishedDistribution(normalized.distribution()));
  return normalized;
}

// Checks a Release field: one line of printable ASCII, not too long.
absl::Status ValidateReleaseField(absl::string_view field,
                                  absl::string_view value) {
  if (value.size() > kMaxFieldLength) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is ", value.size(),
                     " characters long; use at most ", kMaxFieldLength));
  }
  for (char c : value) {
    if (!absl::ascii_isprint(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(absl::StrCat(
          field,
          " holds a control or non-ASCII character; use one line of "
          "printable ASCII"));
    }
  }
  return absl::OkStatus();
}

// Checks the options of `publication` (everything but where it is and
// its components), filling in the default compressions.
absl::Status ValidateOptions(v1::Publication& publication) {
  RETURN_IF_ERROR(ValidateReleaseField("origin", publication.origin()));
  RETURN_IF_ERROR(ValidateReleaseField("label", publication.label()));
  RETURN_IF_ERROR(ValidateReleaseField("suite", publication.suite()));
  RETURN_IF_ERROR(ValidateReleaseField("codename", publication.codename()));
  RETURN_IF_ERROR(ValidateReleaseField("gpg_key", publication.gpg_key()));
  if (absl::StartsWith(publication.gpg_key(), "-")) {
    return absl::InvalidArgumentError(
        "gpg_key starts with '-'; name a key id, fingerprint or user id");
  }
  if (publication.but_automatic_upgrades() && !publication.not_automatic()) {
    return absl::InvalidArgumentError(
        "but_automatic_upgrades needs not_automatic too (apt reads "
        "ButAutomaticUpgrades only with NotAutomatic)");
  }
  std::set<int> compressions;
  for (int compression : publication.compressions()) {
    if (compression == v1::INDEX_COMPRESSION_UNSPECIFIED ||
        !v1::IndexCompression_IsValid(compression)) {
      return absl::InvalidArgumentError(
          "compressions holds an unknown value; use GZIP, XZ or BZIP2");
    }
    if (!compressions.insert(compression).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("compressions names ",
                       v1::IndexCompression_Name(compression), " twice"));
    }
  }
  if (publication.compressions().empty()) {
    publication.add_compressions(v1::GZIP);
    publication.add_compressions(v1::XZ);
  }
  return absl::OkStatus();
}

absl::Status ValidateArchitectures(const v1::Publication& publication) {
  if (publication.architectures_size() > kMaxArchitectures) {
    return absl::InvalidArgumentError(
        absl::StrCat("publish at most ", kMaxArchitectures, " architectures"));
  }
  std::set<std::string> seen;
  for (const std::string& architecture : publication.architectures()) {
    RETURN_IF_ERROR(ValidateResourceName("architecture", architecture));
    if (architecture == "all") {
      return absl::InvalidArgumentError(
          "\"all\" is not published as an architecture of its own: packages "
          "of architecture all are listed in every binary-<arch> index");
    }
    if (!seen.insert(architecture).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("architecture ", architecture, " is named twice"));
    }
  }
  return absl::OkStatus();
}

// Checks that each component names a source and a distinct valid name.
absl::Status ValidateComponents(
    const google::protobuf::RepeatedPtrField<v1::PublishedComponent>&
        components) {
  if (components.empty()) {
    return absl::InvalidArgumentError(
        "name at least one component and its snapshot or repo");
  }
  if (components.size() > kMaxComponents) {
    return absl::InvalidArgumentError(
        absl::StrCat("publish at most ", kMaxComponents, " components"));
  }
  std::set<std::string> names;
  for (const v1::PublishedComponent& component : components) {
    RETURN_IF_ERROR(ValidateResourceName("component", component.component()));
    switch (component.source_case()) {
      case v1::PublishedComponent::kSnapshot:
        RETURN_IF_ERROR(ValidateResourceName("snapshot", component.snapshot()));
        break;
      case v1::PublishedComponent::kRepo:
        RETURN_IF_ERROR(ValidateResourceName("repo", component.repo()));
        break;
      case v1::PublishedComponent::SOURCE_NOT_SET:
        return absl::InvalidArgumentError(
            absl::StrCat("component ", component.component(),
                         " names no snapshot or repo to publish"));
    }
    if (!names.insert(component.component()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("component ", component.component(),
                       " is named twice; each component has one source"));
    }
  }
  return absl::OkStatus();
}

// RepoOf reads repo `repo`, the source of a new publication's component
// `index`, for its default component and distribution.
using RepoOf = absl::FunctionRef<absl::StatusOr<v1::Repo>(
    int index, const std::string& repo)>;

// The caller-given fields of a new publication, with its defaults: the
// components' names (a repo's default component, else "main") and the
// distribution (the first repo's default distribution).
absl::StatusOr<v1::Publication> NewPublication(v1::Publication publication,
                                               RepoOf repo_of) {
  publication.clear_create_time();
  publication.clear_update_time();
  std::string repo_distribution;
  for (int index = 0; index < publication.components_size(); ++index) {
    v1::PublishedComponent& component = *publication.mutable_components(index);
    component.clear_package_count();
    if (component.source_case() != v1::PublishedComponent::kRepo) {
      if (component.component().empty()) component.set_component("main");
      continue;
    }
    RETURN_IF_ERROR(ValidateResourceName("repo", component.repo()));
    ASSIGN_OR_RETURN(const v1::Repo repo, repo_of(index, component.repo()));
    if (component.component().empty()) {
      component.set_component(
          repo.default_component().empty() ? "main" : repo.default_component());
    }
    if (repo_distribution.empty()) {
      repo_distribution = repo.default_distribution();
    }
  }
  if (publication.distribution().empty()) {
    if (repo_distribution.empty()) {
      return absl::InvalidArgumentError(
          "name the distribution to publish (no repo published has a "
          "default distribution)");
    }
    publication.set_distribution(repo_distribution);
  }
  ASSIGN_OR_RETURN(const v1::PublicationRef ref,
                   NormalizedRef(storage::MakePublicationRef(
                       publication.storage(), publication.prefix(),
                       publication.distribution())));
  publication.set_storage(ref.storage());
  publication.set_prefix(ref.prefix());
  RETURN_IF_ERROR(ValidateComponents(publication.components()));
  RETURN_IF_ERROR(ValidateArchitectures(publication));
  RETURN_IF_ERROR(ValidateOptions(publication));
  return publication;
}

// A retried create's defaults are those of its first job: `earlier`'s
// component names and distribution stand for its repos'.
absl::StatusOr<v1::Repo> RepoOfEarlierCreate(const v1::JobArgs& earlier,
                                             int index) {
  const v1::Publication& created = earlier.create_publication().publication();
  if (index >= created.components_size()) {
    return absl::InvalidArgumentError("another create asked for");
  }
  v1::Repo repo;
  repo.set_default_component(created.components(index).component());
  repo.set_default_distribution(created.distribution());
  return repo;
}

absl::StatusOr<v1::Job> CreatePublication(
    storage::Database& db, JobSubmitter& submitter,
    const v1::CreatePublicationRequest& request) {
  auto created = [&](RepoOf repo_of) -> absl::StatusOr<v1::JobArgs> {
    v1::JobArgs args;
    ASSIGN_OR_RETURN(*args.mutable_create_publication()->mutable_publication(),
                     NewPublication(request.publication(), repo_of));
    return args;
  };
  return submitter.SubmitDerived(
      request.request_id(),
      [&] {
        return created([&](int, const std::string& repo) {
          return storage::GetRepo(db, repo);
        });
      },
      [&](const v1::JobArgs& earlier) {
        return created([&](int index, const std::string&) {
          return RepoOfEarlierCreate(earlier, index);
        });
      });
}

// Where a job's arguments hold the components of the publication it
// rewrites.
using ComponentsField = google::protobuf::RepeatedPtrField<
    v1::PublishedComponent>* (*)(v1::JobArgs&);

// Submits `args` with publication `ref`'s components, as the database has
// them now, put in their `field`; a retried `request_id` is answered with
// its first job, whose components are those it was submitted with.
absl::StatusOr<v1::Job> SubmitWithComponents(storage::Database& db,
                                             JobSubmitter& submitter,
                                             absl::string_view request_id,
                                             const v1::PublicationRef& ref,
                                             const v1::JobArgs& args,
                                             ComponentsField field) {
  return submitter.SubmitDerived(
      request_id,
      [&]() -> absl::StatusOr<v1::JobArgs> {
        ASSIGN_OR_RETURN(v1::Publication current,
                         storage::GetPublication(db, ref));
        v1::JobArgs derived = args;
        field(derived)->Swap(current.mutable_components());
        return derived;
      },
      [&](const v1::JobArgs& earlier) -> absl::StatusOr<v1::JobArgs> {
        v1::JobArgs earlier_copy = earlier;
        v1::JobArgs derived = args;
        field(derived)->Swap(field(earlier_copy));
        return derived;
      });
}

absl::StatusOr<v1::Job> UpdatePublication(
    storage::Database& db, JobSubmitter& submitter,
    const v1::UpdatePublicationRequest& request) {
  ASSIGN_OR_RETURN(const v1::PublicationRef ref,
                   NormalizedRef(request.publication()));
  v1::JobArgs args;
  v1::UpdatePublicationArgs& update = *args.mutable_update_publication();
  update.set_storage(ref.storage());
  update.set_prefix(ref.prefix());
  update.set_distribution(ref.distribution());
  for (const std::string& field : request.update_mask().paths()) {
    if (UpdatableFields().count(field) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "update_mask names \"", field,
          "\", which cannot be changed; change origin, label, suite, "
          "codename, not_automatic, but_automatic_upgrades, "
          "acquire_by_hash, skip_contents, compressions, skip_signing or "
          "gpg_key (switch points components at other snapshots)"));
    }
    update.add_fields(field);
  }
  v1::Publication& settings = *update.mutable_settings();
  settings = request.settings();
  settings.clear_components();
  settings.clear_architectures();
  RETURN_IF_ERROR(ValidateOptions(settings));
  // The job holds the publication's sources shared; it reads them again
  // under its locks and fails if they are no longer its sources.
  return SubmitWithComponents(db, submitter, request.request_id(), ref, args,
                              [](v1::JobArgs& job) {
                                return job.mutable_update_publication()
                                    ->mutable_settings()
                                    ->mutable_components();
                              });
}

absl::StatusOr<v1::Job> SwitchPublication(
    storage::Database& db, JobSubmitter& submitter,
    const v1::SwitchPublicationRequest& request) {
  ASSIGN_OR_RETURN(const v1::PublicationRef ref,
                   NormalizedRef(request.publication()));
  RETURN_IF_ERROR(ValidateComponents(request.components()));
  for (const v1::PublishedComponent& component : request.components()) {
    if (component.source_case() != v1::PublishedComponent::kSnapshot) {
      return absl::InvalidArgumentError(absl::StrCat(
          "component ", component.component(),
          " names a repo; a switch points components at snapshots (publish "
          "update re-publishes repos)"));
    }
  }
  v1::JobArgs args;
  v1::SwitchPublicationArgs& switch_ = *args.mutable_switch_publication();
  switch_.set_storage(ref.storage());
  switch_.set_prefix(ref.prefix());
  switch_.set_distribution(ref.distribution());
  for (const v1::PublishedComponent& component : request.components()) {
    v1::PublishedComponent& named = *switch_.add_components();
    named.set_component(component.component());
    named.set_snapshot(component.snapshot());
  }
  // The job holds shared every source of the switched publication, the
  // components it leaves alone too, and fails if they are no longer its
  // sources.
  return SubmitWithComponents(
      db, submitter, request.request_id(), ref, args, [](v1::JobArgs& job) {
        return job.mutable_switch_publication()->mutable_published_components();
      });
}

absl::StatusOr<v1::Job> DeletePublication(
    JobSubmitter& submitter, const v1::DeletePublicationRequest& request) {
  ASSIGN_OR_RETURN(const v1::PublicationRef ref,
                   NormalizedRef(request.publication()));
  v1::JobArgs args;
  v1::DeletePublicationArgs& drop = *args.mutable_delete_publication();
  drop.set_storage(ref.storage());
  drop.set_prefix(ref.prefix());
  drop.set_distribution(ref.distribution());
  drop.set_force_drop(request.force_drop());
  return submitter.Submit(std::move(args), request.request_id());
}

absl::Status ListPublications(storage::Database& db,
                              const v1::ListPublicationsRequest& request,
                              v1::ListPublicationsResponse& response) {
  if (!request.storage().empty()) {
    RETURN_IF_ERROR(ValidatePublishStorage(request.storage()));
  }
  ASSIGN_OR_RETURN(std::string after, DecodePageToken(request.page_token()));
  const int page_size = PageSize(request.page_size());
  // One extra row tells whether another page follows.
  ASSIGN_OR_RETURN(
      std::vector<v1::Publication> publications,
      storage::ListPublications(db, request.storage(), after, page_size + 1));
  response.set_next_page_token(TakePageInto(publications, page_size,
                                            storage::PublicationPosition,
                                            *response.mutable_publications()));
  return absl::OkStatus();
}

}  // namespace

grpc::Status PublishService::CreatePublication(
    grpc::ServerContext*, const v1::CreatePublicationRequest* request,
    v1::Job* response) {
  return Respond(server::CreatePublication(db_, submitter_, *request),
                 response);
}

grpc::Status PublishService::GetPublication(
    grpc::ServerContext*, const v1::GetPublicationRequest* request,
    v1::Publication* response) {
  absl::StatusOr<v1::PublicationRef> ref =
      NormalizedRef(request->publication());
  if (!ref.ok()) return ToGrpcStatus(ref.status());
  return Respond(storage::GetPublication(db_, *ref), response);
}

grpc::Status PublishService::ListPublications(
    grpc::ServerContext*, const v1::ListPublicationsRequest* request,
    v1::ListPublicationsResponse* response) {
  return ToGrpcStatus(server::ListPublications(db_, *request, *response));
}

grpc::Status PublishService::UpdatePublication(
    grpc::ServerContext*, const v1::UpdatePublicationRequest* request,
    v1::Job* response) {
  return Respond(server::UpdatePublication(db_, submitter_, *request),
                 response);
}

grpc::Status PublishService::SwitchPublication(
    grpc::ServerContext*, const v1::SwitchPublicationRequest* request,
    v1::Job* response) {
  return Respond(server::SwitchPublication(db_, submitter_, *request),
                 response);
}

grpc::Status PublishService::DeletePublication(
    grpc::ServerContext*, const v1::DeletePublicationRequest* request,
    v1::Job* response) {
  return Respond(server::DeletePublication(submitter_, *request), response);
}

}  // namespace debrepo::server
