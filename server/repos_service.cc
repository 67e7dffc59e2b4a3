#include "server/repos_service.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "deb/package_key.h"
#include "deb/query.h"
#include "jobs/mirror_update.h"
#include "jobs/repo_update.h"
#include "server/grpc_status.h"
#include "server/page_token.h"
#include "server/submit.h"
#include "storage/package_store.h"
#include "storage/repo_store.h"

namespace debrepo::server {
namespace {

constexpr size_t kMaxCommentLength = 4096;

absl::Status ValidateRepoFields(const v1::Repo& repo) {
  RETURN_IF_ERROR(ValidateResourceName("repo", repo.name()));
  if (repo.comment().size() > kMaxCommentLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("comment is ", repo.comment().size(),
                     " bytes long; use at most ", kMaxCommentLength));
  }
  RETURN_IF_ERROR(ValidateDistribution(repo.default_distribution()));
  return ValidateComponent(repo.default_component());
}

absl::StatusOr<v1::Job> CreateRepo(JobSubmitter& submitter,
                                   const v1::CreateRepoRequest& request) {
  v1::Repo repo = request.repo();
  repo.clear_create_time();
  RETURN_IF_ERROR(ValidateRepoFields(repo));
  v1::JobArgs args;
  *args.mutable_create_repo()->mutable_repo() = std::move(repo);
  return submitter.Submit(std::move(args), request.request_id());
}

absl::StatusOr<v1::Job> UpdateRepo(JobSubmitter& submitter,
                                   const v1::UpdateRepoRequest& request) {
  RETURN_IF_ERROR(ValidateResourceName("repo", request.name()));
  if (request.update_mask().paths().empty()) {
    return absl::InvalidArgumentError(
        "update_mask is empty; name the fields to change (name, comment, "
        "default_distribution, default_component)");
  }
  v1::UpdateRepoArgs update;
  update.set_name(request.name());
  for (const std::string& field : request.update_mask().paths()) {
    if (!jobs::IsUpdatableRepoField(field)) {
      return absl::InvalidArgumentError(
          absl::StrCat("update_mask names \"", field,
                       "\", which cannot be changed; use name, comment, "
                       "default_distribution or default_component"));
    }
    update.add_fields(field);
  }
  // Unchanged fields keep valid placeholder values for validation.
  v1::Repo candidate = request.repo();
  if (!absl::c_linear_search(update.fields(), "name")) {
    candidate.set_name(request.name());
  }
  RETURN_IF_ERROR(ValidateRepoFields(candidate));
  candidate.clear_create_time();
  *update.mutable_repo() = std::move(candidate);
  v1::JobArgs args;
  *args.mutable_update_repo() = std::move(update);
  return submitter.Submit(std::move(args), request.request_id());
}

absl::StatusOr<v1::Job> DeleteRepo(JobSubmitter& submitter,
                                   const v1::DeleteRepoRequest& request) {
  RETURN_IF_ERROR(ValidateResourceName("repo", request.name()));
  v1::JobArgs args;
  args.mutable_delete_repo()->set_name(request.name());
  args.mutable_delete_repo()->set_force(request.force());
  return submitter.Submit(std::move(args), request.request_id());
}

absl::StatusOr<v1::Job> AddFromUpload(JobSubmitter& submitter,
                                      const v1::AddFromUploadRequest& request) {
  RETURN_IF_ERROR(ValidateResourceName("repo", request.name()));
  RETURN_IF_ERROR(
      ValidateResourceName("upload directory", request.directory()));
  v1::JobArgs args;
  v1::AddFromUploadArgs& add = *args.mutable_add_from_upload();
  add.set_name(request.name());
  add.set_directory(request.directory());
  add.set_force_replace(request.force_replace());
  add.set_no_remove_files(request.no_remove_files());
  return submitter.Submit(std::move(args), request.request_id());
}

absl::StatusOr<v1::Job> IncludeChanges(
    JobSubmitter& submitter, const v1::IncludeChangesRequest& request) {
  RETURN_IF_ERROR(ValidateResourceName("repo", request.name()));
  RETURN_IF_ERROR(
      ValidateResourceName("upload directory", request.directory()));
  v1::JobArgs args;
  v1::IncludeChangesArgs& include = *args.mutable_include_changes();
  include.set_name(request.name());
  include.set_directory(request.directory());
  include.set_accept_unsigned(request.accept_unsigned());
  include.set_ignore_signature(request.ignore_signature());
  include.set_force_replace(request.force_replace());
  include.set_no_remove_files(request.no_remove_files());
  return submitter.Submit(std::move(args), request.request_id());
}

absl::StatusOr<v1::Job> AddPackages(JobSubmitter& submitter,
                                    const v1::AddPackagesRequest& request) {
  RETURN_IF_ERROR(ValidateResourceName("repo", request.name()));
  if (request.keys().empty()) {
    return absl::InvalidArgumentError(
        "name the packages to add by key; `debrepo package search` finds "
        "keys");
  }
  RETURN_IF_ERROR(ValidatePackageKeys(request.keys()));
  v1::JobArgs args;
  args.mutable_add_packages()->set_name(request.name());
  *args.mutable_add_packages()->mutable_keys() = request.keys();
  return submitter.Submit(std::move(args), request.request_id());
}

absl::StatusOr<v1::Job> RemovePackages(
    JobSubmitter& submitter, const v1::RemovePackagesRequest& request) {
  RETURN_IF_ERROR(ValidateResourceName("repo", request.name()));
  if (request.keys().empty() && request.query().empty()) {
    return absl::InvalidArgumentError(
        "name the packages to remove: keys, a query, or both");
  }
  RETURN_IF_ERROR(ValidatePackageKeys(request.keys()));
  if (!request.query().empty()) {
    RETURN_IF_ERROR(deb::Query::Parse(request.query()).status());
  }
  v1::JobArgs args;
  v1::RemovePackagesArgs& remove = *args.mutable_remove_packages();
  remove.set_name(request.name());
  *remove.mutable_keys() = request.keys();
  remove.set_query(request.query());
  remove.set_dry_run(request.dry_run());
  return submitter.Submit(std::move(args), request.request_id());
}

absl::StatusOr<v1::Job> CopyPackages(JobSubmitter& submitter,
                                     const v1::CopyPackagesRequest& request,
                                     bool move) {
  RETURN_IF_ERROR(ValidateResourceName("repo", request.source()));
  RETURN_IF_ERROR(ValidateResourceName("repo", request.destination()));
  if (request.source() == request.destination()) {
    return absl::InvalidArgumentError(
        "source and destination are the same repo; name two different ones");
  }
  if (request.query().empty()) {
    return absl::InvalidArgumentError(
        "name the packages to copy with a query, e.g. \"Name (~ ^lib)\"");
  }
  RETURN_IF_ERROR(deb::Query::Parse(request.query()).status());
  v1::JobArgs args;
  v1::CopyPackagesArgs& copy = *args.mutable_copy_packages();
  copy.set_source(request.source());
  copy.set_destination(request.destination());
  copy.set_query(request.query());
  copy.set_move(move);
  copy.set_with_deps(request.with_deps());
  copy.set_dry_run(request.dry_run());
  return submitter.Submit(std::move(args), request.request_id());
}

absl::StatusOr<v1::Job> ImportFromMirror(
    JobSubmitter& submitter, const v1::ImportFromMirrorRequest& request) {
  RETURN_IF_ERROR(ValidateResourceName("mirror", request.mirror()));
  RETURN_IF_ERROR(ValidateResourceName("repo", request.repo()));
  if (request.query().empty()) {
    return absl::InvalidArgumentError(
        "name the packages to import with a query, e.g. \"nginx\"");
  }
  RETURN_IF_ERROR(deb::Query::Parse(request.query()).status());
  if (request.architectures_size() > jobs::kMaxMirrorArchitectures) {
    return absl::InvalidArgumentError(absl::StrCat(
        request.architectures_size(), " architectures; name at most ",
        jobs::kMaxMirrorArchitectures));
  }
  for (const std::string& architecture : request.architectures()) {
    RETURN_IF_ERROR(deb::ValidateArchitecture(architecture));
  }
  v1::JobArgs args;
  v1::ImportFromMirrorArgs& import = *args.mutable_import_from_mirror();
  import.set_mirror(request.mirror());
  import.set_repo(request.repo());
  import.set_query(request.query());
  import.set_no_deps(request.no_deps());
  *import.mutable_architectures() = request.architectures();
  import.set_dry_run(request.dry_run());
  return submitter.Submit(std::move(args), request.request_id());
}

absl::Status ListRepoPackages(storage::Database& db,
                              const v1::ListRepoPackagesRequest& request,
                              v1::ListRepoPackagesResponse& response) {
  RETURN_IF_ERROR(ValidateResourceName("repo", request.name()));
  std::optional<deb::Query> query;
  if (!request.query().empty()) {
    ASSIGN_OR_RETURN(query, deb::Query::Parse(request.query()));
  }
  ASSIGN_OR_RETURN(std::string after, DecodePageToken(request.page_token()));
  RETURN_IF_ERROR(storage::GetRepo(db, request.name()).status());
  const int page_size = PackagePageSize(request.page_size(), request.details());
  ASSIGN_OR_RETURN(
      std::vector<v1::Package> packages,
      storage::ListRepoPackages(db, request.name(), query ? &*query : nullptr,
                                after, page_size + 1, request.details()));
  response.set_next_page_token(TakePageInto(
      packages, page_size,
      [](const v1::Package& package) { return package.key(); },
      *response.mutable_packages()));
  return absl::OkStatus();
}

absl::Status ListRepos(storage::Database& db,
                       const v1::ListReposRequest& request,
                       v1::ListReposResponse& response) {
  ASSIGN_OR_RETURN(std::string after, DecodePageToken(request.page_token()));
  const int page_size = PageSize(request.page_size());
  // One extra row tells whether another page follows.
  ASSIGN_OR_RETURN(std::vector<v1::Repo> repos,
                   storage::ListRepos(db, after, page_size + 1));
  response.set_next_page_token(TakePage(
      repos, page_size, [](const v1::Repo& repo) { return repo.name(); }));
  for (v1::Repo& repo : repos) *response.add_repos() = std::move(repo);
  return absl::OkStatus();
}

}  // namespace

grpc::Status ReposService::AddFromUpload(
    grpc::ServerContext*, const v1::AddFromUploadRequest* request,
    v1::Job* response) {
  return Respond(server::AddFromUpload(submitter_, *request), response);
}

grpc::Status ReposService::AddPackages(grpc::ServerContext*,
                                       const v1::AddPackagesRequest* request,
                                       v1::Job* response) {
  return Respond(server::AddPackages(submitter_, *request), response);
}

grpc::Status ReposService::RemovePackages(
    grpc::ServerContext*, const v1::RemovePackagesRequest* request,
    v1::Job* response) {
  return Respond(server::RemovePackages(submitter_, *request), response);
}

grpc::Status ReposService::CopyPackages(grpc::ServerContext*,
                                        const v1::CopyPackagesRequest* request,
                                        v1::Job* response) {
  return Respond(server::CopyPackages(submitter_, *request, /*move=*/false),
                 response);
}

grpc::Status ReposService::MovePackages(grpc::ServerContext*,
                                        const v1::CopyPackagesRequest* request,
                                        v1::Job* response) {
  return Respond(server::CopyPackages(submitter_, *request, /*move=*/true),
                 response);
}

grpc::Status ReposService::ImportFromMirror(
    grpc::ServerContext*, const v1::ImportFromMirrorRequest* request,
    v1::Job* response) {
  return Respond(server::ImportFromMirror(submitter_, *request), response);
}

grpc::Status ReposService::IncludeChanges(
    grpc::ServerContext*, const v1::IncludeChangesRequest* request,
    v1::Job* response) {
  return Respond(server::IncludeChanges(submitter_, *request), response);
}

grpc::Status ReposService::ListRepoPackages(
    grpc::ServerContext*, const v1::ListRepoPackagesRequest* request,
    v1::ListRepoPackagesResponse* response) {
  return ToGrpcStatus(server::ListRepoPackages(db_, *request, *response));
}

grpc::Status ReposService::CreateRepo(grpc::ServerContext*,
                                      const v1::CreateRepoRequest* request,
                                      v1::Job* response) {
  return Respond(server::CreateRepo(submitter_, *request), response);
}

grpc::Status ReposService::GetRepo(grpc::ServerContext*,
                                   const v1::GetRepoRequest* request,
                                   v1::Repo* response) {
  if (absl::Status valid = ValidateResourceName("repo", request->name());
      !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  return Respond(storage::GetRepo(db_, request->name()), response);
}

grpc::Status ReposService::ListRepos(grpc::ServerContext*,
                                     const v1::ListReposRequest* request,
                                     v1::ListReposResponse* response) {
  return ToGrpcStatus(server::ListRepos(db_, *request, *response));
}

grpc::Status ReposService::UpdateRepo(grpc::ServerContext*,
                                      const v1::UpdateRepoRequest* request,
                                      v1::Job* response) {
  return Respond(server::UpdateRepo(submitter_, *request), response);
}

grpc::Status ReposService::DeleteRepo(grpc::ServerContext*,
                                      const v1::DeleteRepoRequest* request,
                                      v1::Job* response) {
  return Respond(server::DeleteRepo(submitter_, *request), response);
}

}  // namespace debrepo::server
