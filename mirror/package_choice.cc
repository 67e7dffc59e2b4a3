// Dependencies are resolved by deb::DependencyClosure, the closure
// deb::WithDependencies computes (aptly's rule), without holding a parsed
// set of every package: a bookworm main index has 63,000, and parsing them
// all took 205 MB through WithDependencies, 105 MB with only the closure's
// packages' dependencies parsed. Instead each binary package is kept as the
// text of its resolution fields (a tenth of its stanza) and a hash of each
// name it goes by, and the closure runs over the packages its dependencies
// name: start from the filtered packages; parse the dependencies of what
// the closure reached; add every package going by a name those dependencies
// mention; repeat until the closure reaches nothing new (past a few rounds,
// as for a hostile chain of 200,000 packages, expand by name alone to a
// fixpoint first, so that time stays linear). The last run had
// every package any of its lookups could find, in index order, and the
// dependencies of every package it reached: it is the closure of the whole
// set. mirror/bench/index_pipeline_bench measures the whole metadata
// pipeline over bookworm main (read as .gz): 41 MB peak resident with six
// packages and their dependencies, 40 MB without a filter (commit 559928f,
// docs/benchmarks.md).
#include "mirror/package_choice.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace debrepo::mirror {
namespace {

// kCandidateFields are the fields resolution reads (WithDependencies').
constexpr absl::string_view kCandidateFields[] = {
    "Package", "Version", "Architecture", "Provides", "Pre-Depends", "Depends"};

const std::vector<std::string>& DependencyFields() {
  static const auto* const kFields =
      new std::vector<std::string>{"Pre-Depends", "Depends"};
  return *kFields;
}

// kClosureRounds bounds the closures run over growing members, each
// expanding only what the last one reached (which keeps the dependencies
// parsed few); real archives need a handful. Past it Take expands by name
// alone, in time linear in what it parses.
constexpr int kClosureRounds = 16;

uint64_t NameHash(absl::string_view name) {
  return absl::Hash<absl::string_view>()(name);
}

}  // namespace

PackageChoice::PackageChoice(const deb::Query* filter, bool with_deps,
                             std::vector<std::string> architectures,
                             int64_t max_stanzas)
    : filter_(filter),
      with_deps_(with_deps && filter != nullptr),
      architectures_(std::move(architectures)),
      max_stanzas_(max_stanzas) {}

absl::StatusOr<bool> PackageChoice::Add(const ChoosablePackage& package) {
  if (++stanzas_ > max_stanzas_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the archive's indices list more than ", max_stanzas_,
        " stanzas in all, more than a sync accepts; mirror fewer components "
        "or architectures"));
  }
  const bool binary = package.package_type != "source";
  if (binary && package.architecture != "all" && !architectures_.empty() &&
      std::find(architectures_.begin(), architectures_.end(),
                package.architecture) == architectures_.end()) {
    return false;
  }
  // The key is "P<arch> <name> <version> <files hash>". Two independent
  // 64-bit hashes stand for the first three: no collision in practice, at
  // a fifth of the memory of the text.
  const size_t hash_at = package.key.rfind(' ');
  const absl::string_view identity = package.key.substr(1, hash_at - 1);
  uint64_t files_hash = 0;
  if (!absl::SimpleHexAtoi(package.key.substr(hash_at + 1), &files_hash)) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a package key: ", package.key));
  }
  auto [it, inserted] = seen_.try_emplace(
      std::make_pair(absl::Hash<absl::string_view>()(identity),
                     std::hash<std::string_view>()(
                         std::string_view(identity.data(), identity.size()))),
      files_hash);
  if (!inserted) {
    if (it->second != files_hash) ++duplicates_;
    return false;
  }
  const bool matched =
      filter_ == nullptr ||
      std::visit(
          [&](const auto* control) {
            return filter_->Matches(*control, package.package_type);
          },
          package.control);
  // Only a binary package can be pulled in as a dependency: the others the
  // filter does not match need not be spooled at all.
  if (!matched && !(with_deps_ && binary)) return false;
  const int64_t entry = static_cast<int64_t>(matched_.size());
  matched_.push_back(matched);
  if (with_deps_ && binary) {
    const uint32_t candidate = static_cast<uint32_t>(candidates_.size());
    Candidate& added = candidates_.emplace_back();
    added.entry = entry;
    // One pass over the stanza's fields finds those resolution reads
    // (a Paragraph::Get for each compared every name six times).
    std::optional<absl::string_view> values[std::size(kCandidateFields)];
    size_t size = 0;
    std::visit(
        [&](const auto* control) {
          for (const auto& field : control->fields()) {
            for (size_t i = 0; i < std::size(kCandidateFields); ++i) {
              if (deb::FieldNamesEqual(field.name, kCandidateFields[i])) {
                values[i] = field.value;
                size += field.name.size() + field.value.size() + 3;
                break;
              }
            }
          }
        },
        package.control);
    added.fields.reserve(size);
    for (size_t i = 0; i < std::size(kCandidateFields); ++i) {
      if (values[i].has_value()) {
        absl::StrAppend(&added.fields, kCandidateFields[i], ": ", *values[i],
                        "\n");
      }
    }
    names_.emplace_back(NameHash(package.name), candidate);
    for (const std::string& provided : package.provides) {
      names_.emplace_back(NameHash(provided), candidate);
    }
    if (package.architecture != "all") {
      built_architectures_.insert(std::string(package.architecture));
    }
  }
  return true;
}

namespace {

template <typename Stanza>
ChoosablePackage ChoosableOf(const IndexedBinary& read, const Stanza& stanza) {
  return {.key = read.key,
          .name = read.name,
          .architecture = read.architecture,
          .package_type = read.package_type,
          .provides = read.provides,
          .control = &stanza};
}

}  // namespace

ChoosablePackage ChoosableStanza(const IndexedBinary& read,
                                 const deb::Paragraph& stanza) {
  return ChoosableOf(read, stanza);
}

ChoosablePackage ChoosableStanza(const IndexedBinary& read,
                                 const deb::ParagraphView& stanza) {
  return ChoosableOf(read, stanza);
}

absl::StatusOr<bool> PackageChoice::Add(const MirroredPackage& mirrored) {
  const storage::NewPackage& package = mirrored.package;
  return Add(ChoosablePackage{.key = package.key,
                              .name = package.name,
                              .architecture = package.architecture,
                              .package_type = package.package_type,
                              .provides = package.provides,
                              .control = &package.control});
}

absl::StatusOr<deb::PackageInfo> PackageChoice::Parse(
    uint32_t candidate, bool with_dependencies) const {
  const std::string& text = candidates_[candidate].fields;
  absl::StatusOr<deb::Paragraph> fields = deb::ParseParagraph(text);
  absl::StatusOr<deb::PackageInfo> info =
      fields.ok() ? deb::PackageInfoFromParagraph(
                        *fields, with_dependencies ? DependencyFields()
                                                   : std::vector<std::string>())
                  : fields.status();
  if (!info.ok()) {
    // The archive's fields are at fault, not the request.
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot resolve the dependencies of the archive's package \"",
        absl::CHexEscape(text.substr(0, text.find('\n', 50))),
        "\": ", info.status().message()));
  }
  return info;
}

absl::StatusOr<std::vector<bool>> PackageChoice::Take() {
  std::vector<bool> take = matched_;
  if (!with_deps_) return take;
  std::sort(names_.begin(), names_.end());
  // As WithDependencies: the mirror's, else those built for, else "all".
  std::vector<std::string> architectures = architectures_;
  if (architectures.empty()) {
    architectures.assign(built_architectures_.begin(),
                         built_architectures_.end());
  }
  if (architectures.empty()) architectures.push_back("all");
  std::sort(architectures.begin(), architectures.end());
  architectures.erase(std::unique(architectures.begin(), architectures.end()),
                      architectures.end());

  // The packages the closure may look at, by candidate number, parsed; and
  // whether their dependencies are.
  absl::btree_map<uint32_t, deb::PackageInfo> members;
  absl::flat_hash_set<uint32_t> with_dependencies;
  absl::flat_hash_set<uint64_t> expanded_names;
  for (uint32_t candidate = 0; candidate < candidates_.size(); ++candidate) {
    if (!matched_[candidates_[candidate].entry]) continue;
    absl::StatusOr<deb::PackageInfo> info = Parse(candidate, false);
    if (!info.ok()) return info.status();
    members.emplace(candidate, *std::move(info));
  }
  // Expand parses the dependencies of `candidate`, a member, and adds every
  // package going by a name they mention to the members (and to `added`).
  auto expand = [&](uint32_t candidate,
                    std::vector<uint32_t>& added) -> absl::Status {
    absl::StatusOr<deb::PackageInfo> info = Parse(candidate, true);
    if (!info.ok()) return info.status();
    for (const deb::Alternatives& group : info->depends) {
      for (const deb::Relation& relation : group) {
        const uint64_t name = NameHash(relation.name);
        if (!expanded_names.insert(name).second) continue;
        for (auto it = std::lower_bound(names_.begin(), names_.end(),
                                        std::make_pair(name, uint32_t{0}));
             it != names_.end() && it->first == name; ++it) {
          if (members.contains(it->second)) continue;
          absl::StatusOr<deb::PackageInfo> named = Parse(it->second, false);
          if (!named.ok()) return named.status();
          members.emplace(it->second, *std::move(named));
          added.push_back(it->second);
        }
      }
    }
    members.insert_or_assign(candidate, *std::move(info));
    return absl::OkStatus();
  };
  for (int round = 0;; ++round) {
    if (round == kClosureRounds) {
      // A deep chain of dependencies: rather than a round for each level,
      // expand every member by name until no name adds one. The next
      // closure then reaches only packages whose dependencies are parsed.
      std::vector<uint32_t> pending;
      for (const auto& [candidate, info] : members) {
        if (!with_dependencies.contains(candidate))
          pending.push_back(candidate);
      }
      while (!pending.empty()) {
        const uint32_t candidate = pending.back();
        pending.pop_back();
        if (!with_dependencies.insert(candidate).second) continue;
        RETURN_IF_ERROR(expand(candidate, pending));
      }
    }
    // In candidate order, as the whole set would have them.
    deb::PackageSet set;
    set.Reserve(members.size());
    std::vector<uint32_t> candidate_of;
    std::vector<size_t> roots;
    for (const auto& [candidate, info] : members) {
      const size_t index = set.Add(info);
      candidate_of.push_back(candidate);
      if (matched_[candidates_[candidate].entry]) roots.push_back(index);
    }
    deb::Closure closure =
        deb::ClosureForArchitectures(set, roots, architectures);
    bool reached_new = false;
    std::vector<uint32_t> added;
    for (size_t index : closure.packages) {
      const uint32_t candidate = candidate_of[index];
      if (!with_dependencies.insert(candidate).second) continue;
      reached_new = true;
      RETURN_IF_ERROR(expand(candidate, added));
    }
    if (!reached_new) {
      for (size_t index : closure.packages) {
        take[candidates_[candidate_of[index]].entry] = true;
      }
      return take;
    }
  }
}

}  // namespace debrepo::mirror
