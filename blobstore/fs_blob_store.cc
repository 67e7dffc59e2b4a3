#include "blobstore/fs_blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/random/random.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/file_sync.h"
#include "common/parallel_for.h"
#include "common/status_macros.h"
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
      absl::StrCat(message,
                   "; check the blob store directory and its "
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

// BlobPathUnder is where the blob `sha256` lives in the store at `root`:
// one level of 256 fan-out directories. Each new directory costs as much
// as a new file or more (an inode and a block, which ext4 places apart
// from its parent's): a second level of 65,536 meant about 41,000 more
// inodes for 63,440 blobs, and mkdir was a third of the server's time
// uploading them (docs/benchmarks.md).
std::string BlobPathUnder(absl::string_view root, absl::string_view sha256) {
  return absl::StrCat(root, "/sha256/", sha256.substr(0, 2), "/", sha256);
}

// LegacyBlobPathUnder is where stores written before that kept the blob
// `sha256`, two levels down ("sha256/ab/cd/<digest>"). Those blobs stay
// where they are: every lookup tries both places, new ones go to the
// first.
std::string LegacyBlobPathUnder(absl::string_view root,
                                absl::string_view sha256) {
  return absl::StrCat(root, "/sha256/", sha256.substr(0, 2), "/",
                      sha256.substr(2, 2), "/", sha256);
}

// StagedBlob is a finished, checked blob in its temporary file, not yet in
// place.
struct StagedBlob {
  std::string temp_path;
  std::string path;
  // Where a store written before the one-level layout may hold it.
  std::string legacy_path;
};

// PlaceBlob moves a staged blob whose bytes are durable into place and
// returns the directories whose fsync makes its name durable: its own, and
// the fan-out directory's parent, whether this writer created the fan-out
// directory or a concurrent one did that may not have synced it yet. A blob
// stored already -- by an earlier upload or a concurrent writer of the same
// bytes, in either layout -- is kept, with its modification time set to now:
// link(2), unlike rename(2), never replaces a name (replacing would give
// readers on NFS stale handles). Its directory is to be synced all the
// same, since the writer that named it may not have made the name durable
// yet.
absl::StatusOr<std::vector<std::string>> PlaceBlob(const StagedBlob& blob) {
  std::filesystem::path placed = blob.path;
  const std::filesystem::path directory = placed.parent_path();
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("creating ", directory.string(), ": ", error.message()));
  }
  for (;;) {
    // Stored already: its bytes count as written now (see FsBlobStore),
    // unless garbage collection removed them meanwhile; then store them
    // again.
    if (utimensat(AT_FDCWD, blob.legacy_path.c_str(), nullptr, 0) == 0) {
      placed = blob.legacy_path;
      break;
    }
    if (errno != ENOENT) return ErrnoError("touching", blob.legacy_path);
    if (link(blob.temp_path.c_str(), blob.path.c_str()) == 0) break;
    if (errno != EEXIST) return ErrnoError("moving a blob to", blob.path);
    if (utimensat(AT_FDCWD, blob.path.c_str(), nullptr, 0) == 0) break;
    if (errno != ENOENT) return ErrnoError("touching", blob.path);
  }
  unlink(blob.temp_path.c_str());
  return std::vector<std::string>{placed.parent_path().string(),
                                  directory.parent_path().string()};
}

// PlaceAndSync is PlaceBlob, then the fsync of its directories.
absl::Status PlaceAndSync(const StagedBlob& blob) {
  ASSIGN_OR_RETURN(const std::vector<std::string> directories, PlaceBlob(blob));
  for (const std::string& directory : directories) {
    RETURN_IF_ERROR(FsyncPath(directory, O_RDONLY | O_DIRECTORY));
  }
  return absl::OkStatus();
}

// SyncStore flushes every written file and directory entry of the
// filesystem holding the store at `root`.
absl::Status SyncStore(const std::string& root) {
  if (SyncFilesystem(root) != 0) {
    return ErrnoError("syncing the filesystem of", root);
  }
  return absl::OkStatus();
}

// kMaxBlobsSyncedEach is the largest batch whose blobs are fsynced each
// rather than with syncfs(2) of the whole filesystem, which flushes every
// other writer's data too. Measured on a shared disk (docs/benchmarks.md):
// a mirror's 121 small files took 0.04-0.08 s fsynced each against
// 0.07-1.25 s with syncfs; batches of 256 (a full mirror's 63,440 files)
// took 15.3 s in all fsynced each against 10.5 s with syncfs.
constexpr size_t kMaxBlobsSyncedEach = 128;

// kSyncThreads is how many fsyncs a batch issues at once: each waits for
// the disk, not the processor.
constexpr size_t kSyncThreads = 8;

class FsBlobWriter final : public BlobWriter {
 public:
  // With `batch`, Commit hands the finished temporary file to the batch;
  // without, Commit stores the blob itself.
  FsBlobWriter(std::string root, std::string temp_path, int fd,
               uint64_t max_size, std::vector<StagedBlob>* batch)
      : root_(std::move(root)),
        temp_path_(std::move(temp_path)),
        fd_(fd),
        max_size_(max_size),
        batch_(batch),
        digest_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(digest_, EVP_sha256(), nullptr);
  }

  ~FsBlobWriter() override {
    EVP_MD_CTX_free(digest_);
    if (fd_ >= 0) close(fd_);
    if (!handed_over_) unlink(temp_path_.c_str());
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
        absl::Status failed = ErrnoError("writing", temp_path_);
        // The digest has taken bytes the file has not: unusable now.
        close(fd_);
        fd_ = -1;
        return failed;
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
    const StagedBlob staged = {temp_path_, BlobPathUnder(root_, info.sha256),
                               LegacyBlobPathUnder(root_, info.sha256)};
    if (batch_ != nullptr) {
      // The batch syncs it with the others: no flush here.
      close(fd_);
      fd_ = -1;
      batch_->push_back(staged);
      handed_over_ = true;
      return info;
    }
    if (fsync(fd_) != 0) return ErrnoError("syncing", temp_path_);
    close(fd_);
    fd_ = -1;
    RETURN_IF_ERROR(PlaceAndSync(staged));
    return info;
  }

 private:
  const std::string root_;
  const std::string temp_path_;
  int fd_;
  const uint64_t max_size_;
  std::vector<StagedBlob>* const batch_;
  EVP_MD_CTX* digest_;
  uint64_t size_ = 0;
  // The temporary file is the batch's to remove (once moved into place,
  // removing its old name does nothing).
  bool handed_over_ = false;
};

// NewFsBlobWriter creates a temporary file under `root` and a writer on it.
absl::StatusOr<std::unique_ptr<BlobWriter>> NewFsBlobWriter(
    const std::string& root, uint64_t max_size,
    std::vector<StagedBlob>* batch) {
  absl::BitGen random;
  std::string temp_path = absl::StrCat(
      root, "/tmp/",
      absl::Hex(absl::Uniform<uint64_t>(random), absl::kZeroPad16));
  const int fd =
      open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("creating", temp_path);
  return std::unique_ptr<BlobWriter>(
      new FsBlobWriter(root, std::move(temp_path), fd, max_size, batch));
}

class FsBlobBatch final : public BlobBatch {
 public:
  explicit FsBlobBatch(std::string root) : root_(std::move(root)) {}

  ~FsBlobBatch() override {
    // After a failed Commit some may be in place already: those stay, as
    // any stored blob may (nothing refers to them, and a later upload of
    // the same bytes keeps them).
    for (const StagedBlob& blob : staged_) unlink(blob.temp_path.c_str());
  }

  absl::StatusOr<std::unique_ptr<BlobWriter>> NewWriter(
      uint64_t max_size) override {
    return NewFsBlobWriter(root_, max_size, &staged_);
  }

  absl::Status Commit() override {
    RETURN_IF_ERROR(Store());
    staged_.clear();  // all in place: nothing left to remove
    return absl::OkStatus();
  }

 private:
  absl::Status Store() {
    // Either way each blob's bytes are durable before it gets its name (a
    // blob name never survives a crash without its bytes; a later upload
    // of the same bytes would keep such a file), and every name before
    // Commit returns, i.e. before the caller records the files anywhere.
    if (staged_.size() <= kMaxBlobsSyncedEach) {
      return StoreSyncingEach();
    }
    // Two syncs of the whole filesystem: they flush other writers' data on
    // it too, which costs time but never correctness.
    RETURN_IF_ERROR(SyncStore(root_));
    for (const StagedBlob& blob : staged_) {
      RETURN_IF_ERROR(PlaceBlob(blob).status());
    }
    return SyncStore(root_);
  }

  // StoreSyncingEach fsyncs the batch's blobs, links them into place and
  // fsyncs their directories, each step's fsyncs issued on several threads
  // so that the disk takes them together.
  absl::Status StoreSyncingEach() {
    RETURN_IF_ERROR(ParallelForInChunks(
        staged_.size(), kSyncThreads, 1,
        [&](size_t i) { return FsyncPath(staged_[i].temp_path, O_RDONLY); }));
    absl::btree_set<std::string> directories;
    for (const StagedBlob& blob : staged_) {
      ASSIGN_OR_RETURN(const std::vector<std::string> placed_in,
                       PlaceBlob(blob));
      directories.insert(placed_in.begin(), placed_in.end());
    }
    const std::vector<std::string> to_sync(directories.begin(),
                                           directories.end());
    return ParallelForInChunks(to_sync.size(), kSyncThreads, 1, [&](size_t i) {
      return FsyncPath(to_sync[i], O_RDONLY | O_DIRECTORY);
    });
  }

  const std::string root_;
  std::vector<StagedBlob> staged_;
};

// ModifyTime is a file's modification time.
absl::Time ModifyTime(const struct stat& info) {
  return absl::TimeFromTimespec(info.st_mtim);
}

// SortedNames lists the names in directory `path` that `keep` accepts, in
// byte order; an absent directory has none.
absl::StatusOr<std::vector<std::string>> SortedNames(
    const std::string& path, bool (*keep)(absl::string_view name)) {
  std::vector<std::string> names;
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT) return names;
    return ErrnoError("listing", path);
  }
  while (const dirent* entry = readdir(dir)) {
    if (keep(entry->d_name)) names.emplace_back(entry->d_name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

// IsFanOutName is true for the names of the fan-out directories: two
// lowercase hex digits.
bool IsFanOutName(absl::string_view name) {
  auto hex = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  };
  return name.size() == 2 && hex(name[0]) && hex(name[1]);
}

bool IsBlobName(absl::string_view name) { return IsSha256Hex(name); }

bool IsBlobOrFanOutName(absl::string_view name) {
  return IsBlobName(name) || IsFanOutName(name);
}

// A blob being deleted waits in tmp/ under this prefix, its digest and a
// random suffix (FsBlobStore::DeleteUnlessWrittenSince).
constexpr absl::string_view kDeletingPrefix = "deleting-";

bool IsDeletingName(absl::string_view name) {
  return absl::StartsWith(name, kDeletingPrefix) &&
         name.size() > kDeletingPrefix.size() + 64 &&
         IsSha256Hex(name.substr(kDeletingPrefix.size(), 64));
}

// RestoreDeletions puts back the blobs that a deletion moved aside and
// never finished with (its process died): whether it would have deleted
// them is not known, and keeping a blob is always safe. A deletion still
// in progress elsewhere loses nothing by it either: the blob just stays.
absl::Status RestoreDeletions(const std::string& root) {
  const std::string tmp = absl::StrCat(root, "/tmp");
  ASSIGN_OR_RETURN(const std::vector<std::string> names,
                   SortedNames(tmp, &IsDeletingName));
  for (const std::string& name : names) {
    const std::string moved = absl::StrCat(tmp, "/", name);
    const absl::string_view sha256 =
        absl::string_view(name).substr(kDeletingPrefix.size(), 64);
    const StagedBlob blob = {moved, BlobPathUnder(root, sha256),
                             LegacyBlobPathUnder(root, sha256)};
    RETURN_IF_ERROR(PlaceAndSync(blob));
  }
  return absl::OkStatus();
}

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
  if (absl::Status restored = RestoreDeletions(root); !restored.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot put back the blobs an interrupted cleanup moved aside in ",
        root, "/tmp: ", restored.message()));
  }
  return std::unique_ptr<FsBlobStore>(new FsBlobStore(std::move(root)));
}

absl::StatusOr<std::optional<std::string>> FsBlobStore::FindBlob(
    absl::string_view sha256) const {
  if (!IsSha256Hex(sha256)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", sha256, "\" is not a SHA-256 in lowercase hex"));
  }
  for (std::string path :
       {BlobPathUnder(root_, sha256), LegacyBlobPathUnder(root_, sha256)}) {
    struct stat info;
    if (stat(path.c_str(), &info) == 0) return path;
  }
  return std::nullopt;
}

absl::StatusOr<std::unique_ptr<BlobWriter>> FsBlobStore::NewWriter(
    uint64_t max_size) {
  return NewFsBlobWriter(root_, max_size, /*batch=*/nullptr);
}

std::unique_ptr<BlobBatch> FsBlobStore::NewBatch() {
  return std::make_unique<FsBlobBatch>(root_);
}

absl::StatusOr<bool> FsBlobStore::Contains(absl::string_view sha256) {
  ASSIGN_OR_RETURN(const std::optional<std::string> path, FindBlob(sha256));
  return path.has_value();
}

absl::StatusOr<std::string> FsBlobStore::LocalPath(absl::string_view sha256) {
  ASSIGN_OR_RETURN(std::optional<std::string> path, FindBlob(sha256));
  if (!path) {
    return absl::NotFoundError(
        absl::StrCat("blob ", sha256, " is missing from the blob store"));
  }
  return *std::move(path);
}

absl::Status FsBlobStore::ForEachBlob(
    const std::function<absl::Status(const StoredBlob&)>& fn) {
  // A worker that died deleting left them there; the next garbage
  // collection, which walks the store first, puts them back too.
  RETURN_IF_ERROR(RestoreDeletions(root_));
  const std::string top = absl::StrCat(root_, "/sha256");
  ASSIGN_OR_RETURN(const std::vector<std::string> firsts,
                   SortedNames(top, &IsFanOutName));
  for (const std::string& first : firsts) {
    // The blobs of one fan-out directory, and those of the legacy
    // directories under it, merged into digest order; a blob in both
    // places once, with the later write time.
    std::map<std::string, StoredBlob> blobs;
    auto add = [&](const std::string& directory,
                   const std::string& name) -> absl::Status {
      // A blob elsewhere than its address says is not one of ours.
      if (!IsBlobName(name) || name.compare(0, 2, first) != 0) {
        return absl::OkStatus();
      }
      const std::string path = absl::StrCat(directory, "/", name);
      struct stat info;
      if (stat(path.c_str(), &info) != 0) {
        if (errno == ENOENT) return absl::OkStatus();  // deleted meanwhile
        return ErrnoError("reading", path);
      }
      const StoredBlob blob = {.sha256 = name,
                               .size = static_cast<uint64_t>(info.st_size),
                               .write_time = ModifyTime(info)};
      auto [it, added] = blobs.emplace(name, blob);
      if (!added)
        it->second.write_time =
            std::max(it->second.write_time, blob.write_time);
      return absl::OkStatus();
    };
    const std::string middle = absl::StrCat(top, "/", first);
    ASSIGN_OR_RETURN(const std::vector<std::string> names,
                     SortedNames(middle, &IsBlobOrFanOutName));
    for (const std::string& name : names) {
      if (!IsFanOutName(name)) {
        RETURN_IF_ERROR(add(middle, name));
        continue;
      }
      const std::string legacy = absl::StrCat(middle, "/", name);
      ASSIGN_OR_RETURN(const std::vector<std::string> legacy_names,
                       SortedNames(legacy, &IsBlobName));
      for (const std::string& legacy_name : legacy_names) {
        if (legacy_name.compare(2, 2, name) != 0) continue;
        RETURN_IF_ERROR(add(legacy, legacy_name));
      }
    }
    for (const auto& [name, blob] : blobs) RETURN_IF_ERROR(fn(blob));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> FsBlobStore::DeleteUnlessWrittenSince(
    absl::string_view sha256, absl::Time cutoff) {
  ASSIGN_OR_RETURN(const bool present, Contains(sha256));
  if (!present) return false;
  // Each place the blob may be is deleted on its own; the blob is gone
  // when it was deleted from one and kept in none.
  bool deleted = false, kept = false;
  for (const std::string& path :
       {BlobPathUnder(root_, sha256), LegacyBlobPathUnder(root_, sha256)}) {
    ASSIGN_OR_RETURN(const std::optional<bool> deleted_here,
                     DeleteAtUnlessWrittenSince(path, sha256, cutoff));
    if (!deleted_here.has_value()) continue;
    (*deleted_here ? deleted : kept) = true;
  }
  return deleted && !kept;
}

absl::StatusOr<std::optional<bool>> FsBlobStore::DeleteAtUnlessWrittenSince(
    const std::string& path, absl::string_view sha256, absl::Time cutoff) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return std::nullopt;
    return ErrnoError("reading", path);
  }
  if (ModifyTime(info) >= cutoff) return false;
  // Out of writers' reach first, then look again. A writer of the same
  // bytes that found the blob before the move has set its time, which
  // shows now, and the blob goes back; one that comes after the move finds
  // no blob and stores it anew (PlaceAndSync).
  absl::BitGen random;
  const std::string moved = absl::StrCat(
      root_, "/tmp/", kDeletingPrefix, sha256, "-",
      absl::Hex(absl::Uniform<uint64_t>(random), absl::kZeroPad16));
  if (rename(path.c_str(), moved.c_str()) != 0) {
    if (errno == ENOENT) return std::nullopt;
    return ErrnoError("moving aside", path);
  }
  if (stat(moved.c_str(), &info) != 0) return ErrnoError("reading", moved);
  if (ModifyTime(info) >= cutoff) {
    if (link(moved.c_str(), path.c_str()) != 0 && errno != EEXIST) {
      return ErrnoError("putting back", path);
    }
    unlink(moved.c_str());
    return false;
  }
  if (unlink(moved.c_str()) != 0) return ErrnoError("deleting", moved);
  return true;
}

}  // namespace debrepo::blobstore
