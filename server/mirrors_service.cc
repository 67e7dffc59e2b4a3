#include "server/mirrors_service.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "deb/query.h"
#include "jobs/mirror_update.h"
#include "mirror/keyring.h"
#include "server/grpc_status.h"
#include "server/page_token.h"
#include "storage/mirror_store.h"
#include "storage/package_store.h"

namespace debrepo::server {
namespace {

// Sets the fingerprints of `mirror`'s keyring, which must hold a public
// key when given (checked once here, so that every Get shows them without
// running gpg).
absl::Status FingerprintKeyring(v1::Mirror& mirror) {
  mirror.clear_keyring_fingerprints();
  if (mirror.keyring().empty()) return absl::OkStatus();
  absl::StatusOr<std::vector<std::string>> fingerprints =
      mirror::KeyringFingerprints(mirror.keyring());
  if (!fingerprints.ok()) {
    return absl::Status(
        fingerprints.status().code(),
        absl::StrCat("keyring: ", fingerprints.status().message(),
                     "; give public keys as `gpg --export` writes them "
                     "(binary or --armor)"));
  }
  for (std::string& fingerprint : *fingerprints) {
    mirror.add_keyring_fingerprints(std::move(fingerprint));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Job> CreateMirror(JobSubmitter& submitter,
                                     const v1::CreateMirrorRequest& request) {
  v1::Mirror mirror = jobs::MirrorInputFields(request.mirror());
  RETURN_IF_ERROR(jobs::ValidateMirrorSettings(mirror));
  RETURN_IF_ERROR(FingerprintKeyring(mirror));
  v1::JobArgs args;
  *args.mutable_create_mirror()->mutable_mirror() = std::move(mirror);
  return submitter.Submit(std::move(args), request.request_id());
}

// The fields `update` changes, with valid stand-ins for the others, so
// that they are validated alone. Whether they fit the mirror's other
// settings (a keyring cleared while signatures are checked, components
// for a flat repository) is for the job, which reads the mirror as it
// then is.
v1::Mirror UpdateCandidate(const v1::UpdateMirrorArgs& update) {
  v1::Mirror candidate;
  candidate.set_name(update.name());
  candidate.set_archive_url("http://archive.invalid/");
  candidate.set_distribution("placeholder");
  jobs::ApplyMirrorUpdate(update, candidate);
  candidate.set_ignore_signatures(true);
  return candidate;
}

absl::StatusOr<v1::Job> UpdateMirror(JobSubmitter& submitter,
                                     const v1::UpdateMirrorRequest& request) {
  RETURN_IF_ERROR(ValidateResourceName("mirror", request.name()));
  if (request.update_mask().paths().empty()) {
    return absl::InvalidArgumentError(
        "update_mask is empty; name the fields to change (e.g. filter, "
        "architectures, name)");
  }
  v1::UpdateMirrorArgs update;
  update.set_name(request.name());
  for (const std::string& field : request.update_mask().paths()) {
    if (!jobs::IsUpdatableMirrorField(field)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "update_mask names \"", field,
          "\", which cannot be changed; use name, archive_url, distribution, "
          "components, architectures, with_sources, with_udebs, filter, "
          "filter_with_deps, keyring, ignore_signatures or download_limit"));
    }
    update.add_fields(field);
  }
  v1::Mirror mirror = jobs::MirrorInputFields(request.mirror());
  if (!absl::c_linear_search(update.fields(), "name")) {
    mirror.set_name(request.name());
  }
  *update.mutable_mirror() = std::move(mirror);
  RETURN_IF_ERROR(jobs::ValidateMirrorSettings(UpdateCandidate(update)));
  if (absl::c_linear_search(update.fields(), "keyring")) {
    RETURN_IF_ERROR(FingerprintKeyring(*update.mutable_mirror()));
  } else {
    // Not applied: not carried in the job's arguments either.
    update.mutable_mirror()->clear_keyring();
  }
  v1::JobArgs args;
  *args.mutable_update_mirror() = std::move(update);
  return submitter.Submit(std::move(args), request.request_id());
}

absl::StatusOr<v1::Job> DeleteMirror(JobSubmitter& submitter,
                                     const v1::DeleteMirrorRequest& request) {
  RETURN_IF_ERROR(ValidateResourceName("mirror", request.name()));
  v1::JobArgs args;
  args.mutable_delete_mirror()->set_name(request.name());
  args.mutable_delete_mirror()->set_force(request.force());
  return submitter.Submit(std::move(args), request.request_id());
}

absl::StatusOr<v1::Job> SyncMirror(JobSubmitter& submitter,
                                   const v1::SyncMirrorRequest& request) {
  RETURN_IF_ERROR(ValidateResourceName("mirror", request.name()));
  if (request.download_limit() < 0) {
    return absl::InvalidArgumentError(
        "download_limit is negative; give bytes per second, 0 for the "
        "mirror's own limit");
  }
  v1::JobArgs args;
  args.mutable_sync_mirror()->set_name(request.name());
  args.mutable_sync_mirror()->set_download_limit(request.download_limit());
  return submitter.Submit(std::move(args), request.request_id());
}

absl::StatusOr<v1::Mirror> GetMirror(storage::Database& db,
                                     const v1::GetMirrorRequest& request) {
  RETURN_IF_ERROR(ValidateResourceName("mirror", request.name()));
  return storage::GetMirror(db, request.name());
}

absl::Status ListMirrors(storage::Database& db,
                         const v1::ListMirrorsRequest& request,
                         v1::ListMirrorsResponse& response) {
  ASSIGN_OR_RETURN(std::string after, DecodePageToken(request.page_token()));
  const int page_size = PageSize(request.page_size());
  // One extra row tells whether another page follows.
  ASSIGN_OR_RETURN(std::vector<v1::Mirror> mirrors,
                   storage::ListMirrors(db, after, page_size + 1));
  response.set_next_page_token(TakePageInto(
      mirrors, page_size,
      [](const v1::Mirror& mirror) { return mirror.name(); },
      *response.mutable_mirrors()));
  return absl::OkStatus();
}

absl::Status ListMirrorPackages(storage::Database& db,
                                const v1::ListMirrorPackagesRequest& request,
                                v1::ListMirrorPackagesResponse& response) {
  RETURN_IF_ERROR(ValidateResourceName("mirror", request.name()));
  std::optional<deb::Query> query;
  if (!request.query().empty()) {
    ASSIGN_OR_RETURN(query, deb::Query::Parse(request.query()));
  }
  ASSIGN_OR_RETURN(std::string after, DecodePageToken(request.page_token()));
  RETURN_IF_ERROR(storage::GetMirror(db, request.name()).status());
  const int page_size = PackagePageSize(request.page_size(), request.details());
  ASSIGN_OR_RETURN(
      std::vector<v1::Package> packages,
      storage::ListMirrorPackages(db, request.name(), query ? &*query : nullptr,
                                  after, page_size + 1, request.details()));
  response.set_next_page_token(TakePageInto(
      packages, page_size,
      [](const v1::Package& package) { return package.key(); },
      *response.mutable_packages()));
  return absl::OkStatus();
}

}  // namespace

grpc::Status MirrorsService::CreateMirror(
    grpc::ServerContext*, const v1::CreateMirrorRequest* request,
    v1::Job* response) {
  return Respond(server::CreateMirror(submitter_, *request), response);
}

grpc::Status MirrorsService::GetMirror(grpc::ServerContext*,
                                       const v1::GetMirrorRequest* request,
                                       v1::Mirror* response) {
  return Respond(server::GetMirror(db_, *request), response);
}

grpc::Status MirrorsService::ListMirrors(grpc::ServerContext*,
                                         const v1::ListMirrorsRequest* request,
                                         v1::ListMirrorsResponse* response) {
  return ToGrpcStatus(server::ListMirrors(db_, *request, *response));
}

grpc::Status MirrorsService::UpdateMirror(
    grpc::ServerContext*, const v1::UpdateMirrorRequest* request,
    v1::Job* response) {
  return Respond(server::UpdateMirror(submitter_, *request), response);
}

grpc::Status MirrorsService::DeleteMirror(
    grpc::ServerContext*, const v1::DeleteMirrorRequest* request,
    v1::Job* response) {
  return Respond(server::DeleteMirror(submitter_, *request), response);
}

grpc::Status MirrorsService::SyncMirror(grpc::ServerContext*,
                                        const v1::SyncMirrorRequest* request,
                                        v1::Job* response) {
  return Respond(server::SyncMirror(submitter_, *request), response);
}

grpc::Status MirrorsService::ListMirrorPackages(
    grpc::ServerContext*, const v1::ListMirrorPackagesRequest* request,
    v1::ListMirrorPackagesResponse* response) {
  return ToGrpcStatus(server::ListMirrorPackages(db_, *request, *response));
}

}  // namespace debrepo::server
