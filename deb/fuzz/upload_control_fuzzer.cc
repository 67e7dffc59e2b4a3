// Fuzzes the .dsc and .changes parsers: any input must yield a result or an
// error; a result lists only plain file names with well-formed digests and
// parses again, unsigned, to the same thing.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "deb/upload_control.h"

namespace {

using ::debrepo::deb::UploadControl;

bool IsHex(const std::string& digest, size_t length) {
  if (digest.empty()) return true;  // Not listed.
  if (digest.size() != length) return false;
  for (char c : digest) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

void Check(const absl::StatusOr<UploadControl>& parsed,
           absl::StatusOr<UploadControl> (*parse)(absl::string_view)) {
  if (!parsed.ok()) return;
  if (parsed->source.empty() || absl::StrContains(parsed->source, '(') ||
      absl::StrContains(parsed->source, ' ')) {
    abort();
  }
  for (const debrepo::deb::ListedFile& file : parsed->files) {
    if (file.name.empty() || absl::StrContains(file.name, '/') ||
        !IsHex(file.checksums.md5, 32) || !IsHex(file.checksums.sha1, 40) ||
        !IsHex(file.checksums.sha256, 64) ||
        !IsHex(file.checksums.sha512, 128)) {
      abort();
    }
  }
  absl::StatusOr<UploadControl> again = parse(parsed->paragraph.ToString());
  if (!again.ok() || again->source != parsed->source ||
      again->version.ToString() != parsed->version.ToString() ||
      again->files.size() != parsed->files.size()) {
    abort();
  }
  for (size_t i = 0; i < parsed->files.size(); ++i) {
    if (again->files[i].name != parsed->files[i].name ||
        again->files[i].checksums.sha256 != parsed->files[i].checksums.sha256 ||
        again->files[i].checksums.size != parsed->files[i].checksums.size) {
      abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  Check(debrepo::deb::ParseDsc(text), &debrepo::deb::ParseDsc);
  Check(debrepo::deb::ParseChanges(text), &debrepo::deb::ParseChanges);
  return 0;
}
