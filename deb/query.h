// aptly's package query language, parsed into a tree that can be evaluated
// against a package's control stanza (storage/query_sql.h compiles the same
// tree to SQL over our schema).
//
// Syntax (precedence from loosest): "a | b" (or), "a, b" (and), "!a" (not),
// "(a)". Conditions:
//   Field                     the field is present;
//   Field (value)             equal ("=" may be written);
//   Field (% glob)            shell-style pattern (*, ?, [...]);
//   Field (~ regex)           RE2 regular expression, unanchored;
//   Field (>= 1.0)            version comparison, with << <= = >= >> and
//                             dpkg's obsolete < and > (meaning <= and >=);
//   name [(op version)] [{arch}]   a package by name, like a dependency
//                             (aptly's MatchesDependency): without a version
//                             relation it also matches packages that
//                             Provide `name`; "(% glob)" and "(~ regex)"
//                             match the version text; {arch} also matches
//                             Architecture "all" (unless arch is "source");
//   name_version_arch         one exact package (exact architecture).
// A condition starting with an upper-case letter or '$' names a field;
// anything else names a package. "Name" is the package name; the
// pseudo-fields $Source (source package name), $Version, $Architecture and
// $PackageType ("deb", "udeb", "source") are aptly's. As in aptly,
// "$Architecture (x)" also matches "all" packages, and "$Version (v)" /
// "Version (v)" compare as versions ("1.0" equals "1.0-0" and "0:1.0").
// Other fields compare as text (ordering operators as versions).
//
// Field names are case-insensitive, as in deb822 (unlike aptly, whose
// names are case-sensitive): "section (main)" and "Section (main)" agree.
// An absent field satisfies no condition, so "!Section (main)" keeps
// packages without a Section.
//
// Regular expressions use the syntax RE2 and PostgreSQL's advanced regular
// expressions share; "." matches a newline in both. Constructs they read
// differently or only one knows (\b \B \z \Z \Q \E \p \P \C \x
// \m \M \y \Y, and "(?" other than "(?:", e.g. "(?P<" or "(?i)") are
// rejected with INVALID_ARGUMENT naming the construct.
#ifndef DEBREPO_DEB_QUERY_H_
#define DEBREPO_DEB_QUERY_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "deb/control.h"
#include "deb/relation.h"
#include "deb/version.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace debrepo::deb {

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
  // kPackage: the name, and the architecture ("" for any). With a glob or
  // regex version pattern, `match` and `regex` are set and `value` holds
  // the pattern as written.
  std::string name;
  std::string architecture;
  // kPackage: true for name_version_arch, whose architecture must be equal
  // ("all" packages do not match another architecture).
  bool exact = false;
};

// PseudoFields returns the names of aptly's pseudo-fields ("$Source",
// "$Version", "$Architecture", "$PackageType"); any other "$" name is an
// error.
absl::Span<const absl::string_view> PseudoFields();

// Query is a parsed package query.
class Query {
 public:
  // Parse parses `text`. Errors are INVALID_ARGUMENT naming the offset.
  static absl::StatusOr<Query> Parse(absl::string_view text);

  // Matches evaluates the query against a package's control stanza;
  // `package_type` is the value of $PackageType.
  bool Matches(const Paragraph& stanza,
               absl::string_view package_type = "deb") const;
  // Matches evaluates the query against a stanza read as a view, as
  // against its Paragraph.
  bool Matches(const ParagraphView& stanza,
               absl::string_view package_type = "deb") const;

  // root returns the parsed tree, e.g. for compiling it to SQL.
  const QueryNode& root() const { return root_; }

 private:
  explicit Query(QueryNode root) : root_(std::move(root)) {}

  QueryNode root_;
};

}  // namespace debrepo::deb

#endif  // DEBREPO_DEB_QUERY_H_
