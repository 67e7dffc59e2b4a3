// RPC handlers of debrepo.v1.Jobs.
#ifndef DEBREPO_SERVER_JOBS_SERVICE_H_
#define DEBREPO_SERVER_JOBS_SERVICE_H_

#include "proto/debrepo/v1/jobs.grpc.pb.h"
#include "server/job_waiter.h"
#include "storage/job_store.h"

namespace debrepo::server {

// JobsService answers from the job store; waits go through a JobWaiter.
class JobsService final : public v1::Jobs::Service {
 public:
  JobsService(storage::JobStore* jobs, JobWaiter* waiter)
      : jobs_(*jobs), waiter_(*waiter) {}

  grpc::Status GetJob(grpc::ServerContext* context,
                      const v1::GetJobRequest* request,
                      v1::Job* response) override;
  grpc::Status ListJobs(grpc::ServerContext* context,
                        const v1::ListJobsRequest* request,
                        v1::ListJobsResponse* response) override;
  grpc::Status WaitJob(grpc::ServerContext* context,
                       const v1::WaitJobRequest* request,
                       v1::Job* response) override;
  grpc::Status CancelJob(grpc::ServerContext* context,
                         const v1::CancelJobRequest* request,
                         v1::Job* response) override;

 private:
  storage::JobStore& jobs_;
  JobWaiter& waiter_;
};

}  // namespace debrepo::server

#endif  // DEBREPO_SERVER_JOBS_SERVICE_H_
