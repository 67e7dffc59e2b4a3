// RPC handlers of debrepo.v1.Repos.
#ifndef DEBREPO_SERVER_REPOS_SERVICE_H_
#define DEBREPO_SERVER_REPOS_SERVICE_H_

#include "proto/debrepo/v1/repos.grpc.pb.h"
#include "server/submit.h"
#include "storage/database.h"

namespace debrepo::server {

// ReposService validates requests, fails fast on names that are taken or
// missing, and submits jobs; reads come straight from PostgreSQL.
class ReposService final : public v1::Repos::Service {
 public:
  ReposService(storage::Database* db, JobSubmitter* submitter)
      : db_(*db), submitter_(*submitter) {}

  grpc::Status CreateRepo(grpc::ServerContext* context,
                          const v1::CreateRepoRequest* request,
                          v1::Job* response) override;
  grpc::Status GetRepo(grpc::ServerContext* context,
                       const v1::GetRepoRequest* request,
                       v1::Repo* response) override;
  grpc::Status ListRepos(grpc::ServerContext* context,
                         const v1::ListReposRequest* request,
                         v1::ListReposResponse* response) override;
  grpc::Status UpdateRepo(grpc::ServerContext* context,
                          const v1::UpdateRepoRequest* request,
                          v1::Job* response) override;
  grpc::Status DeleteRepo(grpc::ServerContext* context,
                          const v1::DeleteRepoRequest* request,
                          v1::Job* response) override;
  grpc::Status AddFromUpload(grpc::ServerContext* context,
                             const v1::AddFromUploadRequest* request,
                             v1::Job* response) override;
  grpc::Status AddPackages(grpc::ServerContext* context,
                           const v1::AddPackagesRequest* request,
                           v1::Job* response) override;
  grpc::Status RemovePackages(grpc::ServerContext* context,
                              const v1::RemovePackagesRequest* request,
                              v1::Job* response) override;
  grpc::Status CopyPackages(grpc::ServerContext* context,
                            const v1::CopyPackagesRequest* request,
                            v1::Job* response) override;
  grpc::Status MovePackages(grpc::ServerContext* context,
                            const v1::CopyPackagesRequest* request,
                            v1::Job* response) override;
  grpc::Status ImportFromMirror(grpc::ServerContext* context,
                                const v1::ImportFromMirrorRequest* request,
                                v1::Job* response) override;
  grpc::Status IncludeChanges(grpc::ServerContext* context,
                              const v1::IncludeChangesRequest* request,
                              v1::Job* response) override;
  grpc::Status ListRepoPackages(
      grpc::ServerContext* context, const v1::ListRepoPackagesRequest* request,
      v1::ListRepoPackagesResponse* response) override;

 private:
  storage::Database& db_;
  JobSubmitter& submitter_;
};

}  // namespace debrepo::server

#endif  // DEBREPO_SERVER_REPOS_SERVICE_H_
