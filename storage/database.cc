#include "storage/database.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "pqxx/except"

namespace debrepo::storage {

absl::Status StatusFromException(const std::exception& e,
                                 absl::string_view what) {
  // Order matters: the specific libpqxx types derive from the general ones.
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
    return absl::UnavailableError(absl::StrCat(
        what, ": the database is unreachable (", e.what(),
        "); check that PostgreSQL is running and the database URL is right, "
        "then retry"));
  }
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    return absl::UnavailableError(absl::StrCat(
        what, ": the connection broke while committing; the outcome is "
              "unknown (",
        e.what(), ")"));
  }
  if (dynamic_cast<const pqxx::transaction_rollback*>(&e) != nullptr) {
    return absl::AbortedError(
        absl::StrCat(what, ": concurrent update, retry (", e.what(), ")"));
  }
  if (dynamic_cast<const pqxx::unique_violation*>(&e) != nullptr) {
    return absl::AlreadyExistsError(absl::StrCat(what, ": ", e.what()));
  }
  if (dynamic_cast<const pqxx::integrity_constraint_violation*>(&e) !=
      nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(what, ": ", e.what()));
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    // 57P01..57P03: the server is shutting down or starting up.
    if (absl::StartsWith(sql->sqlstate(), "57P") ||
        absl::StartsWith(sql->sqlstate(), "08")) {
      return absl::UnavailableError(absl::StrCat(
          what, ": the database is restarting or unreachable (", e.what(),
          "); retry shortly"));
    }
    return absl::InternalError(absl::StrCat(what, ": SQL error ",
                                            sql->sqlstate(), ": ", e.what()));
  }
  return absl::InternalError(absl::StrCat(what, ": ", e.what()));
}

bool IsRetryable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kAborted;
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect(
    const std::string& dsn) {
  std::string full_dsn = dsn;
  if (!absl::StrContains(dsn, "connect_timeout")) {
    const bool is_uri = absl::StartsWith(dsn, "postgres://") ||
                        absl::StartsWith(dsn, "postgresql://");
    if (is_uri) {
      absl::StrAppend(&full_dsn,
                      absl::StrContains(dsn, "?") ? "&" : "?",
                      "connect_timeout=5");
    } else {
      absl::StrAppend(&full_dsn, " connect_timeout=5");
    }
  }
  try {
    return std::make_unique<pqxx::connection>(full_dsn);
  } catch (const std::exception& e) {
    return StatusFromException(e, "connecting to PostgreSQL");
  }
}

Database::Database(std::string dsn, int max_idle_connections)
    : dsn_(std::move(dsn)), max_idle_connections_(max_idle_connections) {}

absl::StatusOr<std::unique_ptr<pqxx::connection>> Database::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    while (!idle_.empty()) {
      std::unique_ptr<pqxx::connection> connection = std::move(idle_.back());
      idle_.pop_back();
      if (connection->is_open()) return connection;
    }
  }
  return Connect(dsn_);
}

void Database::Release(std::unique_ptr<pqxx::connection> connection) {
  absl::MutexLock lock(&mu_);
  if (static_cast<int>(idle_.size()) < max_idle_connections_) {
    idle_.push_back(std::move(connection));
  }
}

absl::Status Database::Run(
    absl::string_view what,
    const std::function<absl::Status(pqxx::connection&)>& fn) {
  absl::StatusOr<std::unique_ptr<pqxx::connection>> connection = Acquire();
  if (!connection.ok()) return connection.status();
  absl::Status status;
  try {
    status = fn(**connection);
  } catch (const std::exception& e) {
    status = StatusFromException(e, what);
  }
  // A connection whose session died is not reused; one that merely saw an
  // SQL error is fine (its transaction was rolled back by libpqxx).
  if (status.code() != absl::StatusCode::kUnavailable &&
      (*connection)->is_open()) {
    Release(*std::move(connection));
  }
  return status;
}

}  // namespace debrepo::storage
