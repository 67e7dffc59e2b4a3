// mirror_download_bench: the download phase of a mirror sync on loopback.
// Writes --files files of pseudo-random bytes (sizes log-uniform between
// --min_kib and --max_kib, seeded, so every run gets the same set), serves
// them with nginx on 127.0.0.1 as `tools/dev up` does, and times
// fetch::DownloadToBlobStore of all of them into a new blob store at each
// --concurrency, then once more into the filled store (every file reused).
// For scale, the same files fetched by curl's own parallel mode (-Z, same
// parallelism, to files, no hashing) in the same run. Prints files/s, MB/s
// and peak memory per row (of DownloadToBlobStore: how much this process's
// peak grew; of curl: its peak) — medians of --runs runs. No database. Run
// with `tools/dev bench mirror-download`.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "blobstore/fs_blob_store.h"
#include "deb/checksums.h"
#include "fetch/downloader.h"
#include "tests/bench/bench_setup.h"
#include "tests/bench/loopback_nginx.h"
#include "tests/bench/peak_memory.h"
#include "tests/bench/timed_command.h"

ABSL_FLAG(int, files, 5000, "How many files to download.");
ABSL_FLAG(int, min_kib, 1, "Smallest file size in KiB.");
ABSL_FLAG(int, max_kib, 512, "Largest file size in KiB.");
ABSL_FLAG(std::string, concurrency, "1,8,16",
          "Parallel downloads, one row each.");
ABSL_FLAG(int, runs, 3,
          "Runs per row, each into a new blob store; the row shows the "
          "median time and the largest peak.");
ABSL_FLAG(std::string, dir, "/var/tmp",
          "Where the scratch directory (served files, blob stores) goes.");

namespace debrepo::testing {
namespace {

namespace fs = std::filesystem;

// ServedFiles is the generated archive: what the downloader is asked for.
struct ServedFiles {
  std::vector<fetch::DownloadItem> items;
  std::vector<std::string> paths;  // under the served root, as in items
  int64_t bytes = 0;
};

std::string Sha256Of(absl::string_view bytes) {
  deb::ChecksumCalculator checksums;
  checksums.Update(bytes);
  return checksums.Finish().sha256;
}

// WriteFiles writes the files under `root`/pool, in a fan-out like a
// Debian pool's. Each is a slice of one random buffer behind its own
// number, so that every file is distinct.
ServedFiles WriteFiles(const std::string& root, const std::string& base_url) {
  const int count = absl::GetFlag(FLAGS_files);
  const double min_bytes = absl::GetFlag(FLAGS_min_kib) * 1024.0;
  const double max_bytes = absl::GetFlag(FLAGS_max_kib) * 1024.0;
  std::mt19937_64 random(12);  // the same files in every run
  std::string noise(static_cast<size_t>(max_bytes) * 2, '\0');
  for (char& c : noise) c = static_cast<char>(random());
  std::uniform_real_distribution<double> log_size(std::log(min_bytes),
                                                  std::log(max_bytes));
  ServedFiles served;
  for (int i = 0; i < count; ++i) {
    const int64_t size = static_cast<int64_t>(std::exp(log_size(random)));
    std::string content = absl::StrFormat("file %08d\n", i);
    const size_t offset = random() % (noise.size() / 2);
    content.append(noise, offset, size - content.size());
    const std::string path =
        absl::StrFormat("pool/main/%02x/p%d/p%d_1.0_amd64.deb", i % 256, i, i);
    fs::create_directories(fs::path(root + "/" + path).parent_path());
    std::ofstream(root + "/" + path, std::ios::binary) << content;
    served.items.push_back(
        {absl::StrCat(base_url, "/", path), size, Sha256Of(content)});
    served.paths.push_back(path);
    served.bytes += size;
  }
  return served;
}

// Row is one timed run.
struct Row {
  std::string what;
  int concurrency = 0;
  double seconds = 0;
  int64_t files = 0;  // fetched
  int64_t bytes = 0;  // fetched
  int64_t peak_growth_kb = -1;
  std::string failure;
};

Row TimeDownload(const std::string& what, const ServedFiles& served,
                 const std::string& blob_dir, const std::string& partial_dir,
                 int concurrency) {
  Row row;
  row.what = what;
  row.concurrency = concurrency;
  auto store = blobstore::FsBlobStore::Open(blob_dir);
  if (!store.ok()) {
    row.failure = store.status().ToString();
    return row;
  }
  fetch::DownloadOptions options;
  options.concurrency = concurrency;
  options.partial_dir = partial_dir;
  ResetPeakRss(getpid());
  const int64_t before_kb = PeakRssKb(getpid());
  const absl::Time start = absl::Now();
  absl::StatusOr<fetch::DownloadReport> report =
      fetch::DownloadToBlobStore(served.items, **store, options);
  row.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  row.peak_growth_kb = PeakRssKb(getpid()) - before_kb;
  if (!report.ok()) {
    row.failure = report.status().ToString();
    return row;
  }
  row.files = report->downloaded_files + report->reused_files;
  row.bytes = report->downloaded_bytes;
  if (report->downloaded_files + report->reused_files !=
      static_cast<int64_t>(served.items.size())) {
    row.failure = "not every file was stored";
  }
  return row;
}

// TimeCurl fetches the files with curl's parallel mode, for scale.
Row TimeCurl(const ServedFiles& served, const std::string& scratch,
             int concurrency) {
  Row row;
  row.what = "curl -Z (no hashing, no store)";
  row.concurrency = concurrency;
  static int runs = 0;
  const std::string out = absl::StrCat(scratch, "/curl-out-", runs++);
  fs::create_directories(out);
  const std::string config = scratch + "/curl.conf";
  {
    std::ofstream list(config);
    for (size_t i = 0; i < served.items.size(); ++i) {
      list << "url = \"" << served.items[i].url << "\"\noutput = \"" << out
           << "/" << i << "\"\n";
    }
  }
  absl::StatusOr<TimedRun> run =
      RunTimed({"curl", "-sS", "--fail", "-Z", "--parallel-max",
                absl::StrCat(concurrency), "-K", config},
               scratch);
  if (!run.ok() || run->exit_code != 0) {
    row.failure =
        run.ok() ? run->output.substr(0, 200) : run.status().ToString();
    return row;
  }
  row.seconds = run->seconds;
  row.files = served.items.size();
  row.bytes = served.bytes;
  row.peak_growth_kb = run->peak_rss_kb;
  return row;
}

// Repeat runs `once` --runs times and returns its row with the median time
// and the largest peak, or the first failure.
Row Repeat(const std::function<Row()>& once) {
  std::vector<Row> rows;
  for (int i = 0; i < std::max(1, absl::GetFlag(FLAGS_runs)); ++i) {
    rows.push_back(once());
    if (!rows.back().failure.empty()) return rows.back();
  }
  int64_t peak_kb = 0;
  for (const Row& row : rows) peak_kb = std::max(peak_kb, row.peak_growth_kb);
  std::sort(rows.begin(), rows.end(),
            [](const Row& a, const Row& b) { return a.seconds < b.seconds; });
  Row median = rows[rows.size() / 2];
  median.peak_growth_kb = peak_kb;
  return median;
}

// LoadAverage is the first three fields of /proc/loadavg: on a shared
// machine, what else competed for the cores and the disk.
std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return absl::StrCat(one, " ", five, " ", fifteen);
}

void Print(const Row& row) {
  if (!row.failure.empty()) {
    std::printf("%-40s %4d  FAILED: %s\n", row.what.c_str(), row.concurrency,
                row.failure.c_str());
    return;
  }
  std::printf("%-40s %4d %8.2f %9.0f %9.1f %8.1f\n", row.what.c_str(),
              row.concurrency, row.seconds, row.files / row.seconds,
              row.bytes / 1e6 / row.seconds, row.peak_growth_kb / 1024.0);
  std::fflush(stdout);
}

int Main() {
  std::string scratch =
      absl::StrCat(absl::GetFlag(FLAGS_dir), "/debrepo-mirror-download.XXXXXX");
  if (mkdtemp(scratch.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  fs::permissions(scratch, fs::perms::owner_all | fs::perms::group_read |
                               fs::perms::group_exec | fs::perms::others_read |
                               fs::perms::others_exec);
  const std::string root = scratch + "/archive";
  fs::create_directories(root);
  absl::StatusOr<std::unique_ptr<LoopbackNginx>> nginx =
      LoopbackNginx::Start(root, scratch);
  if (!nginx.ok()) {
    std::fprintf(stderr, "%s\n", nginx.status().ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "writing %d files under %s\n",
               absl::GetFlag(FLAGS_files), root.c_str());
  const ServedFiles served = WriteFiles(root, (*nginx)->url());
  // Nothing is removed before the end: ext4 creates files more slowly
  // right after many were removed, which would slow the later rows.
  std::printf(
      "Download of %zu files (%.1f MB, %d-%d KiB each, log-uniform) from nginx "
      "on loopback into a new blob store\n",
      served.items.size(), served.bytes / 1e6, absl::GetFlag(FLAGS_min_kib),
      absl::GetFlag(FLAGS_max_kib));
  const std::string load_before = LoadAverage();
  std::printf("%-40s %4s %8s %9s %9s %8s\n", "run", "par", "seconds", "files/s",
              "MB/s", "peak MB");
  int stores = 0;
  const std::string partial_dir = scratch + "/partial";
  for (int concurrency : ParseInts(absl::GetFlag(FLAGS_concurrency))) {
    Print(Repeat([&] {
      const std::string blob_dir = absl::StrCat(scratch, "/blobs-", stores++);
      return TimeDownload("DownloadToBlobStore", served, blob_dir, partial_dir,
                          concurrency);
    }));
  }
  const std::string filled = absl::StrCat(scratch, "/blobs-", stores++);
  Row fill = TimeDownload("", served, filled, partial_dir, 8);
  Print(fill.failure.empty() ? Repeat([&] {
    return TimeDownload("DownloadToBlobStore, all stored already", served,
                        filled, partial_dir, 8);
  })
                             : fill);
  Print(Repeat([&] { return TimeCurl(served, scratch, 8); }));
  std::printf("load average before: %s, after: %s\n", load_before.c_str(),
              LoadAverage().c_str());
  nginx->reset();
  fs::remove_all(scratch);
  return 0;
}

}  // namespace
}  // namespace debrepo::testing

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return debrepo::testing::Main();
}
