#include "server/files_service.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "jobs/job_spec.h"
#include "server/grpc_status.h"
#include "server/page_token.h"
#include "server/submit.h"
#include "storage/upload_store.h"

namespace debrepo::server {
namespace {

// ValidateHeader checks the header of the stream's next file, given the
// stream's first header and the names of the files before it.
absl::Status ValidateHeader(const v1::UploadHeader& header,
                            const v1::UploadHeader& first,
                            const absl::flat_hash_set<std::string>& names) {
  RETURN_IF_ERROR(ValidateResourceName("upload directory", header.directory()));
  RETURN_IF_ERROR(ValidateFileName(header.filename()));
  if (!header.sha256().empty() && !blobstore::IsSha256Hex(header.sha256())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sha256 \"", header.sha256().substr(0, 80), "\" of ", header.filename(),
        " is not a SHA-256 in lowercase hex (64 digits); send the file's "
        "checksum as sha256sum prints it, or none"));
  }
  if (header.directory() != first.directory()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "one upload goes to one directory: ", header.filename(), " is for \"",
        header.directory(), "\" but the upload began with \"",
        first.directory(), "\"; upload to each directory separately"));
  }
  if (!header.request_id().empty() &&
      header.request_id() != first.request_id()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the header of ", header.filename(),
        " has another request_id than the upload's first header; one upload "
        "is one request: leave it empty after the first header"));
  }
  if (names.contains(header.filename())) {
    return absl::InvalidArgumentError(absl::StrCat(
        header.filename(), " comes twice in one upload; send each file once"));
  }
  if (names.size() >= jobs::kMaxUploadFilesPerJob) {
    return absl::ResourceExhaustedError(
        absl::StrCat("one upload carries at most ", jobs::kMaxUploadFilesPerJob,
                     " files; send ", header.filename(),
                     " and the rest in further uploads"));
  }
  return absl::OkStatus();
}

// Refused says that a file (named in `status`, or by `about`) made the
// server refuse the whole upload.
absl::Status Refused(const absl::Status& status, absl::string_view about = "") {
  return absl::Status(status.code(),
                      absl::StrCat(about, status.message(),
                                   " (nothing of this upload was recorded)"));
}

// Receives one file's chunks into `writer`, up to the next header or the
// stream's end, leaving that header (if any) in `message`; returns whether
// the stream goes on.
absl::StatusOr<bool> ReceiveFile(grpc::ServerReader<v1::UploadRequest>& reader,
                                 uint64_t max_upload_bytes,
                                 blobstore::BlobWriter& writer,
                                 v1::UploadRequest& message) {
  uint64_t received = 0;
  while (reader.Read(&message)) {
    if (message.has_header()) return true;
    if (!message.has_chunk()) {
      return absl::InvalidArgumentError(
          "each message of an upload is a header (opening a file) or a "
          "chunk of that file's bytes; this one was neither");
    }
    // Checked here so that the blob store's own RESOURCE_EXHAUSTED (a full
    // disk) keeps its message.
    received += message.chunk().size();
    if (received > max_upload_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("the file is larger than this server accepts (",
                       max_upload_bytes, " bytes, --max_upload_bytes)"));
    }
    RETURN_IF_ERROR(writer.Append(message.chunk()));
  }
  return false;
}

// Receives the stream's files into one blob batch (each header opens a
// file, its chunks follow), makes them durable together, and returns the
// one job that records them all. Any bad file refuses the whole stream.
absl::StatusOr<v1::Job> Upload(JobSubmitter& submitter,
                               blobstore::BlobStore& blobs,
                               uint64_t max_upload_bytes,
                               const grpc::ServerContext& context,
                               grpc::ServerReader<v1::UploadRequest>& reader) {
  v1::UploadRequest message;
  if (!reader.Read(&message) || !message.has_header()) {
    return absl::InvalidArgumentError(
        "an upload starts with a header naming the directory and file, then "
        "sends the file's bytes in chunks (and may go on with further "
        "headers and their chunks)");
  }
  const v1::UploadHeader first = message.header();
  std::unique_ptr<blobstore::BlobBatch> batch = blobs.NewBatch();
  google::protobuf::RepeatedPtrField<v1::UploadFile> files;
  absl::flat_hash_set<std::string> names;
  for (bool more = true; more;) {
    const v1::UploadHeader header = message.header();
    if (absl::Status valid = ValidateHeader(header, first, names);
        !valid.ok()) {
      return Refused(valid);
    }
    names.insert(header.filename());
    ASSIGN_OR_RETURN(std::unique_ptr<blobstore::BlobWriter> writer,
                     batch->NewWriter(max_upload_bytes));
    absl::StatusOr<bool> received =
        ReceiveFile(reader, max_upload_bytes, *writer, message);
    const std::string about = absl::StrCat(header.filename(), ": ");
    if (!received.ok()) return Refused(received.status(), about);
    more = *received;
    // Read() also ends when the client goes away: a cut-off upload must
    // not be recorded as the whole file.
    if (!more && context.IsCancelled()) {
      return absl::CancelledError(
          "the upload was cancelled before its end; nothing was stored");
    }
    absl::StatusOr<blobstore::BlobInfo> blob = writer->Commit(header.sha256());
    if (!blob.ok()) return Refused(blob.status(), about);
    v1::UploadFile& file = *files.Add();
    file.set_directory(header.directory());
    file.set_filename(header.filename());
    file.set_size(static_cast<int64_t>(blob->size));
    file.set_sha256(blob->sha256);
  }
  // Durable before the job can record them: a recorded file's bytes
  // survive any crash.
  RETURN_IF_ERROR(batch->Commit());
  v1::JobArgs args;
  if (files.size() == 1) {
    // The kind that workers of every version run, so a one-file upload
    // works during a rolling upgrade.
    *args.mutable_add_upload_file()->mutable_file() = std::move(files[0]);
  } else {
    *args.mutable_add_upload_files()->mutable_files() = std::move(files);
  }
  return submitter.Submit(std::move(args), first.request_id());
}

absl::StatusOr<v1::Job> DeleteUpload(JobSubmitter& submitter,
                                     const v1::DeleteUploadRequest& request) {
  RETURN_IF_ERROR(
      ValidateResourceName("upload directory", request.directory()));
  if (!request.filename().empty()) {
    RETURN_IF_ERROR(ValidateFileName(request.filename()));
  }
  v1::JobArgs args;
  args.mutable_delete_upload()->set_directory(request.directory());
  args.mutable_delete_upload()->set_filename(request.filename());
  return submitter.Submit(std::move(args), request.request_id());
}

}  // namespace

grpc::Status FilesService::Upload(grpc::ServerContext* context,
                                  grpc::ServerReader<v1::UploadRequest>* reader,
                                  v1::Job* response) {
  return Respond(
      server::Upload(submitter_, blobs_, max_upload_bytes_, *context, *reader),
      response);
}

grpc::Status FilesService::ListUploadDirectories(
    grpc::ServerContext*, const v1::ListUploadDirectoriesRequest* request,
    v1::ListUploadDirectoriesResponse* response) {
  absl::StatusOr<std::string> after = DecodePageToken(request->page_token());
  if (!after.ok()) return ToGrpcStatus(after.status());
  const int page_size = PageSize(request->page_size());
  absl::StatusOr<std::vector<v1::UploadDirectory>> directories =
      storage::ListUploadDirectories(db_, *after, page_size + 1);
  if (!directories.ok()) return ToGrpcStatus(directories.status());
  response->set_next_page_token(TakePage(
      *directories, page_size,
      [](const v1::UploadDirectory& directory) { return directory.name(); }));
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
  absl::StatusOr<std::string> after = DecodePageToken(request->page_token());
  if (!after.ok()) return ToGrpcStatus(after.status());
  // A file is about 150 bytes: 10,000 stay well under gRPC's 4 MiB.
  const int page_size = PageSize(request->page_size(), /*default_size=*/1000,
                                 /*max_size=*/10000);
  absl::StatusOr<std::vector<v1::UploadFile>> files = storage::ListUploadFiles(
      db_, request->directory(), *after, page_size + 1);
  if (!files.ok()) return ToGrpcStatus(files.status());
  response->set_next_page_token(
      TakePage(*files, page_size,
               [](const v1::UploadFile& file) { return file.filename(); }));
  for (v1::UploadFile& file : *files) *response->add_files() = std::move(file);
  return grpc::Status::OK;
}

grpc::Status FilesService::DeleteUpload(grpc::ServerContext*,
                                        const v1::DeleteUploadRequest* request,
                                        v1::Job* response) {
  return Respond(server::DeleteUpload(submitter_, *request), response);
}

}  // namespace debrepo::server
