#include "cli/queries.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "cli/args.h"
#include "cli/upload.h"
#include "common/status_macros.h"
#include "deb/query.h"

namespace debrepo::cli {

absl::StatusOr<std::string> QueryFromArguments(
    absl::Span<const std::string> arguments) {
  std::vector<std::string> queries;
  for (const std::string& argument : arguments) {
    std::string query = argument;
    // Where the query came from, for errors.
    std::string source;
    if (absl::StartsWith(argument, "@")) {
      const std::string path = argument.substr(1);
      ASSIGN_OR_RETURN(query, ReadWholeFile(path));
      source = absl::StrCat(" (from ", path, ")");
    }
    query = std::string(absl::StripAsciiWhitespace(query));
    if (query.empty()) {
      return UsageError(absl::StrCat("QUERY \"", argument, "\" is empty",
                                     source.empty() ? "" : source));
    }
    if (absl::Status parsed = deb::Query::Parse(query).status(); !parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(parsed.message(), source));
    }
    queries.push_back(std::move(query));
  }
  if (queries.empty()) return std::string();
  if (queries.size() == 1) return queries.front();
  return absl::StrCat("(", absl::StrJoin(queries, ") | ("), ")");
}

}  // namespace debrepo::cli
