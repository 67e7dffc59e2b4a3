#include "startup/startup.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "startup/storage_root_check.h"
#include "storage/database.h"
#include "storage/migrations.h"

namespace debrepo::startup {

absl::StatusOr<Started> StartUp(const StartupOptions& options) {
  RETURN_IF_ERROR(storage::WaitForDatabaseAndMigrate(options.database_url));
  {
    storage::Database db(options.database_url, /*max_connections=*/1);
    RETURN_IF_ERROR(
        CheckStorageRoot(db, {.kind = "blob",
                              .name = "default",
                              .path = options.blob_dir,
                              .description = "blob store",
                              .setting = "--blob_dir or DEBREPO_BLOB_DIR"}));
    for (const auto& [storage, path] : options.publish_roots) {
      RETURN_IF_ERROR(CheckStorageRoot(
          db, {.kind = "publish",
               .name = storage,
               .path = path,
               .description = absl::StrCat("publish root of ", storage),
               .setting = "--publish_root or --publish_storage"}));
    }
  }
  Started started;
  ASSIGN_OR_RETURN(started.blobs,
                   blobstore::FsBlobStore::Open(options.blob_dir));
  return started;
}

}  // namespace debrepo::startup
