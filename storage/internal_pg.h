// Conversions between PostgreSQL values and our types, private to storage.
#ifndef DEBREPO_STORAGE_INTERNAL_PG_H_
#define DEBREPO_STORAGE_INTERNAL_PG_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "pqxx/pqxx"
#include "storage/database.h"

namespace debrepo::storage::internal {

// SQL expression for a timestamptz column as microseconds since the epoch.
#define DEBREPO_SQL_MICROS(column) \
  "(extract(epoch FROM " column ") * 1000000)::bigint"

// Guard runs `fn`, mapping any exception it throws with
// StatusFromException; `what` describes the operation. `fn` returns a
// Status or StatusOr.
template <typename Fn>
auto Guard(absl::string_view what, Fn fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return StatusFromException(e, what);
  }
}

// ExecPrepared runs `sql` as the prepared statement `name` (prepared on the
// connection at first use): hot statements skip parsing and planning.
template <typename... Args>
pqxx::result ExecPrepared(pqxx::transaction_base& tx, const char* name,
                          const std::string& sql, Args&&... args) {
  // Re-declaring an identical definition is a no-op in libpqxx.
  tx.conn().prepare(name, sql);
  return tx.exec_prepared(name, std::forward<Args>(args)...);
}

// PrepareStatement prepares `sql` as `name` on the connection of `tx`
// unless it was already (a round trip the first time only). PostgreSQL
// refuses to prepare inside a failed transaction block: a statement that
// runs after one may fail (e.g. the outcome of a job whose body's SQL
// failed) must be prepared before the block opens.
void PrepareStatement(pqxx::transaction_base& tx, const char* name,
                      const std::string& sql);

// PreparedCall renders an SQL EXECUTE of the prepared statement `name`
// (defined by `sql` as for ExecPrepared, and prepared on the connection now
// if it was not yet) with `args` quoted as literals. A simple query binds
// no parameters but may hold several statements: this lets a hot statement
// keep its prepared plan and still share a round trip with others (see
// TransactionBlock).
template <typename... Args>
std::string PreparedCall(pqxx::transaction_base& tx, const char* name,
                         const std::string& sql, const Args&... args) {
  PrepareStatement(tx, name, sql);
  const std::vector<std::string> literals = {tx.quote(args)...};
  return absl::StrCat("EXECUTE ", name, "(", absl::StrJoin(literals, ", "),
                      ")");
}

// TransactionBlock is a transaction block that the caller's own statements
// open and end (BEGIN ... COMMIT), run through a pqxx::nontransaction, so
// that BEGIN and COMMIT share round trips with the statements next to them
// (a pqxx transaction sends each on its own). Each Exec is one simple
// query: PostgreSQL runs its statements in order and skips the rest after
// one fails. Until End succeeds, destruction rolls the block back, so that
// a failed statement does not leave the session in a failed block.
class TransactionBlock {
 public:
  explicit TransactionBlock(pqxx::transaction_base& tx) : tx_(tx) {}
  TransactionBlock(const TransactionBlock&) = delete;
  TransactionBlock& operator=(const TransactionBlock&) = delete;
  ~TransactionBlock();

  // Exec runs `statements` (the first Exec's start with BEGIN) and returns
  // the last one's rows.
  pqxx::result Exec(const std::string& statements);

  // End runs `statements`, which end the block (with COMMIT; statements
  // after it run in transactions of their own), and returns the last one's
  // rows.
  pqxx::result End(const std::string& statements);

 private:
  pqxx::transaction_base& tx_;
  bool ended_ = false;
};

// FetchAll reads the cursor `cursor`, declared in `tx`, to its end,
// `batch` rows per FETCH, calling `fn` with each row: memory stays bounded
// by one batch. An error from `fn` stops it and is returned. The cursor is
// closed either way, so the transaction may declare it again.
absl::Status FetchAll(pqxx::transaction_base& tx, absl::string_view cursor,
                      int batch,
                      const std::function<absl::Status(const pqxx::row&)>& fn);

// PgTextArray renders `values` as a PostgreSQL text[] literal, quoting and
// escaping every element (libpqxx 6 cannot bind arrays).
std::string PgTextArray(const std::vector<std::string>& values);

// ParseTextArray reads a text[] field.
std::vector<std::string> ParseTextArray(const pqxx::field& field);

// TimestampFrom reads a microseconds field; NULL is nullopt, so that a time
// not known stays unset (a set Timestamp of 0 reads as 1970).
std::optional<google::protobuf::Timestamp> TimestampFrom(
    const pqxx::field& micros);

// ToJson renders a message as JSON for a jsonb column.
std::string ToJson(const google::protobuf::Message& message);

// FromJson parses a jsonb column written by ToJson.
absl::Status FromJson(const std::string& json,
                      google::protobuf::Message* message);

}  // namespace debrepo::storage::internal

#endif  // DEBREPO_STORAGE_INTERNAL_PG_H_
