// Relation resolution over an in-memory package set.
#include "deb/resolver.h"

#include <algorithm>
#include <deque>
#include <utility>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace debrepo::deb {

absl::StatusOr<PackageInfo> PackageInfoFromParagraph(
    const Paragraph& paragraph,
    const std::vector<std::string>& dependency_fields) {
  absl::string_view name = paragraph.GetOrEmpty("Package");
  absl::string_view architecture = paragraph.GetOrEmpty("Architecture");
  if (name.empty() || architecture.empty()) {
    return absl::InvalidArgumentError(
        "package stanza lacks a Package or Architecture field");
  }
  ASSIGN_OR_RETURN(Version version,
                   Version::Parse(paragraph.GetOrEmpty("Version")));
  PackageInfo info{std::string(name),
                   std::move(version),
                   std::string(architecture),
                   {},
                   {},
                   {}};
  ASSIGN_OR_RETURN(RelationList provides,
                   ParseRelations(paragraph.GetOrEmpty("Provides")));
  for (Alternatives& group : provides) {
    if (group.size() != 1 ||
        (group[0].op.has_value() && *group[0].op != VersionOp::kEqual)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Provides of ", name, " may only use plain names and \"= version\""));
    }
    info.provides.push_back(std::move(group[0]));
  }
  for (const std::string& field : dependency_fields) {
    ASSIGN_OR_RETURN(RelationList groups,
                     ParseRelations(paragraph.GetOrEmpty(field)));
    for (Alternatives& group : groups) {
      info.depends.push_back(std::move(group));
      info.depends_fields.push_back(field);
    }
  }
  return info;
}

size_t PackageSet::Add(PackageInfo package) {
  size_t index = packages_.size();
  by_name_[package.name].push_back(index);
  for (size_t i = 0; i < package.provides.size(); ++i) {
    providers_[package.provides[i].name].emplace_back(index, i);
  }
  packages_.push_back(std::move(package));
  return index;
}

void PackageSet::Reserve(size_t packages) {
  packages_.reserve(packages);
  by_name_.reserve(packages);
}

void PackageSet::SetDependencies(size_t index, RelationList depends,
                                 std::vector<std::string> depends_fields) {
  packages_[index].depends = std::move(depends);
  packages_[index].depends_fields = std::move(depends_fields);
}

bool PackageSet::ArchitectureFits(const PackageInfo& package,
                                  const Relation& relation,
                                  absl::string_view architecture) const {
  if (package.architecture == "source") return false;
  if (relation.arch_qualifier == "any") return true;
  if (!relation.arch_qualifier.empty() && relation.arch_qualifier != "native") {
    return package.architecture == relation.arch_qualifier;
  }
  return package.architecture == architecture || package.architecture == "all";
}

std::vector<size_t> PackageSet::FindSatisfying(
    const Relation& relation, absl::string_view architecture) const {
  std::vector<size_t> found;
  if (auto it = by_name_.find(relation.name); it != by_name_.end()) {
    for (size_t index : it->second) {
      const PackageInfo& p = packages_[index];
      if (!ArchitectureFits(p, relation, architecture)) continue;
      if (relation.op.has_value() &&
          !Satisfies(p.version, *relation.op, *relation.version)) {
        continue;
      }
      found.push_back(index);
    }
  }
  if (auto it = providers_.find(relation.name); it != providers_.end()) {
    for (auto [index, provide_index] : it->second) {
      const PackageInfo& p = packages_[index];
      const Relation& provided = p.provides[provide_index];
      if (!ArchitectureFits(p, relation, architecture)) continue;
      if (relation.op.has_value() &&
          (!provided.version.has_value() ||
           !Satisfies(*provided.version, *relation.op, *relation.version))) {
        continue;
      }
      found.push_back(index);
    }
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  return found;
}

std::vector<size_t> PackageSet::FindSatisfying(
    const Alternatives& alternatives, absl::string_view architecture) const {
  std::vector<size_t> found;
  for (const Relation& relation : alternatives) {
    std::vector<size_t> more = FindSatisfying(relation, architecture);
    found.insert(found.end(), more.begin(), more.end());
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  return found;
}

Alternatives InForce(const Alternatives& group,
                     absl::string_view architecture) {
  Alternatives in_force;
  for (const Relation& r : group) {
    if (r.AppliesTo(architecture)) in_force.push_back(r);
  }
  return in_force;
}

Closure DependencyClosure(const PackageSet& set,
                          const std::vector<size_t>& roots,
                          absl::string_view architecture,
                          const std::vector<size_t>& present) {
  Closure closure;
  const absl::flat_hash_set<size_t> present_set(present.begin(), present.end());
  absl::flat_hash_set<size_t> included;
  std::deque<size_t> pending;
  auto include = [&](size_t index) {
    if (included.insert(index).second) {
      closure.packages.push_back(index);
      pending.push_back(index);
    }
  };
  for (size_t root : roots) include(root);
  while (!pending.empty()) {
    const PackageInfo& package = set.package(pending.front());
    pending.pop_front();
    for (const Alternatives& group : package.depends) {
      const Alternatives in_force = InForce(group, architecture);
      if (in_force.empty()) continue;
      std::vector<size_t> all = set.FindSatisfying(in_force, architecture);
      if (std::any_of(all.begin(), all.end(), [&](size_t i) {
            return included.contains(i) || present_set.contains(i);
          })) {
        continue;
      }
      bool satisfied = false;
      for (const Relation& relation : in_force) {
        std::vector<size_t> candidates =
            set.FindSatisfying(relation, architecture);
        if (candidates.empty()) continue;
        include(*std::max_element(
            candidates.begin(), candidates.end(), [&](size_t a, size_t b) {
              return set.package(a).version < set.package(b).version;
            }));
        satisfied = true;
        break;
      }
      if (!satisfied) {
        closure.unsatisfied.push_back(
            absl::StrCat(package.name, ": ", FormatRelations({in_force})));
      }
    }
  }
  return closure;
}

std::vector<std::string> BuiltArchitectures(
    const PackageSet& set, const std::vector<size_t>& indices) {
  absl::btree_set<std::string> architectures;
  for (size_t i : indices) {
    const std::string& architecture = set.package(i).architecture;
    if (architecture != "all" && architecture != "source") {
      architectures.insert(architecture);
    }
  }
  return {architectures.begin(), architectures.end()};
}

Closure ClosureForArchitectures(const PackageSet& set,
                                const std::vector<size_t>& roots,
                                const std::vector<std::string>& architectures,
                                const std::vector<size_t>& present) {
  Closure all;
  absl::flat_hash_set<size_t> members;
  absl::flat_hash_set<std::string> unsatisfied;
  for (size_t root : roots) {
    if (members.insert(root).second) all.packages.push_back(root);
  }
  for (const std::string& architecture : architectures) {
    // A package's dependencies are resolved for what it is built for.
    std::vector<size_t> built_for;
    for (size_t root : roots) {
      const std::string& built = set.package(root).architecture;
      if (built == architecture || built == "all") built_for.push_back(root);
    }
    Closure one = DependencyClosure(set, built_for, architecture, present);
    for (size_t index : one.packages) {
      if (members.insert(index).second) all.packages.push_back(index);
    }
    for (std::string& gap : one.unsatisfied) {
      if (unsatisfied.insert(gap).second) {
        all.unsatisfied.push_back(std::move(gap));
      }
    }
  }
  return all;
}

std::vector<UnsatisfiedGroup> FindUnsatisfied(
    const PackageSet& set, const std::vector<size_t>& checked,
    const std::vector<std::string>& architectures) {
  std::vector<UnsatisfiedGroup> unsatisfied;
  for (size_t index : checked) {
    const PackageInfo& package = set.package(index);
    for (const std::string& architecture : architectures) {
      if (package.architecture != architecture &&
          package.architecture != "all") {
        continue;
      }
      for (size_t g = 0; g < package.depends.size(); ++g) {
        const Alternatives in_force = InForce(package.depends[g], architecture);
        if (in_force.empty() ||
            !set.FindSatisfying(in_force, architecture).empty()) {
          continue;
        }
        unsatisfied.push_back({index, architecture, package.depends_fields[g],
                               package.depends[g]});
      }
    }
  }
  return unsatisfied;
}

}  // namespace debrepo::deb
