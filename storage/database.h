// Database: connections to PostgreSQL and the one place where libpqxx
// exceptions become absl::Status.
#ifndef DEBREPO_STORAGE_DATABASE_H_
#define DEBREPO_STORAGE_DATABASE_H_

#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "pqxx/connection"

namespace debrepo::storage {

// StatusFromException maps a libpqxx (or other) exception to a status:
// broken connection → UNAVAILABLE, serialization failure or deadlock →
// ABORTED, unique violation → ALREADY_EXISTS, other integrity violations →
// FAILED_PRECONDITION, anything else → INTERNAL. `what` names the operation
// for the message.
absl::Status StatusFromException(const std::exception& e,
                                 absl::string_view what);

// IsRetryable is true for statuses that mean "the transaction lost a
// serialization race; run it again" (SQLSTATE 40001 / 40P01, as mapped by
// StatusFromException, which marks them). Other ABORTED statuses are not.
bool IsRetryable(const absl::Status& status);

// Connect opens one connection. `dsn` is a libpq connection string or URI;
// a short connect timeout and TCP keepalives are added when the DSN has
// none, so a database that is down is reported quickly instead of hanging
// callers. The connection never reconnects by itself: once broken it stays
// broken (is_open() is false), because its session state (advisory locks,
// LISTEN) would be gone.
absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect(
    const std::string& dsn);

// Database is a pool of connections for short, independent statements
// (server reads and job submission). libpqxx connections are not thread
// safe: each call gets a connection of its own for its duration. Broken
// connections are dropped and replaced on the next call, so the pool
// recovers by itself after PostgreSQL restarts. At most `max_connections`
// are open at once; a call that finds them all busy for 10 s fails with
// UNAVAILABLE rather than exhausting the database's connection slots.
class Database {
 public:
  explicit Database(std::string dsn, int max_connections = 32);
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Run calls `fn` with a connection. Exceptions thrown by `fn` are mapped
  // with StatusFromException; `what` names the operation in messages.
  absl::Status Run(absl::string_view what,
                   const std::function<absl::Status(pqxx::connection&)>& fn);

 private:
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Acquire();
  // Returns a connection to the pool, or drops it when not `reusable`.
  void Release(std::unique_ptr<pqxx::connection> connection, bool reusable);

  const std::string dsn_;
  const int max_connections_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_ ABSL_GUARDED_BY(mu_);
  // Connections in use plus idle ones.
  int open_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace debrepo::storage

#endif  // DEBREPO_STORAGE_DATABASE_H_
