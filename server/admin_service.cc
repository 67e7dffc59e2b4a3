#include "server/admin_service.h"

#include "common/names.h"
#include "server/grpc_status.h"
#include "server/submit.h"

namespace debrepo::server {

grpc::Status AdminService::SubmitNoop(grpc::ServerContext*,
                                      const v1::SubmitNoopRequest* request,
                                      v1::Job* response) {
  if (!request->resource().empty()) {
    if (absl::Status valid =
            ValidateResourceName("resource", request->resource());
        !valid.ok()) {
      return ToGrpcStatus(valid);
    }
  }
  v1::JobArgs args;
  args.mutable_noop()->set_resource(request->resource());
  args.mutable_noop()->set_after_commit(request->after_commit());
  return Respond(submitter_.Submit(std::move(args), request->request_id()),
                 response);
}

grpc::Status AdminService::Cleanup(grpc::ServerContext*,
                                   const v1::CleanupRequest* request,
                                   v1::Job* response) {
  v1::JobArgs args;
  args.mutable_cleanup()->set_dry_run(request->dry_run());
  return Respond(submitter_.Submit(std::move(args), request->request_id()),
                 response);
}

}  // namespace debrepo::server
