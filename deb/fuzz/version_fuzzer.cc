// Fuzzes version parsing and comparison: a parsed version must print and
// parse back to an equal version, and comparison must be antisymmetric.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "deb/version.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  size_t split = text.find('\n');
  std::string first = text.substr(0, split);
  std::string second = split == std::string::npos ? "" : text.substr(split + 1);
  absl::StatusOr<debrepo::deb::Version> a = debrepo::deb::Version::Parse(first);
  absl::StatusOr<debrepo::deb::Version> b =
      debrepo::deb::Version::Parse(second);
  if (a.ok()) {
    absl::StatusOr<debrepo::deb::Version> again =
        debrepo::deb::Version::Parse(a->ToString());
    if (!again.ok() || *again != *a || again->ToString() != a->ToString())
      abort();
  }
  if (a.ok() && b.ok()) {
    if (((*a <=> *b) < 0) != ((*b <=> *a) > 0)) abort();
  }
  int forward = debrepo::deb::CompareVersionParts(first, second);
  int backward = debrepo::deb::CompareVersionParts(second, first);
  if ((forward < 0) != (backward > 0) || (forward == 0) != (backward == 0))
    abort();
  return 0;
}
