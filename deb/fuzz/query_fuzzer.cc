// Fuzzes the query parser, evaluator and SQL compiler (storage/query_sql):
// no input may crash them, and every placeholder in the SQL must have a
// parameter.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "deb/control.h"
#include "deb/query.h"
#include "storage/query_sql.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const debrepo::deb::Paragraph* stanza =
      new debrepo::deb::Paragraph(*debrepo::deb::ParseParagraph(
          "Package: libfoo1\nSource: foo (1.0-1)\nVersion: 1.0-1+b1\n"
          "Architecture: amd64\nPriority: optional\nDepends: libc6\n"));
  std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<debrepo::deb::Query> query = debrepo::deb::Query::Parse(text);
  if (!query.ok()) return 0;
  (void)query->Matches(*stanza);
  debrepo::storage::SqlCondition sql = debrepo::storage::QueryToSql(*query);
  std::string last = absl::StrCat("$", sql.parameters.size());
  std::string beyond = absl::StrCat("$", sql.parameters.size() + 1);
  if (!sql.parameters.empty() && sql.sql.find(last) == std::string::npos)
    abort();
  if (sql.sql.find(beyond) != std::string::npos) abort();
  return 0;
}
