#include "deb/package_selection.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
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
