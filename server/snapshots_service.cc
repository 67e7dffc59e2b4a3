#include "server/snapshots_service.h"

#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "deb/package_key.h"
#include "deb/package_selection.h"
#include "deb/query.h"
#include "jobs/job_spec.h"
#include "server/grpc_status.h"
#include "server/page_token.h"
#include "storage/package_store.h"
#include "storage/snapshot_sets.h"
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
    case v1::CreateSnapshotRequest::kMirror:
      RETURN_IF_ERROR(ValidateResourceName("mirror", request.mirror()));
      create.set_mirror(request.mirror());
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
          "say what the snapshot is made from: a repo, a mirror, package "
          "keys, or empty");
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

// The most architectures a pull, filter or verify names.
constexpr int kMaxArchitectures = 64;
// Diff and verify pages: default and largest sizes.
constexpr int kDefaultChangePage = 1000;
constexpr int kMaxChangePage = 10000;

// Checks architecture names as Debian spells them (lower-case letters,
// digits and '-'), their length, and how many there are.
absl::Status ValidateArchitectures(
    const google::protobuf::RepeatedPtrField<std::string>& architectures) {
  if (architectures.size() > kMaxArchitectures) {
    return absl::InvalidArgumentError(
        absl::StrCat(architectures.size(), " architectures; name at most ",
                     kMaxArchitectures));
  }
  for (const std::string& architecture : architectures) {
    RETURN_IF_ERROR(deb::ValidateArchitecture(architecture));
  }
  return absl::OkStatus();
}

// Checks a required package query: it must be given and parse.
absl::Status ValidateRequiredQuery(absl::string_view query) {
  if (query.empty()) {
    return absl::InvalidArgumentError(
        "name the packages with a query, e.g. \"nginx\" or \"Priority "
        "(required)\"");
  }
  return deb::Query::Parse(query).status();
}

// Checks the names of snapshots read together: each valid, 1 to
// kMaxMergeSources of them (`at_least` 0 for an optional list).
absl::Status ValidateSnapshotNames(
    absl::string_view what,
    const google::protobuf::RepeatedPtrField<std::string>& names,
    int at_least) {
  if (names.size() < at_least || names.size() > jobs::kMaxMergeSources) {
    return absl::InvalidArgumentError(
        absl::StrCat("name ", at_least, " to ", jobs::kMaxMergeSources, " ",
                     what, ", not ", names.size()));
  }
  for (const std::string& name : names) {
    RETURN_IF_ERROR(ValidateResourceName("snapshot", name));
  }
  return absl::OkStatus();
}

absl::Status DiffSnapshots(storage::Database& db,
                           const v1::DiffSnapshotsRequest& request,
                           v1::DiffSnapshotsResponse& response) {
  RETURN_IF_ERROR(ValidateResourceName("snapshot", request.left()));
  RETURN_IF_ERROR(ValidateResourceName("snapshot", request.right()));
  ASSIGN_OR_RETURN(std::string token, DecodePageToken(request.page_token()));
  std::optional<v1::PackageChange> after;
  if (!token.empty() && !after.emplace().ParseFromString(token)) {
    return absl::InvalidArgumentError(
        "page_token does not come from a diff; start again without it");
  }
  const int page_size =
      PageSize(request.page_size(), kDefaultChangePage, kMaxChangePage);
  ASSIGN_OR_RETURN(
      std::vector<v1::PackageChange> changes,
      storage::DiffSnapshots(db, request.left(), request.right(),
                             request.only_matching(), after ? &*after : nullptr,
                             page_size + 1));
  response.set_next_page_token(TakePageInto(
      changes, page_size,
      [](const v1::PackageChange& change) {
        return change.SerializeAsString();
      },
      *response.mutable_changes()));
  return absl::OkStatus();
}

absl::StatusOr<v1::Job> MergeSnapshots(
    JobSubmitter& submitter, const v1::MergeSnapshotsRequest& request) {
  v1::JobArgs args;
  v1::MergeSnapshotsArgs& merge = *args.mutable_merge_snapshots();
  ASSIGN_OR_RETURN(*merge.mutable_destination(),
                   NewSnapshot(request.destination()));
  RETURN_IF_ERROR(
      ValidateSnapshotNames("snapshots to merge", request.sources(), 1));
  if (request.latest() && request.no_remove()) {
    return absl::InvalidArgumentError(
        "latest and no_remove exclude each other: latest keeps one version "
        "of each package, no_remove every version");
  }
  *merge.mutable_sources() = request.sources();
  merge.set_latest(request.latest());
  merge.set_no_remove(request.no_remove());
  return submitter.Submit(std::move(args), request.request_id());
}

absl::StatusOr<v1::Job> PullSnapshot(JobSubmitter& submitter,
                                     const v1::PullSnapshotRequest& request) {
  v1::JobArgs args;
  v1::PullSnapshotArgs& pull = *args.mutable_pull_snapshot();
  RETURN_IF_ERROR(ValidateResourceName("snapshot", request.base()));
  RETURN_IF_ERROR(ValidateResourceName("snapshot", request.source()));
  // A dry run creates nothing, so it needs no destination.
  if (!request.dry_run() || !request.destination().name().empty()) {
    ASSIGN_OR_RETURN(*pull.mutable_destination(),
                     NewSnapshot(request.destination()));
  }
  RETURN_IF_ERROR(ValidateRequiredQuery(request.query()));
  RETURN_IF_ERROR(ValidateArchitectures(request.architectures()));
  pull.set_base(request.base());
  pull.set_source(request.source());
  pull.set_query(request.query());
  pull.set_no_deps(request.no_deps());
  pull.set_no_remove(request.no_remove());
  pull.set_all_matches(request.all_matches());
  *pull.mutable_architectures() = request.architectures();
  pull.set_dry_run(request.dry_run());
  return submitter.Submit(std::move(args), request.request_id());
}

absl::StatusOr<v1::Job> FilterSnapshot(
    JobSubmitter& submitter, const v1::FilterSnapshotRequest& request) {
  v1::JobArgs args;
  v1::FilterSnapshotArgs& filter = *args.mutable_filter_snapshot();
  RETURN_IF_ERROR(ValidateResourceName("snapshot", request.source()));
  ASSIGN_OR_RETURN(*filter.mutable_destination(),
                   NewSnapshot(request.destination()));
  RETURN_IF_ERROR(ValidateRequiredQuery(request.query()));
  RETURN_IF_ERROR(ValidateArchitectures(request.architectures()));
  filter.set_source(request.source());
  filter.set_query(request.query());
  filter.set_with_deps(request.with_deps());
  *filter.mutable_architectures() = request.architectures();
  return submitter.Submit(std::move(args), request.request_id());
}

absl::Status VerifySnapshots(storage::Database& db,
                             const v1::VerifySnapshotsRequest& request,
                             v1::VerifySnapshotsResponse& response) {
  RETURN_IF_ERROR(ValidateResourceName("snapshot", request.name()));
  RETURN_IF_ERROR(
      ValidateSnapshotNames("further snapshots", request.others(), 0));
  RETURN_IF_ERROR(ValidateArchitectures(request.architectures()));
  ASSIGN_OR_RETURN(std::string token, DecodePageToken(request.page_token()));
  int64_t offset = 0;
  if (!token.empty() && (!absl::SimpleAtoi(token, &offset) || offset < 0)) {
    return absl::InvalidArgumentError(
        "page_token does not come from a verify; start again without it");
  }
  std::vector<std::string> fields = {"Pre-Depends", "Depends"};
  if (request.follow_recommends()) fields.push_back("Recommends");
  if (request.follow_suggests()) fields.push_back("Suggests");
  std::vector<deb::StoredPackage> verified;
  std::vector<deb::StoredPackage> others;
  RETURN_IF_ERROR(
      storage::ReadSnapshots(db, [&](storage::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(verified,
                         storage::LoadSnapshotMembers(tx, request.name()));
        for (const std::string& other : request.others()) {
          ASSIGN_OR_RETURN(std::vector<deb::StoredPackage> more,
                           storage::LoadSnapshotMembers(tx, other));
          std::move(more.begin(), more.end(), std::back_inserter(others));
        }
        return absl::OkStatus();
      }));
  ASSIGN_OR_RETURN(
      std::vector<deb::Unsatisfied> unsatisfied,
      deb::FindUnsatisfiedDependencies(
          verified, others,
          {request.architectures().begin(), request.architectures().end()},
          fields));
  // Snapshots never change, so a page's offset into the whole list is
  // stable.
  const int page_size =
      PageSize(request.page_size(), kDefaultChangePage, kMaxChangePage);
  std::vector<v1::UnsatisfiedDependency> page;
  for (size_t i = offset;
       i < unsatisfied.size() && page.size() <= static_cast<size_t>(page_size);
       ++i) {
    v1::UnsatisfiedDependency& item = page.emplace_back();
    item.set_key(unsatisfied[i].key);
    item.set_architecture(unsatisfied[i].architecture);
    item.set_field(unsatisfied[i].field);
    item.set_dependency(unsatisfied[i].dependency);
  }
  response.set_next_page_token(TakePageInto(
      page, page_size,
      [&](const v1::UnsatisfiedDependency&) {
        // TakePage has cut `page` to the items returned.
        return absl::StrCat(offset + static_cast<int64_t>(page.size()));
      },
      *response.mutable_unsatisfied()));
  return absl::OkStatus();
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

grpc::Status SnapshotsService::DiffSnapshots(
    grpc::ServerContext*, const v1::DiffSnapshotsRequest* request,
    v1::DiffSnapshotsResponse* response) {
  return ToGrpcStatus(server::DiffSnapshots(db_, *request, *response));
}

grpc::Status SnapshotsService::MergeSnapshots(
    grpc::ServerContext*, const v1::MergeSnapshotsRequest* request,
    v1::Job* response) {
  return Respond(server::MergeSnapshots(submitter_, *request), response);
}

grpc::Status SnapshotsService::PullSnapshot(
    grpc::ServerContext*, const v1::PullSnapshotRequest* request,
    v1::Job* response) {
  return Respond(server::PullSnapshot(submitter_, *request), response);
}

grpc::Status SnapshotsService::FilterSnapshot(
    grpc::ServerContext*, const v1::FilterSnapshotRequest* request,
    v1::Job* response) {
  return Respond(server::FilterSnapshot(submitter_, *request), response);
}

grpc::Status SnapshotsService::VerifySnapshots(
    grpc::ServerContext*, const v1::VerifySnapshotsRequest* request,
    v1::VerifySnapshotsResponse* response) {
  return ToGrpcStatus(server::VerifySnapshots(db_, *request, *response));
}

}  // namespace debrepo::server
