// Finding the packages that satisfy a relation among a known set, including
// virtual packages provided by others, and the dependency closure used to
// copy or pull packages "with dependencies" (aptly's -with-deps).
#ifndef DEBREPO_DEB_RESOLVER_H_
#define DEBREPO_DEB_RESOLVER_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "deb/control.h"
#include "deb/relation.h"
#include "deb/version.h"

namespace debrepo::deb {

// PackageInfo is what the resolver needs to know about one binary package.
struct PackageInfo {
  std::string name;
  Version version;
  std::string architecture;
  // provides lists the Provides field's relations: unversioned, or "= v".
  std::vector<Relation> provides;
  // depends holds the groups the closure follows (typically Pre-Depends
  // and Depends; see PackageInfoFromParagraph).
  RelationList depends;
  // depends_fields names the field each group of `depends` came from
  // (parallel to it), for reports such as a verify's.
  std::vector<std::string> depends_fields;
};

// PackageInfoFromParagraph builds a PackageInfo from a binary package
// stanza; `dependency_fields` names the fields merged into `depends`.
absl::StatusOr<PackageInfo> PackageInfoFromParagraph(
    const Paragraph& paragraph,
    const std::vector<std::string>& dependency_fields = {"Pre-Depends",
                                                         "Depends"});

// PackageSet indexes packages by name and by the names they provide.
// Packages are identified by their index: 0, 1, ... in the order added.
class PackageSet {
 public:
  // Add stores a package and returns its index (the previous size()).
  // Duplicates are not detected: each Add makes a new entry.
  size_t Add(PackageInfo package);

  // Reserve makes room for `packages` packages in all, so that adding them
  // does not copy the ones added before (a set of tens of thousands would
  // briefly need twice its memory).
  void Reserve(size_t packages);

  // SetDependencies replaces the dependency groups of package `index`
  // (PackageInfo::depends and depends_fields, parallel). A caller holding
  // tens of thousands of packages parses their dependencies only once a
  // closure reaches them: DependencyClosure reads the groups of packages in
  // its result only (see mirror/package_choice).
  void SetDependencies(size_t index, RelationList depends,
                       std::vector<std::string> depends_fields);

  // package returns the package with `index`, which must be below size().
  const PackageInfo& package(size_t index) const { return packages_[index]; }

  // size returns the number of packages added.
  size_t size() const { return packages_.size(); }

  // FindSatisfying returns, in insertion order and without duplicates, the
  // indices of packages that satisfy `relation` for `architecture`: a
  // package of that architecture or "all" (any architecture with the ":any"
  // qualifier; exactly the named one with ":<arch>") that either has the
  // name and a matching version, or provides the name — unversioned Provides
  // satisfy only unversioned relations, "= v" Provides are compared with v
  // (Debian Policy §7.5). Multi-Arch fields are not consulted.
  std::vector<size_t> FindSatisfying(const Relation& relation,
                                     absl::string_view architecture) const;

  // FindSatisfying for a group returns the union over its alternatives.
  std::vector<size_t> FindSatisfying(const Alternatives& alternatives,
                                     absl::string_view architecture) const;

 private:
  bool ArchitectureFits(const PackageInfo& package, const Relation& relation,
                        absl::string_view architecture) const;

  std::vector<PackageInfo> packages_;
  absl::flat_hash_map<std::string, std::vector<size_t>> by_name_;
  // Provided name -> (package index, index into its provides).
  absl::flat_hash_map<std::string, std::vector<std::pair<size_t, size_t>>>
      providers_;
};

// InForce keeps the alternatives of `group` that apply to `architecture`
// (Relation::AppliesTo); a group left empty does not apply there at all.
Alternatives InForce(const Alternatives& group, absl::string_view architecture);

// Closure is the result of DependencyClosure.
struct Closure {
  // packages holds the roots followed by the packages pulled in, in the
  // order they were added.
  std::vector<size_t> packages;
  // unsatisfied lists "package: group" for each dependency group that no
  // package in the set satisfies.
  std::vector<std::string> unsatisfied;
};

// DependencyClosure starts from `roots` and, for every dependency group (in
// force for `architecture`) of every package in the result that no package
// already in the result or in `present` satisfies, adds the highest version
// satisfying the first alternative that anything satisfies — repeating
// until nothing is added. This is aptly's rule for copy/pull with
// dependencies; `present` is what a pull's result holds already (its base),
// whose packages satisfy dependencies without being added or followed.
Closure DependencyClosure(const PackageSet& set,
                          const std::vector<size_t>& roots,
                          absl::string_view architecture,
                          const std::vector<size_t>& present = {});

// BuiltArchitectures returns, sorted, the architectures of the packages
// `indices` of `set` other than "all" and "source": those dependencies are
// resolved for when none are asked for.
std::vector<std::string> BuiltArchitectures(const PackageSet& set,
                                            const std::vector<size_t>& indices);

// ClosureForArchitectures is `roots` and the union over `architectures` of
// DependencyClosure of the roots built for each (or for "all"), in the
// order found, with the unsatisfied groups of all of them, each once.
Closure ClosureForArchitectures(const PackageSet& set,
                                const std::vector<size_t>& roots,
                                const std::vector<std::string>& architectures,
                                const std::vector<size_t>& present = {});

// UnsatisfiedGroup is a dependency group that nothing satisfies.
struct UnsatisfiedGroup {
  // The package whose field it is, by index.
  size_t package = 0;
  // The architecture it was checked for.
  std::string architecture;
  // Its field (see PackageInfo::depends_fields) and the group.
  std::string field;
  Alternatives group;
};

// FindUnsatisfied checks, for each of `architectures`, every one of
// `checked` built for it or for "all": each of its dependency groups in
// force there must be satisfied by some package of `set` (Provides count).
// Returns the groups that are not, by package (in `checked` order), then
// architecture (in `architectures` order), then group.
std::vector<UnsatisfiedGroup> FindUnsatisfied(
    const PackageSet& set, const std::vector<size_t>& checked,
    const std::vector<std::string>& architectures);

}  // namespace debrepo::deb

#endif  // DEBREPO_DEB_RESOLVER_H_
