// mirror_bench: mirroring a large real index, debrepo's sync next to
// aptly's `mirror update` of the same served archive in the same run. The
// archive is the machine's bookworm main amd64 Packages index (about
// 63,000 stanzas) with a signed Release, each stanza pointing at a small
// generated file (tests/bench/bench_archive.h), served by nginx on
// loopback. Two rows: a filter naming six packages, with their
// dependencies, and everything. Each run starts from nothing (a new
// database, blob store and stack of one server and one worker; a new aptly
// root); `mirror create` is timed on its own, then `mirror update`, each
// tool's as a whole CLI process: for debrepo with the peak memory of the
// server and the worker during it (and the sync job's own time), for aptly
// with its process's peak. Prints the
// median over the runs, the ratio and how many packages each mirror holds
// afterwards. Run with `tools/dev bench mirror`.
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/bench/aptly.h"
#include "tests/bench/bench_archive.h"
#include "tests/bench/bench_setup.h"
#include "tests/bench/bench_table.h"
#include "tests/bench/job_time.h"
#include "tests/bench/loopback_nginx.h"
#include "tests/bench/peak_memory.h"
#include "tests/bench/timed_command.h"
#include "tests/harness.h"

ABSL_FLAG(int, runs, 1,
          "Runs per row, each from nothing (the table shows the median).");
// By Name: a bare name would also match the packages that Provide it in
// debrepo (aptly's MatchesDependency, deb/query.h), not in aptly 1.5's
// mirror filter ("vim" takes vim-gtk3, vim-motif and vim-nox too).
ABSL_FLAG(std::string, filter,
          "Name (nginx) | Name (curl) | Name (git) | Name (openssh-server) | "
          "Name (python3) | Name (vim)",
          "The filtered row's query (aptly's syntax), taken with its "
          "dependencies.");
ABSL_FLAG(bool, unfiltered, true,
          "Also mirror the whole index (every one of its files is "
          "downloaded).");

namespace debrepo::testing {
namespace {

// The mirror's name in both tools.
constexpr char kMirror[] = "bench";

// Row is one filter's results.
struct Row {
  std::string label;
  // Empty: mirror everything.
  std::string filter;
  Column ours;
  Column aptly;
  Column ours_create;
  Column aptly_create;
  // Of ours: the sync job alone, from its start to its end.
  Column sync_job;
};

// The arguments of `mirror create` for both tools (their grammar is the
// same): the filter with its dependencies when there is one.
std::vector<std::string> CreateArgs(const BenchArchive& archive,
                                    const std::string& url,
                                    const std::string& filter) {
  std::vector<std::string> args = {"mirror", "create",
                                   "-keyring=" + archive.keyring_path,
                                   "-architectures=" + archive.architecture};
  if (!filter.empty()) {
    args.push_back("-filter=" + filter);
    args.push_back("-filter-with-deps");
  }
  for (const std::string& arg :
       {std::string(kMirror), url, archive.distribution, archive.component}) {
    args.push_back(arg);
  }
  return args;
}

// PrintJobLog writes the log of the one job of `kind` in `stack` to
// stderr: the sync's log says how long each of its phases took.
void PrintJobLog(Stack& stack, absl::string_view kind) {
  v1::ListJobsRequest request;
  request.set_kind(std::string(kind));
  v1::ListJobsResponse listed;
  if (!stack.jobs(0)
           .ListJobs(Deadline(absl::Seconds(30)).get(), request, &listed)
           .ok() ||
      listed.jobs_size() != 1) {
    return;
  }
  v1::GetJobRequest get;
  get.set_id(listed.jobs(0).id());
  v1::Job job;
  if (!stack.jobs(0)
           .GetJob(Deadline(absl::Seconds(30)).get(), get, &job)
           .ok()) {
    return;
  }
  for (const std::string& line : job.log()) {
    std::fprintf(stderr, "  %s job: %s\n", std::string(kind).c_str(),
                 line.c_str());
  }
}

// Mirrors the archive at `url` with debrepo's CLI into a new stack whose
// blob store is under `scratch`; `create` and `sync_job` get the
// creation's time and the sync job's own.
Measured MirrorWithDebrepo(const BenchArchive& archive, const std::string& url,
                           const std::string& filter,
                           const std::string& scratch, Measured& create,
                           Measured& sync_job) {
  const std::string blob_dir = scratch + "/blobs";
  TestDatabase db;
  Stack stack(db.url(), blob_dir);
  stack.StartServer();
  stack.StartWorker({"--concurrency=1"});
  const std::vector<std::string> cli = {RunfilePath("cli/debrepo"),
                                        "-server=" + stack.address(0)};
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), cli.begin(), cli.end());
    return RunTimed(args, scratch);
  };
  create = MeasuredRun(run(CreateArgs(archive, url, filter)), "cli",
                       "debrepo mirror create");
  if (!create.status.ok()) return create;
  const pid_t server = stack.server(0).pid();
  const pid_t worker = stack.worker(0).pid();
  ResetPeakRss(server);
  ResetPeakRss(worker);
  Measured measured = MeasuredRun(run({"mirror", "update", kMirror}), "cli",
                                  "debrepo mirror update");
  measured.peak_kb.push_back({"server", PeakRssKb(server)});
  measured.peak_kb.push_back({"worker", PeakRssKb(worker)});
  if (measured.status.ok()) {
    absl::StatusOr<TimedRun> shown = run({"mirror", "show", kMirror});
    measured.count = shown.ok() ? PackageCount(shown->output) : -1;
    sync_job = JobTime(stack, "mirror.sync");
    PrintJobLog(stack, "mirror.sync");
  }
  std::error_code ignored;
  std::filesystem::remove_all(blob_dir, ignored);
  return measured;
}

// Mirrors the archive at `url` with aptly into a new root under
// `scratch`; `create` gets `aptly mirror create`'s time.
Measured MirrorWithAptly(const BenchArchive& archive, const std::string& url,
                         const std::string& filter, const std::string& scratch,
                         Measured& create) {
  const std::string directory = scratch + "/aptly";
  std::filesystem::create_directories(directory);
  Aptly aptly(directory);
  create = MeasuredRun(aptly.Run(CreateArgs(archive, url, filter)), "aptly",
                       "aptly mirror create");
  if (!create.status.ok()) return create;
  Measured measured =
      MeasuredRun(aptly.Run({"mirror", "update",
                             "-keyring=" + archive.keyring_path, kMirror}),
                  "aptly", "aptly mirror update");
  if (measured.status.ok()) {
    absl::StatusOr<TimedRun> shown = aptly.Run({"mirror", "show", kMirror});
    measured.count = shown.ok() ? PackageCount(shown->output) : -1;
  }
  return measured;
}

void Measure(const BenchArchive& archive, const std::string& url,
             const std::string& scratch, int runs, Row& row) {
  Alternate(
      runs,
      [&] {
        Measured create;
        Measured sync_job;
        const Measured ours = MirrorWithDebrepo(archive, url, row.filter,
                                                scratch, create, sync_job);
        AddTime(create, row.ours_create);
        AddTime(ours.status.ok() ? sync_job : ours, row.sync_job);
        AddTime(ours, row.ours);
        AddPeak(ours, row.ours);
      },
      [&] {
        Measured create;
        const Measured aptly =
            MirrorWithAptly(archive, url, row.filter, scratch, create);
        AddTime(create, row.aptly_create);
        AddTime(aptly, row.aptly);
        AddPeak(aptly, row.aptly);
      });
  PrintFailures(row.label, {{"debrepo", &row.ours}, {"aptly", &row.aptly}});
}

int Main() {
  const std::optional<std::string> db_url = BenchDatabaseUrl("mirror_bench");
  if (!db_url.has_value()) return 2;
  setenv("DEBREPO_TEST_DATABASE_URL", db_url->c_str(), 1);
  const int runs = std::max(1, absl::GetFlag(FLAGS_runs));
  char scratch[] = "/var/tmp/debrepo-mirror-bench.XXXXXX";
  if (mkdtemp(scratch) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  std::vector<Row> rows;
  {
    TestSigners signers({"mirror-bench"});
    std::fprintf(stderr, "  writing the archive (generated files, xz, gz)\n");
    const absl::Time start = absl::Now();
    absl::StatusOr<BenchArchive> archive =
        WriteBenchArchive(scratch, signers, "mirror-bench");
    if (!archive.ok()) {
      std::fprintf(stderr, "  %s\n", archive.status().ToString().c_str());
      return 1;
    }
    absl::StatusOr<std::unique_ptr<LoopbackNginx>> nginx =
        LoopbackNginx::Start(archive->root, scratch);
    if (!nginx.ok()) {
      std::fprintf(stderr, "  %s\n", nginx.status().ToString().c_str());
      return 1;
    }
    std::fprintf(stderr, "  serving %lld stanzas, %lld files at %s (%.0f s)\n",
                 static_cast<long long>(archive->stanzas),
                 static_cast<long long>(archive->files),
                 (*nginx)->url().c_str(),
                 absl::ToDoubleSeconds(absl::Now() - start));
    rows.push_back(
        {.label = "filter, with deps", .filter = absl::GetFlag(FLAGS_filter)});
    if (absl::GetFlag(FLAGS_unfiltered))
      rows.push_back({.label = "everything"});
    for (Row& row : rows) {
      Measure(*archive, (*nginx)->url(), scratch, runs, row);
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(scratch, ignored);
  std::printf(
      "| mirror update | packages: ours | packages: aptly | ours s | of which "
      "sync job s | aptly s | ours/aptly | ours peak MB | aptly peak MB | "
      "create: ours s | create: aptly s |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const Row& row : rows) {
    std::printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
                row.label.c_str(), Count(row.ours).c_str(),
                Count(row.aptly).c_str(), Seconds(row.ours).c_str(),
                Seconds(row.sync_job).c_str(), Seconds(row.aptly).c_str(),
                Ratio(row.ours, row.aptly).c_str(), PeakMb(row.ours).c_str(),
                PeakMb(row.aptly).c_str(), Seconds(row.ours_create).c_str(),
                Seconds(row.aptly_create).c_str());
  }
  return 0;
}

}  // namespace
}  // namespace debrepo::testing

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return debrepo::testing::Main();
}
