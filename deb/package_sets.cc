#include "deb/package_sets.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "deb/version.h"

namespace debrepo::deb {
namespace {

// The last position in `sources` holding `id`, or -1.
int LastPosition(const std::vector<SortedIds>& sources, int64_t id) {
  for (int pos = static_cast<int>(sources.size()) - 1; pos >= 0; --pos) {
    if (std::binary_search(sources[pos].begin(), sources[pos].end(), id)) {
      return pos;
    }
  }
  return -1;
}

using PairKey = std::pair<std::string, std::string>;

// A head with its parsed version.
struct Versioned {
  const PackageHead* head;
  Version version;
};

absl::StatusOr<Version> ParseStored(const PackageHead& head) {
  absl::StatusOr<Version> version = Version::Parse(head.version);
  if (!version.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("package ", head.key,
                     " has an invalid version: ", version.status().message()));
  }
  return version;
}

// GroupByPair groups `heads` by name and architecture, each group sorted
// by version (dpkg order), then key.
absl::StatusOr<std::map<PairKey, std::vector<Versioned>>> GroupByPair(
    const std::vector<PackageHead>& heads) {
  std::map<PairKey, std::vector<Versioned>> groups;
  for (const PackageHead& head : heads) {
    absl::StatusOr<Version> version = ParseStored(head);
    if (!version.ok()) return version.status();
    groups[{head.name, head.architecture}].push_back(
        {&head, *std::move(version)});
  }
  for (auto& [pair, group] : groups) {
    std::sort(group.begin(), group.end(),
              [](const Versioned& a, const Versioned& b) {
                const auto cmp = a.version <=> b.version;
                if (cmp != 0) return cmp < 0;
                return a.head->key < b.head->key;
              });
  }
  return groups;
}

// PairedIdsOf returns `members` (id, pair) as PairedIds, sorted by id
// without repeats (an id has one pair, whichever source listed it).
PairedIds PairedIdsOf(std::vector<std::pair<int64_t, int32_t>> members) {
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end(),
                            [](const auto& a, const auto& b) {
                              return a.first == b.first;
                            }),
                members.end());
  PairedIds paired;
  paired.ids.reserve(members.size());
  paired.pairs.reserve(members.size());
  for (const auto& [id, pair] : members) {
    paired.ids.push_back(id);
    paired.pairs.push_back(pair);
  }
  return paired;
}

// TotalSize is the number of ids `sources` list together.
size_t TotalSize(const std::vector<PairedIds>& sources) {
  size_t total = 0;
  for (const PairedIds& source : sources) total += source.ids.size();
  return total;
}

}  // namespace

SortedIds SortedUnion(const std::vector<SortedIds>& sets) {
  if (sets.size() == 1) return sets[0];
  SortedIds all;
  for (const SortedIds& set : sets)
    all.insert(all.end(), set.begin(), set.end());
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

SortedIds SortedDifference(const SortedIds& a, const SortedIds& b) {
  SortedIds difference;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(),
                      std::back_inserter(difference));
  return difference;
}

PairedIds PairedUnion(const std::vector<PairedIds>& sources) {
  if (sources.size() == 1) return sources[0];
  std::vector<std::pair<int64_t, int32_t>> members;
  members.reserve(TotalSize(sources));
  for (const PairedIds& source : sources) {
    for (size_t i = 0; i < source.ids.size(); ++i) {
      members.emplace_back(source.ids[i], source.pairs[i]);
    }
  }
  return PairedIdsOf(std::move(members));
}

PairedIds MergeLastSourceWins(const std::vector<PairedIds>& sources) {
  if (sources.size() == 1) return sources[0];
  // The last source holding each pair.
  absl::flat_hash_map<int32_t, int> last_holder;
  last_holder.reserve(TotalSize(sources));
  for (int position = 0; position < static_cast<int>(sources.size());
       ++position) {
    for (int32_t pair : sources[position].pairs) {
      last_holder[pair] = position;
    }
  }
  std::vector<std::pair<int64_t, int32_t>> kept;
  kept.reserve(last_holder.size());
  for (int position = 0; position < static_cast<int>(sources.size());
       ++position) {
    const PairedIds& source = sources[position];
    for (size_t i = 0; i < source.ids.size(); ++i) {
      if (last_holder.at(source.pairs[i]) == position) {
        kept.emplace_back(source.ids[i], source.pairs[i]);
      }
    }
  }
  return PairedIdsOf(std::move(kept));
}

absl::StatusOr<PairedIds> PairsOf(const std::vector<PairedIds>& sources,
                                  const SortedIds& ids) {
  PairedIds paired;
  paired.ids = ids;
  paired.pairs.reserve(ids.size());
  for (int64_t id : ids) {
    bool found = false;
    for (const PairedIds& source : sources) {
      auto it = std::lower_bound(source.ids.begin(), source.ids.end(), id);
      if (it != source.ids.end() && *it == id) {
        paired.pairs.push_back(source.pairs[it - source.ids.begin()]);
        found = true;
        break;
      }
    }
    if (!found) {
      return absl::InternalError(absl::StrCat(
          "package id ", id, " is in none of the sources it was taken from"));
    }
  }
  return paired;
}

absl::StatusOr<SortedIds> MergeLatest(const std::vector<SortedIds>& sources,
                                      const std::vector<PackageHead>& heads) {
  // Most pairs have one package: only the others are parsed and compared
  // (a 63,440-package merge groups 70,000 heads).
  absl::flat_hash_map<std::pair<absl::string_view, absl::string_view>,
                      std::vector<const PackageHead*>>
      by_pair;
  by_pair.reserve(heads.size());
  for (const PackageHead& head : heads) {
    by_pair[{head.name, head.architecture}].push_back(&head);
  }
  SortedIds kept;
  kept.reserve(by_pair.size());
  for (const auto& [pair, group] : by_pair) {
    if (group.size() == 1) {
      kept.push_back(group[0]->id);
      continue;
    }
    // The highest version; among equal ones, the later source's, then the
    // greater key.
    const PackageHead* best = nullptr;
    std::optional<Version> best_version;
    int best_position = -1;
    for (const PackageHead* head : group) {
      absl::StatusOr<Version> version = ParseStored(*head);
      if (!version.ok()) return version.status();
      const int position = LastPosition(sources, head->id);
      const auto cmp = best == nullptr ? std::weak_ordering::greater
                                       : *version <=> *best_version;
      if (cmp > 0 || (cmp == 0 && std::tie(position, head->key) >
                                      std::tie(best_position, best->key))) {
        best = head;
        best_version = *std::move(version);
        best_position = position;
      }
    }
    kept.push_back(best->id);
  }
  std::sort(kept.begin(), kept.end());
  return kept;
}

absl::StatusOr<std::vector<PackageChangeLine>> PairChanges(
    std::vector<PackageHead> left_only, std::vector<PackageHead> right_only) {
  absl::StatusOr<std::map<PairKey, std::vector<Versioned>>> left =
      GroupByPair(left_only);
  if (!left.ok()) return left.status();
  absl::StatusOr<std::map<PairKey, std::vector<Versioned>>> right =
      GroupByPair(right_only);
  if (!right.ok()) return right.status();
  std::vector<PackageChangeLine> lines;
  auto add = [&](const PairKey& pair, const std::vector<Versioned>* l,
                 const std::vector<Versioned>* r) {
    const size_t n =
        std::max(l == nullptr ? 0 : l->size(), r == nullptr ? 0 : r->size());
    for (size_t i = 0; i < n; ++i) {
      PackageChangeLine& line = lines.emplace_back();
      line.name = pair.first;
      line.architecture = pair.second;
      if (l != nullptr && i < l->size()) line.left = *(*l)[i].head;
      if (r != nullptr && i < r->size()) line.right = *(*r)[i].head;
    }
  };
  for (const auto& [pair, group] : *left) {
    auto it = right->find(pair);
    add(pair, &group, it == right->end() ? nullptr : &it->second);
  }
  for (const auto& [pair, group] : *right) {
    if (!left->contains(pair)) add(pair, nullptr, &group);
  }
  auto key_or_empty = [](const std::optional<PackageHead>& head) {
    return head.has_value() ? absl::string_view(head->key)
                            : absl::string_view();
  };
  std::sort(lines.begin(), lines.end(),
            [&](const PackageChangeLine& a, const PackageChangeLine& b) {
              return std::forward_as_tuple(a.name, a.architecture,
                                           key_or_empty(a.left),
                                           key_or_empty(a.right)) <
                     std::forward_as_tuple(b.name, b.architecture,
                                           key_or_empty(b.left),
                                           key_or_empty(b.right));
            });
  return lines;
}

}  // namespace debrepo::deb
