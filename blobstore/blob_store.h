// BlobStore: immutable package files and uploads, addressed by SHA-256, on
// storage every node shares. Writing the same bytes twice stores them once,
// so any step that writes a blob is safe to redo.
#ifndef DEBREPO_BLOBSTORE_BLOB_STORE_H_
#define DEBREPO_BLOBSTORE_BLOB_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace debrepo::blobstore {

// BlobInfo identifies a stored blob.
struct BlobInfo {
  std::string sha256;  // lowercase hex
  uint64_t size = 0;
};

// StoredBlob is a blob as the store holds it.
struct StoredBlob {
  std::string sha256;  // lowercase hex
  uint64_t size = 0;
  // When its bytes were last written: stored, or stored again by a writer
  // of the same bytes.
  absl::Time write_time;
};

// BlobWriter streams one new blob into the store.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;

  // Append adds bytes. RESOURCE_EXHAUSTED once the blob would exceed the
  // size limit it was opened with; the writer is then unusable.
  virtual absl::Status Append(absl::string_view bytes) = 0;

  // Commit makes the blob durable and visible under its SHA-256 (a blob
  // already stored under it is kept) and returns its identity. With a
  // non-empty `expected_sha256` that differs from the bytes', nothing is
  // stored and the result is INVALID_ARGUMENT. A writer destroyed without
  // Commit leaves nothing behind.
  virtual absl::StatusOr<BlobInfo> Commit(
      absl::string_view expected_sha256 = "") = 0;
};

// BlobBatch stores many new blobs together, making them durable with a
// few flushes in all instead of a few per blob. Used by one thread.
class BlobBatch {
 public:
  // A batch destroyed without a successful Commit stores nothing (blobs
  // that other writers stored meanwhile stay).
  virtual ~BlobBatch() = default;

  // NewWriter starts a blob of at most `max_size` bytes in this batch. Its
  // Commit checks `expected_sha256` and returns the blob's identity as
  // usual, but the blob is stored only by the batch's Commit.
  virtual absl::StatusOr<std::unique_ptr<BlobWriter>> NewWriter(
      uint64_t max_size) = 0;

  // Commit makes every blob its writers committed durable and visible
  // under its SHA-256. Call it once.
  virtual absl::Status Commit() = 0;
};

// BlobStore is the interface; FsBlobStore implements it on a directory.
class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // NewWriter starts a blob of at most `max_size` bytes.
  virtual absl::StatusOr<std::unique_ptr<BlobWriter>> NewWriter(
      uint64_t max_size) = 0;

  // NewBatch starts a group of blobs stored together.
  virtual std::unique_ptr<BlobBatch> NewBatch() = 0;

  // Contains is true when a blob with this SHA-256 is stored.
  virtual absl::StatusOr<bool> Contains(absl::string_view sha256) = 0;

  // LocalPath returns a path from which the blob can be read; NOT_FOUND when
  // absent. Callers must not modify the file.
  virtual absl::StatusOr<std::string> LocalPath(absl::string_view sha256) = 0;

  // ForEachBlob calls `fn` with every stored blob, in ascending SHA-256
  // order (so that a caller can merge it with another sorted list), holding
  // one directory's names at a time. An error from `fn` stops the walk and
  // is returned.
  virtual absl::Status ForEachBlob(
      const std::function<absl::Status(const StoredBlob&)>& fn) = 0;

  // DeleteUnlessWrittenSince removes blob `sha256` unless its bytes were
  // written at or after `cutoff`, and says whether it removed it (false
  // also when it is absent). A writer storing the same bytes meanwhile
  // either keeps the blob or stores it anew: never does its Commit return
  // for a blob that is then gone.
  virtual absl::StatusOr<bool> DeleteUnlessWrittenSince(
      absl::string_view sha256, absl::Time cutoff) = 0;
};

// IsSha256Hex is true for 64 lowercase hex digits.
bool IsSha256Hex(absl::string_view digest);

}  // namespace debrepo::blobstore

#endif  // DEBREPO_BLOBSTORE_BLOB_STORE_H_
