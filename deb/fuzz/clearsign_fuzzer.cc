// Fuzzes clear-signed message splitting: whatever splits is recognised as
// clear-signed, and joining the parts back gives a message that splits to
// the same parts.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "deb/clearsign.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view message(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<debrepo::deb::ClearSigned> split =
      debrepo::deb::SplitClearSigned(message);
  if (!split.ok()) return 0;
  if (!debrepo::deb::IsClearSigned(message)) abort();
  std::string joined = debrepo::deb::JoinClearSigned(*split);
  absl::StatusOr<debrepo::deb::ClearSigned> again =
      debrepo::deb::SplitClearSigned(joined);
  if (!again.ok() || again->text != split->text ||
      again->signature != split->signature ||
      again->armor_headers != split->armor_headers) {
    abort();
  }
  return 0;
}
