// The start-up check that a process's storage root (its blob store, later
// its publish roots) is the directory tree the database knows, so that a
// node configured with another directory -- a missing DEBREPO_BLOB_DIR, a
// shared file system not mounted -- refuses to start instead of accepting
// uploads that the other nodes then cannot find.
#ifndef DEBREPO_STARTUP_STORAGE_ROOT_CHECK_H_
#define DEBREPO_STARTUP_STORAGE_ROOT_CHECK_H_

#include <string>

#include "absl/status/status.h"
#include "storage/database.h"

namespace debrepo::startup {

// ConfiguredRoot is a storage root as this process is configured with it.
struct ConfiguredRoot {
  // The kind and name it is recorded under (storage::StorageRoot).
  std::string kind;
  std::string name;
  // The directory this process was given.
  std::string path;
  // What it is, for messages: "blob store".
  std::string description;
  // Where the directory is set, for messages: "--blob_dir or
  // DEBREPO_BLOB_DIR".
  std::string setting;
};

// CheckStorageRoot is OK when `root.path` holds the id the database records
// for the root's kind and name. The first process to start records the id
// of its directory, giving the directory an id file first if it has none
// (so an existing store is adopted). FAILED_PRECONDITION, naming both
// directories and the setting to fix, when the directory holds another id,
// or none while the database records one.
absl::Status CheckStorageRoot(storage::Database& db,
                              const ConfiguredRoot& root);

}  // namespace debrepo::startup

#endif  // DEBREPO_STARTUP_STORAGE_ROOT_CHECK_H_
