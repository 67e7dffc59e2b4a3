// RPC handlers of debrepo.v1.Snapshots.
#ifndef DEBREPO_SERVER_SNAPSHOTS_SERVICE_H_
#define DEBREPO_SERVER_SNAPSHOTS_SERVICE_H_

#include "proto/debrepo/v1/snapshots.grpc.pb.h"
#include "server/submit.h"
#include "storage/database.h"

namespace debrepo::server {

// SnapshotsService validates requests and submits jobs for the mutations
// (create, update, delete, merge, pull, filter); snapshots never change
// once made, so reads, diffs and verifies answer straight from PostgreSQL.
class SnapshotsService final : public v1::Snapshots::Service {
 public:
  SnapshotsService(storage::Database* db, JobSubmitter* submitter)
      : db_(*db), submitter_(*submitter) {}

  grpc::Status CreateSnapshot(grpc::ServerContext* context,
                              const v1::CreateSnapshotRequest* request,
                              v1::Job* response) override;
  grpc::Status GetSnapshot(grpc::ServerContext* context,
                           const v1::GetSnapshotRequest* request,
                           v1::Snapshot* response) override;
  grpc::Status ListSnapshots(grpc::ServerContext* context,
                             const v1::ListSnapshotsRequest* request,
                             v1::ListSnapshotsResponse* response) override;
  grpc::Status UpdateSnapshot(grpc::ServerContext* context,
                              const v1::UpdateSnapshotRequest* request,
                              v1::Job* response) override;
  grpc::Status DeleteSnapshot(grpc::ServerContext* context,
                              const v1::DeleteSnapshotRequest* request,
                              v1::Job* response) override;
  grpc::Status ListSnapshotPackages(
      grpc::ServerContext* context,
      const v1::ListSnapshotPackagesRequest* request,
      v1::ListSnapshotPackagesResponse* response) override;
  grpc::Status SearchSnapshots(grpc::ServerContext* context,
                               const v1::SearchSnapshotsRequest* request,
                               v1::SearchSnapshotsResponse* response) override;
  grpc::Status DiffSnapshots(grpc::ServerContext* context,
                             const v1::DiffSnapshotsRequest* request,
                             v1::DiffSnapshotsResponse* response) override;
  grpc::Status MergeSnapshots(grpc::ServerContext* context,
                              const v1::MergeSnapshotsRequest* request,
                              v1::Job* response) override;
  grpc::Status PullSnapshot(grpc::ServerContext* context,
                            const v1::PullSnapshotRequest* request,
                            v1::Job* response) override;
  grpc::Status FilterSnapshot(grpc::ServerContext* context,
                              const v1::FilterSnapshotRequest* request,
                              v1::Job* response) override;
  grpc::Status VerifySnapshots(grpc::ServerContext* context,
                               const v1::VerifySnapshotsRequest* request,
                               v1::VerifySnapshotsResponse* response) override;

 private:
  storage::Database& db_;
  JobSubmitter& submitter_;
};

}  // namespace debrepo::server

#endif  // DEBREPO_SERVER_SNAPSHOTS_SERVICE_H_
