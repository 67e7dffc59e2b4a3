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
