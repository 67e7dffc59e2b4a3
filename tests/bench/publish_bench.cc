// publish_bench: debrepo's publishing next to aptly's (and reprepro's
// export) on the same packages. For each count, the snapshot benchmark's
// repos "a" and "b" (b upgrades every tenth package) are loaded into a
// debrepo stack (one server, one worker, through gRPC) and a throw-away
// aptly root, untimed, and snapshotted as "snap-a" and "snap-b"; repo a's
// files also go into a reprepro distribution. Then each run times, with
// each tool, at a new prefix each time (so pool files are linked afresh):
// publishing snap-a with aptly's default outputs (Packages, .gz, .bz2,
// Contents), publishing it with Packages and .gz only, switching a
// publication of snap-a to snap-b, and writing the gz-only publication's
// indices again over the pool it made (a switch to snap-a, which it
// lists already). All unsigned, one component, amd64 (with the "all"
// packages). For the gz-only rows the table also shows reprepro's `export`
// of the same packages, which writes the indices over a pool its untimed
// `includedeb` filled -- like for like with the last row, while the first
// gz-only row also makes the pool -- and the floor: writing our Packages
// file and its gzip once, in memory to disk, on one core.
// Prints the median of the runs, the ratios, the peak memory of each
// process in one more run, how many packages each binary-amd64/Packages
// lists and whether both tools listed the same (name, version,
// architecture) set. Run with `tools/dev bench publish`.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "deb/compressed_writer.h"
#include "deb/control.h"
#include "tests/bench/aptly_publish_operations.h"
#include "tests/bench/aptly_snapshot_operations.h"
#include "tests/bench/bench_setup.h"
#include "tests/bench/bench_table.h"
#include "tests/bench/debrepo_publish_operations.h"
#include "tests/bench/debrepo_snapshot_operations.h"
#include "tests/bench/reprepro.h"
#include "tests/bench/snapshot_workload.h"
#include "tests/harness.h"

ABSL_FLAG(std::string, counts, "1000,10000,63440",
          "How many packages each snapshot holds, one run of the benchmark "
          "each.");
ABSL_FLAG(int, runs, 3,
          "Times each operation is timed per tool (the table shows the "
          "median time); one more run, untimed, measures peak memory.");

namespace debrepo::testing {
namespace {

enum class Operation {
  kPublishDefaults,
  kPublishGzip,
  kSwitch,
  // kPublishGzip's publication of the same run, written again.
  kRepublishGzip,
};

// In this order: kRepublishGzip follows kPublishGzip.
constexpr Operation kOperations[] = {
    Operation::kPublishDefaults, Operation::kPublishGzip, Operation::kSwitch,
    Operation::kRepublishGzip};

// GzipOnly says whether `operation` writes Packages and .gz only: the rows
// next to reprepro's export and the floor.
bool GzipOnly(Operation operation) {
  return operation == Operation::kPublishGzip ||
         operation == Operation::kRepublishGzip;
}

const char* Name(Operation operation) {
  switch (operation) {
    case Operation::kPublishDefaults:
      return "publish: Packages, .gz, .bz2, Contents";
    case Operation::kPublishGzip:
      return "publish: Packages, .gz";
    case Operation::kSwitch:
      return "switch after 10% upgrade";
    case Operation::kRepublishGzip:
      return "again over its pool: Packages, .gz";
  }
  return "";
}

// Prefix returns the prefix `operation` publishes at in `run`.
std::string Prefix(Operation operation, int run) {
  switch (operation) {
    case Operation::kPublishDefaults:
      return absl::StrCat("full-", run);
    case Operation::kPublishGzip:
    case Operation::kRepublishGzip:
      return absl::StrCat("gz-", run);
    case Operation::kSwitch:
      return absl::StrCat("switch-", run);
  }
  return "";
}

std::string PackagesPath(const std::string& dist_dir) {
  return absl::StrCat(dist_dir, "/main/binary-", kArchitecture, "/Packages");
}

std::string DistDir(const PublishOperations& tool, const std::string& prefix) {
  return absl::StrCat(tool.PublishRoot(), "/", prefix, "/dists/",
                      kPublishedDistribution);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// ListedPackages returns "name version architecture" of every stanza of
// the Packages file at `path`, sorted.
std::vector<std::string> ListedPackages(const std::string& path) {
  std::vector<std::string> listed;
  absl::StatusOr<std::vector<deb::Paragraph>> stanzas =
      deb::ParseParagraphs(ReadFile(path));
  if (!stanzas.ok()) return listed;
  for (const deb::Paragraph& stanza : *stanzas) {
    listed.push_back(absl::StrCat(stanza.Get("Package").value_or(""), " ",
                                  stanza.Get("Version").value_or(""), " ",
                                  stanza.Get("Architecture").value_or("")));
  }
  std::sort(listed.begin(), listed.end());
  return listed;
}

// Runs `operation` with `tool` in `run`; the count is how many packages
// its binary-amd64/Packages lists (counted untimed).
// Each timed operation starts with the dirty data of what came before
// written back (sync(2), untimed), so that none pays for the writeback of
// the loading or of the other tool's run.
Measured RunOperation(PublishOperations& tool, Operation operation, int run) {
  const std::string prefix = Prefix(operation, run);
  Measured measured;
  switch (operation) {
    case Operation::kPublishDefaults:
      sync();
      measured = tool.Publish(prefix, "snap-a", PublishOutputs::kAptlyDefaults);
      break;
    case Operation::kPublishGzip:
      sync();
      measured = tool.Publish(prefix, "snap-a", PublishOutputs::kGzipOnly);
      break;
    case Operation::kSwitch: {
      const Measured published =
          tool.Publish(prefix, "snap-a", PublishOutputs::kAptlyDefaults);
      if (!published.status.ok()) return published;
      sync();
      measured = tool.Switch(prefix, "snap-b");
      break;
    }
    case Operation::kRepublishGzip:
      sync();
      measured = tool.Switch(prefix, "snap-a");
      break;
  }
  if (measured.status.ok()) {
    measured.count = ListedPackages(PackagesPath(DistDir(tool, prefix))).size();
  }
  return measured;
}

// Timed runs `fn` and measures its wall time.
template <typename Fn>
Measured Timed(Fn fn) {
  Measured measured;
  const absl::Time start = absl::Now();
  measured.status = fn();
  measured.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return measured;
}

// Floor writes the Packages file at `packages_path` and its gzip into
// `directory` from memory, as one stream on one core: what any tool
// publishing that index must at least do.
Measured Floor(const std::string& packages_path, const std::string& directory) {
  const std::string packages = ReadFile(packages_path);
  Measured measured = Timed([&]() -> absl::Status {
    absl::StatusOr<std::unique_ptr<deb::CompressedWriter>> writer =
        deb::CompressedWriter::Create(
            directory + "/Packages",
            {deb::Compression::kNone, deb::Compression::kGzip});
    if (!writer.ok()) return writer.status();
    if (absl::Status written = (*writer)->Write(packages); !written.ok()) {
      return written;
    }
    return (*writer)->Finish().status();
  });
  measured.count = ListedPackages(packages_path).size();
  return measured;
}

// Agreement compares what the tools listed in run 1's Packages of
// `operation`: "yes", or how many only one of them lists (examples go to
// stderr).
std::string Agreement(const PublishOperations& ours,
                      const PublishOperations& aptly, Operation operation) {
  const std::string prefix = Prefix(operation, 1);
  const std::vector<std::string> mine =
      ListedPackages(PackagesPath(DistDir(ours, prefix)));
  const std::vector<std::string> theirs =
      ListedPackages(PackagesPath(DistDir(aptly, prefix)));
  std::vector<std::string> only_ours, only_aptly;
  std::set_difference(mine.begin(), mine.end(), theirs.begin(), theirs.end(),
                      std::back_inserter(only_ours));
  std::set_difference(theirs.begin(), theirs.end(), mine.begin(), mine.end(),
                      std::back_inserter(only_aptly));
  if (only_ours.empty() && only_aptly.empty()) return "yes";
  for (size_t i = 0; i < std::min<size_t>(only_ours.size(), 10); ++i) {
    std::fprintf(stderr, "  only ours: %s\n", only_ours[i].c_str());
  }
  for (size_t i = 0; i < std::min<size_t>(only_aptly.size(), 10); ++i) {
    std::fprintf(stderr, "  only aptly's: %s\n", only_aptly[i].c_str());
  }
  return absl::StrCat("no: ", only_ours.size(), " only ours, ",
                      only_aptly.size(), " only aptly's");
}

struct Row {
  Operation operation;
  size_t packages = 0;
  Column ours;
  Column aptly;
  // Only for the GzipOnly operations (the same runs for both).
  Column reprepro;
  Column floor;
  std::string same = "-";
};

// Loads the workload into `tool` and snapshots it as snap-a and snap-b.
absl::Status Load(SnapshotOperations& tool, const SnapshotWorkload& workload,
                  const char* name) {
  const absl::Time start = absl::Now();
  absl::Status loaded = tool.Load(workload);
  for (const auto& [snapshot, repo] :
       {std::pair{"snap-a", "a"}, std::pair{"snap-b", "b"}}) {
    if (!loaded.ok()) break;
    loaded = tool.CreateFromRepo(snapshot, repo).status;
  }
  std::fprintf(stderr, "  %s: loaded in %.1f s: %s\n", name,
               absl::ToDoubleSeconds(absl::Now() - start),
               loaded.ToString().c_str());
  return loaded;
}

// Times reprepro's export of repo a's files: each run, and the memory run.
absl::Status RunReprepro(const SnapshotWorkload& workload,
                         const std::string& directory, int runs,
                         Column& column) {
  const std::string files = directory + "/debs";
  if (absl::Status written = WriteFiles(workload.repo_a, files);
      !written.ok()) {
    return written;
  }
  Reprepro reprepro(directory + "/reprepro", {kArchitecture});
  const absl::Time start = absl::Now();
  const absl::Status included = reprepro.IncludeDebs(files);
  std::fprintf(stderr, "  reprepro: loaded in %.1f s: %s\n",
               absl::ToDoubleSeconds(absl::Now() - start),
               included.ToString().c_str());
  // The .debs stay until the scratch directory goes, after every run:
  // deleting 63,440 files here, just before the first timed publish,
  // slowed its pool mkdirs (this ext4 searches past recently freed inodes
  // for new ones: 34,169 mkdirs took 1.54 s right after such a deletion,
  // 0.97 s without).
  if (!included.ok()) return included;
  for (int run = 0; run <= runs; ++run) {
    sync();  // as RunOperation does
    Measured measured =
        MeasuredRun(reprepro.Export(), "reprepro", "reprepro export");
    if (measured.status.ok()) {
      measured.count = ListedPackages(PackagesPath(reprepro.DistDir())).size();
    }
    if (run < runs) {
      AddTime(measured, column);
    } else {
      AddPeak(measured, column);
    }
  }
  return absl::OkStatus();
}

std::vector<Row> Run(const std::string& admin_url, size_t count, int runs) {
  SnapshotWorkload workload = MakeSnapshotWorkload(count);
  const size_t packages = workload.repo_a.size();
  std::fprintf(stderr, "  %zu packages, %zu upgraded in b\n", packages,
               workload.changed_names.size());
  setenv("DEBREPO_TEST_DATABASE_URL", admin_url.c_str(), 1);
  char scratch[] = "/var/tmp/debrepo-publish-bench.XXXXXX";
  if (mkdtemp(scratch) == nullptr) {
    std::perror("mkdtemp");
    std::exit(1);
  }
  const std::string publish_root = absl::StrCat(scratch, "/public");
  const std::string publish_root_flag = "--publish_root=" + publish_root;
  std::filesystem::create_directories(publish_root);
  TestDatabase db;
  Stack stack(db.url());
  stack.StartServer();
  stack.StartWorker({"--concurrency=1", publish_root_flag});
  std::vector<Row> rows;
  for (Operation operation : kOperations) {
    rows.push_back({operation, packages});
  }
  {
    DebrepoSnapshotOperations our_snapshots(stack, {publish_root_flag});
    const std::string aptly_dir = absl::StrCat(scratch, "/aptly");
    std::filesystem::create_directories(aptly_dir);
    AptlySnapshotOperations aptly_snapshots(aptly_dir);
    const absl::Status ours_ready = Load(our_snapshots, workload, "debrepo");
    if (!Load(aptly_snapshots, workload, "aptly").ok()) std::exit(1);
    auto row_of = [&rows](Operation operation) -> Row& {
      return *std::find_if(rows.begin(), rows.end(), [&](const Row& row) {
        return row.operation == operation;
      });
    };
    Row& gzip_row = row_of(Operation::kPublishGzip);
    Row& republish_row = row_of(Operation::kRepublishGzip);
    const absl::Status reprepro_ran =
        RunReprepro(workload, scratch, runs, gzip_row.reprepro);
    if (!reprepro_ran.ok()) gzip_row.reprepro.status = reprepro_ran;
    republish_row.reprepro = gzip_row.reprepro;
    workload = {};  // the files are loaded: free their bytes

    DebrepoPublishOperations ours(stack, our_snapshots, publish_root);
    AptlyPublishOperations aptly(aptly_snapshots.aptly());
    for (Row& row : rows) row.ours.status = ours_ready;
    for (int run = 1; run <= runs; ++run) {
      for (Row& row : rows) {
        // Alternate who goes first, so neither always meets the other's
        // leftovers (page cache, PostgreSQL's background work).
        const bool ours_first = run % 2 == 1;
        if (ours_first && ours_ready.ok()) {
          AddTime(RunOperation(ours, row.operation, run), row.ours);
        }
        AddTime(RunOperation(aptly, row.operation, run), row.aptly);
        if (!ours_first && ours_ready.ok()) {
          AddTime(RunOperation(ours, row.operation, run), row.ours);
        }
      }
    }
    // The memory run: each operation once more, untimed, in processes
    // that have done nothing else since they started.
    for (Row& row : rows) {
      if (ours_ready.ok()) {
        const absl::Status fresh = our_snapshots.StartAfresh();
        AddPeak(fresh.ok() ? RunOperation(ours, row.operation, runs + 1)
                           : Measured{fresh},
                row.ours);
      }
      AddPeak(RunOperation(aptly, row.operation, runs + 1), row.aptly);
    }
    for (Row& row : rows) {
      if (row.ours.seconds.empty() || row.aptly.seconds.empty()) continue;
      row.same = Agreement(ours, aptly, row.operation);
    }
    if (!gzip_row.ours.seconds.empty()) {
      const std::string packages_path =
          PackagesPath(DistDir(ours, Prefix(Operation::kPublishGzip, 1)));
      for (int run = 0; run < runs; ++run) {
        AddTime(Floor(packages_path, scratch), gzip_row.floor);
      }
      republish_row.floor = gzip_row.floor;
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(scratch, ignored);
  for (const Row& row : rows) {
    PrintFailures(Name(row.operation), {{"debrepo", &row.ours},
                                        {"aptly", &row.aptly},
                                        {"reprepro", &row.reprepro}});
  }
  return rows;
}

// Optional shows a column only the gzip-only rows have.
std::string Optional(const Row& row, const Column& column,
                     std::string (*show)(const Column&)) {
  return GzipOnly(row.operation) ? show(column) : "-";
}

int Main() {
  const std::optional<std::string> url = BenchDatabaseUrl("publish_bench");
  if (!url.has_value()) return 2;
  const int runs = std::max(1, absl::GetFlag(FLAGS_runs));
  std::vector<Row> rows;
  for (int count : ParseInts(absl::GetFlag(FLAGS_counts))) {
    for (Row& row : Run(*url, count, runs)) rows.push_back(std::move(row));
  }
  std::printf(
      "| operation | packages | ours s | aptly s | ours/aptly | reprepro s | "
      "ours/reprepro | floor s | ours peak MB | aptly peak MB | "
      "reprepro peak MB | listed: ours | listed: aptly | same |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const Row& row : rows) {
    const bool gzip = GzipOnly(row.operation);
    std::printf(
        "| %s | %zu | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s "
        "| %s |\n",
        Name(row.operation), row.packages, Seconds(row.ours).c_str(),
        Seconds(row.aptly).c_str(), Ratio(row.ours, row.aptly).c_str(),
        Optional(row, row.reprepro, Seconds).c_str(),
        gzip ? Ratio(row.ours, row.reprepro).c_str() : "-",
        Optional(row, row.floor, Seconds).c_str(), PeakMb(row.ours).c_str(),
        PeakMb(row.aptly).c_str(), Optional(row, row.reprepro, PeakMb).c_str(),
        Count(row.ours).c_str(), Count(row.aptly).c_str(), row.same.c_str());
  }
  return 0;
}

}  // namespace
}  // namespace debrepo::testing

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return debrepo::testing::Main();
}
