// job_bench: end-to-end throughput and latency of the job protocol, through
// real servers and workers against the PostgreSQL at
// DEBREPO_BENCH_DATABASE_URL (a superuser DSN; a fresh database is made
// per configuration). Prints a table. Run with `tools/dev bench`.
//
// Scenarios, each for --seconds with N concurrent clients, each client
// doing submit + Jobs.WaitJob in a loop:
//   distinct: Repos.CreateRepo of a new name per call (no shared resource).
//   hot:      Repos.UpdateRepo of one repo's comment (every job on one key).
//   noop:     Admin.SubmitNoop (the protocol's own cost: no domain work).
// "retried" is the share of serializable job transactions rolled back by a
// conflict and run again, from the workers' counters. When the cluster
// loads pg_stat_statements (`tools/dev bench` does), each scenario also
// prints the statements that took most of the database's time, with their
// share, calls per job and mean time.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "pqxx/pqxx"
#include "tests/bench/bench_setup.h"
#include "tests/harness.h"

ABSL_FLAG(double, seconds, 5, "Duration of each scenario.");
ABSL_FLAG(std::string, workers, "1,4",
          "Worker counts to try (one runner each).");
ABSL_FLAG(std::string, clients, "1,8,64", "Client counts to try.");
ABSL_FLAG(std::string, scenarios, "distinct,hot,noop", "Scenarios to run.");
ABSL_FLAG(int, top_statements, 6,
          "Statements to list per scenario (0: none), from "
          "pg_stat_statements when the cluster loads it.");

namespace debrepo::testing {
namespace {

struct Row {
  std::string scenario;
  int workers = 0;
  int clients = 0;
  int64_t jobs = 0;
  int64_t errors = 0;
  double jobs_per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double retried_percent = 0;
};

// Submits one job of `scenario` and waits for it; true on success. `run`
// keeps the names of different runs apart.
bool RunOne(Stack& stack, const std::string& scenario, int run, int client,
            int64_t n) {
  v1::Job job;
  grpc::Status status;
  if (scenario == "distinct") {
    v1::CreateRepoRequest request;
    request.mutable_repo()->set_name(
        absl::StrCat("bench-", run, "-", client, "-", n));
    status = stack.repos(client).CreateRepo(Deadline(absl::Seconds(30)).get(),
                                            request, &job);
  } else if (scenario == "hot") {
    v1::UpdateRepoRequest request;
    request.set_name("hot");
    request.mutable_repo()->set_comment(absl::StrCat(client, "-", n));
    request.mutable_update_mask()->add_paths("comment");
    status = stack.repos(client).UpdateRepo(Deadline(absl::Seconds(30)).get(),
                                            request, &job);
  } else {
    v1::SubmitNoopRequest request;
    status = stack.admin(client).SubmitNoop(Deadline(absl::Seconds(30)).get(),
                                            request, &job);
  }
  if (!status.ok()) return false;
  while (!Ended(job.state())) {
    v1::WaitJobRequest wait;
    wait.set_id(job.id());
    *wait.mutable_timeout() =
        google::protobuf::util::TimeUtil::SecondsToDuration(10);
    if (!stack.jobs(client)
             .WaitJob(Deadline(absl::Seconds(15)).get(), wait, &job)
             .ok()) {
      return false;
    }
  }
  return job.state() == v1::SUCCEEDED;
}

// StatementStats reads pg_stat_statements for one database, when the
// cluster loads it.
class StatementStats {
 public:
  explicit StatementStats(const std::string& url) : connection_(url) {
    try {
      pqxx::nontransaction(connection_)
          .exec("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      available_ = true;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "job_bench: no statement statistics (%s)\n",
                   e.what());
    }
  }

  void Reset() {
    if (available_) {
      pqxx::nontransaction(connection_)
          .exec("SELECT pg_stat_statements_reset()");
    }
  }

  // Print lists the top statements since Reset, `jobs` jobs having run.
  void Print(const std::string& title, int64_t jobs, int top) {
    if (!available_ || top <= 0 || jobs <= 0) return;
    pqxx::result rows = pqxx::nontransaction(connection_)
                            .exec_params(R"sql(
        SELECT total_exec_time / sum(total_exec_time) OVER () * 100,
               calls, mean_exec_time,
               regexp_replace(left(query, 90), '\s+', ' ', 'g')
        FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database
                      WHERE datname = current_database())
        ORDER BY total_exec_time DESC LIMIT $1)sql",
                                         top);
    std::printf(
        "\n%s: statements by share of database time\n\n"
        "| share | calls/job | mean ms | statement |\n"
        "|---|---|---|---|\n",
        title.c_str());
    for (const pqxx::row& row : rows) {
      std::printf("| %.1f%% | %.2f | %.3f | `%s` |\n", row[0].as<double>(),
                  row[1].as<double>() / jobs, row[2].as<double>(),
                  row[3].c_str());
    }
  }

 private:
  pqxx::connection connection_;
  bool available_ = false;
};

std::pair<int64_t, int64_t> WorkerCounters(const TestDatabase& db) {
  const std::string transactions =
      db.QueryValue("SELECT coalesce(sum(transactions), 0) FROM workers");
  const std::string retries = db.QueryValue(
      "SELECT coalesce(sum(serialization_retries), 0) FROM workers");
  return {std::stoll(transactions), std::stoll(retries)};
}

Row RunScenario(Stack& stack, const TestDatabase& db,
                StatementStats& statements, const std::string& scenario,
                int run, int workers, int clients, absl::Duration duration) {
  // Heartbeats refresh the counters every 2 s; let them settle.
  absl::SleepFor(absl::Milliseconds(2500));
  const auto [transactions_before, retries_before] = WorkerCounters(db);
  statements.Reset();
  std::vector<std::vector<double>> latencies(clients);
  std::atomic<int64_t> errors{0};
  const absl::Time start = absl::Now();
  const absl::Time end = start + duration;
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (int64_t n = 0; absl::Now() < end; ++n) {
        const absl::Time t0 = absl::Now();
        if (!RunOne(stack, scenario, run, c, n)) ++errors;
        latencies[c].push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const absl::Duration elapsed = absl::Now() - start;
  absl::SleepFor(absl::Milliseconds(2500));
  const auto [transactions_after, retries_after] = WorkerCounters(db);

  std::vector<double> all;
  for (const std::vector<double>& part : latencies) {
    all.insert(all.end(), part.begin(), part.end());
  }
  std::sort(all.begin(), all.end());
  Row row;
  row.scenario = scenario;
  row.workers = workers;
  row.clients = clients;
  row.jobs = static_cast<int64_t>(all.size());
  row.errors = errors.load();
  row.jobs_per_second = all.size() / absl::ToDoubleSeconds(elapsed);
  if (!all.empty()) {
    row.p50_ms = all[all.size() / 2];
    row.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  const int64_t transactions = transactions_after - transactions_before;
  if (transactions > 0) {
    row.retried_percent =
        100.0 * (retries_after - retries_before) / transactions;
  }
  statements.Print(
      absl::StrCat(scenario, ", ", workers, " workers, ", clients, " clients"),
      row.jobs, absl::GetFlag(FLAGS_top_statements));
  return row;
}

int Main() {
  const std::optional<std::string> url = BenchDatabaseUrl("job_bench");
  if (!url.has_value()) return 2;
  setenv("DEBREPO_TEST_DATABASE_URL", url->c_str(), 1);
  const absl::Duration duration = absl::Seconds(absl::GetFlag(FLAGS_seconds));
  std::vector<Row> rows;
  for (int workers : ParseInts(absl::GetFlag(FLAGS_workers))) {
    TestDatabase db;
    StatementStats statements(db.url());
    Stack stack(db.url());
    stack.StartServer();
    for (int w = 0; w < workers; ++w) stack.StartWorker({"--concurrency=1"});
    if (CreateRepo(stack, "hot").code != absl::StatusCode::kOk) {
      std::fprintf(stderr, "job_bench: the stack does not work\n");
      return 1;
    }
    for (absl::string_view scenario :
         absl::StrSplit(absl::GetFlag(FLAGS_scenarios), ',')) {
      for (int clients : ParseInts(absl::GetFlag(FLAGS_clients))) {
        const int run = static_cast<int>(rows.size());
        rows.push_back(RunScenario(stack, db, statements, std::string(scenario),
                                   run, workers, clients, duration));
        const Row& row = rows.back();
        std::fprintf(stderr, "  %s workers=%d clients=%d: %.0f jobs/s\n",
                     row.scenario.c_str(), workers, clients,
                     row.jobs_per_second);
      }
    }
  }
  std::printf(
      "| scenario | workers | clients | jobs | errors | jobs/s | p50 ms | "
      "p99 ms | retried |\n|---|---|---|---|---|---|---|---|---|\n");
  for (const Row& row : rows) {
    std::printf(
        "| %s | %d | %d | %lld | %lld | %.0f | %.1f | %.1f | %.1f%% |\n",
        row.scenario.c_str(), row.workers, row.clients,
        static_cast<long long>(row.jobs), static_cast<long long>(row.errors),
        row.jobs_per_second, row.p50_ms, row.p99_ms, row.retried_percent);
  }
  return 0;
}

}  // namespace
}  // namespace debrepo::testing

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return debrepo::testing::Main();
}
