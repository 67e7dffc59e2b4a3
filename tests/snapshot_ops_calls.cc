#include "tests/snapshot_ops_calls.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace debrepo::testing {

std::map<std::string, std::string> StorePackages(
    Stack& stack, const std::string& repo, const std::string& directory,
    const std::vector<PackageSpec>& specs) {
  Result created = CreateRepo(stack, repo);
  EXPECT_EQ(created.code, absl::StatusCode::kOk) << created.message;
  std::map<std::string, std::string> keys;
  for (const std::string& key :
       UploadPackageSpecs(stack, repo, directory, specs)) {
    // "P<arch> <name> <version> <hash>"
    std::vector<std::string> parts = absl::StrSplit(key.substr(1), ' ');
    keys[absl::StrCat(parts[1], "_", parts[2], "_", parts[0])] = key;
  }
  EXPECT_EQ(keys.size(), specs.size());
  return keys;
}

Result MergeSnapshots(Stack& stack, const std::string& destination,
                      const std::vector<std::string>& sources, bool latest,
                      bool no_remove, int server) {
  v1::MergeSnapshotsRequest request;
  request.mutable_destination()->set_name(destination);
  for (const std::string& source : sources) request.add_sources(source);
  request.set_latest(latest);
  request.set_no_remove(no_remove);
  v1::Job job;
  grpc::Status rpc = stack.snapshots(server).MergeSnapshots(
      Deadline(absl::Seconds(30)).get(), request, &job);
  return Await(stack, rpc, job, server);
}

Result FilterSnapshot(Stack& stack, const std::string& source,
                      const std::string& destination, const std::string& query,
                      bool with_deps, int server) {
  v1::FilterSnapshotRequest request;
  request.set_source(source);
  request.mutable_destination()->set_name(destination);
  request.set_query(query);
  request.set_with_deps(with_deps);
  v1::Job job;
  grpc::Status rpc = stack.snapshots(server).FilterSnapshot(
      Deadline(absl::Seconds(30)).get(), request, &job);
  return Await(stack, rpc, job, server);
}

Result PullSnapshot(Stack& stack, const v1::PullSnapshotRequest& request,
                    int server) {
  v1::Job job;
  grpc::Status rpc = stack.snapshots(server).PullSnapshot(
      Deadline(absl::Seconds(30)).get(), request, &job);
  return Await(stack, rpc, job, server);
}

std::vector<std::string> DiffLines(Stack& stack, const std::string& left,
                                   const std::string& right, bool only_matching,
                                   int page_size) {
  std::vector<std::string> lines;
  v1::DiffSnapshotsRequest request;
  request.set_left(left);
  request.set_right(right);
  request.set_only_matching(only_matching);
  request.set_page_size(page_size);
  do {
    v1::DiffSnapshotsResponse response;
    grpc::Status status = stack.snapshots().DiffSnapshots(
        Deadline(absl::Seconds(10)).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok()) break;
    for (const v1::PackageChange& change : response.changes()) {
      if (change.left_key().empty()) {
        lines.push_back(absl::StrCat("+ ", change.name(), " ",
                                     change.architecture(), " ",
                                     change.right_version()));
      } else if (change.right_key().empty()) {
        lines.push_back(absl::StrCat("- ", change.name(), " ",
                                     change.architecture(), " ",
                                     change.left_version()));
      } else {
        lines.push_back(
            absl::StrCat("! ", change.name(), " ", change.architecture(), " ",
                         change.left_version(), " ", change.right_version()));
      }
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return lines;
}

}  // namespace debrepo::testing
