#include "server/files_service.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "server/grpc_status.h"
#include "server/submit.h"
#include "storage/upload_store.h"

namespace debrepo::server {
namespace {

absl::Status ValidateHeader(const v1::UploadHeader& header) {
  RETURN_IF_ERROR(ValidateResourceName("upload directory", header.directory()));
  RETURN_IF_ERROR(ValidateFileName(header.filename()));
  if (!header.sha256().empty() && !blobstore::IsSha256Hex(header.sha256())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sha256 \"", header.sha256().substr(0, 80),
        "\" is not a SHA-256 in lowercase hex (64 digits); send the file's "
        "checksum as sha256sum prints it, or none"));
  }
  return absl::OkStatus();
}

// Receives one file: the header, then chunks into the blob store; returns
// the job that records it.
absl::StatusOr<v1::Job> Upload(storage::JobStore& jobs,
                               blobstore::BlobStore& blobs,
                               uint64_t max_upload_bytes,
                               const grpc::ServerContext& context,
                               grpc::ServerReader<v1::UploadRequest>& reader) {
  v1::UploadRequest message;
  if (!reader.Read(&message) || !message.has_header()) {
    return absl::InvalidArgumentError(
        "an upload starts with a header naming the directory and file, then "
        "sends the file's bytes in chunks");
  }
  const v1::UploadHeader header = message.header();
  RETURN_IF_ERROR(ValidateHeader(header));
  ASSIGN_OR_RETURN(std::unique_ptr<blobstore::BlobWriter> writer,
                   blobs.NewWriter(max_upload_bytes));
  while (reader.Read(&message)) {
    if (!message.has_chunk()) {
      return absl::InvalidArgumentError(
          "an upload has one header, first; the messages after it carry the "
          "file's bytes");
    }
    if (absl::Status appended = writer->Append(message.chunk());
        !appended.ok()) {
      if (appended.code() == absl::StatusCode::kResourceExhausted) {
        return absl::ResourceExhaustedError(absl::StrCat(
            header.filename(), " is larger than this server accepts (",
            max_upload_bytes, " bytes, --max_upload_bytes)"));
      }
      return appended;
    }
  }
  // Read() also ends when the client goes away: a cut-off upload must not
  // be recorded as the whole file.
  if (context.IsCancelled()) {
    return absl::CancelledError(
        "the upload was cancelled before its end; nothing was stored");
  }
  ASSIGN_OR_RETURN(blobstore::BlobInfo blob, writer->Commit(header.sha256()));
  v1::JobArgs args;
  v1::UploadFile* file = args.mutable_add_upload_file()->mutable_file();
  file->set_directory(header.directory());
  file->set_filename(header.filename());
  file->set_size(static_cast<int64_t>(blob.size));
  file->set_sha256(blob.sha256);
  return SubmitJob(jobs, std::move(args), header.request_id());
}

absl::StatusOr<v1::Job> DeleteUpload(storage::Database& db,
                                     storage::JobStore& jobs,
                                     const v1::DeleteUploadRequest& request) {
  RETURN_IF_ERROR(
      ValidateResourceName("upload directory", request.directory()));
  if (!request.filename().empty()) {
    RETURN_IF_ERROR(ValidateFileName(request.filename()));
  }
  v1::JobArgs args;
  args.mutable_delete_upload()->set_directory(request.directory());
  args.mutable_delete_upload()->set_filename(request.filename());
  return SubmitJob(jobs, std::move(args), request.request_id(),
                   [&]() -> absl::Status {
                     ASSIGN_OR_RETURN(std::vector<v1::UploadFile> files,
                                      storage::ListUploadFiles(
                                          db, request.directory()));
                     if (request.filename().empty() ||
                         std::any_of(files.begin(), files.end(),
                                     [&](const v1::UploadFile& file) {
                                       return file.filename() ==
                                              request.filename();
                                     })) {
                       return absl::OkStatus();
                     }
                     return absl::NotFoundError(absl::StrCat(
                         "upload directory \"", request.directory(),
                         "\" has no file \"", request.filename(), "\""));
                   });
}

}  // namespace

grpc::Status FilesService::Upload(grpc::ServerContext* context,
                                  grpc::ServerReader<v1::UploadRequest>* reader,
                                  v1::Job* response) {
  return Respond(
      server::Upload(jobs_, blobs_, max_upload_bytes_, *context, *reader),
      response);
}

grpc::Status FilesService::ListUploadDirectories(
    grpc::ServerContext*, const v1::ListUploadDirectoriesRequest*,
    v1::ListUploadDirectoriesResponse* response) {
  absl::StatusOr<std::vector<v1::UploadDirectory>> directories =
      storage::ListUploadDirectories(db_);
  if (!directories.ok()) return ToGrpcStatus(directories.status());
  for (v1::UploadDirectory& directory : *directories) {
    *response->add_directories() = std::move(directory);
  }
  return grpc::Status::OK;
}

grpc::Status FilesService::ListUploadFiles(
    grpc::ServerContext*, const v1::ListUploadFilesRequest* request,
    v1::ListUploadFilesResponse* response) {
  if (absl::Status valid =
          ValidateResourceName("upload directory", request->directory());
      !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  absl::StatusOr<std::vector<v1::UploadFile>> files =
      storage::ListUploadFiles(db_, request->directory());
  if (!files.ok()) return ToGrpcStatus(files.status());
  for (v1::UploadFile& file : *files) *response->add_files() = std::move(file);
  return grpc::Status::OK;
}

grpc::Status FilesService::DeleteUpload(grpc::ServerContext*,
                                        const v1::DeleteUploadRequest* request,
                                        v1::Job* response) {
  return Respond(server::DeleteUpload(db_, jobs_, *request), response);
}

}  // namespace debrepo::server
