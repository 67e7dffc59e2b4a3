// A recursive-descent parser for aptly's query syntax and an evaluator over
// control stanzas.
#include "deb/query.h"

#include <re2/re2.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "deb/package_key.h"

namespace debrepo::deb {
namespace {

// aptly's pseudo-fields, named with a leading '$'.
constexpr absl::string_view kPseudoFields[] = {"$Source", "$Version",
                                               "$Architecture", "$PackageType"};

bool IsPseudoField(absl::string_view field) {
  for (absl::string_view pseudo : kPseudoFields) {
    if (absl::EqualsIgnoreCase(pseudo, field)) return true;
  }
  return false;
}

// IsVersionField reports whether "Field (value)" compares as versions.
bool IsVersionField(absl::string_view field) {
  return absl::EqualsIgnoreCase(field, "$Version") ||
         absl::EqualsIgnoreCase(field, "Version");
}

// IsArchitecturePseudoField reports whether "Field (value)" matches like
// aptly's MatchesArchitecture ("all" packages match every architecture but
// "source").
bool IsArchitecturePseudoField(absl::string_view field) {
  return absl::EqualsIgnoreCase(field, "$Architecture");
}

// RegexSyntaxProblem returns the first construct of `pattern` that RE2 and
// PostgreSQL's advanced regular expressions read differently (or that only
// one of them knows), or "" when there is none. Both then see the same
// language: classes, anchors, alternation, groups, repeats, \d \s \w.
std::string RegexSyntaxProblem(absl::string_view pattern) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      char next = pattern[i + 1];
      // \b is a word boundary for RE2 but a backspace for PostgreSQL; the
      // others exist in only one of the two dialects.
      if (absl::string_view("bBzQEpPCZmMyYx").find(next) !=
          absl::string_view::npos) {
        return absl::StrCat("\\", std::string(1, next));
      }
      ++i;
      continue;
    }
    if (absl::StartsWith(pattern.substr(i), "(?") &&
        !absl::StartsWith(pattern.substr(i), "(?:")) {
      // Named groups, look-arounds and flags: (?P<name>, (?i) mid-pattern
      // and RE2's "m"/"s" flags mean different things to PostgreSQL.
      return std::string(pattern.substr(i, 4));
    }
  }
  return "";
}

// GlobToRegex turns a shell pattern into an anchored regular expression
// that RE2 and PostgreSQL read alike.
std::string GlobToRegex(absl::string_view glob) {
  std::string regex = "^";
  for (size_t i = 0; i < glob.size(); ++i) {
    char c = glob[i];
    if (c == '*') {
      regex += ".*";
    } else if (c == '?') {
      regex += ".";
    } else if (c == '[' && glob.find(']', i + 2) != absl::string_view::npos) {
      size_t end = glob.find(']', i + 2);
      absl::string_view members = glob.substr(i + 1, end - i - 1);
      regex += "[";
      if (absl::ConsumePrefix(&members, "!")) regex += "^";
      for (char m : members) {
        if (m == '\\' || m == '[') regex += '\\';
        regex += m;
      }
      regex += "]";
      i = end;
    } else {
      if (absl::ascii_ispunct(c)) regex += '\\';
      regex += c;
    }
  }
  return regex + "$";
}

// ArchitectureMatches reports whether a package of `architecture` matches a
// query for `wanted`, as aptly's Package.MatchesArchitecture decides.
bool PackageArchitectureMatches(absl::string_view architecture,
                                absl::string_view wanted) {
  return architecture == wanted ||
         (architecture == "all" && wanted != "source");
}

bool IsWordChar(char c) {
  return absl::ascii_isalnum(c) ||
         absl::string_view("$+-.:_~").find(c) != absl::string_view::npos;
}

class QueryParser {
 public:
  explicit QueryParser(absl::string_view text) : text_(text) {}

  absl::StatusOr<QueryNode> Parse() {
    SkipSpace();
    if (AtEnd()) return Error("empty query");
    absl::StatusOr<QueryNode> node = ParseOr();
    if (!node.ok()) return node;
    if (!AtEnd())
      return Error(absl::StrCat("unexpected '", text_.substr(pos_, 1), "'"));
    return node;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  void SkipSpace() {
    while (!AtEnd() && absl::ascii_isspace(text_[pos_])) ++pos_;
  }
  bool Consume(char c) {
    if (Peek() != c) return false;
    ++pos_;
    SkipSpace();
    return true;
  }
  absl::Status Error(absl::string_view problem) const {
    return absl::InvalidArgumentError(
        absl::StrCat("query \"", absl::CHexEscape(text_), "\" at offset ", pos_,
                     ": ", problem));
  }

  // ParseList parses "item (separator item)*" into one node of `kind`.
  template <typename ParseItem>
  absl::StatusOr<QueryNode> ParseList(char separator, QueryNode::Kind kind,
                                      ParseItem parse_item) {
    absl::StatusOr<QueryNode> first = parse_item();
    if (!first.ok() || Peek() != separator) return first;
    QueryNode list;
    list.kind = kind;
    list.children.push_back(*std::move(first));
    while (Consume(separator)) {
      absl::StatusOr<QueryNode> next = parse_item();
      if (!next.ok()) return next;
      list.children.push_back(*std::move(next));
    }
    return list;
  }

  absl::StatusOr<QueryNode> ParseOr() {
    return ParseList('|', QueryNode::Kind::kOr, [this] { return ParseAnd(); });
  }

  absl::StatusOr<QueryNode> ParseAnd() {
    return ParseList(',', QueryNode::Kind::kAnd,
                     [this] { return ParseUnary(); });
  }

  absl::StatusOr<QueryNode> ParseUnary() {
    if (++depth_ > kMaxDepth) return Error("query nests too deeply");
    absl::StatusOr<QueryNode> node = ParseUnaryAtDepth();
    --depth_;
    return node;
  }

  absl::StatusOr<QueryNode> ParseUnaryAtDepth() {
    if (Consume('!')) {
      absl::StatusOr<QueryNode> operand = ParseUnary();
      if (!operand.ok()) return operand;
      QueryNode node;
      node.kind = QueryNode::Kind::kNot;
      node.children.push_back(*std::move(operand));
      return node;
    }
    if (Consume('(')) {
      absl::StatusOr<QueryNode> inner = ParseOr();
      if (!inner.ok()) return inner;
      if (!Consume(')')) return Error("expected ')'");
      return inner;
    }
    size_t start = pos_;
    while (!AtEnd() && IsWordChar(text_[pos_])) ++pos_;
    absl::string_view word = text_.substr(start, pos_ - start);
    if (word.empty()) return Error("expected a field name or a package name");
    SkipSpace();
    if (word[0] == '$' || absl::ascii_isupper(word[0])) return ParseField(word);
    return ParsePackage(word);
  }

  // ParseOperator reads a comparison operator, if any.
  void ParseOperator(QueryNode& node) {
    static constexpr std::pair<absl::string_view, VersionOp> kVersionOps[] = {
        {"<<", VersionOp::kLess},       {"<=", VersionOp::kLessOrEqual},
        {">>", VersionOp::kGreater},    {">=", VersionOp::kGreaterOrEqual},
        {"<", VersionOp::kLessOrEqual}, {">", VersionOp::kGreaterOrEqual}};
    for (const auto& [spelling, op] : kVersionOps) {
      if (absl::StartsWith(text_.substr(pos_), spelling)) {
        pos_ += spelling.size();
        node.match = QueryNode::Match::kVersion;
        node.op = op;
        SkipSpace();
        return;
      }
    }
    node.match = QueryNode::Match::kEqual;
    if (Consume('%'))
      node.match = QueryNode::Match::kGlob;
    else if (Consume('~'))
      node.match = QueryNode::Match::kRegex;
    else
      Consume('=');
  }

  // ParseValue reads up to the ')' that closes the condition: a quoted
  // string, or text with balanced parentheses (so regular expressions may
  // contain groups).
  absl::StatusOr<std::string> ParseValue() {
    std::string value;
    if (Peek() == '"') {
      ++pos_;
      while (!AtEnd() && text_[pos_] != '"') {
        if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
        value += text_[pos_++];
      }
      if (!Consume('"')) return Error("unterminated quoted value");
    } else {
      int open = 0;
      while (!AtEnd() && (text_[pos_] != ')' || open > 0)) {
        if (text_[pos_] == '(') ++open;
        if (text_[pos_] == ')') --open;
        value += text_[pos_++];
      }
      value = std::string(absl::StripTrailingAsciiWhitespace(value));
    }
    if (!Consume(')')) return Error("expected ')' after the value");
    return value;
  }

  absl::StatusOr<QueryNode> ParseField(absl::string_view field) {
    QueryNode node;
    node.kind = QueryNode::Kind::kField;
    node.field = std::string(field);
    if (field[0] == '$' && !IsPseudoField(field)) {
      return Error(absl::StrCat("unknown pseudo-field ", field));
    }
    if (!Consume('(')) return node;  // Field presence.
    ParseOperator(node);
    absl::StatusOr<std::string> value = ParseValue();
    if (!value.ok()) return value.status();
    node.value = *std::move(value);
    if (node.match == QueryNode::Match::kEqual && IsVersionField(field)) {
      // "$Version (= 1.0)" matches "1.0-0" and "0:1.0", as in aptly.
      node.match = QueryNode::Match::kVersion;
      node.op = VersionOp::kEqual;
    }
    if (node.match == QueryNode::Match::kVersion) {
      absl::StatusOr<Version> version = Version::Parse(node.value);
      if (!version.ok()) return Error(version.status().message());
      node.version = *std::move(version);
    } else if (absl::Status s = CompilePattern(node); !s.ok()) {
      return s;
    }
    return node;
  }

  // CompilePattern compiles the glob or regular expression of a kGlob or
  // kRegex node; other nodes are left alone.
  absl::Status CompilePattern(QueryNode& node) {
    if (node.match != QueryNode::Match::kGlob &&
        node.match != QueryNode::Match::kRegex) {
      return absl::OkStatus();
    }
    if (node.match == QueryNode::Match::kRegex) {
      std::string problem = RegexSyntaxProblem(node.value);
      if (!problem.empty()) {
        return Error(absl::StrCat(
            "regular expression construct \"", problem,
            "\" is not supported (RE2 and PostgreSQL read it differently)"));
      }
    }
    RE2::Options options;
    options.set_log_errors(false);
    // PostgreSQL's "." matches a newline (multi-line values hold some).
    options.set_dot_nl(true);
    auto regex = std::make_shared<const RE2>(
        node.match == QueryNode::Match::kGlob ? GlobToRegex(node.value)
                                              : node.value,
        options);
    if (!regex->ok())
      return Error(absl::StrCat("bad pattern: ", regex->error()));
    node.regex = std::move(regex);
    return absl::OkStatus();
  }

  absl::StatusOr<QueryNode> ParsePackage(absl::string_view word) {
    QueryNode node;
    node.kind = QueryNode::Kind::kPackage;
    std::vector<absl::string_view> parts = absl::StrSplit(word, '_');
    if (parts.size() == 3) {
      // name_version_arch: one exact package.
      absl::StatusOr<Version> version = Version::Parse(parts[1]);
      if (!version.ok()) return Error(version.status().message());
      node.name = std::string(parts[0]);
      node.op = VersionOp::kEqual;
      node.version = *std::move(version);
      node.architecture = std::string(parts[2]);
      node.exact = true;
      return node;
    }
    if (parts.size() != 1) return Error("expected name or name_version_arch");
    node.name = std::string(word);
    if (Consume('(')) {
      ParseOperator(node);
      absl::StatusOr<std::string> value = ParseValue();
      if (!value.ok()) return value.status();
      if (node.match == QueryNode::Match::kGlob ||
          node.match == QueryNode::Match::kRegex) {
        // "name (% 1.*)" / "name (~ ^1\.)": a pattern over the version.
        node.value = *std::move(value);
        if (absl::Status s = CompilePattern(node); !s.ok()) return s;
      } else {
        absl::StatusOr<Version> version = Version::Parse(*value);
        if (!version.ok()) return Error(version.status().message());
        node.op = node.op.value_or(VersionOp::kEqual);
        node.version = *std::move(version);
        node.match = QueryNode::Match::kPresent;
      }
    }
    if (Consume('{')) {
      size_t start = pos_;
      while (!AtEnd() && IsWordChar(text_[pos_])) ++pos_;
      node.architecture = std::string(text_.substr(start, pos_ - start));
      SkipSpace();
      if (node.architecture.empty() || !Consume('}')) {
        return Error("expected {architecture}");
      }
    }
    return node;
  }

  // Deep nesting would overflow the stack of the recursive parser and
  // evaluator; real queries nest a few levels.
  static constexpr int kMaxDepth = 200;

  absl::string_view text_;
  size_t pos_ = 0;
  int depth_ = 0;
};

// The helpers below read a Paragraph or a ParagraphView (Stanza) alike.

// Architecture returns a package's architecture as $Architecture and the
// architecture column hold it: "source" for source packages.
template <typename Stanza>
std::optional<absl::string_view> Architecture(const Stanza& stanza,
                                              absl::string_view package_type) {
  if (package_type == "source") return absl::string_view("source");
  return stanza.Get("Architecture");
}

// PackageName returns a package's name as Name and the name column hold it:
// a .dsc's Source for source packages, which have no Package field.
template <typename Stanza>
absl::string_view PackageName(const Stanza& stanza,
                              absl::string_view package_type) {
  return stanza.GetOrEmpty(package_type == "source" ? "Source" : "Package");
}

// FieldValue returns what a field condition looks at, or nullopt if absent.
template <typename Stanza>
std::optional<absl::string_view> FieldValue(const QueryNode& node,
                                            const Stanza& stanza,
                                            absl::string_view package_type) {
  absl::string_view field = node.field;
  if (absl::EqualsIgnoreCase(field, "$PackageType")) return package_type;
  if (absl::EqualsIgnoreCase(field, "$Source")) return SourceName(stanza);
  if (absl::EqualsIgnoreCase(field, "$Architecture"))
    return Architecture(stanza, package_type);
  if (absl::EqualsIgnoreCase(field, "Name") ||
      absl::EqualsIgnoreCase(field, "Package")) {
    return PackageName(stanza, package_type);
  }
  if (field[0] == '$') return stanza.Get(field.substr(1));
  return stanza.Get(field);
}

// Provides reports whether the stanza's Provides field names `name`
// (versioned provides "name (= 1.0)" included).
template <typename Stanza>
bool Provides(const Stanza& stanza, absl::string_view name) {
  for (absl::string_view entry :
       absl::StrSplit(stanza.GetOrEmpty("Provides"), ',')) {
    entry = absl::StripLeadingAsciiWhitespace(entry);
    entry = entry.substr(0, entry.find_first_of(" \t\n(:"));
    if (entry == name) return true;
  }
  return false;
}

bool PatternMatches(const QueryNode& node, absl::string_view value) {
  re2::StringPiece piece(value.data(), value.size());
  return node.match == QueryNode::Match::kGlob
             ? RE2::FullMatch(piece, *node.regex)
             : RE2::PartialMatch(piece, *node.regex);
}

bool VersionMatches(absl::string_view text, VersionOp op,
                    const Version& wanted) {
  absl::StatusOr<Version> version = Version::Parse(text);
  return version.ok() && Satisfies(*version, op, wanted);
}

template <typename Stanza>
bool Evaluate(const QueryNode& node, const Stanza& stanza,
              absl::string_view package_type) {
  switch (node.kind) {
    case QueryNode::Kind::kAnd:
      for (const QueryNode& child : node.children) {
        if (!Evaluate(child, stanza, package_type)) return false;
      }
      return true;
    case QueryNode::Kind::kOr:
      for (const QueryNode& child : node.children) {
        if (Evaluate(child, stanza, package_type)) return true;
      }
      return false;
    case QueryNode::Kind::kNot:
      return !Evaluate(node.children[0], stanza, package_type);
    case QueryNode::Kind::kPackage: {
      if (!node.architecture.empty()) {
        absl::string_view architecture =
            Architecture(stanza, package_type).value_or("");
        // name_version_arch names one package exactly; "name {arch}" is a
        // dependency, which "all" packages satisfy too.
        if (node.exact ? architecture != node.architecture
                       : !PackageArchitectureMatches(architecture,
                                                     node.architecture)) {
          return false;
        }
      }
      if (node.regex != nullptr) {
        return PackageName(stanza, package_type) == node.name &&
               PatternMatches(node, stanza.GetOrEmpty("Version"));
      }
      if (!node.op.has_value()) {
        return PackageName(stanza, package_type) == node.name ||
               Provides(stanza, node.name);
      }
      return PackageName(stanza, package_type) == node.name &&
             VersionMatches(stanza.GetOrEmpty("Version"), *node.op,
                            *node.version);
    }
    case QueryNode::Kind::kField:
      break;
  }
  std::optional<absl::string_view> value =
      FieldValue(node, stanza, package_type);
  if (!value.has_value()) return false;
  switch (node.match) {
    case QueryNode::Match::kPresent:
      return true;
    case QueryNode::Match::kEqual:
      if (IsArchitecturePseudoField(node.field))
        return PackageArchitectureMatches(*value, node.value);
      return *value == node.value;
    case QueryNode::Match::kGlob:
    case QueryNode::Match::kRegex:
      return PatternMatches(node, *value);
    case QueryNode::Match::kVersion:
      return VersionMatches(*value, *node.op, *node.version);
  }
  return false;
}

}  // namespace

absl::Span<const absl::string_view> PseudoFields() { return kPseudoFields; }

absl::StatusOr<Query> Query::Parse(absl::string_view text) {
  absl::StatusOr<QueryNode> root = QueryParser(text).Parse();
  if (!root.ok()) return root.status();
  return Query(*std::move(root));
}

bool Query::Matches(const Paragraph& stanza,
                    absl::string_view package_type) const {
  return Evaluate(root_, stanza, package_type);
}

bool Query::Matches(const ParagraphView& stanza,
                    absl::string_view package_type) const {
  return Evaluate(root_, stanza, package_type);
}

}  // namespace debrepo::deb
