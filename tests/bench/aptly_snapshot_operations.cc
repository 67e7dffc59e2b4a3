#include "tests/bench/aptly_snapshot_operations.h"

#include <algorithm>
#include <filesystem>

#include "absl/functional/function_ref.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "tests/bench/bench_table.h"

namespace debrepo::testing {
namespace {

absl::Status Failed(const std::vector<std::string>& args, const TimedRun& run) {
  return absl::InternalError(absl::StrCat("aptly ", absl::StrJoin(args, " "),
                                          " exited ", run.exit_code, ": ",
                                          run.output.substr(0, 2000)));
}

// Runs `args` and fails unless aptly exits 0.
absl::Status RunOk(const Aptly& aptly, const std::vector<std::string>& args) {
  ASSIGN_OR_RETURN(TimedRun run, aptly.Run(args));
  if (run.exit_code != 0) return Failed(args, run);
  return absl::OkStatus();
}

// The "Number of packages: N" line of `aptly snapshot show`.
absl::StatusOr<int64_t> PackageCount(const Aptly& aptly,
                                     const std::string& snapshot) {
  const std::vector<std::string> args = {"snapshot", "show", snapshot};
  ASSIGN_OR_RETURN(TimedRun run, aptly.Run(args));
  if (run.exit_code != 0) return Failed(args, run);
  for (absl::string_view line : absl::StrSplit(run.output, '\n')) {
    int64_t count = 0;
    if (absl::ConsumePrefix(&line, "Number of packages:") &&
        absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &count)) {
      return count;
    }
  }
  return absl::InternalError("no package count in: " + run.output);
}

}  // namespace

AptlySnapshotOperations::AptlySnapshotOperations(const std::string& directory)
    : directory_(directory), aptly_(directory) {}

absl::Status AptlySnapshotOperations::Load(const SnapshotWorkload& workload) {
  for (const auto& [repo, files] :
       {std::pair{"a", &workload.repo_a}, std::pair{"b", &workload.repo_b}}) {
    const std::string files_dir = absl::StrCat(directory_, "/debs-", repo);
    RETURN_IF_ERROR(WriteFiles(*files, files_dir));
    RETURN_IF_ERROR(RunOk(aptly_, {"repo", "create", repo}));
    RETURN_IF_ERROR(RunOk(aptly_, {"repo", "add", repo, files_dir}));
    std::error_code ignored;
    std::filesystem::remove_all(files_dir, ignored);  // the pool has them
  }
  return absl::OkStatus();
}

Measured AptlySnapshotOperations::Timed(
    const std::vector<std::string>& args,
    absl::FunctionRef<absl::StatusOr<int64_t>(const TimedRun&)> count) {
  const absl::StatusOr<TimedRun> run = aptly_.Run(args);
  Measured measured = MeasuredRun(
      run, "aptly", absl::StrCat("aptly ", absl::StrJoin(args, " ")));
  if (!measured.status.ok()) return measured;
  absl::StatusOr<int64_t> counted = count(*run);
  if (counted.ok()) {
    measured.count = *counted;
  } else {
    measured.status = counted.status();
  }
  return measured;
}

Measured AptlySnapshotOperations::TimedCreation(
    const std::vector<std::string>& args, const std::string& created) {
  return Timed(args,
               [&](const TimedRun&) { return PackageCount(aptly_, created); });
}

Measured AptlySnapshotOperations::CreateFromRepo(const std::string& snapshot,
                                                 const std::string& repo) {
  return TimedCreation({"snapshot", "create", snapshot, "from", "repo", repo},
                       snapshot);
}

Measured AptlySnapshotOperations::Merge(
    const std::string& destination, const std::vector<std::string>& sources) {
  std::vector<std::string> args = {"snapshot", "merge", destination};
  args.insert(args.end(), sources.begin(), sources.end());
  return TimedCreation(args, destination);
}

Measured AptlySnapshotOperations::Diff(const std::string& left,
                                       const std::string& right) {
  return Timed(
      {"snapshot", "diff", left, right},
      [](const TimedRun& run) -> absl::StatusOr<int64_t> {
        // Lines "! amd64  | name | 1.0 | 1.1", "+ ...", "- ...".
        int64_t lines = 0;
        for (absl::string_view line : absl::StrSplit(run.output, '\n')) {
          if (absl::StartsWith(line, "! ") || absl::StartsWith(line, "+ ") ||
              absl::StartsWith(line, "- ")) {
            ++lines;
          }
        }
        return lines;
      });
}

Measured AptlySnapshotOperations::Filter(const std::string& source,
                                         const std::string& destination,
                                         const std::string& query) {
  return TimedCreation({"snapshot", "filter", "-with-deps",
                        absl::StrCat("-architectures=", kArchitecture), source,
                        destination, query},
                       destination);
}

Measured AptlySnapshotOperations::Pull(const std::string& base,
                                       const std::string& source,
                                       const std::string& destination,
                                       const std::vector<std::string>& names) {
  std::vector<std::string> args = {
      "snapshot", "pull", absl::StrCat("-architectures=", kArchitecture),
      base,       source, destination};
  args.insert(args.end(), names.begin(), names.end());
  return TimedCreation(args, destination);
}

absl::StatusOr<std::vector<std::string>> AptlySnapshotOperations::PackageIds(
    const std::string& snapshot) {
  const std::vector<std::string> args = {"snapshot", "show", "-with-packages",
                                         snapshot};
  ASSIGN_OR_RETURN(TimedRun run, aptly_.Run(args));
  if (run.exit_code != 0) return Failed(args, run);
  // The lines after "Packages:", each "  name_version_arch".
  std::vector<std::string> ids;
  bool listing = false;
  for (absl::string_view line : absl::StrSplit(run.output, '\n')) {
    if (listing) {
      line = absl::StripAsciiWhitespace(line);
      if (!line.empty()) ids.emplace_back(line);
    } else {
      listing = line == "Packages:";
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace debrepo::testing
