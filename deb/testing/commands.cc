#include "deb/testing/commands.h"

#include "absl/status/statusor.h"
#include "absl/strings/str_join.h"
#include "deb/internal/subprocess.h"
#include "gtest/gtest.h"

namespace debrepo::deb::testing {

using ::debrepo::deb::internal::CommandResult;
using ::debrepo::deb::internal::RunCommand;

std::string RunOk(const std::vector<std::string>& argv,
                  absl::string_view stdin_data) {
  absl::StatusOr<CommandResult> result = RunCommand(argv, stdin_data);
  std::string command = absl::StrJoin(argv, " ");
  if (!result.ok()) {
    ADD_FAILURE() << command << ": " << result.status();
    return "";
  }
  if (result->exit_code != 0) {
    ADD_FAILURE() << command << ": exit code " << result->exit_code << ": "
                  << result->stderr_data;
  }
  return std::move(result->stdout_data);
}

std::string Shell(const std::filesystem::path& dir,
                  const std::string& command) {
  // The directory is passed as $1, so that no quoting can go wrong.
  return RunOk({"sh", "-c", "cd -- \"$1\" && " + command, "sh", dir.string()});
}

}  // namespace debrepo::deb::testing
