#include "tests/bench/aptly.h"

#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace debrepo::testing {

Aptly::Aptly(const std::string& directory)
    : directory_(directory), config_path_(directory + "/aptly.conf") {
  // Only rootDir is set: aptly's defaults for the rest (architectures from
  // the packages, Depends and Pre-Depends followed, first alternative).
  std::ofstream(config_path_)
      << "{\"rootDir\": \"" << directory_ << "/root\"}\n";
}

Aptly::~Aptly() {
  std::error_code ignored;
  std::filesystem::remove_all(directory_ + "/root", ignored);
  std::filesystem::remove(config_path_, ignored);
}

absl::StatusOr<TimedRun> Aptly::Run(
    const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"aptly", "-config=" + config_path_};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunTimed(argv, directory_);
}

int64_t PackageCount(const std::string& output) {
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    int64_t count = 0;
    if (absl::ConsumePrefix(&line, "Number of packages:") &&
        absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &count)) {
      return count;
    }
  }
  return -1;
}

}  // namespace debrepo::testing
