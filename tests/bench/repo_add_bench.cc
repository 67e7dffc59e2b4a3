// repo_add_bench: adding a directory of .deb files to a local repo as the
// user does it, `debrepo repo add REPO DIR` timed as a whole CLI process
// (hashing, the parallel uploads, the add job, the wait for it) next to
// `aptly repo add REPO DIR` of the same files in the same run. Each run
// starts from nothing: a new database, blob store, stack (one server, one
// worker) and aptly root, the files written to disk beforehand, untimed.
// The files are generated from the machine's real Packages index. Prints
// the median over the runs, the ratio, the peak memory of each process and
// how many packages each repo holds afterwards. Run with
// `tools/dev bench add`.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "tests/bench/aptly.h"
#include "tests/bench/bench_setup.h"
#include "tests/bench/bench_table.h"
#include "tests/bench/job_time.h"
#include "tests/bench/peak_memory.h"
#include "tests/bench/snapshot_workload.h"
#include "tests/bench/timed_command.h"
#include "tests/harness.h"

ABSL_FLAG(std::string, counts, "1000,10000,63440",
          "How many .deb files to add, one row each.");
ABSL_FLAG(int, runs, 1,
          "Runs per count, each from nothing (the table shows the median).");

namespace debrepo::testing {
namespace {

// Row is one count's results.
struct Row {
  size_t files = 0;
  Column ours;
  Column aptly;
  // Of ours: the add job alone, from its start to its end (the rest is
  // hashing, uploading and waiting).
  Column add_job;
};

// Adds the files in `files_dir` with debrepo's CLI into a new stack;
// `add_job` gets the add job's own time.
Measured AddWithDebrepo(const std::string& files_dir,
                        const std::string& scratch, Measured& add_job) {
  TestDatabase db;
  Stack stack(db.url());
  stack.StartServer();
  stack.StartWorker({"--concurrency=1"});
  const std::vector<std::string> cli = {RunfilePath("cli/debrepo"),
                                        "-server=" + stack.address(0)};
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), cli.begin(), cli.end());
    return RunTimed(args, scratch);
  };
  Measured created =
      MeasuredRun(run({"repo", "create", "bench"}), "cli", "repo create");
  if (!created.status.ok()) return created;
  const pid_t server = stack.server(0).pid();
  const pid_t worker = stack.worker(0).pid();
  ResetPeakRss(server);
  ResetPeakRss(worker);
  Measured measured =
      MeasuredRun(run({"repo", "add", "bench", files_dir}), "cli", "repo add");
  measured.peak_kb.push_back({"server", PeakRssKb(server)});
  measured.peak_kb.push_back({"worker", PeakRssKb(worker)});
  if (measured.status.ok()) {
    absl::StatusOr<TimedRun> shown = run({"repo", "show", "bench"});
    measured.count = shown.ok() ? PackageCount(shown->output) : -1;
    add_job = JobTime(stack, "repo.add_from_upload");
  }
  return measured;
}

// Adds the files in `files_dir` with aptly into a new root.
Measured AddWithAptly(const std::string& files_dir,
                      const std::string& scratch) {
  const std::string directory = scratch + "/aptly";
  std::filesystem::create_directories(directory);
  Aptly aptly(directory);
  Measured created = MeasuredRun(aptly.Run({"repo", "create", "bench"}),
                                 "aptly", "aptly repo create");
  if (!created.status.ok()) return created;
  Measured measured =
      MeasuredRun(aptly.Run({"repo", "add", "bench", files_dir}), "aptly",
                  "aptly repo add");
  if (measured.status.ok()) {
    absl::StatusOr<TimedRun> shown = aptly.Run({"repo", "show", "bench"});
    measured.count = shown.ok() ? PackageCount(shown->output) : -1;
  }
  return measured;
}

Row Run(const std::string& admin_url, size_t count, int runs) {
  setenv("DEBREPO_TEST_DATABASE_URL", admin_url.c_str(), 1);
  char scratch[] = "/var/tmp/debrepo-add-bench.XXXXXX";
  if (mkdtemp(scratch) == nullptr) {
    std::perror("mkdtemp");
    std::exit(1);
  }
  const std::string files_dir = absl::StrCat(scratch, "/debs");
  Row row;
  {
    const SnapshotWorkload workload = MakeSnapshotWorkload(count);
    row.files = workload.repo_a.size();
    if (absl::Status written = WriteFiles(workload.repo_a, files_dir);
        !written.ok()) {
      std::fprintf(stderr, "  %s\n", written.ToString().c_str());
      std::exit(1);
    }
  }
  Alternate(
      runs,
      [&] {
        Measured add_job;
        const Measured ours = AddWithDebrepo(files_dir, scratch, add_job);
        AddTime(add_job, row.add_job);
        AddTime(ours, row.ours);
        AddPeak(ours, row.ours);
      },
      [&] {
        const Measured aptly = AddWithAptly(files_dir, scratch);
        AddTime(aptly, row.aptly);
        AddPeak(aptly, row.aptly);
      });
  std::error_code ignored;
  std::filesystem::remove_all(scratch, ignored);
  PrintFailures(absl::StrCat(row.files, " files"),
                {{"debrepo", &row.ours}, {"aptly", &row.aptly}});
  return row;
}

int Main() {
  const std::optional<std::string> url = BenchDatabaseUrl("repo_add_bench");
  if (!url.has_value()) return 2;
  const int runs = std::max(1, absl::GetFlag(FLAGS_runs));
  std::vector<Row> rows;
  for (int count : ParseInts(absl::GetFlag(FLAGS_counts))) {
    rows.push_back(Run(*url, count, runs));
  }
  std::printf(
      "| repo add of a directory | files | ours s | of which add job s | "
      "aptly s | ours/aptly | ours peak MB | aptly peak MB | packages: ours | "
      "packages: aptly |\n"
      "|---|---|---|---|---|---|---|---|---|---|\n");
  for (const Row& row : rows) {
    std::printf(
        "| whole CLI process | %zu | %s | %s | %s | %s | %s | %s | %s | %s "
        "|\n",
        row.files, Seconds(row.ours).c_str(), Seconds(row.add_job).c_str(),
        Seconds(row.aptly).c_str(), Ratio(row.ours, row.aptly).c_str(),
        PeakMb(row.ours).c_str(), PeakMb(row.aptly).c_str(),
        Count(row.ours).c_str(), Count(row.aptly).c_str());
  }
  return 0;
}

}  // namespace
}  // namespace debrepo::testing

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return debrepo::testing::Main();
}
