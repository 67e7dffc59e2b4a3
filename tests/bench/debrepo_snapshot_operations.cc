#include "tests/bench/debrepo_snapshot_operations.h"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "tests/bench/bulk_upload.h"
#include "tests/bench/peak_memory.h"

namespace debrepo::testing {
namespace {

constexpr absl::Duration kRpcTimeout = absl::Seconds(120);

absl::Status StatusOf(const Result& result, absl::string_view what) {
  if (result.code == absl::StatusCode::kOk) return absl::OkStatus();
  return absl::Status(result.code, absl::StrCat(what, ": ", result.message));
}

absl::Status StatusOf(const grpc::Status& rpc, absl::string_view what) {
  if (rpc.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(rpc.error_code()),
                      absl::StrCat(what, ": ", rpc.error_message()));
}

}  // namespace

DebrepoSnapshotOperations::DebrepoSnapshotOperations(
    Stack& stack, std::vector<std::string> worker_flags)
    : stack_(stack), worker_flags_(std::move(worker_flags)) {}

absl::Status DebrepoSnapshotOperations::Load(const SnapshotWorkload& workload) {
  for (const auto& [repo, files] :
       {std::pair{"a", &workload.repo_a}, std::pair{"b", &workload.repo_b}}) {
    RETURN_IF_ERROR(StatusOf(CreateRepo(stack_, repo), "create repo"));
    if (UploadInBatches(stack_, repo, *files, /*clients=*/8,
                        /*batch=*/1000) != 0) {
      return absl::InternalError("uploads failed");
    }
    RETURN_IF_ERROR(
        StatusOf(AddUploadedToRepo(stack_, repo, repo), "add to repo"));
  }
  return StartAfresh();
}

absl::Status DebrepoSnapshotOperations::StartAfresh() {
  stack_.StartServer();
  server_ = stack_.server_count() - 1;
  std::vector<std::string> flags = {"--concurrency=1"};
  flags.insert(flags.end(), worker_flags_.begin(), worker_flags_.end());
  worker_ = stack_.StartWorker(flags);
  for (int earlier = 0; earlier < worker_; ++earlier) {
    if (!stack_.worker(earlier).Running()) continue;
    stack_.worker(earlier).Signal(SIGTERM);
    stack_.worker(earlier).Wait();
  }
  return absl::OkStatus();
}

Measured DebrepoSnapshotOperations::Measure(
    const std::function<void(Measured&)>& operation) {
  const pid_t server = stack_.server(server_).pid();
  const pid_t worker = stack_.worker(worker_).pid();
  ResetPeakRss(server);
  ResetPeakRss(worker);
  Measured measured;
  const absl::Time start = absl::Now();
  operation(measured);
  measured.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  measured.peak_kb = {{"server", PeakRssKb(server)},
                      {"worker", PeakRssKb(worker)}};
  return measured;
}

Measured DebrepoSnapshotOperations::MeasureJob(
    const std::string& rpc_name,
    const std::function<grpc::Status(v1::Job*)>& submit) {
  return Measure([&](Measured& m) {
    v1::Job job;
    const grpc::Status rpc = submit(&job);
    const Result result = Await(stack_, rpc, job, server_);
    m.status = StatusOf(result, rpc_name);
    // Where the job spent its time, as its phases logged it.
    for (const std::string& line : result.job.log()) {
      std::fprintf(stderr, "  %s job %lld: %s\n", rpc_name.c_str(),
                   static_cast<long long>(result.job.id()), line.c_str());
    }
  });
}

Measured DebrepoSnapshotOperations::TimedJob(
    const std::string& rpc_name,
    const std::function<grpc::Status(v1::Job*)>& submit,
    const std::string& created) {
  Measured measured = MeasureJob(rpc_name, submit);
  if (!measured.status.ok()) return measured;
  v1::GetSnapshotRequest get;
  get.set_name(created);
  v1::Snapshot snapshot;
  measured.status = StatusOf(stack_.snapshots(server_).GetSnapshot(
                                 Deadline(kRpcTimeout).get(), get, &snapshot),
                             "GetSnapshot");
  measured.count = snapshot.package_count();
  return measured;
}

Measured DebrepoSnapshotOperations::CreateFromRepo(const std::string& snapshot,
                                                   const std::string& repo) {
  v1::CreateSnapshotRequest request;
  request.mutable_snapshot()->set_name(snapshot);
  request.set_repo(repo);
  return TimedJob(
      "CreateSnapshot",
      [&](v1::Job* job) {
        return stack_.snapshots(server_).CreateSnapshot(
            Deadline(kRpcTimeout).get(), request, job);
      },
      snapshot);
}

Measured DebrepoSnapshotOperations::Merge(
    const std::string& destination, const std::vector<std::string>& sources) {
  v1::MergeSnapshotsRequest request;
  request.mutable_destination()->set_name(destination);
  for (const std::string& source : sources) request.add_sources(source);
  return TimedJob(
      "MergeSnapshots",
      [&](v1::Job* job) {
        return stack_.snapshots(server_).MergeSnapshots(
            Deadline(kRpcTimeout).get(), request, job);
      },
      destination);
}

Measured DebrepoSnapshotOperations::Diff(const std::string& left,
                                         const std::string& right) {
  return Measure([&](Measured& m) {
    v1::DiffSnapshotsRequest request;
    request.set_left(left);
    request.set_right(right);
    request.set_page_size(10000);
    do {
      v1::DiffSnapshotsResponse response;
      m.status = StatusOf(stack_.snapshots(server_).DiffSnapshots(
                              Deadline(kRpcTimeout).get(), request, &response),
                          "DiffSnapshots");
      if (!m.status.ok()) return;
      m.count += response.changes_size();
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
  });
}

Measured DebrepoSnapshotOperations::Filter(const std::string& source,
                                           const std::string& destination,
                                           const std::string& query) {
  v1::FilterSnapshotRequest request;
  request.set_source(source);
  request.mutable_destination()->set_name(destination);
  request.set_query(query);
  request.set_with_deps(true);
  request.add_architectures(kArchitecture);
  return TimedJob(
      "FilterSnapshot",
      [&](v1::Job* job) {
        return stack_.snapshots(server_).FilterSnapshot(
            Deadline(kRpcTimeout).get(), request, job);
      },
      destination);
}

Measured DebrepoSnapshotOperations::Pull(
    const std::string& base, const std::string& source,
    const std::string& destination, const std::vector<std::string>& names) {
  v1::PullSnapshotRequest request;
  request.set_base(base);
  request.set_source(source);
  request.mutable_destination()->set_name(destination);
  request.set_query(absl::StrJoin(names, " | "));
  request.add_architectures(kArchitecture);
  return TimedJob(
      "PullSnapshot",
      [&](v1::Job* job) {
        return stack_.snapshots(server_).PullSnapshot(
            Deadline(kRpcTimeout).get(), request, job);
      },
      destination);
}

absl::StatusOr<std::vector<std::string>> DebrepoSnapshotOperations::PackageIds(
    const std::string& snapshot) {
  v1::ListSnapshotPackagesRequest request;
  request.set_name(snapshot);
  request.set_page_size(10000);
  std::vector<std::string> ids;
  do {
    v1::ListSnapshotPackagesResponse response;
    RETURN_IF_ERROR(
        StatusOf(stack_.snapshots(server_).ListSnapshotPackages(
                     Deadline(kRpcTimeout).get(), request, &response),
                 "ListSnapshotPackages"));
    for (const v1::Package& package : response.packages()) {
      // "P<arch> <name> <version> <files-hash>".
      const std::vector<absl::string_view> parts =
          absl::StrSplit(package.key(), ' ');
      if (parts.size() != 4 || !absl::StartsWith(parts[0], "P")) {
        return absl::InternalError("unexpected package key " + package.key());
      }
      ids.push_back(
          absl::StrCat(parts[1], "_", parts[2], "_", parts[0].substr(1)));
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace debrepo::testing
