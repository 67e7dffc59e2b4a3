#include "storage/repo_store.h"

#include "absl/strings/str_cat.h"
#include "pqxx/pqxx"
#include "storage/internal_pg.h"
#include "storage/publication_store.h"
#include "storage/snapshot_store.h"

namespace debrepo::storage {
namespace {

constexpr char kRepoColumns[] =
    "name, comment, default_distribution, "
    "default_component, " DEBREPO_SQL_MICROS("create_time");

v1::Repo RepoFromRow(const pqxx::row& row) {
  v1::Repo repo;
  repo.set_name(row[0].c_str());
  repo.set_comment(row[1].c_str());
  repo.set_default_distribution(row[2].c_str());
  repo.set_default_component(row[3].c_str());
  if (auto time = internal::TimestampFrom(row[4])) {
    *repo.mutable_create_time() = *time;
  }
  return repo;
}

std::string SelectRepoSql() {
  return absl::StrCat("SELECT ", kRepoColumns, " FROM repos WHERE name = $1");
}

}  // namespace

absl::StatusOr<bool> RepoExists(Database& db, absl::string_view name) {
  bool exists = false;
  absl::Status status =
      db.Run("looking up a repo", [&](pqxx::connection& connection) {
        pqxx::nontransaction tx(connection);
        exists = !internal::ExecPrepared(tx, "repo_exists",
                                         "SELECT 1 FROM repos WHERE name = $1",
                                         std::string(name))
                      .empty();
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return exists;
}

absl::Status RepoNotFound(absl::string_view name) {
  return absl::NotFoundError(
      absl::StrCat("repo \"", name,
                   "\" does not exist; `debrepo repo list` shows the repos"));
}

absl::StatusOr<v1::Repo> GetRepo(Database& db, absl::string_view name) {
  absl::StatusOr<v1::Repo> repo;
  absl::Status status =
      db.Run("reading a repo", [&](pqxx::connection& connection) {
        // Read-only, so the repo and its snapshots are read as of one moment.
        pqxx::read_transaction tx(connection);
        Transaction transaction(tx);
        absl::StatusOr<std::optional<v1::Repo>> found =
            FindRepo(transaction, name);
        if (!found.ok()) return found.status();
        if (!found->has_value()) {
          repo = RepoNotFound(name);
          return absl::OkStatus();
        }
        absl::StatusOr<std::vector<std::string>> snapshots =
            SnapshotsMadeFrom(transaction, v1::SnapshotSource::REPO, name);
        if (!snapshots.ok()) return snapshots.status();
        v1::PublishedComponent source;
        source.set_repo(std::string(name));
        absl::StatusOr<std::vector<std::string>> publications =
            PublicationsOfSource(transaction, source);
        if (!publications.ok()) return publications.status();
        repo = **std::move(found);
        for (std::string& snapshot : *snapshots) {
          repo->add_snapshots(std::move(snapshot));
        }
        for (std::string& publication : *publications) {
          repo->add_publications(std::move(publication));
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return repo;
}

absl::StatusOr<std::vector<v1::Repo>> ListRepos(Database& db,
                                                absl::string_view after_name,
                                                int limit) {
  std::vector<v1::Repo> repos;
  absl::Status status =
      db.Run("listing repos", [&](pqxx::connection& connection) {
        pqxx::nontransaction tx(connection);
        for (const pqxx::row& row : tx.exec_params(
                 absl::StrCat("SELECT ", kRepoColumns,
                              " FROM repos WHERE name > $1 ORDER BY name "
                              "LIMIT $2"),
                 std::string(after_name), limit)) {
          repos.push_back(RepoFromRow(row));
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return repos;
}

absl::StatusOr<std::optional<v1::Repo>> FindRepo(Transaction& tx,
                                                 absl::string_view name) {
  return internal::Guard(
      "reading a repo", [&]() -> absl::StatusOr<std::optional<v1::Repo>> {
        pqxx::result rows = internal::ExecPrepared(
            tx.pqxx(), "get_repo", SelectRepoSql(), std::string(name));
        if (rows.empty()) return std::nullopt;
        return RepoFromRow(rows[0]);
      });
}

absl::Status RepoAlreadyExists(absl::string_view name) {
  return absl::AlreadyExistsError(
      absl::StrCat("repo \"", name,
                   "\" already exists; choose another name or drop it first"));
}

absl::StatusOr<v1::Repo> LoadRepo(Transaction& tx, absl::string_view name) {
  absl::StatusOr<std::optional<v1::Repo>> repo = FindRepo(tx, name);
  if (!repo.ok()) return repo.status();
  if (!repo->has_value()) {
    return absl::NotFoundError(absl::StrCat(
        "repo \"", name,
        "\" does not exist (it may have been renamed or dropped meanwhile); "
        "`debrepo repo list` shows the repos"));
  }
  return **std::move(repo);
}

absl::StatusOr<v1::Repo> InsertRepo(Transaction& tx, const v1::Repo& repo) {
  return internal::Guard("creating a repo", [&]() -> absl::StatusOr<v1::Repo> {
    // The unique index decides, not a read before the insert: ON CONFLICT's
    // probe takes no predicate lock, so creates of different names whose
    // keys share an index page do not fail each other's serializable
    // transactions (a read of the name did, in about 5-30% of concurrent
    // creates). A row that our snapshot cannot see still fails the
    // transaction as a serialization conflict, and the retry sees it.
    const pqxx::result rows = internal::ExecPrepared(
        tx.pqxx(), "insert_repo",
        absl::StrCat("INSERT INTO repos (name, comment, default_distribution, "
                     "default_component) VALUES ($1, $2, $3, $4) "
                     "ON CONFLICT (name) DO NOTHING RETURNING ",
                     kRepoColumns),
        repo.name(), repo.comment(), repo.default_distribution(),
        repo.default_component());
    if (rows.empty()) return RepoAlreadyExists(repo.name());
    return RepoFromRow(rows[0]);
  });
}

absl::StatusOr<v1::Repo> ReplaceRepo(Transaction& tx, absl::string_view name,
                                     const v1::Repo& repo) {
  return internal::Guard("updating a repo", [&]() -> absl::StatusOr<v1::Repo> {
    return RepoFromRow(tx.pqxx().exec_params1(
        absl::StrCat("UPDATE repos SET name = $2, comment = $3, "
                     "default_distribution = $4, default_component = $5 "
                     "WHERE name = $1 RETURNING ",
                     kRepoColumns),
        std::string(name), repo.name(), repo.comment(),
        repo.default_distribution(), repo.default_component()));
  });
}

absl::Status DeleteRepo(Transaction& tx, absl::string_view name) {
  return internal::Guard("deleting a repo", [&]() -> absl::Status {
    tx.pqxx().exec_params0("DELETE FROM repos WHERE name = $1",
                           std::string(name));
    return absl::OkStatus();
  });
}

}  // namespace debrepo::storage
