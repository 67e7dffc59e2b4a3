#include "blobstore/fs_blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <vector>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "openssl/evp.h"

namespace debrepo::blobstore {
namespace {

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  const int error = errno;
  std::string message =
      absl::StrCat(what, " ", path, ": ", std::strerror(error));
  if (error == ENOSPC || error == EDQUOT) {
    return absl::ResourceExhaustedError(
        absl::StrCat(message, "; free space in the blob store"));
  }
  return absl::InternalError(
      absl::StrCat(message, "; check the blob store directory and its "
                            "permissions"));
}

absl::Status FsyncPath(const std::string& path, int flags) {
  const int fd = open(path.c_str(), flags);
  if (fd < 0) return ErrnoError("opening", path);
  const int result = fsync(fd);
  close(fd);
  if (result != 0) return ErrnoError("syncing", path);
  return absl::OkStatus();
}

class FsBlobWriter final : public BlobWriter {
 public:
  FsBlobWriter(std::string temp_path, int fd, uint64_t max_size,
               std::function<std::string(absl::string_view)> blob_path)
      : temp_path_(std::move(temp_path)),
        fd_(fd),
        max_size_(max_size),
        blob_path_(std::move(blob_path)),
        digest_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(digest_, EVP_sha256(), nullptr);
  }

  ~FsBlobWriter() override {
    EVP_MD_CTX_free(digest_);
    if (fd_ >= 0) close(fd_);
    if (!committed_) unlink(temp_path_.c_str());
  }

  absl::Status Append(absl::string_view bytes) override {
    if (fd_ < 0) return absl::FailedPreconditionError("blob writer is closed");
    if (size_ + bytes.size() > max_size_) {
      close(fd_);
      fd_ = -1;
      return absl::ResourceExhaustedError(absl::StrCat(
          "the file is larger than the limit of ", max_size_, " bytes"));
    }
    EVP_DigestUpdate(digest_, bytes.data(), bytes.size());
    while (!bytes.empty()) {
      const ssize_t written = write(fd_, bytes.data(), bytes.size());
      if (written < 0) {
        if (errno == EINTR) continue;
        return ErrnoError("writing", temp_path_);
      }
      bytes.remove_prefix(written);
      size_ += written;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<BlobInfo> Commit(absl::string_view expected_sha256) override {
    if (fd_ < 0) return absl::FailedPreconditionError("blob writer is closed");
    unsigned char raw[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(digest_, raw, &length);
    BlobInfo info;
    info.sha256 = absl::BytesToHexString(
        absl::string_view(reinterpret_cast<const char*>(raw), length));
    info.size = size_;
    if (!expected_sha256.empty() && expected_sha256 != info.sha256) {
      close(fd_);
      fd_ = -1;
      return absl::InvalidArgumentError(absl::StrCat(
          "the received bytes have SHA-256 ", info.sha256, ", not ",
          expected_sha256,
          "; the file changed or was damaged in transit, send it again"));
    }
    if (fsync(fd_) != 0) return ErrnoError("syncing", temp_path_);
    close(fd_);
    fd_ = -1;
    const std::string path = blob_path_(info.sha256);
    struct stat existing;
    if (stat(path.c_str(), &existing) == 0) {
      // Stored already: keep that file (replacing it would give readers on
      // NFS stale handles); the temporary file goes with the writer.
      return info;
    }
    const std::filesystem::path directory =
        std::filesystem::path(path).parent_path();
    std::error_code error;
    const bool created = std::filesystem::create_directories(directory, error);
    if (error) {
      return absl::InternalError(absl::StrCat(
          "creating ", directory.string(), ": ", error.message()));
    }
    if (rename(temp_path_.c_str(), path.c_str()) != 0) {
      return ErrnoError("moving a blob to", path);
    }
    committed_ = true;
    // Make the new name durable, and the directories it needed: up to the
    // two levels of the fan-out.
    std::vector<std::filesystem::path> to_sync = {directory};
    if (created) {
      to_sync.push_back(directory.parent_path());
      to_sync.push_back(directory.parent_path().parent_path());
    }
    for (const std::filesystem::path& dir : to_sync) {
      if (absl::Status synced = FsyncPath(dir.string(), O_RDONLY | O_DIRECTORY);
          !synced.ok()) {
        return synced;
      }
    }
    return info;
  }

 private:
  const std::string temp_path_;
  int fd_;
  const uint64_t max_size_;
  const std::function<std::string(absl::string_view)> blob_path_;
  EVP_MD_CTX* digest_;
  uint64_t size_ = 0;
  bool committed_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<FsBlobStore>> FsBlobStore::Open(
    std::string root) {
  std::error_code error;
  for (const char* sub : {"sha256", "tmp"}) {
    std::filesystem::create_directories(absl::StrCat(root, "/", sub), error);
    if (error) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot create the blob store under ", root, ": ", error.message(),
          "; check --blob_dir and its permissions"));
    }
  }
  return std::unique_ptr<FsBlobStore>(new FsBlobStore(std::move(root)));
}

std::string FsBlobStore::BlobPath(absl::string_view sha256) const {
  return absl::StrCat(root_, "/sha256/", sha256.substr(0, 2), "/",
                      sha256.substr(2, 2), "/", sha256);
}

absl::StatusOr<std::unique_ptr<BlobWriter>> FsBlobStore::NewWriter(
    uint64_t max_size) {
  absl::BitGen random;
  const std::string temp_path =
      absl::StrCat(root_, "/tmp/", absl::Hex(absl::Uniform<uint64_t>(random),
                                             absl::kZeroPad16));
  const int fd =
      open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("creating", temp_path);
  return std::unique_ptr<BlobWriter>(new FsBlobWriter(
      temp_path, fd, max_size,
      [this](absl::string_view sha256) { return BlobPath(sha256); }));
}

absl::StatusOr<bool> FsBlobStore::Contains(absl::string_view sha256) {
  if (!IsSha256Hex(sha256)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", sha256, "\" is not a SHA-256 in lowercase hex"));
  }
  struct stat info;
  return stat(BlobPath(sha256).c_str(), &info) == 0;
}

absl::StatusOr<std::string> FsBlobStore::LocalPath(absl::string_view sha256) {
  absl::StatusOr<bool> present = Contains(sha256);
  if (!present.ok()) return present.status();
  if (!*present) {
    return absl::NotFoundError(absl::StrCat(
        "blob ", sha256, " is missing from the blob store"));
  }
  return BlobPath(sha256);
}

}  // namespace debrepo::blobstore
