#include "tests/publish_calls.h"

#include <filesystem>
#include <fstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"

namespace debrepo::testing {

v1::PublishedComponent SnapshotComponent(const std::string& component,
                                         const std::string& snapshot) {
  v1::PublishedComponent published;
  published.set_component(component);
  published.set_snapshot(snapshot);
  return published;
}

v1::PublishedComponent RepoComponent(const std::string& component,
                                     const std::string& repo) {
  v1::PublishedComponent published;
  published.set_component(component);
  published.set_repo(repo);
  return published;
}

v1::PublicationRef Ref(const std::string& prefix,
                       const std::string& distribution) {
  v1::PublicationRef ref;
  ref.set_prefix(prefix);
  ref.set_distribution(distribution);
  return ref;
}

Result CreatePublication(Stack& stack, const v1::Publication& publication,
                         int server) {
  v1::CreatePublicationRequest request;
  *request.mutable_publication() = publication;
  v1::Job job;
  grpc::Status rpc = stack.publish(server).CreatePublication(
      Deadline(absl::Seconds(30)).get(), request, &job);
  return Await(stack, rpc, job, server);
}

namespace {

// PublishComponent publishes `component` as `prefix`/`distribution`'s only
// component, for amd64, unsigned unless `signed_`.
Result PublishComponent(Stack& stack, const std::string& prefix,
                        const std::string& distribution,
                        v1::PublishedComponent component, bool signed_,
                        int server) {
  v1::Publication publication;
  publication.set_prefix(prefix);
  publication.set_distribution(distribution);
  *publication.add_components() = std::move(component);
  publication.add_architectures("amd64");
  publication.set_skip_signing(!signed_);
  return CreatePublication(stack, publication, server);
}

}  // namespace

Result PublishSnapshot(Stack& stack, const std::string& prefix,
                       const std::string& distribution,
                       const std::string& snapshot, bool signed_, int server) {
  return PublishComponent(stack, prefix, distribution,
                          SnapshotComponent("main", snapshot), signed_, server);
}

Result PublishRepo(Stack& stack, const std::string& prefix,
                   const std::string& distribution, const std::string& repo,
                   int server) {
  return PublishComponent(stack, prefix, distribution,
                          RepoComponent("main", repo), /*signed_=*/false,
                          server);
}

Result SwitchPublication(Stack& stack, const v1::PublicationRef& ref,
                         const std::string& snapshot, int server) {
  v1::SwitchPublicationRequest request;
  *request.mutable_publication() = ref;
  *request.add_components() = SnapshotComponent("main", snapshot);
  v1::Job job;
  grpc::Status rpc = stack.publish(server).SwitchPublication(
      Deadline(absl::Seconds(30)).get(), request, &job);
  return Await(stack, rpc, job, server);
}

Result UpdatePublication(Stack& stack, const v1::PublicationRef& ref,
                         int server) {
  v1::UpdatePublicationRequest request;
  *request.mutable_publication() = ref;
  v1::Job job;
  grpc::Status rpc = stack.publish(server).UpdatePublication(
      Deadline(absl::Seconds(30)).get(), request, &job);
  return Await(stack, rpc, job, server);
}

Result DeletePublication(Stack& stack, const v1::PublicationRef& ref,
                         bool force_drop, int server) {
  v1::DeletePublicationRequest request;
  *request.mutable_publication() = ref;
  request.set_force_drop(force_drop);
  v1::Job job;
  grpc::Status rpc = stack.publish(server).DeletePublication(
      Deadline(absl::Seconds(30)).get(), request, &job);
  return Await(stack, rpc, job, server);
}

std::map<std::string, std::string> ReleaseSha256(const std::string& dist_dir) {
  std::map<std::string, std::string> files;
  std::ifstream release(absl::StrCat(dist_dir, "/Release"));
  std::string line;
  bool in_sha256 = false;
  while (std::getline(release, line)) {
    if (line.empty() || line[0] != ' ') {
      in_sha256 = line == "SHA256:";
      continue;
    }
    if (!in_sha256) continue;
    std::vector<std::string> parts =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (parts.size() == 3) {
      files[parts[2]] = absl::StrCat(parts[0], " ", parts[1]);
    }
  }
  return files;
}

std::vector<std::string> TreeMismatches(const std::string& dist_dir) {
  std::vector<std::string> mismatches;
  const std::map<std::string, std::string> listed = ReleaseSha256(dist_dir);
  if (listed.empty()) mismatches.push_back("Release lists no SHA256 files");
  for (const auto& [path, expected] : listed) {
    const std::string bytes = ReadFile(absl::StrCat(dist_dir, "/", path));
    const std::string actual =
        absl::StrCat(Sha256Hex(bytes), " ", bytes.size());
    if (actual != expected) mismatches.push_back(path);
  }
  return mismatches;
}

std::vector<std::string> PoolFileMismatches(const std::string& root,
                                            const std::string& prefix,
                                            const std::string& distribution,
                                            const std::string& component) {
  std::vector<std::string> missing;
  const std::string packages =
      ReadFile(absl::StrCat(root, "/", prefix, "/dists/", distribution, "/",
                            component, "/binary-amd64/Packages"));
  // Each stanza's Filename and SHA256, in either order.
  std::string path;
  std::string sha256;
  auto check = [&] {
    if (path.empty()) return;
    if (!std::filesystem::exists(path)) {
      missing.push_back(path);
    } else if (Sha256Hex(ReadFile(path)) != sha256) {
      missing.push_back(
          absl::StrCat(path, " (other bytes than SHA256 ", sha256, ")"));
    }
    path.clear();
    sha256.clear();
  };
  for (absl::string_view line : absl::StrSplit(packages, '\n')) {
    if (line.empty()) check();
    if (absl::ConsumePrefix(&line, "Filename: ")) {
      path = absl::StrCat(root, "/", prefix, "/", line);
    } else if (absl::ConsumePrefix(&line, "SHA256: ")) {
      sha256 = std::string(line);
    }
  }
  check();
  return missing;
}

}  // namespace debrepo::testing
