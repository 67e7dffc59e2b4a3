#include "tests/mirror_calls.h"

#include <utility>

#include "gtest/gtest.h"
#include "storage/mirror_store.h"

namespace debrepo::testing {

Result CreateMirror(Stack& stack, const v1::Mirror& mirror, int server) {
  v1::CreateMirrorRequest request;
  *request.mutable_mirror() = mirror;
  v1::Job job;
  grpc::Status rpc = stack.mirrors(server).CreateMirror(
      Deadline(absl::Seconds(30)).get(), request, &job);
  return Await(stack, rpc, job, server);
}

Result UpdateMirror(Stack& stack, const std::string& name,
                    const v1::Mirror& mirror,
                    const std::vector<std::string>& fields, int server) {
  v1::UpdateMirrorRequest request;
  request.set_name(name);
  *request.mutable_mirror() = mirror;
  for (const std::string& field : fields) {
    request.mutable_update_mask()->add_paths(field);
  }
  v1::Job job;
  grpc::Status rpc = stack.mirrors(server).UpdateMirror(
      Deadline(absl::Seconds(30)).get(), request, &job);
  return Await(stack, rpc, job, server);
}

Result DeleteMirror(Stack& stack, const std::string& name, bool force,
                    int server) {
  v1::DeleteMirrorRequest request;
  request.set_name(name);
  request.set_force(force);
  v1::Job job;
  grpc::Status rpc = stack.mirrors(server).DeleteMirror(
      Deadline(absl::Seconds(30)).get(), request, &job);
  return Await(stack, rpc, job, server);
}

Result SyncMirror(Stack& stack, const std::string& name, int server) {
  v1::SyncMirrorRequest request;
  request.set_name(name);
  v1::Job job;
  grpc::Status rpc = stack.mirrors(server).SyncMirror(
      Deadline(absl::Seconds(30)).get(), request, &job);
  return Await(stack, rpc, job, server);
}

v1::Mirror GetMirror(Stack& stack, const std::string& name, grpc::Status* rpc,
                     int server) {
  v1::GetMirrorRequest request;
  request.set_name(name);
  v1::Mirror mirror;
  grpc::Status status = stack.mirrors(server).GetMirror(
      Deadline(absl::Seconds(10)).get(), request, &mirror);
  if (rpc != nullptr) {
    *rpc = status;
  } else {
    EXPECT_TRUE(status.ok()) << name << ": " << status.error_message();
  }
  return mirror;
}

Result CreateSnapshotFromMirror(Stack& stack, const std::string& name,
                                const std::string& mirror, int server) {
  v1::CreateSnapshotRequest request;
  request.mutable_snapshot()->set_name(name);
  request.set_mirror(mirror);
  v1::Job job;
  grpc::Status rpc = stack.snapshots(server).CreateSnapshot(
      Deadline(absl::Seconds(30)).get(), request, &job);
  return Await(stack, rpc, job, server);
}

std::vector<std::string> MirrorKeys(Stack& stack, const std::string& name,
                                    const std::string& query, int server) {
  v1::ListMirrorPackagesRequest request;
  request.set_name(name);
  request.set_query(query);
  // Small pages, so that paging is exercised too.
  request.set_page_size(2);
  return AllPackageKeys<v1::ListMirrorPackagesResponse>(
      std::move(request), [&](grpc::ClientContext* context,
                              const v1::ListMirrorPackagesRequest& page,
                              v1::ListMirrorPackagesResponse* response) {
        return stack.mirrors(server).ListMirrorPackages(context, page,
                                                        response);
      });
}

void RecordMirrorPackages(const TestDatabase& db, const std::string& name,
                          const std::vector<std::string>& keys) {
  const absl::Status recorded = db.InTransaction([&](storage::Transaction& tx) {
    return storage::ReplaceMirrorPackages(
               tx, name, keys, {.date = "", .suite = "test", .codename = ""})
        .status();
  });
  ASSERT_TRUE(recorded.ok()) << recorded;
}

}  // namespace debrepo::testing
