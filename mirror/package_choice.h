// Which of a sync's stanzas a mirror keeps: duplicates left out by one rule,
// the mirror's filter applied, with the filtered packages' dependencies when
// asked — holding only what dependency resolution needs, not the stanzas.
#ifndef DEBREPO_MIRROR_PACKAGE_CHOICE_H_
#define DEBREPO_MIRROR_PACKAGE_CHOICE_H_

#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "deb/query.h"
#include "deb/resolver.h"
#include "mirror/index_package.h"

namespace debrepo::mirror {

// kMaxSyncStanzas bounds the stanzas a sync reads, in all its indices: the
// memory a sync holds grows with them (the largest real archives list about
// 250,000 per architecture).
inline constexpr int64_t kMaxSyncStanzas = 2000000;

// ChoosablePackage is what PackageChoice reads of a package: views into a
// MirroredPackage, or into an index stanza a sync has not converted (see
// ReadPackagesStanza), which must outlive the call to Add.
struct ChoosablePackage {
  absl::string_view key;
  absl::string_view name;
  absl::string_view architecture;
  absl::string_view package_type;
  // provides holds the names the package provides.
  absl::Span<const std::string> provides;
  // control is the stanza the filter is matched against and resolution's
  // fields are read from: its fields as MirroredPackage::package.control
  // has them, at least those the filter reads; a Packages stanza read as a
  // view is matched where it is, without a copy.
  std::variant<const deb::Paragraph*, const deb::ParagraphView*> control;
};

// ChoosableStanza is the view of a Packages stanza `stanza` that
// ReadPackagesStanza read as `read`; both must outlive it.
ChoosablePackage ChoosableStanza(const IndexedBinary& read,
                                 const deb::Paragraph& stanza);
ChoosablePackage ChoosableStanza(const IndexedBinary& read,
                                 const deb::ParagraphView& stanza);

// PackageChoice sees a sync's packages one at a time, in index order (that
// of PlanIndices), and then says which to keep.
//
// Duplicates: the first stanza of a name, version and architecture wins;
// a later one with another key (other files) is left out and counted as a
// duplicate stanza, within an index or across indices; a later one with the
// same key (an "all" package listed in every binary-<arch> index, say) is
// simply the same package and is not counted.
class PackageChoice {
 public:
  // `filter` (null: keep everything) must outlive the choice. With
  // `with_deps`, the Pre-Depends and Depends of filtered packages are kept
  // too, resolved among this sync's packages for each of `architectures`
  // (the mirror's; empty: those the packages are built for): the packages
  // deb::WithDependencies would choose, in far less memory. Binary
  // packages of an architecture other than "all" and `architectures` (when
  // not empty) are not kept: a flat repository's one index lists them all.
  // At most `max_stanzas` stanzas are added.
  PackageChoice(const deb::Query* filter, bool with_deps,
                std::vector<std::string> architectures,
                int64_t max_stanzas = kMaxSyncStanzas);

  // Add sees the next package. It returns true when the caller is to spool
  // it (as the next entry), false when it is a duplicate, a package seen
  // already, of an architecture the mirror does not hold, or one the mirror
  // cannot keep: the filter does not match it, and no dependency can pull
  // it in (without `with_deps`, or a source package).
  // INVALID_ARGUMENT when its key is not a package key; RESOURCE_EXHAUSTED
  // past the choice's `max_stanzas`.
  absl::StatusOr<bool> Add(const ChoosablePackage& package);
  // Add sees a converted package, as Add of its view.
  absl::StatusOr<bool> Add(const MirroredPackage& mirrored);
  // Add sees the Packages stanza `stanza` that ReadPackagesStanza read as
  // `read`, as Add of ChoosableStanza of its Paragraph.
  absl::StatusOr<bool> Add(const IndexedBinary& read,
                           const deb::ParagraphView& stanza) {
    return Add(ChoosableStanza(read, stanza));
  }

  // decides_at_take is whether an Add returning true may still be left out
  // by Take (dependencies are resolved), rather than always kept: a caller
  // may then put off the costly part of spooling until Take.
  bool decides_at_take() const { return with_deps_; }

  // duplicates is the number of duplicate stanzas left out so far.
  int64_t duplicates() const { return duplicates_; }

  // Take returns, for each spooled entry (each Add that returned true, in
  // order), whether the mirror keeps it. Call it once, after the last Add.
  // FAILED_PRECONDITION naming the package when dependencies are resolved
  // and a package's relation fields do not parse.
  absl::StatusOr<std::vector<bool>> Take();

 private:
  // Candidate is a binary package dependencies may be resolved among.
  struct Candidate {
    int64_t entry = 0;  // Its spool entry.
    // Its Package, Version, Architecture, Provides, Pre-Depends and Depends
    // fields, as deb822 text: a tenth of its stanza.
    std::string fields;
  };

  // Parse parses a candidate's fields, with or without its dependencies.
  absl::StatusOr<deb::PackageInfo> Parse(uint32_t candidate,
                                         bool with_dependencies) const;

  const deb::Query* filter_;
  bool with_deps_;
  std::vector<std::string> architectures_;
  int64_t max_stanzas_;
  int64_t stanzas_ = 0;  // Added so far.
  // Two hashes of "<architecture> <name> <version>" -> the first key's
  // files hash.
  absl::flat_hash_map<std::pair<uint64_t, uint64_t>, uint64_t> seen_;
  int64_t duplicates_ = 0;
  // Per spooled entry: matched the filter.
  std::vector<bool> matched_;
  // With deps: the spooled binary packages, in spool order; the hash of
  // each name each goes by (its own and those it provides) with its
  // candidate number; the architectures they are built for.
  // (A deque: growing it moves no candidate's text.)
  std::deque<Candidate> candidates_;
  std::vector<std::pair<uint64_t, uint32_t>> names_;
  absl::btree_set<std::string> built_architectures_;
};

}  // namespace debrepo::mirror

#endif  // DEBREPO_MIRROR_PACKAGE_CHOICE_H_
