// Job results and error messages name a bounded number of items, with the
// count of all: a job over 100,000 packages must not make a Job larger than
// the 4 MiB a gRPC client accepts by default.
#ifndef DEBREPO_WORKER_REPO_BOUNDED_LISTS_H_
#define DEBREPO_WORKER_REPO_BOUNDED_LISTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_field.h"

namespace debrepo::worker {

// Package keys listed in a result (about 50 bytes each).
inline constexpr int kMaxKeysInResult = 10000;
// Failed files listed in a result (a name and a reason of a few hundred
// bytes).
inline constexpr int kMaxFailedInResult = 1000;
// Items named in an error message.
inline constexpr int kMaxNamedInMessage = 20;

// ListAtMost appends the first `at_most` of `items` to `listed` and returns
// how many there are in all.
template <typename Items, typename T>
int64_t ListAtMost(const Items& items, int at_most,
                   google::protobuf::RepeatedPtrField<T>& listed) {
  for (const auto& item : items) {
    if (listed.size() == at_most) break;
    *listed.Add() = item;
  }
  return static_cast<int64_t>(items.size());
}

// JoinAtMost joins the first `at_most` of `items` with `separator`, and
// says how many more there are.
inline std::string JoinAtMost(const std::vector<std::string>& items,
                              absl::string_view separator,
                              int at_most = kMaxNamedInMessage) {
  if (items.size() <= static_cast<size_t>(at_most)) {
    return absl::StrJoin(items, separator);
  }
  return absl::StrCat(
      absl::StrJoin(items.begin(), items.begin() + at_most, separator),
      separator, "and ", items.size() - at_most, " more");
}

}  // namespace debrepo::worker

#endif  // DEBREPO_WORKER_REPO_BOUNDED_LISTS_H_
