// RPC handlers of debrepo.v1.Packages.
#ifndef DEBREPO_SERVER_PACKAGES_SERVICE_H_
#define DEBREPO_SERVER_PACKAGES_SERVICE_H_

#include "proto/debrepo/v1/packages.grpc.pb.h"
#include "storage/database.h"

namespace debrepo::server {

// PackagesService answers package reads straight from PostgreSQL.
class PackagesService final : public v1::Packages::Service {
 public:
  explicit PackagesService(storage::Database* db) : db_(*db) {}

  grpc::Status GetPackage(grpc::ServerContext* context,
                          const v1::GetPackageRequest* request,
                          v1::Package* response) override;
  grpc::Status SearchPackages(grpc::ServerContext* context,
                              const v1::SearchPackagesRequest* request,
                              v1::SearchPackagesResponse* response) override;

 private:
  storage::Database& db_;
};

}  // namespace debrepo::server

#endif  // DEBREPO_SERVER_PACKAGES_SERVICE_H_
