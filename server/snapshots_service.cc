#include "server/snapshots_service.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "deb/query.h"
#include "server/grpc_status.h"
#include "server/page_token.h"
#include "storage/package_store.h"
#include "storage/snapshot_store.h"

namespace debrepo::server {
namespace {

constexpr size_t kMaxDescriptionLength = 4096;
// The most snapshots one search names.
constexpr int kMaxSearchedSnapshots = 1000;

// Checks the caller-given fields of a snapshot (name and description).
absl::Status ValidateSnapshotFields(const v1::Snapshot& snapshot) {
  RETURN_IF_ERROR(ValidateResourceName("snapshot", snapshot.name()));
  if (snapshot.description().size() > kMaxDescriptionLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("description is ", snapshot.description().size(),
                     " bytes long; use at most ", kMaxDescriptionLength));
  }
  return absl::OkStatus();
}

// The caller-given fields of `snapshot`, validated; output-only ones are
// dropped.
absl::StatusOr<v1::Snapshot> NewSnapshot(const v1::Snapshot& snapshot) {
  v1::Snapshot fields;
  fields.set_name(snapshot.name());
  fields.set_description(snapshot.description());
  RETURN_IF_ERROR(ValidateSnapshotFields(fields));
  return fields;
}

absl::StatusOr<v1::Job> CreateSnapshot(
    JobSubmitter& submitter, const v1::CreateSnapshotRequest& request) {
  v1::JobArgs args;
  v1::CreateSnapshotArgs& create = *args.mutable_create_snapshot();
  ASSIGN_OR_RETURN(*create.mutable_snapshot(), NewSnapshot(request.snapshot()));
  switch (request.from_case()) {
    case v1::CreateSnapshotRequest::kRepo:
      RETURN_IF_ERROR(ValidateResourceName("repo", request.repo()));
      create.set_repo(request.repo());
      break;
    case v1::CreateSnapshotRequest::kPackages:
      RETURN_IF_ERROR(ValidatePackageKeys(request.packages().keys()));
      *create.mutable_packages()->mutable_keys() = request.packages().keys();
      break;
    case v1::CreateSnapshotRequest::kEmpty:
      create.set_empty(true);
      break;
    case v1::CreateSnapshotRequest::FROM_NOT_SET:
      return absl::InvalidArgumentError(
          "say what the snapshot is made from: a repo, package keys, or "
          "empty");
  }
  return submitter.Submit(std::move(args), request.request_id());
}

absl::StatusOr<v1::Job> UpdateSnapshot(
    JobSubmitter& submitter, const v1::UpdateSnapshotRequest& request) {
  RETURN_IF_ERROR(ValidateResourceName("snapshot", request.name()));
  if (request.update_mask().paths().empty()) {
    return absl::InvalidArgumentError(
        "update_mask is empty; name the fields to change (name, "
        "description)");
  }
  v1::UpdateSnapshotArgs update;
  update.set_name(request.name());
  for (const std::string& field : request.update_mask().paths()) {
    if (field != "name" && field != "description") {
      return absl::InvalidArgumentError(
          absl::StrCat("update_mask names \"", field,
                       "\", which cannot be changed; use name or "
                       "description (a snapshot's packages never change)"));
    }
    update.add_fields(field);
  }
  v1::Snapshot candidate = request.snapshot();
  // An unchanged name keeps the current one, so that it validates.
  if (!absl::c_linear_search(update.fields(), "name")) {
    candidate.set_name(request.name());
  }
  ASSIGN_OR_RETURN(*update.mutable_snapshot(), NewSnapshot(candidate));
  v1::JobArgs args;
  *args.mutable_update_snapshot() = std::move(update);
  return submitter.Submit(std::move(args), request.request_id());
}

absl::StatusOr<v1::Job> DeleteSnapshot(
    JobSubmitter& submitter, const v1::DeleteSnapshotRequest& request) {
  RETURN_IF_ERROR(ValidateResourceName("snapshot", request.name()));
  v1::JobArgs args;
  args.mutable_delete_snapshot()->set_name(request.name());
  args.mutable_delete_snapshot()->set_force(request.force());
  return submitter.Submit(std::move(args), request.request_id());
}

absl::Status ListSnapshots(storage::Database& db,
                           const v1::ListSnapshotsRequest& request,
                           v1::ListSnapshotsResponse& response) {
  ASSIGN_OR_RETURN(std::string after, DecodePageToken(request.page_token()));
  const storage::SnapshotOrder order =
      request.order() == v1::ListSnapshotsRequest::CREATE_TIME
          ? storage::SnapshotOrder::kCreateTime
          : storage::SnapshotOrder::kName;
  const int page_size = PageSize(request.page_size());
  // One extra row tells whether another page follows.
  ASSIGN_OR_RETURN(std::vector<v1::Snapshot> snapshots,
                   storage::ListSnapshots(db, order, after, page_size + 1));
  response.set_next_page_token(TakePageInto(
      snapshots, page_size,
      [order](const v1::Snapshot& snapshot) {
        return order == storage::SnapshotOrder::kName
                   ? snapshot.name()
                   : storage::SnapshotTimePosition(snapshot);
      },
      *response.mutable_snapshots()));
  return absl::OkStatus();
}

absl::Status ListSnapshotPackages(
    storage::Database& db, const v1::ListSnapshotPackagesRequest& request,
    v1::ListSnapshotPackagesResponse& response) {
  RETURN_IF_ERROR(ValidateResourceName("snapshot", request.name()));
  std::optional<deb::Query> query;
  if (!request.query().empty()) {
    ASSIGN_OR_RETURN(query, deb::Query::Parse(request.query()));
  }
  ASSIGN_OR_RETURN(std::string after, DecodePageToken(request.page_token()));
  RETURN_IF_ERROR(storage::GetSnapshot(db, request.name()).status());
  const int page_size = PackagePageSize(request.page_size(), request.details());
  ASSIGN_OR_RETURN(std::vector<v1::Package> packages,
                   storage::ListSnapshotPackages(
                       db, request.name(), query ? &*query : nullptr, after,
                       page_size + 1, request.details()));
  response.set_next_page_token(TakePageInto(
      packages, page_size,
      [](const v1::Package& package) { return package.key(); },
      *response.mutable_packages()));
  return absl::OkStatus();
}

absl::Status SearchSnapshots(storage::Database& db,
                             const v1::SearchSnapshotsRequest& request,
                             v1::SearchSnapshotsResponse& response) {
  if (request.query().empty()) {
    return absl::InvalidArgumentError(
        "name the packages to look for with a query, e.g. \"Name (~ ^lib)\"");
  }
  ASSIGN_OR_RETURN(const deb::Query query, deb::Query::Parse(request.query()));
  if (request.snapshots_size() > kMaxSearchedSnapshots) {
    return absl::InvalidArgumentError(
        absl::StrCat("search at most ", kMaxSearchedSnapshots,
                     " snapshots by name, or every snapshot by naming none"));
  }
  for (const std::string& name : request.snapshots()) {
    RETURN_IF_ERROR(ValidateResourceName("snapshot", name));
    RETURN_IF_ERROR(storage::GetSnapshot(db, name).status());
  }
  ASSIGN_OR_RETURN(std::string after, DecodePageToken(request.page_token()));
  const int page_size = PackagePageSize(request.page_size(), request.details());
  ASSIGN_OR_RETURN(std::vector<v1::SnapshotPackage> found,
                   storage::SearchSnapshots(
                       db, &query,
                       std::vector<std::string>(request.snapshots().begin(),
                                                request.snapshots().end()),
                       after, page_size + 1, request.details()));
  response.set_next_page_token(TakePageInto(
      found, page_size,
      [](const v1::SnapshotPackage& hit) { return hit.package().key(); },
      *response.mutable_packages()));
  return absl::OkStatus();
}

grpc::Status NotYetImplemented(absl::string_view method) {
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                      absl::StrCat(method, " is not implemented yet"));
}

}  // namespace

grpc::Status SnapshotsService::CreateSnapshot(
    grpc::ServerContext*, const v1::CreateSnapshotRequest* request,
    v1::Job* response) {
  return Respond(server::CreateSnapshot(submitter_, *request), response);
}

grpc::Status SnapshotsService::GetSnapshot(
    grpc::ServerContext*, const v1::GetSnapshotRequest* request,
    v1::Snapshot* response) {
  if (absl::Status valid = ValidateResourceName("snapshot", request->name());
      !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  return Respond(storage::GetSnapshot(db_, request->name()), response);
}

grpc::Status SnapshotsService::ListSnapshots(
    grpc::ServerContext*, const v1::ListSnapshotsRequest* request,
    v1::ListSnapshotsResponse* response) {
  return ToGrpcStatus(server::ListSnapshots(db_, *request, *response));
}

grpc::Status SnapshotsService::UpdateSnapshot(
    grpc::ServerContext*, const v1::UpdateSnapshotRequest* request,
    v1::Job* response) {
  return Respond(server::UpdateSnapshot(submitter_, *request), response);
}

grpc::Status SnapshotsService::DeleteSnapshot(
    grpc::ServerContext*, const v1::DeleteSnapshotRequest* request,
    v1::Job* response) {
  return Respond(server::DeleteSnapshot(submitter_, *request), response);
}

grpc::Status SnapshotsService::ListSnapshotPackages(
    grpc::ServerContext*, const v1::ListSnapshotPackagesRequest* request,
    v1::ListSnapshotPackagesResponse* response) {
  return ToGrpcStatus(server::ListSnapshotPackages(db_, *request, *response));
}

grpc::Status SnapshotsService::SearchSnapshots(
    grpc::ServerContext*, const v1::SearchSnapshotsRequest* request,
    v1::SearchSnapshotsResponse* response) {
  return ToGrpcStatus(server::SearchSnapshots(db_, *request, *response));
}

grpc::Status SnapshotsService::DiffSnapshots(grpc::ServerContext*,
                                             const v1::DiffSnapshotsRequest*,
                                             v1::DiffSnapshotsResponse*) {
  return NotYetImplemented("DiffSnapshots");
}

grpc::Status SnapshotsService::MergeSnapshots(grpc::ServerContext*,
                                              const v1::MergeSnapshotsRequest*,
                                              v1::Job*) {
  return NotYetImplemented("MergeSnapshots");
}

grpc::Status SnapshotsService::PullSnapshot(grpc::ServerContext*,
                                            const v1::PullSnapshotRequest*,
                                            v1::Job*) {
  return NotYetImplemented("PullSnapshot");
}

grpc::Status SnapshotsService::FilterSnapshot(grpc::ServerContext*,
                                              const v1::FilterSnapshotRequest*,
                                              v1::Job*) {
  return NotYetImplemented("FilterSnapshot");
}

grpc::Status SnapshotsService::VerifySnapshots(
    grpc::ServerContext*, const v1::VerifySnapshotsRequest*,
    v1::VerifySnapshotsResponse*) {
  return NotYetImplemented("VerifySnapshots");
}

}  // namespace debrepo::server
