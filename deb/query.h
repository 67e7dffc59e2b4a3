// aptly's package query language, parsed into a tree that can be evaluated
// against a package's control stanza or compiled to parameterised SQL.
//
// Syntax (precedence from loosest): "a | b" (or), "a, b" (and), "!a" (not),
// "(a)". Conditions:
//   Field                     the field is present;
//   Field (value)             equal ("=" may be written);
//   Field (% glob)            shell-style pattern (*, ?, [...]);
//   Field (~ regex)           RE2 regular expression, unanchored;
//   Field (>= 1.0)            version comparison, with << <= = >= >> and
//                             dpkg's obsolete < and > (meaning <= and >=);
//   name [(op version)] [{arch}]   a package by name, like a dependency;
//   name_version_arch         one exact package.
// A condition starting with an upper-case letter or '$' names a field;
// anything else names a package. Field names are case-sensitive, as in
// aptly. "Name" is the package name; the pseudo-fields $Source (source
// package name), $Version, $Architecture and $PackageType ("deb", "udeb",
// "source") are aptly's.
//
// SQL assumptions: a table with columns name, version, architecture, source,
// package_type (text) and fields (jsonb: control fields by their canonical
// name), and a SQL function debversion_cmp(a text, b text) returning an
// integer <0, 0 or >0 with dpkg's ordering (the debversion extension, or our
// own). Regular expressions use PostgreSQL's "~", whose syntax agrees with
// RE2's for the common constructs (classes, anchors, alternation, repeats).
// Every value is passed as a parameter; nothing from the query is spliced
// into the SQL text.
#ifndef DEBREPO_DEB_QUERY_H_
#define DEBREPO_DEB_QUERY_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "deb/control.h"
#include "deb/relation.h"
#include "deb/version.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace debrepo::deb {

// SqlCondition is a WHERE-clause fragment with $1, $2, ... placeholders.
struct SqlCondition {
  std::string sql;
  std::vector<std::string> parameters;
};

// QueryNode is one node of a parsed query.
struct QueryNode {
  enum class Kind { kAnd, kOr, kNot, kField, kPackage };
  // How a field condition compares.
  enum class Match { kPresent, kEqual, kGlob, kRegex, kVersion };

  Kind kind = Kind::kField;
  // kAnd, kOr: two or more; kNot: one.
  std::vector<QueryNode> children;
  // kField: the field, the comparison and the value as written.
  std::string field;
  Match match = Match::kPresent;
  std::string value;
  // kField with kGlob or kRegex: the compiled expression (kGlob as an
  // anchored regular expression).
  std::shared_ptr<const re2::RE2> regex;
  // kField with kVersion, and kPackage: the version constraint.
  std::optional<VersionOp> op;
  std::optional<Version> version;
  // kPackage: the name, and the architecture ("" for any).
  std::string name;
  std::string architecture;
};

// Query is a parsed package query.
class Query {
 public:
  // Parse parses `text`. Errors are INVALID_ARGUMENT naming the offset.
  static absl::StatusOr<Query> Parse(absl::string_view text);

  // Matches evaluates the query against a package's control stanza;
  // `package_type` is the value of $PackageType.
  bool Matches(const Paragraph& stanza,
               absl::string_view package_type = "deb") const;

  // ToSql compiles the query to a condition whose first placeholder is
  // $<first_parameter>, so it can be combined with other conditions.
  SqlCondition ToSql(int first_parameter = 1) const;

  const QueryNode& root() const { return root_; }

 private:
  explicit Query(QueryNode root) : root_(std::move(root)) {}

  QueryNode root_;
};

}  // namespace debrepo::deb

#endif  // DEBREPO_DEB_QUERY_H_
