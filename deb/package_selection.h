// What snapshot operations select among stored packages by their
// relations: a pull's additions and removals, a filter's dependencies and
// a verify's unsatisfied dependencies (aptly's semantics, built on
// deb/resolver.h).
#ifndef DEBREPO_DEB_PACKAGE_SELECTION_H_
#define DEBREPO_DEB_PACKAGE_SELECTION_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "deb/control.h"

namespace debrepo::deb {

// StoredPackage is a stored package: its id, its key, and the control
// fields resolution reads (Package, Version, Architecture, Provides and
// the relation fields).
struct StoredPackage {
  int64_t id = 0;
  std::string key;
  Paragraph control;
};

// WithDependencies returns, sorted, the ids of `matched` (ids of packages
// of `source`) and of their dependencies (Pre-Depends, Depends) among
// `source` for each of `architectures` (by default BuiltArchitectures of
// `source`, or "all" when it has none), by DependencyClosure's rule.
// INVALID_ARGUMENT naming a package whose fields do not parse.
absl::StatusOr<std::vector<int64_t>> WithDependencies(
    const std::vector<StoredPackage>& source,
    const std::vector<int64_t>& matched,
    const std::vector<std::string>& architectures);

// PullOptions are a pull's switches (see PullSnapshotRequest).
struct PullOptions {
  bool no_deps = false;
  bool no_remove = false;
  bool all_matches = false;
  // By default those of the base's packages, or the source's when the base
  // has none (without "all" and "source"), or "all".
  std::vector<std::string> architectures;
};

// PullPlan is what a pull makes of its base.
struct PullPlan {
  // The new snapshot's package ids, sorted.
  std::vector<int64_t> package_ids;
  // Keys of the packages it adds to the base's and removes from them,
  // sorted.
  std::vector<std::string> added;
  std::vector<std::string> removed;
  // Dependency groups nothing satisfied: "package: group".
  std::vector<std::string> unsatisfied;
};

// PlanPull pulls into `base` the packages of `source` whose ids are
// `matched` — unless all_matches only the highest version (dpkg order,
// then the greater key) per name and architecture — with, unless no_deps,
// their dependencies from `source` that the base and the pulled packages
// do not satisfy yet, for each architecture; unless no_remove, the base's
// other packages of a pulled name and architecture are removed.
absl::StatusOr<PullPlan> PlanPull(const std::vector<StoredPackage>& base,
                                  const std::vector<StoredPackage>& source,
                                  const std::vector<int64_t>& matched,
                                  const PullOptions& options);

// Unsatisfied is a dependency of a package that nothing satisfies.
struct Unsatisfied {
  std::string key;
  std::string architecture;
  std::string field;
  std::string dependency;
};

// NamedPackages are the packages of a pull's source and base that are
// called, or provide, one of some names.
struct NamedPackages {
  std::vector<StoredPackage> source;
  std::vector<StoredPackage> base;
};

// PackageLookup returns the packages of the source and the base that are
// called or provide one of `names` (each list in id order). It lets a pull
// read only the packages its closure reaches: at 63,440 packages, reading
// and parsing the relation fields of every package of both snapshots was
// most of a pull of 100 (see docs/benchmarks.md).
using PackageLookup = std::function<absl::StatusOr<NamedPackages>(
    const std::vector<std::string>& names)>;

// PlanPullByName is PlanPull over the base and source that `lookup` reads,
// given all the ids of the base (`base_ids`, sorted), the names
// `matched_names` of the packages `matched`, and options whose
// architectures are not empty (PlanPull's default depends on the whole
// snapshots). It reads the packages of the names the pull reaches, round
// by round, until a round reaches no name it has not read, and returns
// PlanPull's plan over both whole snapshots (a package's own fields are
// parsed only once read, so one that does not parse fails only a pull
// reaching it).
absl::StatusOr<PullPlan> PlanPullByName(
    const PackageLookup& lookup, const std::vector<int64_t>& base_ids,
    const std::vector<std::string>& matched_names,
    const std::vector<int64_t>& matched, const PullOptions& options);

// FindUnsatisfiedDependencies checks every package of `verified` for each
// of `architectures` (by default BuiltArchitectures of `verified`) it is
// built for (an "all" package for each): each group of `fields` must be
// satisfied by a package of `verified` or `others` (Provides count).
// Sorted by key, architecture, field (in `fields` order) and group.
absl::StatusOr<std::vector<Unsatisfied>> FindUnsatisfiedDependencies(
    const std::vector<StoredPackage>& verified,
    const std::vector<StoredPackage>& others,
    const std::vector<std::string>& architectures,
    const std::vector<std::string>& fields);

}  // namespace debrepo::deb

#endif  // DEBREPO_DEB_PACKAGE_SELECTION_H_
