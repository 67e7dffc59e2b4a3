#include "cli/upload.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/sync_stream.h"
#include "jobs/job_spec.h"
#include "proto/debrepo/v1/files.grpc.pb.h"

namespace debrepo::cli {
namespace {

namespace v1 = ::debrepo::v1;

// The size of the pieces a file is read and sent in.
constexpr size_t kChunkSize = 1 << 20;

absl::Status ReadError(absl::string_view path, int error_number) {
  return absl::ErrnoToStatus(error_number, absl::StrCat("cannot read ", path));
}

// ForEachChunk reads `path` in pieces of kChunkSize bytes (the last one
// shorter) and passes each to `consume`, stopping early when it returns
// false. An empty file has no pieces.
absl::Status ForEachChunk(const std::string& path,
                          absl::FunctionRef<bool(absl::string_view)> consume) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(
      std::fopen(path.c_str(), "rb"), &std::fclose);
  if (file == nullptr) return ReadError(path, errno);
  std::string buffer(kChunkSize, '\0');
  while (true) {
    const size_t n = std::fread(buffer.data(), 1, buffer.size(), file.get());
    if (n > 0 && !consume(absl::string_view(buffer.data(), n))) {
      return absl::OkStatus();
    }
    if (n < buffer.size()) {
      if (std::ferror(file.get())) return ReadError(path, errno);
      return absl::OkStatus();
    }
  }
}

// SendUpload streams `files` as one upload and returns its job, as
// submitted. `sent_before` files of `total` went in earlier uploads.
absl::StatusOr<v1::Job> SendUpload(Client& client, const std::string& directory,
                                   absl::Span<const LocalFile> files,
                                   size_t sent_before, size_t total) {
  // No deadline: large files take as long as the link needs; -timeout
  // bounds the wait for the job afterwards.
  grpc::ClientContext context;
  const Client::Interruptible interruptible(client, context);
  v1::Job job;
  std::unique_ptr<grpc::ClientWriter<v1::UploadRequest>> writer =
      client.files().Upload(&context, &job);
  const std::string request_id = NewRequestId();
  bool open = true;
  absl::Status read_status;
  for (size_t i = 0; i < files.size() && open && read_status.ok(); ++i) {
    const LocalFile& file = files[i];
    v1::UploadRequest request;
    v1::UploadHeader& header = *request.mutable_header();
    header.set_directory(directory);
    header.set_filename(file.stored_name);
    header.set_sha256(file.sha256);
    if (i == 0) header.set_request_id(request_id);
    open = writer->Write(request);
    if (!open) break;
    int64_t sent = 0;
    read_status = ForEachChunk(file.path, [&](absl::string_view chunk) {
      request.mutable_chunk()->assign(chunk.data(), chunk.size());
      open = writer->Write(request);
      if (!open) return false;
      sent += chunk.size();
      // The counts first: a long path is what the terminal width cuts.
      client.ShowProgress(absl::StrFormat(
          "uploading file %d of %d (%d / %d bytes): %s", sent_before + i + 1,
          total, sent, file.size, file.path));
      return true;
    });
  }
  if (!read_status.ok()) {
    // A file went away since it was hashed: abandon the upload rather
    // than let the server record part of it.
    context.TryCancel();
    (void)writer->Finish();
    client.ClearProgress();
    return read_status;
  }
  if (open) writer->WritesDone();
  const grpc::Status status = writer->Finish();
  client.ClearProgress();
  RETURN_IF_ERROR(client.FromGrpc(status));
  return job;
}

}  // namespace

absl::StatusOr<LocalFile> HashFile(const std::string& path) {
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context(EVP_MD_CTX_new(),
                                                             &EVP_MD_CTX_free);
  EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr);
  LocalFile file;
  file.path = path;
  file.stored_name = StoredFileName(Basename(path));
  RETURN_IF_ERROR(ForEachChunk(path, [&](absl::string_view chunk) {
    EVP_DigestUpdate(context.get(), chunk.data(), chunk.size());
    file.size += chunk.size();
    return true;
  }));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context.get(), digest, &length);
  file.sha256 = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), length));
  return file;
}

absl::StatusOr<std::vector<LocalFile>> HashFiles(
    absl::Span<const std::string> paths) {
  std::vector<LocalFile> files;
  absl::flat_hash_map<std::string, std::string> by_stored_name;
  for (const std::string& path : paths) {
    ASSIGN_OR_RETURN(LocalFile file, HashFile(path));
    auto [it, inserted] = by_stored_name.emplace(file.stored_name, path);
    if (!inserted) {
      return absl::InvalidArgumentError(absl::StrCat(
          "two files would be stored as ", it->first, ": ", it->second, " and ",
          path, "; send them in separate commands"));
    }
    files.push_back(std::move(file));
  }
  return files;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::string contents;
  RETURN_IF_ERROR(ForEachChunk(path, [&](absl::string_view chunk) {
    contents.append(chunk.data(), chunk.size());
    return true;
  }));
  return contents;
}

absl::string_view Basename(absl::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == absl::string_view::npos ? path : path.substr(slash + 1);
}

std::string StoredFileName(absl::string_view basename) {
  std::string name(basename);
  for (char& c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        !absl::StrContains("._+~-", c)) {
      c = '_';
    }
  }
  if (!name.empty() && name[0] == '.') name[0] = '_';
  return name;
}

std::vector<absl::Span<const LocalFile>> UploadBatches(
    absl::Span<const LocalFile> files) {
  std::vector<absl::Span<const LocalFile>> batches;
  size_t first = 0;
  int64_t bytes = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    const size_t count = i - first;
    if (count == jobs::kMaxUploadFilesPerJob ||
        (count > 0 && bytes + files[i].size > kMaxUploadBytes)) {
      batches.push_back(files.subspan(first, count));
      first = i;
      bytes = 0;
    }
    bytes += files[i].size;
  }
  if (first < files.size()) batches.push_back(files.subspan(first));
  return batches;
}

absl::Status SendFiles(Client& client, const std::string& directory,
                       absl::Span<const LocalFile> files,
                       UploadedFunction uploaded) {
  size_t sent_before = 0;
  for (absl::Span<const LocalFile> batch : UploadBatches(files)) {
    absl::StatusOr<v1::Job> job =
        SendUpload(client, directory, batch, sent_before, files.size());
    const absl::Status status = job.ok() ? uploaded(*job, batch) : job.status();
    if (!status.ok()) {
      return absl::Status(
          status.code(),
          absl::StrCat("cannot upload ", batch.front().path,
                       batch.size() > 1
                           ? absl::StrCat(" (and ", batch.size() - 1, " more)")
                           : "",
                       ": ", status.message()));
    }
    sent_before += batch.size();
  }
  return absl::OkStatus();
}

}  // namespace debrepo::cli
