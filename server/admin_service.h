// RPC handlers of debrepo.v1.Admin.
#ifndef DEBREPO_SERVER_ADMIN_SERVICE_H_
#define DEBREPO_SERVER_ADMIN_SERVICE_H_

#include "proto/debrepo/v1/admin.grpc.pb.h"
#include "server/submit.h"

namespace debrepo::server {

// AdminService submits operator jobs.
class AdminService final : public v1::Admin::Service {
 public:
  explicit AdminService(JobSubmitter* submitter) : submitter_(*submitter) {}

  grpc::Status SubmitNoop(grpc::ServerContext* context,
                          const v1::SubmitNoopRequest* request,
                          v1::Job* response) override;
  grpc::Status Cleanup(grpc::ServerContext* context,
                       const v1::CleanupRequest* request,
                       v1::Job* response) override;

 private:
  JobSubmitter& submitter_;
};

}  // namespace debrepo::server

#endif  // DEBREPO_SERVER_ADMIN_SERVICE_H_
