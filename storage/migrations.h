// Schema migrations: numbered, applied in order at start-up by every server
// and worker, serialized by an advisory lock so that many processes starting
// at once apply each migration exactly once.
#ifndef DEBREPO_STORAGE_MIGRATIONS_H_
#define DEBREPO_STORAGE_MIGRATIONS_H_

#include <string>

#include "absl/status/status.h"

namespace debrepo::storage {

// ApplyMigrations brings the schema of the database at `dsn` up to date.
// Fails with FAILED_PRECONDITION when the database has migrations this
// binary does not know (an older binary against a newer schema).
absl::Status ApplyMigrations(const std::string& dsn);

// WaitForDatabaseAndMigrate retries ApplyMigrations while the database is
// unreachable, logging each wait: in a fresh deployment servers and workers
// often start before PostgreSQL is ready. Other errors are returned.
absl::Status WaitForDatabaseAndMigrate(const std::string& dsn);

// LatestSchemaVersion is the number of the newest migration compiled in.
int LatestSchemaVersion();

}  // namespace debrepo::storage

#endif  // DEBREPO_STORAGE_MIGRATIONS_H_
