#include "tests/bench/aptly.h"

#include <filesystem>
#include <fstream>
#include <vector>

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

}  // namespace debrepo::testing
