#include "storage/internal_pg.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "pqxx/array"

namespace debrepo::storage::internal {

void PrepareStatement(pqxx::transaction_base& tx, const char* name,
                      const std::string& sql) {
  tx.conn().prepare(name, sql);
  tx.conn().prepare_now(name);
}

TransactionBlock::~TransactionBlock() {
  if (ended_) return;
  try {
    tx_.exec0("ROLLBACK");
  } catch (const std::exception&) {
    // The session is broken; its owner drops it on the error being handled.
  }
}

pqxx::result TransactionBlock::Exec(const std::string& statements) {
  return tx_.exec(statements);
}

pqxx::result TransactionBlock::End(const std::string& statements) {
  pqxx::result rows = tx_.exec(statements);
  ended_ = true;
  return rows;
}

std::string PgTextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

absl::Status FetchAll(pqxx::transaction_base& tx, absl::string_view cursor,
                      int batch,
                      const std::function<absl::Status(const pqxx::row&)>& fn) {
  const std::string fetch = absl::StrCat("FETCH ", batch, " FROM ", cursor);
  absl::Status status;
  for (;;) {
    const pqxx::result rows = tx.exec(fetch);
    for (const pqxx::row& row : rows) {
      status = fn(row);
      if (!status.ok()) break;
    }
    if (!status.ok() || rows.size() < static_cast<size_t>(batch)) break;
  }
  tx.exec0(absl::StrCat("CLOSE ", cursor));
  return status;
}

std::vector<std::string> ParseTextArray(const pqxx::field& field) {
  std::vector<std::string> values;
  if (field.is_null()) return values;
  pqxx::array_parser parser = field.as_array();
  for (auto [kind, value] = parser.get_next(); kind != pqxx::array_parser::done;
       std::tie(kind, value) = parser.get_next()) {
    if (kind == pqxx::array_parser::string_value) {
      values.push_back(std::move(value));
    }
  }
  return values;
}

std::optional<google::protobuf::Timestamp> TimestampFrom(
    const pqxx::field& micros) {
  if (micros.is_null()) return std::nullopt;
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
      micros.as<int64_t>());
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  // Serializing a message we built cannot fail.
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

absl::Status FromJson(const std::string& json,
                      google::protobuf::Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(json, message, options)
           .ok()) {
    return absl::DataLossError(absl::StrCat("stored ", message->GetTypeName(),
                                            " is not valid JSON: ", json));
  }
  return absl::OkStatus();
}

}  // namespace debrepo::storage::internal
