#include "tests/bench/reprepro.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace debrepo::testing {
namespace {

// How many files one `reprepro includedeb` takes, well inside the
// kernel's argument-size limit.
constexpr size_t kFilesPerInclude = 1000;

}  // namespace

Reprepro::Reprepro(const std::string& directory,
                   const std::vector<std::string>& architectures)
    : directory_(directory) {
  std::filesystem::create_directories(directory_ + "/conf");
  std::ofstream(directory_ + "/conf/distributions")
      << "Codename: bench\n"
      << "Architectures: " << absl::StrJoin(architectures, " ") << "\n"
      << "Components: main\n";
}

Reprepro::~Reprepro() {
  std::error_code ignored;
  for (const char* made : {"conf", "db", "dists", "pool", "lists", "logs"}) {
    std::filesystem::remove_all(absl::StrCat(directory_, "/", made), ignored);
  }
}

absl::Status Reprepro::IncludeDebs(const std::string& files_directory) const {
  std::vector<std::string> files;
  for (const auto& entry :
       std::filesystem::directory_iterator(files_directory)) {
    if (entry.path().extension() == ".deb") files.push_back(entry.path());
  }
  for (size_t first = 0; first < files.size(); first += kFilesPerInclude) {
    std::vector<std::string> argv = {"reprepro", "-b", directory_, "includedeb",
                                     "bench"};
    const size_t last = std::min(files.size(), first + kFilesPerInclude);
    argv.insert(argv.end(), files.begin() + first, files.begin() + last);
    ASSIGN_OR_RETURN(TimedRun run, RunTimed(argv, directory_));
    if (run.exit_code != 0) {
      return absl::InternalError(absl::StrCat("reprepro includedeb exited ",
                                              run.exit_code, ": ",
                                              run.output.substr(0, 2000)));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<TimedRun> Reprepro::Export() const {
  return RunTimed({"reprepro", "-b", directory_, "export", "bench"},
                  directory_);
}

}  // namespace debrepo::testing
