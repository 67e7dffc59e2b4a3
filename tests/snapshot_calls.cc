#include "tests/snapshot_calls.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"

namespace debrepo::testing {
namespace {

Result CreateSnapshot(Stack& stack, v1::CreateSnapshotRequest request,
                      int server) {
  v1::Job job;
  grpc::Status rpc = stack.snapshots(server).CreateSnapshot(
      Deadline(absl::Seconds(30)).get(), request, &job);
  return Await(stack, rpc, job, server);
}

}  // namespace

Result CreateSnapshotFromRepo(Stack& stack, const std::string& name,
                              const std::string& repo, int server) {
  v1::CreateSnapshotRequest request;
  request.mutable_snapshot()->set_name(name);
  request.set_repo(repo);
  return CreateSnapshot(stack, std::move(request), server);
}

Result CreateSnapshotFromKeys(Stack& stack, const std::string& name,
                              const std::vector<std::string>& keys,
                              int server) {
  v1::CreateSnapshotRequest request;
  request.mutable_snapshot()->set_name(name);
  for (const std::string& key : keys) {
    request.mutable_packages()->add_keys(key);
  }
  return CreateSnapshot(stack, std::move(request), server);
}

Result CreateEmptySnapshot(Stack& stack, const std::string& name,
                           const std::string& description, int server) {
  v1::CreateSnapshotRequest request;
  request.mutable_snapshot()->set_name(name);
  request.mutable_snapshot()->set_description(description);
  request.set_empty(true);
  return CreateSnapshot(stack, std::move(request), server);
}

Result RenameSnapshot(Stack& stack, const std::string& from,
                      const std::string& to, int server) {
  v1::UpdateSnapshotRequest request;
  request.set_name(from);
  request.mutable_snapshot()->set_name(to);
  request.mutable_update_mask()->add_paths("name");
  v1::Job job;
  grpc::Status rpc = stack.snapshots(server).UpdateSnapshot(
      Deadline(absl::Seconds(30)).get(), request, &job);
  return Await(stack, rpc, job, server);
}

Result DeleteSnapshot(Stack& stack, const std::string& name, bool force,
                      int server) {
  v1::DeleteSnapshotRequest request;
  request.set_name(name);
  request.set_force(force);
  v1::Job job;
  grpc::Status rpc = stack.snapshots(server).DeleteSnapshot(
      Deadline(absl::Seconds(30)).get(), request, &job);
  return Await(stack, rpc, job, server);
}

std::vector<std::string> SnapshotKeys(Stack& stack, const std::string& name,
                                      const std::string& query, int server) {
  v1::ListSnapshotPackagesRequest request;
  request.set_name(name);
  request.set_query(query);
  // Small pages, so that paging is exercised too.
  request.set_page_size(7);
  return AllPackageKeys<v1::ListSnapshotPackagesResponse>(
      std::move(request), [&](grpc::ClientContext* context,
                              const v1::ListSnapshotPackagesRequest& page,
                              v1::ListSnapshotPackagesResponse* response) {
        return stack.snapshots(server).ListSnapshotPackages(context, page,
                                                            response);
      });
}

Result AddPackagesToRepo(Stack& stack, const std::string& repo,
                         const std::vector<std::string>& keys, int server) {
  v1::AddPackagesRequest request;
  request.set_name(repo);
  for (const std::string& key : keys) request.add_keys(key);
  v1::Job job;
  grpc::Status rpc = stack.repos(server).AddPackages(
      Deadline(absl::Seconds(30)).get(), request, &job);
  return Await(stack, rpc, job, server);
}

Result RemovePackagesFromRepo(Stack& stack, const std::string& repo,
                              const std::vector<std::string>& keys,
                              int server) {
  v1::RemovePackagesRequest request;
  request.set_name(repo);
  for (const std::string& key : keys) request.add_keys(key);
  v1::Job job;
  grpc::Status rpc = stack.repos(server).RemovePackages(
      Deadline(absl::Seconds(30)).get(), request, &job);
  return Await(stack, rpc, job, server);
}

std::vector<std::string> UploadPackageSpecs(
    Stack& stack, const std::string& repo, const std::string& directory,
    const std::vector<PackageSpec>& specs) {
  std::vector<FileToUpload> files;
  for (const PackageSpec& spec : specs) {
    const std::string bytes =
        BuildDeb(spec.name, spec.version, spec.architecture,
                 spec.payload.empty() ? spec.name + spec.version : spec.payload,
                 spec.extra_control);
    files.push_back(
        {absl::StrCat(spec.name, "_",
                      absl::StrReplaceAll(spec.version, {{":", "%3a"}}), "_",
                      spec.architecture, ".deb"),
         bytes, Sha256Hex(bytes)});
  }
  return UploadFilesToRepo(stack, repo, directory, files);
}

std::vector<std::string> UploadFilesToRepo(
    Stack& stack, const std::string& repo, const std::string& directory,
    const std::vector<FileToUpload>& files) {
  v1::Job job;
  Result uploaded =
      Await(stack, UploadFiles(stack, directory, files, &job), job);
  EXPECT_EQ(uploaded.code, absl::StatusCode::kOk) << uploaded.message;
  if (uploaded.code != absl::StatusCode::kOk) return {};
  v1::AddFromUploadRequest request;
  request.set_name(repo);
  request.set_directory(directory);
  grpc::Status rpc = stack.repos().AddFromUpload(
      Deadline(absl::Seconds(60)).get(), request, &job);
  Result added = Await(stack, rpc, job);
  EXPECT_EQ(added.code, absl::StatusCode::kOk) << added.message;
  if (added.code != absl::StatusCode::kOk) return {};
  const v1::AddFromUploadResult& result = added.job.result().add_from_upload();
  EXPECT_EQ(result.added_count(), static_cast<int64_t>(files.size()));
  return {result.added().begin(), result.added().end()};
}

std::vector<std::string> UploadPackages(Stack& stack, const std::string& repo,
                                        const std::string& directory,
                                        const std::vector<std::string>& names,
                                        const std::string& build) {
  std::vector<PackageSpec> specs;
  for (const std::string& name : names) {
    specs.push_back({.name = name, .payload = name + build});
  }
  return UploadPackageSpecs(stack, repo, directory, specs);
}

}  // namespace debrepo::testing
