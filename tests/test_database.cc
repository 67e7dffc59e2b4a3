#include "tests/test_database.h"

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "storage/migrations.h"

namespace debrepo::testing {
namespace {

std::string RequireEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    // Fail loudly: a skipped integration test would hide a broken set-up.
    ADD_FAILURE() << name
                  << " is not set: integration tests need a PostgreSQL admin "
                     "DSN; run them with `tools/dev test`";
    throw std::runtime_error(absl::StrCat(name, " not set"));
  }
  return value;
}

// Replaces the database (path) of a postgresql:// URL.
std::string WithDatabase(const std::string& url, const std::string& database) {
  const size_t scheme = url.find("://");
  const size_t slash =
      url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  const size_t query = url.find('?');
  std::string base =
      url.substr(0, slash == std::string::npos ? url.size() : slash);
  std::string rest = query == std::string::npos ? "" : url.substr(query);
  return absl::StrCat(base, "/", database, rest);
}

}  // namespace

TestDatabase::TestDatabase(Schema schema) {
  admin_url_ = RequireEnv("DEBREPO_TEST_DATABASE_URL");
  absl::BitGen random;
  name_ = absl::StrCat("debrepo_test_", absl::Uniform<uint64_t>(random));
  pqxx::connection admin(admin_url_);
  pqxx::nontransaction(admin).exec(absl::StrCat("CREATE DATABASE ", name_));
  url_ = WithDatabase(admin_url_, name_);
  if (schema == Schema::kEmpty) return;
  if (absl::Status migrated = storage::ApplyMigrations(url_); !migrated.ok()) {
    ADD_FAILURE() << "migrating " << name_ << ": " << migrated;
    pqxx::nontransaction(admin).exec(
        absl::StrCat("DROP DATABASE ", name_, " WITH (FORCE)"));
    throw std::runtime_error("migrating the test database failed");
  }
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection admin(admin_url_);
    pqxx::nontransaction(admin).exec(
        absl::StrCat("DROP DATABASE IF EXISTS ", name_, " WITH (FORCE)"));
  } catch (const std::exception& e) {
    ADD_FAILURE() << "dropping " << name_ << ": " << e.what();
  }
}

std::string TestDatabase::QueryValue(const std::string& sql) const {
  pqxx::connection connection(url_);
  pqxx::result rows = pqxx::nontransaction(connection).exec(sql);
  if (rows.empty() || rows[0][0].is_null()) return "";
  return rows[0][0].c_str();
}

void TestDatabase::RestartServer() const {
  {
    pqxx::connection connection(admin_url_);
    pqxx::nontransaction tx(connection);
    const std::string data_directory =
        tx.exec1("SHOW data_directory")[0].c_str();
    const int major = tx.exec1("SHOW server_version_num")[0].as<int>() / 10000;
    const std::string command = absl::StrCat(
        "cd / && setsid sh -c 'sleep 0.2; exec /usr/lib/postgresql/", major,
        "/bin/pg_ctl -D ", data_directory,
        " restart -m fast -w' >/dev/null 2>&1 </dev/null &");
    // No rows: the backgrounding shell exits without reading its stdin,
    // and a row written to it would fail the COPY with a broken pipe.
    tx.exec(absl::StrCat("COPY (SELECT 1 WHERE false) TO PROGRAM ",
                         tx.quote(command)));
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  absl::SleepFor(absl::Seconds(1));
  while (absl::Now() < deadline) {
    try {
      pqxx::connection probe(admin_url_);
      return;
    } catch (const std::exception&) {
      absl::SleepFor(absl::Milliseconds(100));
    }
  }
  ADD_FAILURE() << "PostgreSQL did not come back within 60 s of a restart";
}

void TestDatabase::StoreFakePackages(int count) const {
  QueryValue(absl::StrCat(
      "WITH pairs AS (INSERT INTO package_pairs (name, architecture) "
      "SELECT 'p' || g, 'amd64' FROM generate_series(1, ",
      count,
      ") g RETURNING id, name) "
      "INSERT INTO packages (key, name, version, architecture, source, "
      "package_type, provides, stanza, fields, files, file_fields, pair_id) "
      "SELECT 'Pamd64 ' || name || ' 1.0 h', name, '1.0', 'amd64', name, "
      "'deb', '{}', 'Package: ' || name, '{}', '[]', '', id FROM pairs "
      "ORDER BY id"));
}

int TestDatabase::MisplacedPairs() const {
  return std::stoi(QueryValue(R"sql(
    WITH pairs_of AS (
      SELECT 'snapshot' AS holder, package_ids, package_pairs FROM snapshots
      UNION ALL
      SELECT 'mirror', package_ids, package_pairs FROM mirrors)
    SELECT
      (SELECT count(*) FROM packages p LEFT JOIN package_pairs pp
         ON pp.id = p.pair_id
       WHERE pp.name IS DISTINCT FROM p.name
          OR pp.architecture IS DISTINCT FROM p.architecture) +
      (SELECT count(*) FROM repo_packages rp JOIN packages p
         ON p.id = rp.package_id WHERE rp.pair_id <> p.pair_id) +
      (SELECT count(*) FROM pairs_of h
       WHERE h.package_pairs IS DISTINCT FROM coalesce(
         (SELECT array_agg(p.pair_id ORDER BY u.position)
          FROM unnest(h.package_ids) WITH ORDINALITY AS u (id, position)
          LEFT JOIN packages p ON p.id = u.id), '{}')))sql"));
}

absl::Status TestDatabase::InTransaction(
    absl::FunctionRef<absl::Status(storage::Transaction&)> body) const {
  pqxx::connection connection(url_);
  pqxx::transaction<pqxx::isolation_level::serializable> work(connection);
  storage::Transaction tx(work);
  absl::Status status = body(tx);
  if (status.ok()) work.commit();
  return status;
}

}  // namespace debrepo::testing
