// FsBlobStore: a BlobStore on a directory (a local disk, or NFS/CephFS
// mounted by every node).
#ifndef DEBREPO_BLOBSTORE_FS_BLOB_STORE_H_
#define DEBREPO_BLOBSTORE_FS_BLOB_STORE_H_

#include <memory>
#include <optional>
#include <string>

#include "blobstore/blob_store.h"

namespace debrepo::blobstore {

// Layout under the root: "sha256/ab/<digest>" for blobs and "tmp/" for
// blobs being written; blobs that stores kept two levels down before,
// "sha256/ab/cd/<digest>", are found, refreshed and deleted where they
// are. A blob is written to tmp/, fsynced, then linked
// into place and its directory fsynced: readers never see a partial blob,
// and a crash leaves at most a stray temporary file. A blob's modification
// time is when its bytes were last written: storing bytes that are stored
// already sets it to now, which is what lets garbage collection spare the
// blobs of uploads that no job has recorded yet. Open and ForEachBlob put
// back the blobs that a deletion interrupted by a crash had moved aside. A
// batch writes all its blobs to tmp/; a small one fsyncs them (several at
// once), links them into place and fsyncs their directories (several at
// once); a large one syncs the filesystem once (syncfs), links them into
// place, and syncs it again.
class FsBlobStore final : public BlobStore {
 public:
  // Open creates the layout under `root` if needed, and puts back the
  // blobs that a deletion interrupted by a crash had moved aside.
  static absl::StatusOr<std::unique_ptr<FsBlobStore>> Open(std::string root);

  absl::StatusOr<std::unique_ptr<BlobWriter>> NewWriter(
      uint64_t max_size) override;
  std::unique_ptr<BlobBatch> NewBatch() override;
  absl::StatusOr<bool> Contains(absl::string_view sha256) override;
  absl::StatusOr<std::string> LocalPath(absl::string_view sha256) override;
  absl::Status ForEachBlob(
      const std::function<absl::Status(const StoredBlob&)>& fn) override;
  absl::StatusOr<bool> DeleteUnlessWrittenSince(absl::string_view sha256,
                                                absl::Time cutoff) override;

 private:
  explicit FsBlobStore(std::string root) : root_(std::move(root)) {}
  // FindBlob returns where blob `sha256` is, if anywhere.
  absl::StatusOr<std::optional<std::string>> FindBlob(
      absl::string_view sha256) const;
  // DeleteAtUnlessWrittenSince is DeleteUnlessWrittenSince of the copy of
  // blob `sha256` at `path`: nullopt when there is none.
  absl::StatusOr<std::optional<bool>> DeleteAtUnlessWrittenSince(
      const std::string& path, absl::string_view sha256, absl::Time cutoff);

  const std::string root_;
};

}  // namespace debrepo::blobstore

#endif  // DEBREPO_BLOBSTORE_FS_BLOB_STORE_H_
