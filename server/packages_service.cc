#include "server/packages_service.h"

#include <optional>
#include <string>
#include <vector>

#include "common/names.h"
#include "common/status_macros.h"
#include "deb/query.h"
#include "server/grpc_status.h"
#include "server/page_token.h"
#include "storage/package_store.h"

namespace debrepo::server {
namespace {

absl::Status SearchPackages(storage::Database& db,
                            const v1::SearchPackagesRequest& request,
                            v1::SearchPackagesResponse& response) {
  std::optional<deb::Query> query;
  if (!request.query().empty()) {
    ASSIGN_OR_RETURN(query, deb::Query::Parse(request.query()));
  }
  ASSIGN_OR_RETURN(std::string after, DecodePageToken(request.page_token()));
  const int page_size = PackagePageSize(request.page_size(), request.details());
  ASSIGN_OR_RETURN(std::vector<v1::Package> packages,
                   storage::SearchPackages(db, query ? &*query : nullptr, after,
                                           page_size + 1, request.details()));
  response.set_next_page_token(TakePageInto(
      packages, page_size,
      [](const v1::Package& package) { return package.key(); },
      *response.mutable_packages()));
  return absl::OkStatus();
}

}  // namespace

grpc::Status PackagesService::GetPackage(grpc::ServerContext*,
                                         const v1::GetPackageRequest* request,
                                         v1::Package* response) {
  if (absl::Status valid = ValidatePackageKey(request->key()); !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  return Respond(storage::GetPackage(db_, request->key()), response);
}

grpc::Status PackagesService::SearchPackages(
    grpc::ServerContext*, const v1::SearchPackagesRequest* request,
    v1::SearchPackagesResponse* response) {
  return ToGrpcStatus(server::SearchPackages(db_, *request, *response));
}

}  // namespace debrepo::server
