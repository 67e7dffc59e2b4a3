// Reading and writing whole files from tests.
#ifndef DEBREPO_DEB_TESTING_FILES_H_
#define DEBREPO_DEB_TESTING_FILES_H_

#include <filesystem>
#include <string>

#include "absl/strings/string_view.h"

namespace debrepo::deb::testing {

// ReadFile returns the bytes of `path`, or "" when it cannot be read.
std::string ReadFile(const std::filesystem::path& path);

// WriteFile writes `data` to `path`, creating its parent directories.
void WriteFile(const std::filesystem::path& path, absl::string_view data);

}  // namespace debrepo::deb::testing

#endif  // DEBREPO_DEB_TESTING_FILES_H_
