#include "storage/storage_roots.h"

#include "pqxx/pqxx"

namespace debrepo::storage {
namespace {

constexpr char kSelectRoot[] =
    "SELECT kind, name, id, path FROM storage_roots "
    "WHERE kind = $1 AND name = $2";

// An INSERT that meets a concurrent one for the same key waits for it to
// commit and then does nothing: the SELECT that follows, a statement of
// its own, sees the winner's row.
constexpr char kInsertRoot[] =
    "INSERT INTO storage_roots (kind, name, id, path) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (kind, name) DO NOTHING";

std::optional<StorageRoot> SelectRoot(pqxx::transaction_base& tx,
                                      const std::string& kind,
                                      const std::string& name) {
  const pqxx::result rows = tx.exec_params(kSelectRoot, kind, name);
  if (rows.empty()) return std::nullopt;
  return StorageRoot{rows[0][0].c_str(), rows[0][1].c_str(), rows[0][2].c_str(),
                     rows[0][3].c_str()};
}

}  // namespace

absl::StatusOr<std::optional<StorageRoot>> FindStorageRoot(
    Database& db, absl::string_view kind, absl::string_view name) {
  std::optional<StorageRoot> root;
  absl::Status status =
      db.Run("reading the storage roots", [&](pqxx::connection& connection) {
        pqxx::nontransaction tx(connection);
        root = SelectRoot(tx, std::string(kind), std::string(name));
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return root;
}

absl::StatusOr<StorageRoot> RecordStorageRoot(Database& db,
                                              const StorageRoot& root) {
  std::optional<StorageRoot> recorded;
  absl::Status status =
      db.Run("recording a storage root", [&](pqxx::connection& connection) {
        pqxx::nontransaction tx(connection);
        tx.exec_params(kInsertRoot, root.kind, root.name, root.id, root.path);
        recorded = SelectRoot(tx, root.kind, root.name);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  if (!recorded.has_value()) {
    return absl::InternalError(
        "a storage root vanished right after it was recorded; was the "
        "storage_roots table changed by hand?");
  }
  return *std::move(recorded);
}

}  // namespace debrepo::storage
