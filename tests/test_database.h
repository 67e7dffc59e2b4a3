// TestDatabase: a throw-away PostgreSQL database for tests that need a real
// one (storage tests and the process harness alike). The admin DSN comes
// from DEBREPO_TEST_DATABASE_URL; tests fail (never skip) without it.
#ifndef DEBREPO_TESTS_TEST_DATABASE_H_
#define DEBREPO_TESTS_TEST_DATABASE_H_

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "storage/transaction.h"

namespace debrepo::testing {

// TestDatabase creates a fresh database and drops it when destroyed.
class TestDatabase {
 public:
  // Schema says what the fresh database holds.
  enum class Schema {
    // Nothing: the servers and workers under test migrate it, as in a
    // fresh deployment.
    kEmpty,
    // Every migration applied (storage::ApplyMigrations), for tests that
    // use storage/ directly.
    kMigrated,
  };

  explicit TestDatabase(Schema schema = Schema::kEmpty);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // URL of the fresh database.
  const std::string& url() const { return url_; }
  // Runs one SQL statement and returns the first column of the first row
  // ("" when no rows).
  std::string QueryValue(const std::string& sql) const;
  // StoreFakePackages stores `count` binary packages "Pamd64 p<i> 1.0 h"
  // named p<i>, i from 1 (ids 1 to `count` in a fresh database), with no
  // files: rows for storage tests of what holds packages.
  void StoreFakePackages(int count) const;
  // MisplacedPairs counts the memberships whose name-and-architecture pair
  // (migration 15) is not their package's: packages whose pair names
  // another name or architecture, repo rows whose pair is not their
  // package's, and snapshots and mirrors whose pair array is not their
  // packages' pairs in id order. 0 when every writer kept them right.
  int MisplacedPairs() const;
  // InTransaction runs `body` in a serializable transaction on a
  // connection of its own, committed when `body` succeeds (a job's
  // transaction, for storage tests).
  absl::Status InTransaction(
      absl::FunctionRef<absl::Status(storage::Transaction&)> body) const;
  // RestartServer restarts the whole PostgreSQL server (`pg_ctl restart -m
  // fast`, which drops every session) and returns once it accepts
  // connections again. The restart is started by the server itself, so
  // the new postmaster is not a child of this test (Bazel kills a test's
  // descendants when it ends).
  void RestartServer() const;

 private:
  std::string admin_url_;
  std::string name_;
  std::string url_;
};

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_TEST_DATABASE_H_
