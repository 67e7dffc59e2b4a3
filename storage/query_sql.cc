#include "storage/query_sql.h"

#include <re2/re2.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace debrepo::storage {
namespace {

using deb::QueryNode;
using deb::VersionOp;

// The packages columns behind the pseudo-fields (and the package name).
struct Column {
  absl::string_view field;
  absl::string_view column;
  // "$Architecture (x)" also matches "all" packages (aptly's
  // MatchesArchitecture); plain "Architecture (x)" does not.
  bool all_matches = false;
};
constexpr Column kColumns[] = {
    {"Name", "name"},
    {"Package", "name"},
    {"$Source", "source"},
    {"$Version", "version"},
    {"Version", "version"},
    {"$Architecture", "architecture", /*all_matches=*/true},
    {"Architecture", "architecture"},
    {"$PackageType", "package_type"},
};

const Column* FindColumn(absl::string_view field) {
  for (const Column& c : kColumns) {
    if (absl::EqualsIgnoreCase(c.field, field)) return &c;
  }
  return nullptr;
}

absl::string_view SqlComparison(VersionOp op) {
  switch (op) {
    case VersionOp::kLess:
      return "< 0";
    case VersionOp::kLessOrEqual:
      return "<= 0";
    case VersionOp::kEqual:
      return "= 0";
    case VersionOp::kGreaterOrEqual:
      return ">= 0";
    case VersionOp::kGreater:
      return "> 0";
  }
  return "= 0";
}

class SqlCompiler {
 public:
  explicit SqlCompiler(int first_parameter) : next_(first_parameter) {}

  std::string Compile(const QueryNode& node) {
    switch (node.kind) {
      case QueryNode::Kind::kAnd:
      case QueryNode::Kind::kOr: {
        std::vector<std::string> parts;
        for (const QueryNode& child : node.children)
          parts.push_back(Compile(child));
        return absl::StrCat(
            "(",
            absl::StrJoin(
                parts, node.kind == QueryNode::Kind::kAnd ? " AND " : " OR "),
            ")");
      }
      case QueryNode::Kind::kNot:
        return absl::StrCat("(NOT ", Compile(node.children[0]), ")");
      case QueryNode::Kind::kPackage:
        return IsTrue(CompilePackage(node));
      case QueryNode::Kind::kField:
        return IsTrue(CompileField(node));
    }
    return "FALSE";
  }

  std::vector<std::string>& parameters() { return parameters_; }

 private:
  // IsTrue makes a predicate two-valued: NULL (an absent field) becomes
  // FALSE, as Matches() treats it, so that NOT keeps the package.
  static std::string IsTrue(absl::string_view predicate) {
    return absl::StrCat("(", predicate, " IS TRUE)");
  }

  // ArchitectureCondition is aptly's MatchesArchitecture in SQL.
  std::string ArchitectureCondition(absl::string_view column,
                                    absl::string_view wanted) {
    std::string parameter = Parameter(std::string(wanted));
    return absl::StrCat("(", column, " = ", parameter, " OR (", column,
                        " = 'all' AND ", parameter, " <> 'source'))");
  }

  std::string CompilePackage(const QueryNode& node) {
    std::string name = Parameter(node.name);
    std::string sql;
    if (node.regex != nullptr) {
      sql = absl::StrCat("name = ", name, " AND version ~ ",
                         Parameter(node.regex->pattern()));
    } else if (node.op.has_value()) {
      sql = absl::StrCat("name = ", name, " AND debversion_cmp(version, ",
                         Parameter(node.version->ToString()), ") ",
                         SqlComparison(*node.op));
    } else {
      sql = absl::StrCat("(name = ", name, " OR ", name, " = ANY(provides))");
    }
    if (node.exact) {
      absl::StrAppend(&sql,
                      " AND architecture = ", Parameter(node.architecture));
    } else if (!node.architecture.empty()) {
      absl::StrAppend(&sql, " AND ",
                      ArchitectureCondition("architecture", node.architecture));
    }
    return absl::StrCat("(", sql, ")");
  }

  std::string CompileField(const QueryNode& node) {
    const Column* column = FindColumn(node.field);
    std::string value =
        column != nullptr
            ? std::string(column->column)
            : absl::StrCat("(fields->>",
                           Parameter(CanonicalFieldName(node.field)), ")");
    switch (node.match) {
      case QueryNode::Match::kPresent:
        return column != nullptr ? absl::StrCat("(", value, " <> '')")
                                 : absl::StrCat("(", value, " IS NOT NULL)");
      case QueryNode::Match::kEqual:
        if (column != nullptr && column->all_matches)
          return ArchitectureCondition(value, node.value);
        return absl::StrCat("(", value, " = ", Parameter(node.value), ")");
      case QueryNode::Match::kGlob:
      case QueryNode::Match::kRegex:
        return absl::StrCat("(", value, " ~ ", Parameter(node.regex->pattern()),
                            ")");
      case QueryNode::Match::kVersion:
        return absl::StrCat("(debversion_cmp(", value, ", ",
                            Parameter(node.version->ToString()), ") ",
                            SqlComparison(*node.op), ")");
    }
    return "FALSE";
  }

  std::string Parameter(std::string value) {
    parameters_.push_back(std::move(value));
    return absl::StrCat("$", next_++);
  }

  int next_;
  std::vector<std::string> parameters_;
};

}  // namespace

SqlCondition QueryToSql(const deb::Query& query, int first_parameter) {
  SqlCompiler compiler(first_parameter);
  std::string sql = compiler.Compile(query.root());
  return SqlCondition{std::move(sql), std::move(compiler.parameters())};
}

std::string CanonicalFieldName(absl::string_view name) {
  return absl::AsciiStrToLower(name);
}

}  // namespace debrepo::storage
