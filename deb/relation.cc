// A recursive-descent parser for relationship fields, following dpkg's
// f_dependency() (lib/dpkg/fields.c) and Dpkg::Deps for the build-only
// syntax ([arch] lists and <profile> formulas).
#include "deb/relation.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace debrepo::deb {
namespace {

bool IsNameChar(char c) {
  return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '+' ||
         c == '-' || c == '.';
}

// Characters allowed in architecture names, qualifiers and profile names.
bool IsWordChar(char c) {
  return absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.';
}

class RelationParser {
 public:
  explicit RelationParser(absl::string_view text) : text_(text) {}

  absl::StatusOr<RelationList> Parse() {
    RelationList list;
    SkipSpace();
    if (AtEnd()) return list;
    while (true) {
      Alternatives group;
      while (true) {
        absl::StatusOr<Relation> relation = ParseRelation();
        if (!relation.ok()) return relation.status();
        group.push_back(*std::move(relation));
        if (!Consume('|')) break;
      }
      list.push_back(std::move(group));
      if (AtEnd()) return list;
      if (!Consume(',')) return Error("expected ',' or '|'");
      // Dpkg::Deps accepts a trailing comma ("Build-Depends: a, b,").
      if (AtEnd()) return list;
    }
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }

  void SkipSpace() {
    while (!AtEnd() && absl::ascii_isspace(text_[pos_])) ++pos_;
  }

  // Consume skips `c` and the whitespace after it, if `c` is next.
  bool Consume(char c) {
    if (Peek() != c) return false;
    ++pos_;
    SkipSpace();
    return true;
  }

  absl::string_view Word(bool (*is_char)(char)) {
    size_t start = pos_;
    while (!AtEnd() && is_char(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  absl::Status Error(absl::string_view problem) const {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid relation \"", absl::CHexEscape(text_),
                     "\" at offset ", pos_, ": ", problem));
  }

  absl::StatusOr<Relation> ParseRelation() {
    Relation relation;
    absl::string_view name = Word(IsNameChar);
    if (name.empty()) return Error("expected a package name");
    // dpkg: at least two characters, starting with an alphanumeric.
    if (name.size() < 2 || !absl::ascii_isalnum(name[0])) {
      return Error(absl::StrCat("invalid package name \"", name, "\""));
    }
    relation.name = std::string(name);
    if (Peek() == ':') {
      ++pos_;
      absl::string_view qualifier = Word(IsWordChar);
      if (qualifier.empty()) return Error("expected an architecture after ':'");
      relation.arch_qualifier = std::string(qualifier);
    }
    SkipSpace();
    if (Consume('(')) {
      if (absl::Status s = ParseVersionConstraint(relation); !s.ok()) return s;
    }
    if (Consume('[')) {
      if (absl::Status s = ParseArchitectures(relation); !s.ok()) return s;
    }
    while (Consume('<')) {
      if (absl::Status s = ParseProfiles(relation); !s.ok()) return s;
    }
    return relation;
  }

  absl::Status ParseVersionConstraint(Relation& relation) {
    VersionOp op = VersionOp::kEqual;  // dpkg reads "(1.0)" as "(= 1.0)".
    if (Peek() == '<' || Peek() == '>') {
      char first = text_[pos_++];
      bool less = first == '<';
      if (Peek() == first) {
        ++pos_;
        op = less ? VersionOp::kLess : VersionOp::kGreater;
      } else {
        if (Peek() == '=') ++pos_;  // "<=", ">=" and obsolete "<", ">".
        op = less ? VersionOp::kLessOrEqual : VersionOp::kGreaterOrEqual;
      }
    } else if (Peek() == '=') {
      ++pos_;
    }
    SkipSpace();
    size_t start = pos_;
    while (!AtEnd() && text_[pos_] != ')' &&
           !absl::ascii_isspace(text_[pos_])) {
      ++pos_;
    }
    absl::string_view text = text_.substr(start, pos_ - start);
    if (text.empty()) return Error("expected a version");
    absl::StatusOr<Version> version = Version::Parse(text);
    if (!version.ok()) return Error(version.status().message());
    SkipSpace();
    if (!Consume(')')) return Error("expected ')' after the version");
    relation.op = op;
    relation.version = *std::move(version);
    return absl::OkStatus();
  }

  absl::Status ParseArchitectures(Relation& relation) {
    bool first = true;
    while (!Consume(']')) {
      bool negated = Consume('!');
      if (!first && negated != relation.architectures_negated) {
        return Error("architecture list mixes negated and plain names");
      }
      relation.architectures_negated = negated;
      absl::string_view arch = Word(IsWordChar);
      if (arch.empty()) return Error("expected an architecture name or ']'");
      relation.architectures.push_back(std::string(arch));
      SkipSpace();
      first = false;
    }
    if (first) return Error("empty architecture list");
    return absl::OkStatus();
  }

  absl::Status ParseProfiles(Relation& relation) {
    std::vector<ProfileTerm> group;
    while (!Consume('>')) {
      ProfileTerm term;
      term.negated = Consume('!');
      absl::string_view name = Word(IsWordChar);
      if (name.empty()) return Error("expected a build profile name or '>'");
      term.name = std::string(name);
      group.push_back(std::move(term));
      SkipSpace();
    }
    if (group.empty()) return Error("empty build profile list");
    relation.profiles.push_back(std::move(group));
    return absl::OkStatus();
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

// CpuOf returns the CPU of a plain (Linux) Debian architecture name.
absl::string_view CpuOf(absl::string_view architecture) {
  if (architecture == "armel" || architecture == "armhf") return "arm";
  return architecture;
}

}  // namespace

absl::string_view VersionOpString(VersionOp op) {
  switch (op) {
    case VersionOp::kLess:
      return "<<";
    case VersionOp::kLessOrEqual:
      return "<=";
    case VersionOp::kEqual:
      return "=";
    case VersionOp::kGreaterOrEqual:
      return ">=";
    case VersionOp::kGreater:
      return ">>";
  }
  return "?";
}

bool Satisfies(const Version& candidate, VersionOp op, const Version& wanted) {
  auto order = candidate <=> wanted;
  switch (op) {
    case VersionOp::kLess:
      return order < 0;
    case VersionOp::kLessOrEqual:
      return order <= 0;
    case VersionOp::kEqual:
      return order == 0;
    case VersionOp::kGreaterOrEqual:
      return order >= 0;
    case VersionOp::kGreater:
      return order > 0;
  }
  return false;
}

bool ArchitectureMatches(absl::string_view pattern,
                         absl::string_view architecture) {
  if (pattern == architecture) return true;
  if (architecture == "all" || architecture == "source") return false;
  if (pattern == "any" || pattern == "linux-any") return true;
  if (absl::StartsWith(pattern, "linux-"))
    return pattern.substr(6) == architecture;
  if (absl::StartsWith(pattern, "any-"))
    return pattern.substr(4) == CpuOf(architecture);
  return false;
}

bool Relation::AppliesTo(absl::string_view architecture) const {
  if (!architectures.empty()) {
    bool listed = std::any_of(architectures.begin(), architectures.end(),
                              [&](const std::string& a) {
                                return ArchitectureMatches(a, architecture);
                              });
    if (listed == architectures_negated) return false;
  }
  if (profiles.empty()) return true;
  return std::any_of(profiles.begin(), profiles.end(), [](const auto& group) {
    return std::all_of(group.begin(), group.end(),
                       [](const ProfileTerm& term) { return term.negated; });
  });
}

std::string Relation::ToString() const {
  std::string out = name;
  if (!arch_qualifier.empty()) absl::StrAppend(&out, ":", arch_qualifier);
  if (op.has_value() && version.has_value()) {
    absl::StrAppend(&out, " (", VersionOpString(*op), " ", version->ToString(),
                    ")");
  }
  if (!architectures.empty()) {
    out += " [";
    for (size_t i = 0; i < architectures.size(); ++i) {
      absl::StrAppend(&out, i > 0 ? " " : "", architectures_negated ? "!" : "",
                      architectures[i]);
    }
    out += "]";
  }
  for (const std::vector<ProfileTerm>& group : profiles) {
    out += " <";
    for (size_t i = 0; i < group.size(); ++i) {
      absl::StrAppend(&out, i > 0 ? " " : "", group[i].negated ? "!" : "",
                      group[i].name);
    }
    out += ">";
  }
  return out;
}

absl::StatusOr<RelationList> ParseRelations(absl::string_view text) {
  return RelationParser(text).Parse();
}

absl::StatusOr<std::vector<std::string>> RelationNames(absl::string_view text) {
  absl::StatusOr<RelationList> relations = ParseRelations(text);
  if (!relations.ok()) return relations.status();
  std::vector<std::string> names;
  for (const Alternatives& group : *relations) {
    for (const Relation& relation : group) names.push_back(relation.name);
  }
  return names;
}

std::string FormatRelations(const RelationList& relations) {
  return absl::StrJoin(
      relations, ", ", [](std::string* out, const Alternatives& group) {
        absl::StrAppend(
            out,
            absl::StrJoin(group, " | ", [](std::string* o, const Relation& r) {
              o->append(r.ToString());
            }));
      });
}

}  // namespace debrepo::deb
