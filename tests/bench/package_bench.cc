// package_bench: adding many packages to one repo and querying it, end to
// end through gRPC against real servers and workers. The packages are
// small .deb files generated from the machine's real Packages index, so
// names, versions and dependencies are real. Prints a table; run with
// `tools/dev bench` (or set DEBREPO_BENCH_DATABASE_URL and run directly).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "deb/control.h"
#include "tests/bench/bench_setup.h"
#include "tests/bench/bulk_upload.h"
#include "tests/bench/generated_debs.h"
#include "tests/bench/peak_memory.h"
#include "tests/harness.h"

ABSL_FLAG(std::string, counts, "1000,10000,63440",
          "How many packages to add, one run each.");
ABSL_FLAG(int, upload_clients, 8, "Concurrent uploaders.");
ABSL_FLAG(int, upload_batch, 1000,
          "Files per upload (one stream and one recording job); 1 uploads "
          "each file on its own.");
ABSL_FLAG(std::string, database_url, "",
          "Use this existing database instead of a throw-away one, and keep "
          "it: the repo is filled only if it does not exist yet, so later "
          "runs time the listings without uploading again (one count only).");
ABSL_FLAG(std::string, blob_dir, "/var/tmp/debrepo-package-bench-blobs",
          "With --database_url: the blob store kept with that database (its "
          "servers and workers refuse another one).");
ABSL_FLAG(int, list_runs, 5,
          "Times each listing is timed; the table shows the median.");

namespace debrepo::testing {
namespace {

struct Row {
  size_t packages = 0;
  double upload_seconds = 0;
  double add_seconds = 0;
  int64_t added = 0;
  int64_t server_peak_mb = 0;
  int64_t worker_peak_mb = 0;
  double query_ms = 0;
  size_t query_matches = 0;
  double list_all_ms = 0;
};

// Uploads `count` packages generated from the real index and adds them to
// the repo "bench", filling in the upload and add columns of `row`.
void Fill(Stack& stack, size_t count, Row& row) {
  CreateRepo(stack, "bench");
  std::vector<FileToUpload> files;
  for (const deb::Paragraph& control : RealControls(count)) {
    std::string deb = MakeDeb(control);
    std::string sha256 = Sha256Hex(deb);
    files.push_back({absl::StrCat("p", files.size(), ".deb"), std::move(deb),
                     std::move(sha256)});
  }

  absl::Time start = absl::Now();
  UploadInBatches(stack, "incoming", files, absl::GetFlag(FLAGS_upload_clients),
                  absl::GetFlag(FLAGS_upload_batch));
  row.upload_seconds = absl::ToDoubleSeconds(absl::Now() - start);

  start = absl::Now();
  const Result added = AddUploadedToRepo(stack, "bench", "incoming");
  row.add_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  row.added = added.job.result().add_from_upload().added_count();
  if (added.code != absl::StatusCode::kOk) {
    std::fprintf(stderr, "add failed: %s\n", added.message.c_str());
  }
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

Row Run(const std::string& admin_url, size_t count) {
  Row row;
  std::optional<TestDatabase> db;
  std::string url = absl::GetFlag(FLAGS_database_url);
  std::string blob_dir = absl::GetFlag(FLAGS_blob_dir);
  if (url.empty()) {
    setenv("DEBREPO_TEST_DATABASE_URL", admin_url.c_str(), 1);
    url = db.emplace().url();
    blob_dir = "";  // the throw-away stack's own
  }
  Stack stack(url, blob_dir);
  stack.StartServer();
  stack.StartWorker({"--concurrency=1"});
  v1::GetRepoRequest get;
  get.set_name("bench");
  v1::Repo repo;
  if (stack.repos()
          .GetRepo(Deadline(absl::Seconds(10)).get(), get, &repo)
          .ok()) {
    std::fprintf(stderr, "  reusing the filled repo of %s\n", url.c_str());
  } else {
    Fill(stack, count, row);
  }

  auto list = [&](const std::string& query, size_t* matches) {
    const absl::Time t0 = absl::Now();
    v1::ListRepoPackagesRequest request;
    request.set_name("bench");
    request.set_query(query);
    request.set_page_size(10000);
    *matches = 0;
    do {
      v1::ListRepoPackagesResponse response;
      if (!stack.repos()
               .ListRepoPackages(Deadline(absl::Seconds(60)).get(), request,
                                 &response)
               .ok()) {
        break;
      }
      *matches += response.packages_size();
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return absl::ToDoubleMilliseconds(absl::Now() - t0);
  };
  list("Name (~ ^lib)", &row.query_matches);  // warm up
  std::vector<double> query_ms, list_all_ms;
  size_t all = 0;
  for (int run = 0; run < std::max(1, absl::GetFlag(FLAGS_list_runs)); ++run) {
    query_ms.push_back(list("Name (~ ^lib)", &row.query_matches));
    list_all_ms.push_back(list("", &all));
  }
  row.packages = all;
  row.query_ms = Median(query_ms);
  row.list_all_ms = Median(list_all_ms);
  row.server_peak_mb = PeakRssKb(stack.server(0).pid()) / 1024;
  row.worker_peak_mb = PeakRssKb(stack.worker(0).pid()) / 1024;
  return row;
}

int Main() {
  const std::optional<std::string> url = BenchDatabaseUrl("package_bench");
  if (!url.has_value()) return 2;
  std::vector<Row> rows;
  for (int count : ParseInts(absl::GetFlag(FLAGS_counts))) {
    rows.push_back(Run(*url, count));
    std::fprintf(stderr, "  %zu packages done\n", rows.back().packages);
  }
  std::printf(
      "| packages | upload s | add s | added | server peak MB | worker peak "
      "MB | `Name (~ ^lib)` ms (matches) | list all ms |\n"
      "|---|---|---|---|---|---|---|---|\n");
  for (const Row& row : rows) {
    std::printf(
        "| %zu | %.1f | %.1f | %lld | %lld | %lld | %.0f (%zu) | %.0f |\n",
        row.packages, row.upload_seconds, row.add_seconds,
        static_cast<long long>(row.added),
        static_cast<long long>(row.server_peak_mb),
        static_cast<long long>(row.worker_peak_mb), row.query_ms,
        row.query_matches, row.list_all_ms);
  }
  return 0;
}

}  // namespace
}  // namespace debrepo::testing

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return debrepo::testing::Main();
}
