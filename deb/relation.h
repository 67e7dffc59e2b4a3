// Package relationship fields (Debian Policy §7): Depends, Pre-Depends,
// Recommends, Suggests, Enhances, Breaks, Conflicts, Replaces, Provides and
// Build-Depends(-Indep/-Arch) with their Build-Conflicts.
//
// A field is a comma-separated list of groups; a group is a '|'-separated
// list of alternatives; each alternative is
//   name[:archqual] [(op version)] [[arch ...]] [<profile ...>]...
#ifndef DEBREPO_DEB_RELATION_H_
#define DEBREPO_DEB_RELATION_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "deb/version.h"

namespace debrepo::deb {

// VersionOp is a version constraint operator. dpkg's obsolete "<" and ">"
// mean "<=" and ">=" and are parsed as such.
enum class VersionOp { kLess, kLessOrEqual, kEqual, kGreaterOrEqual, kGreater };

// VersionOpString returns "<<", "<=", "=", ">=" or ">>".
absl::string_view VersionOpString(VersionOp op);

// Satisfies reports whether `candidate` satisfies "(op wanted)".
bool Satisfies(const Version& candidate, VersionOp op, const Version& wanted);

// ProfileTerm is one term of a build profile restriction, e.g. "!nocheck".
struct ProfileTerm {
  bool negated = false;
  std::string name;
};

// Relation is one alternative: a package name with optional constraints.
struct Relation {
  std::string name;
  // arch_qualifier is what follows ':' in "name:any": "", "any", "native"
  // or an architecture name.
  std::string arch_qualifier;
  // op and version are set together, for "(op version)".
  std::optional<VersionOp> op;
  std::optional<Version> version;
  // architectures is the "[...]" list, without '!'; architectures_negated is
  // true for "[!a !b]" (dpkg forbids mixing both kinds in one list).
  std::vector<std::string> architectures;
  bool architectures_negated = false;
  // profiles is the "<...> <...>" formula: a disjunction of conjunctions.
  std::vector<std::vector<ProfileTerm>> profiles;

  // AppliesTo reports whether the relation is in force when building for
  // `architecture` with no build profile active: its architecture list (if
  // any) matches, and its profile formula (if any) holds with no profile
  // set, i.e. some group has only negated terms.
  bool AppliesTo(absl::string_view architecture) const;

  // ToString writes the relation in canonical syntax, e.g.
  // "libc6:any (>= 2.36) [amd64] <!nocheck>".
  std::string ToString() const;
};

// Alternatives is a group satisfied by any one of its relations ("a | b").
using Alternatives = std::vector<Relation>;

// RelationList is a whole field: every group must be satisfied.
using RelationList = std::vector<Alternatives>;

// ParseRelations parses a relationship field value (which may span lines).
// An empty value yields an empty list; a trailing comma is allowed, as
// Dpkg::Deps allows it. Malformed input is INVALID_ARGUMENT
// naming the offset of the problem.
absl::StatusOr<RelationList> ParseRelations(absl::string_view text);

// RelationNames returns the package name of every relation of a field
// value, in order (a Provides field's provided names), by ParseRelations.
absl::StatusOr<std::vector<std::string>> RelationNames(absl::string_view text);

// FormatRelations writes a list as "a (>= 1) | b, c".
std::string FormatRelations(const RelationList& relations);

// ArchitectureMatches reports whether `architecture` (e.g. "amd64") matches
// `pattern` from an architecture list: the same name, "any", "all" (only for
// "all"), or the Linux wildcards "linux-any" and "any-<cpu>" — Debian's
// plain architecture names are all Linux ones.
bool ArchitectureMatches(absl::string_view pattern,
                         absl::string_view architecture);

}  // namespace debrepo::deb

#endif  // DEBREPO_DEB_RELATION_H_
