#include "storage/database.h"

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "pqxx/except"
#include "pqxx/nontransaction"

namespace debrepo::storage {
namespace {

// The payload that marks a serialization failure or deadlock (SQLSTATE
// 40001 / 40P01) among ABORTED statuses.
constexpr char kSerializationFailurePayload[] =
    "type.debrepo.dev/storage.SerializationFailure";

}  // namespace

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
    return absl::UnavailableError(
        absl::StrCat(what,
                     ": the connection broke while committing; the outcome is "
                     "unknown (",
                     e.what(), ")"));
  }
  if (dynamic_cast<const pqxx::transaction_rollback*>(&e) != nullptr) {
    absl::Status status = absl::AbortedError(
        absl::StrCat(what, ": concurrent update, retry (", e.what(), ")"));
    // Marked, so that only these are retried: an ABORTED that code returns
    // for its own reasons (or 40003, completion unknown) is an answer, not
    // a lost race.
    if (dynamic_cast<const pqxx::serialization_failure*>(&e) != nullptr ||
        dynamic_cast<const pqxx::deadlock_detected*>(&e) != nullptr) {
      status.SetPayload(kSerializationFailurePayload, absl::Cord("retry"));
    }
    return status;
  }
  if (dynamic_cast<const pqxx::unique_violation*>(&e) != nullptr) {
    return absl::AlreadyExistsError(absl::StrCat(what, ": ", e.what()));
  }
  if (dynamic_cast<const pqxx::integrity_constraint_violation*>(&e) !=
      nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(what, ": ", e.what()));
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    // Class 22 is bad data in a request, e.g. a regular expression
    // PostgreSQL cannot compile.
    if (absl::StartsWith(sql->sqlstate(), "22")) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": the database refused a value (", e.what(),
                       "); correct the request"));
    }
    if (sql->sqlstate() == "57014") {
      return absl::DeadlineExceededError(
          absl::StrCat(what, ": the query ran too long; narrow it"));
    }
    // 57P01..57P03: the server is shutting down or starting up.
    if (absl::StartsWith(sql->sqlstate(), "57P") ||
        absl::StartsWith(sql->sqlstate(), "08")) {
      return absl::UnavailableError(
          absl::StrCat(what, ": the database is restarting or unreachable (",
                       e.what(), "); retry shortly"));
    }
    return absl::InternalError(
        absl::StrCat(what, ": SQL error ", sql->sqlstate(), ": ", e.what()));
  }
  return absl::InternalError(absl::StrCat(what, ": ", e.what()));
}

bool IsRetryable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kAborted &&
         status.GetPayload(kSerializationFailurePayload).has_value();
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect(
    const std::string& dsn) {
  // Defaults the DSN may override: fail fast when the database is down, and
  // notice a dead server within about 25 s.
  constexpr std::pair<const char*, const char*> kDefaults[] = {
      {"connect_timeout", "5"},
      {"keepalives_idle", "10"},
      {"keepalives_interval", "5"},
      {"keepalives_count", "3"},
  };
  const bool is_uri = absl::StartsWith(dsn, "postgres://") ||
                      absl::StartsWith(dsn, "postgresql://");
  std::string full_dsn = dsn;
  for (const auto& [name, value] : kDefaults) {
    if (absl::StrContains(dsn, name)) continue;
    if (is_uri) {
      absl::StrAppend(&full_dsn, absl::StrContains(full_dsn, "?") ? "&" : "?",
                      name, "=", value);
    } else {
      absl::StrAppend(&full_dsn, " ", name, "=", value);
    }
  }
  try {
    auto connection = std::make_unique<pqxx::connection>(full_dsn);
    // libpqxx would silently reconnect a broken connection at the next
    // statement. A session that lost its advisory locks or its LISTEN must
    // fail instead, so that its owner notices.
    connection->inhibit_reactivation(true);
    // And the server should notice a vanished client (a dead worker host)
    // within about 25 s and release its locks, not after the kernel's two
    // hours.
    pqxx::nontransaction(*connection)
        .exec(
            "SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; "
            "SET tcp_keepalives_count = 3");
    return connection;
  } catch (const std::exception& e) {
    return StatusFromException(e, "connecting to PostgreSQL");
  }
}

Database::Database(std::string dsn, int max_connections)
    : dsn_(std::move(dsn)), max_connections_(max_connections) {}

absl::StatusOr<std::unique_ptr<pqxx::connection>> Database::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < max_connections_;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&available), absl::Seconds(10))) {
      return absl::UnavailableError(absl::StrCat(
          "all ", max_connections_,
          " database connections of this server are busy; retry, or raise "
          "--db_pool_size"));
    }
    while (!idle_.empty()) {
      std::unique_ptr<pqxx::connection> connection = std::move(idle_.back());
      idle_.pop_back();
      if (connection->is_open()) return connection;
      --open_;
    }
    ++open_;  // reserved for the connection made below
  }
  absl::StatusOr<std::unique_ptr<pqxx::connection>> connection = Connect(dsn_);
  if (!connection.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
  }
  return connection;
}

void Database::Release(std::unique_ptr<pqxx::connection> connection,
                       bool reusable) {
  absl::MutexLock lock(&mu_);
  if (reusable) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;
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
  const bool reusable = status.code() != absl::StatusCode::kUnavailable &&
                        (*connection)->is_open();
  Release(*std::move(connection), reusable);
  return status;
}

}  // namespace debrepo::storage
