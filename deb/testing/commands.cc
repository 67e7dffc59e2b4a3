#include "deb/testing/commands.h"

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "deb/internal/subprocess.h"
#include "deb/testing/files.h"
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

std::filesystem::path BuildNativeSource(const std::filesystem::path& dir,
                                        const std::string& source,
                                        const std::string& source_fields) {
  std::filesystem::path tree = dir / (source + "-1.0");
  WriteFile(tree / "debian/control",
            absl::StrCat("Source: ", source, "\n", source_fields,
                         "\nPackage: ", source,
                         "-bin\nArchitecture: any\nDescription: t\n t\n"));
  WriteFile(tree / "debian/changelog",
            absl::StrCat(source,
                         " (1.0) unstable; urgency=medium\n\n  * I.\n\n"
                         " -- T <t@example.org>  Mon, 01 Jan 2024 00:00:00 "
                         "+0000\n"));
  WriteFile(tree / "debian/source/format", "3.0 (native)\n");
  Shell(dir, "dpkg-source -b " + source + "-1.0 >/dev/null && rm -r " + source +
                 "-1.0");
  return dir / (source + "_1.0.dsc");
}

}  // namespace debrepo::deb::testing
