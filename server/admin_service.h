// RPC handlers of debrepo.v1.Admin.
#ifndef DEBREPO_SERVER_ADMIN_SERVICE_H_
#define DEBREPO_SERVER_ADMIN_SERVICE_H_

#include "proto/debrepo/v1/admin.grpc.pb.h"
#include "storage/job_store.h"

namespace debrepo::server {

// AdminService submits operator jobs.
class AdminService final : public v1::Admin::Service {
 public:
  explicit AdminService(storage::JobStore* jobs) : jobs_(*jobs) {}

  grpc::Status SubmitNoop(grpc::ServerContext* context,
                          const v1::SubmitNoopRequest* request,
                          v1::Job* response) override;

 private:
  storage::JobStore& jobs_;
};

}  // namespace debrepo::server

#endif  // DEBREPO_SERVER_ADMIN_SERVICE_H_
