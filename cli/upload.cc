#include "cli/upload.h"

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "common/parallel_for.h"
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

// How many files HashFiles reads at once. A directory of many small
// packages costs an open, a read and a close per file more than it costs
// hashing: several at once keep both cores and the disk queue busy (63,440
// files: 4.6 s alone, see docs/benchmarks.md).
constexpr size_t kHashThreads = 8;

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

// UploadTally is how far the uploads of one SendFiles got, across its
// streams, for the progress line.
class UploadTally {
 public:
  UploadTally(Client& client, absl::Span<const LocalFile> files)
      : client_(client), total_files_(files.size()) {
    for (const LocalFile& file : files) total_bytes_ += file.size;
  }

  // StartFile counts a file whose bytes start to go.
  void StartFile(const LocalFile& file) {
    absl::MutexLock lock(&mu_);
    ++files_started_;
    Show(file.path);
  }

  // Sent counts `bytes` more of file `path` sent.
  void Sent(int64_t bytes, absl::string_view path) {
    absl::MutexLock lock(&mu_);
    bytes_sent_ += bytes;
    Show(path);
  }

 private:
  void Show(absl::string_view path) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    // The counts first: a long path is what the terminal width cuts.
    client_.ShowProgress(absl::StrFormat(
        "uploading %d of %d files (%d / %d "
        "bytes): %s",
        files_started_, total_files_, bytes_sent_, total_bytes_, path));
  }

  Client& client_;
  const size_t total_files_;
  int64_t total_bytes_ = 0;
  absl::Mutex mu_;
  size_t files_started_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t bytes_sent_ ABSL_GUARDED_BY(mu_) = 0;
};

// SendUpload streams `files` as one upload and returns its job, as
// submitted.
absl::StatusOr<v1::Job> SendUpload(Client& client, const std::string& directory,
                                   absl::Span<const LocalFile> files,
                                   UploadTally& tally) {
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
    tally.StartFile(file);
    read_status = ForEachChunk(file.path, [&](absl::string_view chunk) {
      request.mutable_chunk()->assign(chunk.data(), chunk.size());
      open = writer->Write(request);
      if (!open) return false;
      tally.Sent(chunk.size(), file.path);
      return true;
    });
  }
  if (!read_status.ok()) {
    // A file went away since it was hashed: abandon the upload rather
    // than let the server record part of it.
    context.TryCancel();
    (void)writer->Finish();
    return read_status;
  }
  if (open) writer->WritesDone();
  RETURN_IF_ERROR(client.FromGrpc(writer->Finish()));
  return job;
}

// UploadFailure is `status` as the failure of uploading `batch`.
absl::Status UploadFailure(absl::Span<const LocalFile> batch,
                           const absl::Status& status) {
  return absl::Status(
      status.code(),
      absl::StrCat("cannot upload ", batch.front().path,
                   batch.size() > 1
                       ? absl::StrCat(" (and ", batch.size() - 1, " more)")
                       : "",
                   ": ", status.message()));
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
  // Every file below the first that fails is hashed, so that the error is
  // that file's whatever the threads' timing; files past it are skipped.
  std::vector<absl::StatusOr<LocalFile>> hashed(paths.size());
  std::atomic<size_t> first_failed{paths.size()};
  ParallelFor(paths.size(), kHashThreads, [&](size_t i) {
    if (i > first_failed.load()) return;
    hashed[i] = HashFile(paths[i]);
    if (hashed[i].ok()) return;
    size_t lowest = first_failed.load();
    while (i < lowest && !first_failed.compare_exchange_weak(lowest, i)) {
    }
  });

  std::vector<LocalFile> files;
  files.reserve(paths.size());
  absl::flat_hash_map<std::string, std::string> by_stored_name;
  for (size_t i = 0; i < paths.size(); ++i) {
    // Skipped (default, not OK) entries only follow the first failure.
    RETURN_IF_ERROR(hashed[i].status());
    LocalFile& file = *hashed[i];
    auto [it, inserted] = by_stored_name.emplace(file.stored_name, paths[i]);
    if (!inserted) {
      return absl::InvalidArgumentError(absl::StrCat(
          "two files would be stored as ", it->first, ": ", it->second, " and ",
          paths[i], "; send them in separate commands"));
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
                       absl::Span<const LocalFile> files, int streams,
                       UploadedFunction uploaded) {
  const std::vector<absl::Span<const LocalFile>> batches = UploadBatches(files);
  UploadTally tally(client, files);
  // What the streams share: the next batch not yet taken and the first
  // failure.
  struct Shared {
    absl::Mutex mu;
    size_t next_batch ABSL_GUARDED_BY(mu) = 0;
    absl::Status first_failure ABSL_GUARDED_BY(mu);
  } shared;
  // Each stream takes the next batch not yet taken, until none is left or
  // one stream failed.
  auto stream = [&] {
    while (true) {
      size_t index;
      {
        absl::MutexLock lock(&shared.mu);
        if (shared.next_batch == batches.size() || !shared.first_failure.ok()) {
          return;
        }
        index = shared.next_batch++;
      }
      const absl::Span<const LocalFile> batch = batches[index];
      absl::StatusOr<v1::Job> job = SendUpload(client, directory, batch, tally);
      const absl::Status status =
          job.ok() ? uploaded(*job, batch) : job.status();
      if (!status.ok()) {
        absl::MutexLock lock(&shared.mu);
        if (shared.first_failure.ok()) {
          shared.first_failure = UploadFailure(batch, status);
        }
        return;
      }
    }
  };
  const size_t threads = std::min<size_t>(std::max(streams, 1), batches.size());
  if (threads <= 1) {
    stream();
  } else {
    std::vector<std::thread> running;
    for (size_t i = 0; i < threads; ++i) running.emplace_back(stream);
    for (std::thread& thread : running) thread.join();
  }
  client.ClearProgress();
  absl::MutexLock lock(&shared.mu);
  return shared.first_failure;
}

}  // namespace debrepo::cli
