#include "deb/internal/scratch_dir.h"

#include <stdlib.h>

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace debrepo::deb::internal {

ScratchDir::ScratchDir() {
  const char* tmp = getenv("TMPDIR");
  std::string pattern = absl::StrCat(
      tmp != nullptr && tmp[0] == '/' ? tmp : "/tmp", "/debrepo-gpg-XXXXXX");
  if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
}

}  // namespace debrepo::deb::internal
