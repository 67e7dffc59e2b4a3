// A port of dpkg's parseversion() and verrevcmp() (lib/dpkg/parsehelp.c,
// lib/dpkg/version.c).
#include "deb/version.h"

#include <climits>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace debrepo::deb {
namespace {

// Order gives the weight of one non-digit character; 0 stands for the end
// of the string (and for digits, which end a non-digit run). dpkg reads the
// character as a (signed, on Debian's main architectures) char, so bytes
// from 0x80 weigh 128..255: after letters, before other punctuation.
int Order(char c) {
  if (absl::ascii_isdigit(c)) return 0;
  if (absl::ascii_isalpha(c)) return c;
  if (c == '~') return -1;
  if (c != '\0') return static_cast<signed char>(c) + 256;
  return 0;
}

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

absl::Status VersionError(absl::string_view text, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid version \"", absl::CHexEscape(text), "\": ", problem));
}

}  // namespace

int CompareVersionParts(absl::string_view a, absl::string_view b) {
  size_t i = 0, j = 0;
  auto at = [](absl::string_view s, size_t k) {
    return k < s.size() ? s[k] : '\0';
  };
  while (i < a.size() || j < b.size()) {
    int first_diff = 0;
    while ((i < a.size() && !absl::ascii_isdigit(a[i])) ||
           (j < b.size() && !absl::ascii_isdigit(b[j]))) {
      int ac = Order(at(a, i));
      int bc = Order(at(b, j));
      if (ac != bc) return ac - bc;
      ++i;
      ++j;
    }
    while (at(a, i) == '0') ++i;
    while (at(b, j) == '0') ++j;
    while (absl::ascii_isdigit(at(a, i)) && absl::ascii_isdigit(at(b, j))) {
      if (first_diff == 0) first_diff = a[i] - b[j];
      ++i;
      ++j;
    }
    if (absl::ascii_isdigit(at(a, i))) return 1;
    if (absl::ascii_isdigit(at(b, j))) return -1;
    if (first_diff != 0) return first_diff;
  }
  return 0;
}

absl::StatusOr<Version> Version::Parse(absl::string_view text) {
  // Like dpkg, strip only blanks (space, tab): a newline or carriage
  // return around the version makes it invalid.
  absl::string_view s = text;
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  if (s.empty()) return VersionError(text, "version string is empty");
  for (char c : s) {
    if (absl::ascii_isspace(c)) {
      return VersionError(text, "version string has embedded spaces");
    }
  }
  Version version;
  if (size_t colon = s.find(':'); colon != absl::string_view::npos) {
    absl::string_view epoch = s.substr(0, colon);
    if (epoch.empty()) return VersionError(text, "epoch in version is empty");
    for (char c : epoch) {
      if (!absl::ascii_isdigit(c)) {
        return VersionError(text, "epoch in version is not number");
      }
    }
    uint64_t value = 0;
    if (!absl::SimpleAtoi(epoch, &value) || value > INT_MAX) {
      return VersionError(text, "epoch in version is too big");
    }
    version.epoch_ = static_cast<uint32_t>(value);
    version.explicit_epoch_ = true;
    s.remove_prefix(colon + 1);
    if (s.empty())
      return VersionError(text, "nothing after colon in version number");
  }
  if (size_t hyphen = s.rfind('-'); hyphen != absl::string_view::npos) {
    version.revision_ = std::string(s.substr(hyphen + 1));
    if (version.revision_.empty()) {
      return VersionError(text, "revision number is empty");
    }
    s = s.substr(0, hyphen);
  }
  if (s.empty()) return VersionError(text, "version number is empty");
  if (!absl::ascii_isdigit(s[0])) {
    return VersionError(text, "version number does not start with digit");
  }
  for (char c : s) {
    if (!absl::ascii_isalnum(c) &&
        absl::string_view(".-+~:").find(c) == absl::string_view::npos) {
      return VersionError(text, "invalid character in version number");
    }
  }
  for (char c : version.revision_) {
    if (!absl::ascii_isalnum(c) &&
        absl::string_view(".+~").find(c) == absl::string_view::npos) {
      return VersionError(text, "invalid character in revision number");
    }
  }
  version.upstream_ = std::string(s);
  return version;
}

std::string Version::ToString() const {
  std::string out;
  if (explicit_epoch_ || epoch_ != 0) absl::StrAppend(&out, epoch_, ":");
  out += upstream_;
  if (!revision_.empty()) absl::StrAppend(&out, "-", revision_);
  return out;
}

std::weak_ordering operator<=>(const Version& a, const Version& b) {
  if (a.epoch_ != b.epoch_) return a.epoch_ <=> b.epoch_;
  if (int c = CompareVersionParts(a.upstream_, b.upstream_); c != 0) {
    return c <=> 0;
  }
  return CompareVersionParts(a.revision_, b.revision_) <=> 0;
}

}  // namespace debrepo::deb
