// Garbage collection's reads and writes: the packages nothing holds, and
// the blob-store files something refers to.
#ifndef DEBREPO_STORAGE_CLEANUP_STORE_H_
#define DEBREPO_STORAGE_CLEANUP_STORE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/transaction.h"

namespace debrepo::storage {

// DeletedPackages says what DeleteUnheldPackages removed.
struct DeletedPackages {
  // The first keys in key order, at most as many as asked for.
  std::vector<std::string> keys;
  // How many in all.
  int64_t count = 0;
};

// DeleteUnheldPackages deletes, in one statement, every package that no
// repo, snapshot or publication holds, and their file lists, and
// returns up to `max_keys` of their keys and how many there were: memory
// stays bounded however many it deletes. The caller holds "gc"
// exclusively, so no job adds a holder meanwhile.
absl::StatusOr<DeletedPackages> DeleteUnheldPackages(Transaction& tx,
                                                     int max_keys);

// BlobReferrers says whose files count as referenced.
enum class BlobReferrers {
  // Upload directories' files and the files of packages something holds:
  // what stays referenced once DeleteUnheldPackages has run.
  kHeldPackages,
  // Upload directories' files and every stored package's files.
  kAllPackages,
};

// ForEachReferencedBlob calls `fn` with the SHA-256 of every file that
// `referrers` refer to, once each, in ascending order (to merge with
// blobstore::BlobStore::ForEachBlob), through a server-side cursor: memory
// stays bounded by one batch. An error from `fn` stops it and is returned.
absl::Status ForEachReferencedBlob(
    Transaction& tx, BlobReferrers referrers,
    const std::function<absl::Status(absl::string_view sha256)>& fn);

}  // namespace debrepo::storage

#endif  // DEBREPO_STORAGE_CLEANUP_STORE_H_
