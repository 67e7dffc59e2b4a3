// Opaque page tokens for List methods.
#ifndef DEBREPO_SERVER_PAGE_TOKEN_H_
#define DEBREPO_SERVER_PAGE_TOKEN_H_

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_field.h"

namespace debrepo::server {

// EncodePageToken wraps the position after which the next page starts.
std::string EncodePageToken(absl::string_view position);

// DecodePageToken unwraps a token from EncodePageToken; "" gives "".
// INVALID_ARGUMENT for a token we did not make.
absl::StatusOr<std::string> DecodePageToken(absl::string_view token);

// PageSize clamps a requested page size: 0 means the default.
int PageSize(int requested, int default_size = 100, int max_size = 1000);

// PackagePageSize is PageSize for package listings: keys alone are small,
// so a page of them may hold up to 10,000 (each page costs a pass over the
// matching rows); with details, up to 1,000.
int PackagePageSize(int requested, bool details);

// kMaxPageBytes is the most bytes of items a page holds past its first:
// gRPC clients refuse replies over 4 MiB unless told otherwise, and items
// vary in size (a job of a bulk upload lists 1,000 files, a package's
// details carry its whole stanza).
inline constexpr size_t kMaxPageBytes = size_t{2} << 20;

// TakePage trims `items` (protobuf messages), fetched with one more than
// `page_size`, to the page -- ending it early at kMaxPageBytes -- and
// returns the token of the next page ("" on the last page), made from the
// page's last item by `position`.
template <typename T, typename Position>
std::string TakePage(std::vector<T>& items, int page_size, Position position) {
  int fitting = 0;
  for (size_t bytes = 0;
       fitting < std::min(page_size, static_cast<int>(items.size()));
       ++fitting) {
    bytes += items[fitting].ByteSizeLong();
    if (fitting > 0 && bytes > kMaxPageBytes) break;
  }
  if (static_cast<int>(items.size()) <= fitting) return "";
  items.resize(fitting);
  return EncodePageToken(position(items.back()));
}

// TakePageInto is TakePage that then moves the page's items into `page`,
// the response's repeated field.
template <typename T, typename Position>
std::string TakePageInto(std::vector<T>& items, int page_size,
                         Position position,
                         google::protobuf::RepeatedPtrField<T>& page) {
  std::string token = TakePage(items, page_size, position);
  for (T& item : items) *page.Add() = std::move(item);
  return token;
}

}  // namespace debrepo::server

#endif  // DEBREPO_SERVER_PAGE_TOKEN_H_
