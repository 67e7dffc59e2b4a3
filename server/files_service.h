// RPC handlers of debrepo.v1.Files.
#ifndef DEBREPO_SERVER_FILES_SERVICE_H_
#define DEBREPO_SERVER_FILES_SERVICE_H_

#include <cstdint>

#include "blobstore/blob_store.h"
#include "proto/debrepo/v1/files.grpc.pb.h"
#include "server/submit.h"
#include "storage/database.h"

namespace debrepo::server {

// FilesService streams uploads into the blob store and submits the jobs
// that record and delete files in upload directories.
class FilesService final : public v1::Files::Service {
 public:
  FilesService(storage::Database* db, JobSubmitter* submitter,
               blobstore::BlobStore* blobs, uint64_t max_upload_bytes)
      : db_(*db),
        submitter_(*submitter),
        blobs_(*blobs),
        max_upload_bytes_(max_upload_bytes) {}

  grpc::Status Upload(grpc::ServerContext* context,
                      grpc::ServerReader<v1::UploadRequest>* reader,
                      v1::Job* response) override;
  grpc::Status ListUploadDirectories(
      grpc::ServerContext* context,
      const v1::ListUploadDirectoriesRequest* request,
      v1::ListUploadDirectoriesResponse* response) override;
  grpc::Status ListUploadFiles(grpc::ServerContext* context,
                               const v1::ListUploadFilesRequest* request,
                               v1::ListUploadFilesResponse* response) override;
  grpc::Status DeleteUpload(grpc::ServerContext* context,
                            const v1::DeleteUploadRequest* request,
                            v1::Job* response) override;

 private:
  storage::Database& db_;
  JobSubmitter& submitter_;
  blobstore::BlobStore& blobs_;
  const uint64_t max_upload_bytes_;
};

}  // namespace debrepo::server

#endif  // DEBREPO_SERVER_FILES_SERVICE_H_
