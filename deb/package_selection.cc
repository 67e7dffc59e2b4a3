#include "deb/package_selection.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "deb/package_sets.h"
#include "deb/resolver.h"

namespace debrepo::deb {
namespace {

constexpr const char* kPullFields[] = {"Pre-Depends", "Depends"};

// IndexedSet is a PackageSet of stored packages, each added once.
struct IndexedSet {
  PackageSet set;
  // By index in `set`.
  std::vector<const StoredPackage*> stored;
  absl::flat_hash_map<int64_t, size_t> index_of;

  // Add adds those of `packages` not added yet, reading `fields` as their
  // dependencies; returns the indices of all of `packages`.
  absl::StatusOr<std::vector<size_t>> Add(
      const std::vector<StoredPackage>& packages,
      const std::vector<std::string>& fields) {
    std::vector<size_t> indices;
    indices.reserve(packages.size());
    for (const StoredPackage& package : packages) {
      if (auto it = index_of.find(package.id); it != index_of.end()) {
        indices.push_back(it->second);
        continue;
      }
      absl::StatusOr<PackageInfo> info =
          PackageInfoFromParagraph(package.control, fields);
      if (!info.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "package ", package.key, ": ", info.status().message()));
      }
      const size_t index = set.Add(*std::move(info));
      stored.push_back(&package);
      index_of[package.id] = index;
      indices.push_back(index);
    }
    return indices;
  }

  // Indices returns the indices of `ids` (all added before).
  std::vector<size_t> Indices(const std::vector<int64_t>& ids) const {
    std::vector<size_t> indices;
    indices.reserve(ids.size());
    for (int64_t id : ids) {
      if (auto it = index_of.find(id); it != index_of.end()) {
        indices.push_back(it->second);
      }
    }
    return indices;
  }
};

std::vector<std::string> PullFields() {
  return {std::begin(kPullFields), std::end(kPullFields)};
}

// The architectures to resolve for: `requested` (sorted, each once), else
// those the packages `first` of `set` are built for, else those of
// `second`, else "all".
std::vector<std::string> ArchitecturesOr(
    const std::vector<std::string>& requested, const PackageSet& set,
    const std::vector<size_t>& first, const std::vector<size_t>& second = {}) {
  std::vector<std::string> architectures = requested;
  if (architectures.empty()) architectures = BuiltArchitectures(set, first);
  if (architectures.empty()) architectures = BuiltArchitectures(set, second);
  if (architectures.empty()) architectures.push_back("all");
  std::sort(architectures.begin(), architectures.end());
  architectures.erase(std::unique(architectures.begin(), architectures.end()),
                      architectures.end());
  return architectures;
}

// ReachedNames returns, sorted and each once, the names a closure's result
// depends on when it reached the packages `reached` of `set`: theirs, and
// those of every relation of their dependency groups (in force or not).
// The closure's lookups (PackageSet::FindSatisfying) ask for no others, and
// a pull's removals look at the base's packages of the pulled names only.
std::vector<std::string> ReachedNames(const PackageSet& set,
                                      const std::vector<size_t>& reached) {
  std::vector<std::string> names;
  for (size_t index : reached) {
    const PackageInfo& package = set.package(index);
    names.push_back(package.name);
    for (const Alternatives& group : package.depends) {
      for (const Relation& relation : group) names.push_back(relation.name);
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

// AddNew adds to `into` (in id order) those of `more` (in id order) it
// lacks; returns whether there were any.
bool AddNew(std::vector<StoredPackage>& into, std::vector<StoredPackage> more) {
  const size_t before = into.size();
  absl::flat_hash_set<int64_t> held;
  held.reserve(before);
  for (const StoredPackage& package : into) held.insert(package.id);
  for (StoredPackage& package : more) {
    if (!held.contains(package.id)) into.push_back(std::move(package));
  }
  if (into.size() == before) return false;
  std::inplace_merge(into.begin(), into.begin() + before, into.end(),
                     [](const StoredPackage& a, const StoredPackage& b) {
                       return a.id < b.id;
                     });
  return true;
}

// NamedSubset holds what a PackageLookup returned so far, each package
// once, in id order: a subsequence of the whole snapshots' lists, so that
// resolving over it indexes the packages in the same relative order as
// over the whole (the resolver breaks ties by that order).
class NamedSubset {
 public:
  explicit NamedSubset(const PackageLookup& lookup) : lookup_(lookup) {}

  // Read asks the lookup for those of `names` not asked for before;
  // returns whether that added a package.
  absl::StatusOr<bool> Read(const std::vector<std::string>& names) {
    std::vector<std::string> fresh;
    for (const std::string& name : names) {
      if (asked_.insert(name).second) fresh.push_back(name);
    }
    if (fresh.empty()) return false;
    absl::StatusOr<NamedPackages> more = lookup_(fresh);
    if (!more.ok()) return more.status();
    const bool source_grew = AddNew(packages_.source, std::move(more->source));
    const bool base_grew = AddNew(packages_.base, std::move(more->base));
    return source_grew || base_grew;
  }

  // packages returns what was read.
  const NamedPackages& packages() const { return packages_; }

 private:
  const PackageLookup& lookup_;
  absl::flat_hash_set<std::string> asked_;
  NamedPackages packages_;
};

// The (name, architecture) of a package.
std::pair<std::string, std::string> Pair(const PackageInfo& package) {
  return {package.name, package.architecture};
}

// HighestPerPair keeps of `indices` the highest version (then the greater
// key) of each name and architecture, in the order first seen.
std::vector<size_t> HighestPerPair(const IndexedSet& indexed,
                                   const std::vector<size_t>& indices) {
  absl::flat_hash_map<std::pair<std::string, std::string>, size_t> best;
  std::vector<std::pair<std::string, std::string>> order;
  for (size_t index : indices) {
    const PackageInfo& package = indexed.set.package(index);
    auto [it, inserted] = best.try_emplace(Pair(package), index);
    if (inserted) {
      order.push_back(it->first);
      continue;
    }
    const PackageInfo& held = indexed.set.package(it->second);
    const auto cmp = package.version <=> held.version;
    if (cmp > 0 || (cmp == 0 && indexed.stored[index]->key >
                                    indexed.stored[it->second]->key)) {
      it->second = index;
    }
  }
  std::vector<size_t> kept;
  kept.reserve(order.size());
  for (const auto& pair : order) kept.push_back(best[pair]);
  return kept;
}

// PlanPullReaching is PlanPull that also sets `reached_names` to the
// ReachedNames of the packages it pulls or follows.
absl::StatusOr<PullPlan> PlanPullReaching(
    const std::vector<StoredPackage>& base,
    const std::vector<StoredPackage>& source,
    const std::vector<int64_t>& matched, const PullOptions& options,
    std::vector<std::string>& reached_names) {
  IndexedSet indexed;
  absl::StatusOr<std::vector<size_t>> source_indices =
      indexed.Add(source, PullFields());
  if (!source_indices.ok()) return source_indices.status();
  // The base's packages only satisfy dependencies: theirs are not read.
  absl::StatusOr<std::vector<size_t>> base_indices = indexed.Add(base, {});
  if (!base_indices.ok()) return base_indices.status();

  const std::vector<std::string> architectures = ArchitecturesOr(
      options.architectures, indexed.set, *base_indices, *source_indices);

  std::vector<size_t> roots = indexed.Indices(matched);
  if (!options.all_matches) roots = HighestPerPair(indexed, roots);
  PullPlan plan;
  std::vector<size_t> pulled = roots;
  if (!options.no_deps) {
    Closure closure = ClosureForArchitectures(indexed.set, roots, architectures,
                                              *base_indices);
    pulled = std::move(closure.packages);
    plan.unsatisfied = std::move(closure.unsatisfied);
  }
  reached_names = ReachedNames(indexed.set, pulled);
  if (!options.all_matches) pulled = HighestPerPair(indexed, pulled);

  const absl::flat_hash_set<size_t> pulled_set(pulled.begin(), pulled.end());
  const absl::flat_hash_set<size_t> base_set(base_indices->begin(),
                                             base_indices->end());
  absl::flat_hash_set<std::pair<std::string, std::string>> pulled_pairs;
  for (size_t index : pulled) {
    pulled_pairs.insert(Pair(indexed.set.package(index)));
  }
  for (size_t index : *base_indices) {
    const bool replaced =
        !options.no_remove && !pulled_set.contains(index) &&
        pulled_pairs.contains(Pair(indexed.set.package(index)));
    if (replaced) {
      plan.removed.push_back(indexed.stored[index]->key);
    } else {
      plan.package_ids.push_back(indexed.stored[index]->id);
    }
  }
  for (size_t index : pulled) {
    if (base_set.contains(index)) continue;
    plan.added.push_back(indexed.stored[index]->key);
    plan.package_ids.push_back(indexed.stored[index]->id);
  }
  std::sort(plan.package_ids.begin(), plan.package_ids.end());
  std::sort(plan.added.begin(), plan.added.end());
  std::sort(plan.removed.begin(), plan.removed.end());
  return plan;
}

}  // namespace

absl::StatusOr<std::vector<int64_t>> WithDependencies(
    const std::vector<StoredPackage>& source,
    const std::vector<int64_t>& matched,
    const std::vector<std::string>& architectures) {
  IndexedSet indexed;
  absl::StatusOr<std::vector<size_t>> added = indexed.Add(source, PullFields());
  if (!added.ok()) return added.status();
  const Closure closure = ClosureForArchitectures(
      indexed.set, indexed.Indices(matched),
      ArchitecturesOr(architectures, indexed.set, *added));
  std::vector<int64_t> ids;
  ids.reserve(closure.packages.size());
  for (size_t index : closure.packages) {
    ids.push_back(indexed.stored[index]->id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

absl::StatusOr<PullPlan> PlanPull(const std::vector<StoredPackage>& base,
                                  const std::vector<StoredPackage>& source,
                                  const std::vector<int64_t>& matched,
                                  const PullOptions& options) {
  std::vector<std::string> reached_names;
  return PlanPullReaching(base, source, matched, options, reached_names);
}

absl::StatusOr<PullPlan> PlanPullByName(
    const PackageLookup& lookup, const std::vector<int64_t>& base_ids,
    const std::vector<std::string>& matched_names,
    const std::vector<int64_t>& matched, const PullOptions& options) {
  if (options.architectures.empty()) {
    // PlanPull's default would come from the packages read so far, not
    // from the whole snapshots, and could differ.
    return absl::InvalidArgumentError(
        "PlanPullByName needs the architectures to resolve for; pass the "
        "requested ones, or the snapshots' built architectures");
  }
  NamedSubset subset(lookup);
  absl::StatusOr<bool> read = subset.Read(matched_names);
  if (!read.ok()) return read.status();
  for (;;) {
    std::vector<std::string> reached_names;
    absl::StatusOr<PullPlan> plan =
        PlanPullReaching(subset.packages().base, subset.packages().source,
                         matched, options, reached_names);
    if (!plan.ok()) return plan.status();
    read = subset.Read(reached_names);
    if (!read.ok()) return read.status();
    if (*read) continue;
    // The base's packages not read are neither replaced nor pulled: they
    // stay as they are.
    std::vector<int64_t> read_base_ids;
    read_base_ids.reserve(subset.packages().base.size());
    for (const StoredPackage& package : subset.packages().base) {
      read_base_ids.push_back(package.id);
    }
    std::vector<int64_t> kept = SortedDifference(base_ids, read_base_ids);
    plan->package_ids = SortedUnion({std::move(kept), plan->package_ids});
    return plan;
  }
}

absl::StatusOr<std::vector<Unsatisfied>> FindUnsatisfiedDependencies(
    const std::vector<StoredPackage>& verified,
    const std::vector<StoredPackage>& others,
    const std::vector<std::string>& architectures,
    const std::vector<std::string>& fields) {
  IndexedSet indexed;
  absl::StatusOr<std::vector<size_t>> checked = indexed.Add(verified, fields);
  if (!checked.ok()) return checked.status();
  // The others' packages only satisfy: their own fields are not read.
  if (absl::Status added = indexed.Add(others, {}).status(); !added.ok()) {
    return added;
  }
  std::sort(checked->begin(), checked->end(), [&](size_t a, size_t b) {
    return indexed.stored[a]->key < indexed.stored[b]->key;
  });
  checked->erase(std::unique(checked->begin(), checked->end()), checked->end());
  // An "all"-only snapshot is checked as "all": its packages fit it.
  const std::vector<std::string> sorted_architectures =
      ArchitecturesOr(architectures, indexed.set, *checked);
  std::vector<Unsatisfied> unsatisfied;
  for (UnsatisfiedGroup& group :
       FindUnsatisfied(indexed.set, *checked, sorted_architectures)) {
    unsatisfied.push_back(
        {indexed.stored[group.package]->key, std::move(group.architecture),
         std::move(group.field), FormatRelations({group.group})});
  }
  return unsatisfied;
}

}  // namespace debrepo::deb
