#include "server/page_token.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace debrepo::server {
namespace {

// Marks our tokens so that garbage is told apart from a position.
constexpr absl::string_view kPrefix = "p1:";

}  // namespace

std::string EncodePageToken(absl::string_view position) {
  return absl::WebSafeBase64Escape(absl::StrCat(kPrefix, position));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token) {
  if (token.empty()) return std::string();
  std::string decoded;
  if (!absl::WebSafeBase64Unescape(token, &decoded) ||
      !absl::StartsWith(decoded, kPrefix)) {
    return absl::InvalidArgumentError(
        "page_token is not one this server issued; pass the next_page_token "
        "of the previous response, or none for the first page");
  }
  return decoded.substr(kPrefix.size());
}

int PackagePageSize(int requested, bool details) {
  return PageSize(requested, 100, details ? 1000 : 10000);
}

int PageSize(int requested, int default_size, int max_size) {
  if (requested <= 0) return default_size;
  return std::min(requested, max_size);
}

}  // namespace debrepo::server
