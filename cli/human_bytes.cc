#include "cli/human_bytes.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_format.h"

namespace debrepo::cli {

std::string HumanBytes(int64_t bytes) {
  constexpr struct {
    int64_t size;
    const char* name;
  } kUnits[] = {{int64_t{1} << 40, "TiB"},
                {int64_t{1} << 30, "GiB"},
                {int64_t{1} << 20, "MiB"},
                {int64_t{1} << 10, "KiB"}};
  for (const auto& unit : kUnits) {
    if (bytes > unit.size / 2) {
      return absl::StrFormat("%.2f %s", static_cast<double>(bytes) / unit.size,
                             unit.name);
    }
  }
  return absl::StrFormat("%d B", bytes);
}

}  // namespace debrepo::cli
