// RPC handlers of debrepo.v1.Mirrors.
#ifndef DEBREPO_SERVER_MIRRORS_SERVICE_H_
#define DEBREPO_SERVER_MIRRORS_SERVICE_H_

#include "proto/debrepo/v1/mirrors.grpc.pb.h"
#include "server/submit.h"
#include "storage/database.h"

namespace debrepo::server {

// MirrorsService validates requests (a keyring must parse; its
// fingerprints go into the job) and submits jobs for the mutations and
// syncs; reads answer straight from PostgreSQL and never return a keyring.
class MirrorsService final : public v1::Mirrors::Service {
 public:
  MirrorsService(storage::Database* db, JobSubmitter* submitter)
      : db_(*db), submitter_(*submitter) {}

  grpc::Status CreateMirror(grpc::ServerContext* context,
                            const v1::CreateMirrorRequest* request,
                            v1::Job* response) override;
  grpc::Status GetMirror(grpc::ServerContext* context,
                         const v1::GetMirrorRequest* request,
                         v1::Mirror* response) override;
  grpc::Status ListMirrors(grpc::ServerContext* context,
                           const v1::ListMirrorsRequest* request,
                           v1::ListMirrorsResponse* response) override;
  grpc::Status UpdateMirror(grpc::ServerContext* context,
                            const v1::UpdateMirrorRequest* request,
                            v1::Job* response) override;
  grpc::Status DeleteMirror(grpc::ServerContext* context,
                            const v1::DeleteMirrorRequest* request,
                            v1::Job* response) override;
  grpc::Status SyncMirror(grpc::ServerContext* context,
                          const v1::SyncMirrorRequest* request,
                          v1::Job* response) override;
  grpc::Status ListMirrorPackages(
      grpc::ServerContext* context,
      const v1::ListMirrorPackagesRequest* request,
      v1::ListMirrorPackagesResponse* response) override;

 private:
  storage::Database& db_;
  JobSubmitter& submitter_;
};

}  // namespace debrepo::server

#endif  // DEBREPO_SERVER_MIRRORS_SERVICE_H_
