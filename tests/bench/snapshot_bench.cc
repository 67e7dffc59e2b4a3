// snapshot_bench: debrepo's snapshot operations next to aptly's on the same
// packages. For each count, repos "a" and "b" of packages generated from
// the machine's real Packages index (b differs from a in every tenth
// package, a higher version) are loaded into a debrepo stack (one server,
// one worker, through gRPC) and into a throw-away aptly root (`aptly repo
// add`), untimed; both are snapshotted; then each run times, with each
// tool: create from repo a, merge of the two snapshots, their diff, filter
// with dependencies, and a pull of 100 changed packages with dependencies.
// Prints one table: the median time of each tool over the runs, their
// ratio, the peak memory of each process in one more run (debrepo's in a
// server and worker started for that operation; each aptly command is a
// process of its own), what each produced and whether
// both made the same packages (examples of any difference go to stderr,
// "name_version_arch"). Run with
// `tools/dev bench` (or set DEBREPO_BENCH_DATABASE_URL and run directly).
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "tests/bench/aptly_snapshot_operations.h"
#include "tests/bench/bench_setup.h"
#include "tests/bench/bench_table.h"
#include "tests/bench/debrepo_snapshot_operations.h"
#include "tests/bench/snapshot_workload.h"
#include "tests/harness.h"

ABSL_FLAG(std::string, counts, "1000,10000,63440",
          "How many packages each repo holds, one run of the benchmark each.");
ABSL_FLAG(int, runs, 3,
          "Times each operation is timed per tool (the table shows the "
          "median time); one more run, untimed, measures peak memory.");

namespace debrepo::testing {
namespace {

// Operation is one row of the table.
struct Operation {
  const char* name;
  // The prefix of the snapshots it creates (one per run), or "" when it
  // creates none.
  const char* creates;
};

// The operations, in the order they run and are printed.
constexpr Operation kOperations[] = {{"create from repo", "created-"},
                                     {"merge 2 snapshots", "merged-"},
                                     {"diff (10% differ)", ""},
                                     {"filter with deps", "filtered-"},
                                     {"pull 100 with deps", "pulled-"}};

// Runs operation `index` of kOperations with `tool`; `run` makes the
// destination's name new.
Measured RunOperation(SnapshotOperations& tool, size_t index, int run,
                      const SnapshotWorkload& workload) {
  const std::string destination = absl::StrCat(kOperations[index].creates, run);
  switch (index) {
    case 0:
      return tool.CreateFromRepo(destination, "a");
    case 1:
      return tool.Merge(destination, {"snap-a", "snap-b"});
    case 2:
      return tool.Diff("snap-a", "snap-b");
    case 3:
      return tool.Filter("snap-b", destination, kFilterQuery);
    default:
      return tool.Pull("snap-a", "snap-b", destination, workload.pull_names);
  }
}

// Agreement compares the packages of the snapshot `snapshot` as each tool
// made it: "yes", or how many only one of them holds (examples go to
// stderr).
std::string Agreement(SnapshotOperations& ours, SnapshotOperations& aptly,
                      const std::string& snapshot) {
  const absl::StatusOr<std::vector<std::string>> mine =
      ours.PackageIds(snapshot);
  const absl::StatusOr<std::vector<std::string>> theirs =
      aptly.PackageIds(snapshot);
  if (!mine.ok() || !theirs.ok()) return "-";
  std::vector<std::string> only_ours, only_aptly;
  std::set_difference(mine->begin(), mine->end(), theirs->begin(),
                      theirs->end(), std::back_inserter(only_ours));
  std::set_difference(theirs->begin(), theirs->end(), mine->begin(),
                      mine->end(), std::back_inserter(only_aptly));
  if (only_ours.empty() && only_aptly.empty()) return "yes";
  const std::string counts =
      absl::StrCat("no: ", only_ours.size(), " only ours, ", only_aptly.size(),
                   " only aptly's");
  only_ours.resize(std::min<size_t>(only_ours.size(), 20));
  only_aptly.resize(std::min<size_t>(only_aptly.size(), 20));
  std::fprintf(stderr, "  %s: only ours: %s\n  %s: only aptly's: %s\n",
               snapshot.c_str(), absl::StrJoin(only_ours, " ").c_str(),
               snapshot.c_str(), absl::StrJoin(only_aptly, " ").c_str());
  return counts;
}

struct Row {
  std::string operation;
  size_t packages = 0;
  Column ours;
  Column aptly;
  // Whether both tools made the same: the same packages, or for a diff
  // the same number of lines.
  std::string same = "-";
};

// Creates the base snapshots "snap-a" and "snap-b" with `tool`.
absl::Status Prepare(SnapshotOperations& tool) {
  for (const auto& [snapshot, repo] :
       {std::pair{"snap-a", "a"}, std::pair{"snap-b", "b"}}) {
    const Measured created = tool.CreateFromRepo(snapshot, repo);
    if (!created.status.ok()) return created.status;
  }
  return absl::OkStatus();
}

std::vector<Row> Run(const std::string& admin_url, size_t count, int runs) {
  SnapshotWorkload workload = MakeSnapshotWorkload(count);
  const size_t packages = workload.repo_a.size();
  std::fprintf(stderr, "  %zu packages, %zu changed in b, pulling %zu\n",
               workload.repo_a.size(), workload.changed_names.size(),
               workload.pull_names.size());
  setenv("DEBREPO_TEST_DATABASE_URL", admin_url.c_str(), 1);
  TestDatabase db;
  Stack stack(db.url());
  stack.StartServer();
  stack.StartWorker({"--concurrency=1"});
  DebrepoSnapshotOperations ours(stack);
  char aptly_dir[] = "/var/tmp/debrepo-aptly-bench.XXXXXX";
  if (mkdtemp(aptly_dir) == nullptr) {
    std::perror("mkdtemp");
    std::exit(1);
  }
  std::vector<Row> rows;
  {
    AptlySnapshotOperations aptly(aptly_dir);
    absl::Time start = absl::Now();
    absl::Status loaded = ours.Load(workload);
    std::fprintf(stderr, "  debrepo: loaded in %.1f s: %s\n",
                 absl::ToDoubleSeconds(absl::Now() - start),
                 loaded.ToString().c_str());
    start = absl::Now();
    loaded = aptly.Load(workload);
    std::fprintf(stderr, "  aptly: loaded in %.1f s: %s\n",
                 absl::ToDoubleSeconds(absl::Now() - start),
                 loaded.ToString().c_str());
    if (!loaded.ok()) std::exit(1);
    workload.repo_a.clear();  // the files are loaded: free their bytes
    workload.repo_b.clear();
    const absl::Status ours_ready = Prepare(ours);
    const absl::Status aptly_ready = Prepare(aptly);
    if (!ours_ready.ok()) {
      std::fprintf(stderr, "  debrepo: %s\n", ours_ready.ToString().c_str());
    }
    if (!aptly_ready.ok()) {
      std::fprintf(stderr, "  aptly: %s\n", aptly_ready.ToString().c_str());
      std::exit(1);
    }
    for (const Operation& operation : kOperations) {
      rows.push_back({operation.name, packages, {}, {}});
      rows.back().ours.status = ours_ready;
    }
    for (int run = 1; run <= runs; ++run) {
      for (size_t op = 0; op < rows.size(); ++op) {
        // Alternate who goes first, so neither always meets the other's
        // leftovers (page cache, PostgreSQL's background work).
        const bool ours_first = run % 2 == 1;
        Row& row = rows[op];
        if (ours_first && ours_ready.ok()) {
          AddTime(RunOperation(ours, op, run, workload), row.ours);
        }
        AddTime(RunOperation(aptly, op, run, workload), row.aptly);
        if (!ours_first && ours_ready.ok()) {
          AddTime(RunOperation(ours, op, run, workload), row.ours);
        }
      }
    }
    // The memory run: each operation once more, untimed, in processes
    // that have done nothing else since they started.
    for (size_t op = 0; op < rows.size(); ++op) {
      if (ours_ready.ok()) {
        const absl::Status fresh = ours.StartAfresh();
        AddPeak(fresh.ok() ? RunOperation(ours, op, runs + 1, workload)
                           : Measured{fresh},
                rows[op].ours);
      }
      AddPeak(RunOperation(aptly, op, runs + 1, workload), rows[op].aptly);
    }
    for (size_t op = 0; op < rows.size(); ++op) {
      Row& row = rows[op];
      if (row.ours.seconds.empty() || row.aptly.seconds.empty()) continue;
      if (*kOperations[op].creates == '\0') {
        row.same = row.ours.count == row.aptly.count ? "yes" : "no";
      } else {
        row.same =
            Agreement(ours, aptly, absl::StrCat(kOperations[op].creates, 1));
      }
    }
  }
  rmdir(aptly_dir);
  for (const Row& row : rows) {
    for (const Column* column : {&row.ours, &row.aptly}) {
      if (!column->status.ok()) {
        std::fprintf(stderr, "  %s (%s): %s\n", row.operation.c_str(),
                     column == &row.ours ? "debrepo" : "aptly",
                     column->status.ToString().c_str());
      }
    }
  }
  return rows;
}

int Main() {
  const std::optional<std::string> url = BenchDatabaseUrl("snapshot_bench");
  if (!url.has_value()) return 2;
  const int runs = std::max(1, absl::GetFlag(FLAGS_runs));
  std::vector<Row> rows;
  for (int count : ParseInts(absl::GetFlag(FLAGS_counts))) {
    for (Row& row : Run(*url, count, runs)) rows.push_back(std::move(row));
  }
  std::printf(
      "| operation | packages | ours s | aptly s | ours/aptly | ours peak MB "
      "| aptly peak MB | result: ours | result: aptly | same |\n"
      "|---|---|---|---|---|---|---|---|---|---|\n");
  for (const Row& row : rows) {
    const std::string ratio = Ratio(row.ours, row.aptly);
    std::printf("| %s | %zu | %s | %s | %s | %s | %s | %s | %s | %s |\n",
                row.operation.c_str(), row.packages, Seconds(row.ours).c_str(),
                Seconds(row.aptly).c_str(), ratio.c_str(),
                PeakMb(row.ours).c_str(), PeakMb(row.aptly).c_str(),
                Count(row.ours).c_str(), Count(row.aptly).c_str(),
                row.same.c_str());
  }
  return 0;
}

}  // namespace
}  // namespace debrepo::testing

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return debrepo::testing::Main();
}
