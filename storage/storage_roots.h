// Storage roots: the directory trees every server and worker must share
// (the blob store; publish roots later), recorded in the database by the
// random id each tree carries, so that a process configured with another
// directory can tell and refuse to start (startup/storage_root_check.h).
#ifndef DEBREPO_STORAGE_STORAGE_ROOTS_H_
#define DEBREPO_STORAGE_STORAGE_ROOTS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/database.h"

namespace debrepo::storage {

// StorageRoot is one recorded directory tree.
struct StorageRoot {
  // What the tree holds: "blob" (the blob store) or "publish".
  std::string kind;
  // Which tree of its kind: "default" for the blob store, the storage name
  // for a publish root.
  std::string name;
  // The random id written in the tree's id file.
  std::string id;
  // The absolute path of the tree on the process that recorded it.
  std::string path;
};

// FindStorageRoot returns the root recorded for `kind` and `name`, or
// nullopt when there is none yet.
absl::StatusOr<std::optional<StorageRoot>> FindStorageRoot(
    Database& db, absl::string_view kind, absl::string_view name);

// RecordStorageRoot records `root` unless a root of its kind and name is
// recorded already, and returns the recorded one: of many processes
// recording different roots at once, all get the first one's.
absl::StatusOr<StorageRoot> RecordStorageRoot(Database& db,
                                              const StorageRoot& root);

}  // namespace debrepo::storage

#endif  // DEBREPO_STORAGE_STORAGE_ROOTS_H_
