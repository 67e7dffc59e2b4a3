// Running helper programs (dpkg tools, coreutils, sh) from tests, failing the
// test when they do not succeed.
#ifndef DEBREPO_DEB_TESTING_COMMANDS_H_
#define DEBREPO_DEB_TESTING_COMMANDS_H_

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace debrepo::deb::testing {

// RunOk runs `argv` with `stdin_data` as input and returns its stdout. When
// the command cannot be run or exits non-zero it adds a test failure naming
// the command and its stderr, and returns what it has (possibly "").
std::string RunOk(const std::vector<std::string>& argv,
                  absl::string_view stdin_data = "");

// Shell runs `command` with sh -c in directory `dir`, like RunOk.
std::string Shell(const std::filesystem::path& dir, const std::string& command);

// BuildNativeSource builds source package `source` 1.0 in format
// "3.0 (native)" with dpkg-source in `dir`, whose debian/control starts
// "Source: `source`\n" + `source_fields` and lists one binary package
// "`source`-bin", and returns the path of its .dsc.
std::filesystem::path BuildNativeSource(const std::filesystem::path& dir,
                                        const std::string& source,
                                        const std::string& source_fields);

}  // namespace debrepo::deb::testing

#endif  // DEBREPO_DEB_TESTING_COMMANDS_H_
