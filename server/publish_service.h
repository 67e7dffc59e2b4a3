// RPC handlers of debrepo.v1.Publish.
#ifndef DEBREPO_SERVER_PUBLISH_SERVICE_H_
#define DEBREPO_SERVER_PUBLISH_SERVICE_H_

#include "proto/debrepo/v1/publish.grpc.pb.h"
#include "server/submit.h"
#include "storage/database.h"

namespace debrepo::server {

// PublishService validates requests, fills in their defaults (storage,
// prefix, component names, distribution, compressions) and submits jobs
// for the mutations; Get and List answer from PostgreSQL.
class PublishService final : public v1::Publish::Service {
 public:
  PublishService(storage::Database* db, JobSubmitter* submitter)
      : db_(*db), submitter_(*submitter) {}

  grpc::Status CreatePublication(grpc::ServerContext* context,
                                 const v1::CreatePublicationRequest* request,
                                 v1::Job* response) override;
  grpc::Status GetPublication(grpc::ServerContext* context,
                              const v1::GetPublicationRequest* request,
                              v1::Publication* response) override;
  grpc::Status ListPublications(
      grpc::ServerContext* context, const v1::ListPublicationsRequest* request,
      v1::ListPublicationsResponse* response) override;
  grpc::Status UpdatePublication(grpc::ServerContext* context,
                                 const v1::UpdatePublicationRequest* request,
                                 v1::Job* response) override;
  grpc::Status SwitchPublication(grpc::ServerContext* context,
                                 const v1::SwitchPublicationRequest* request,
                                 v1::Job* response) override;
  grpc::Status DeletePublication(grpc::ServerContext* context,
                                 const v1::DeletePublicationRequest* request,
                                 v1::Job* response) override;

 private:
  storage::Database& db_;
  JobSubmitter& submitter_;
};

}  // namespace debrepo::server

#endif  // DEBREPO_SERVER_PUBLISH_SERVICE_H_
