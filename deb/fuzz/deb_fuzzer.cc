// Fuzzes the .deb reader with small limits: any input must yield a package
// or an error, within the limits.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "deb/deb_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  debrepo::deb::DebLimits limits;
  limits.max_control_bytes = 1 << 20;
  limits.max_paths = 10000;
  absl::StatusOr<debrepo::deb::DebFile> deb = debrepo::deb::ReadDeb(in, limits);
  if (deb.ok() &&
      (deb->paths.size() > limits.max_paths || deb->checksums.size != size)) {
    abort();
  }
  return 0;
}
