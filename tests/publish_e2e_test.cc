// End to end through gRPC with real servers and workers: publish a snapshot
// (of generated packages, and of real ones from Debian's archive) and a
// repo, read them back, serve the tree over HTTP to a real apt in a
// throw-away root (which verifies InRelease with the exported key), switch
// to a newer snapshot and see apt take it, update a published repo, drop;
// refusals of drops of what is published, and hostile input.
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/apt_root.h"
#include "tests/harness.h"
#include "tests/publish_calls.h"
#include "tests/snapshot_calls.h"
#include "tests/snapshot_ops_calls.h"

namespace debrepo::testing {
namespace {

namespace fs = std::filesystem;

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class PublishE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    signers_.ExportKeyring("publisher", keyring_);
    stack_.StartServer();
    stack_.StartWorker({absl::StrCat("--publish_root=", root_),
                        absl::StrCat("--gpg_home=", signers_.home()),
                        "--gpg_key=publisher@example.org"});
  }

  // Snapshots s1 and s2 of repos one and two, each with its own build of
  // hello 1.0 (both would be pool/main/h/hello/hello_1.0_amd64.deb).
  void SnapshotTwoBuildsOfHello() {
    ASSERT_EQ(CreateRepo(stack_, "one").code, absl::StatusCode::kOk);
    ASSERT_EQ(CreateRepo(stack_, "two").code, absl::StatusCode::kOk);
    ASSERT_THAT(UploadPackageSpecs(stack_, "one", "u1",
                                   {{.name = "hello", .payload = "first"}}),
                ::testing::SizeIs(1));
    ASSERT_THAT(UploadPackageSpecs(stack_, "two", "u2",
                                   {{.name = "hello", .payload = "second"}}),
                ::testing::SizeIs(1));
    ASSERT_EQ(CreateSnapshotFromRepo(stack_, "s1", "one").code,
              absl::StatusCode::kOk);
    ASSERT_EQ(CreateSnapshotFromRepo(stack_, "s2", "two").code,
              absl::StatusCode::kOk);
  }

  grpc::Status Get(const v1::PublicationRef& ref, v1::Publication* out) {
    v1::GetPublicationRequest request;
    *request.mutable_publication() = ref;
    return stack_.publish().GetPublication(Deadline(absl::Seconds(10)).get(),
                                           request, out);
  }

  std::string Path(const std::string& relative) const {
    return absl::StrCat(root_, "/", relative);
  }

  // RebuildHello replaces build `key` of hello 1.0 in repo `repo` by
  // another build, `payload` (removed, then the other added, as a
  // maintainer would), and returns the new build's key (empty when a step
  // failed, which also fails the test).
  std::string RebuildHello(const std::string& repo, const std::string& key,
                           const std::string& payload) {
    v1::RemovePackagesRequest remove;
    remove.set_name(repo);
    remove.add_keys(key);
    v1::Job job;
    Result removed = Await(stack_,
                           stack_.repos().RemovePackages(
                               Deadline(absl::Seconds(10)).get(), remove, &job),
                           job);
    EXPECT_EQ(removed.code, absl::StatusCode::kOk) << removed.message;
    const std::vector<std::string> added = UploadPackageSpecs(
        stack_, repo, "rebuild", {{.name = "hello", .payload = payload}});
    if (removed.code != absl::StatusCode::kOk || added.size() != 1) return "";
    EXPECT_NE(added[0], key);
    return added[0];
  }

  // Sha256Of returns the SHA-256 of package `key`'s (one) file.
  std::string Sha256Of(const std::string& key) {
    return db_.QueryValue(absl::StrCat(
        "SELECT files->0->>'sha256' FROM packages WHERE key = '", key, "'"));
  }

  TestDatabase db_;
  TestSigners signers_{{"publisher"}};
  const std::string root_ = TestDir("publish");
  const std::string keyring_ = absl::StrCat(TestDir("keys"), "/publisher.gpg");
  Stack stack_{db_.url()};
};

TEST_F(PublishE2eTest, SnapshotServedToAptThenSwitchedAndDropped) {
  ASSERT_EQ(CreateRepo(stack_, "r").code, absl::StatusCode::kOk);
  ASSERT_THAT(UploadPackageSpecs(stack_, "r", "u1",
                                 {{.name = "hello", .version = "1.0"},
                                  {.name = "docs", .architecture = "all"}}),
              ::testing::SizeIs(2));
  ASSERT_EQ(CreateSnapshotFromRepo(stack_, "s1", "r").code,
            absl::StatusCode::kOk);

  v1::Publication asked;
  asked.set_distribution("stable");
  *asked.add_components() = SnapshotComponent("main", "s1");
  asked.set_origin("debrepo test");
  Result created = CreatePublication(stack_, asked);
  ASSERT_EQ(created.code, absl::StatusCode::kOk) << created.message;
  const v1::Publication& result = created.job.result().publication();
  // Architectures default to the packages' ("all" left out).
  EXPECT_THAT(result.architectures(), ElementsAre("amd64"));
  EXPECT_EQ(result.storage(), "filesystem:default");
  EXPECT_EQ(result.prefix(), ".");
  ASSERT_EQ(result.components_size(), 1);
  EXPECT_EQ(result.components(0).package_count(), 2);

  // The tree, whole and signed.
  const std::string dist = Path("dists/stable");
  for (const char* file :
       {"Release", "InRelease", "Release.gpg", "main/binary-amd64/Packages",
        "main/binary-amd64/Packages.gz", "main/binary-amd64/Packages.xz"}) {
    EXPECT_TRUE(fs::exists(absl::StrCat(dist, "/", file))) << file;
  }
  EXPECT_THAT(TreeMismatches(dist), IsEmpty());
  EXPECT_EQ(RunQuietly(absl::StrCat("gpgv --keyring ", keyring_, " ", dist,
                                    "/InRelease")),
            0);
  EXPECT_EQ(RunQuietly(absl::StrCat("gpgv --keyring ", keyring_, " ", dist,
                                    "/Release.gpg ", dist, "/Release")),
            0);
  EXPECT_THAT(ReadFile(absl::StrCat(dist, "/Release")),
              HasSubstr("Origin: debrepo test"));
  EXPECT_TRUE(fs::exists(Path("pool/main/h/hello/hello_1.0_amd64.deb")));
  EXPECT_TRUE(fs::exists(Path("pool/main/d/docs/docs_1.0_all.deb")));
  // Nothing staged is left behind.
  EXPECT_TRUE(fs::is_empty(Path(".debrepo-staging")));

  // Read back: Get, List, and what the snapshot says.
  v1::Publication got;
  ASSERT_TRUE(Get(Ref("", "stable"), &got).ok());
  EXPECT_EQ(got.components(0).snapshot(), "s1");
  EXPECT_EQ(got.origin(), "debrepo test");
  v1::ListPublicationsResponse listed;
  ASSERT_TRUE(stack_.publish()
                  .ListPublications(Deadline(absl::Seconds(10)).get(),
                                    v1::ListPublicationsRequest(), &listed)
                  .ok());
  ASSERT_EQ(listed.publications_size(), 1);
  EXPECT_EQ(listed.publications(0).distribution(), "stable");
  v1::GetSnapshotRequest get_snapshot;
  get_snapshot.set_name("s1");
  v1::Snapshot snapshot;
  ASSERT_TRUE(stack_.snapshots()
                  .GetSnapshot(Deadline(absl::Seconds(10)).get(), get_snapshot,
                               &snapshot)
                  .ok());
  EXPECT_THAT(snapshot.publications(), ElementsAre("./stable"));

  // A published snapshot is not dropped, even with force.
  Result refused = DeleteSnapshot(stack_, "s1", /*force=*/true);
  EXPECT_EQ(refused.code, absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message, HasSubstr("./stable"));

  // Publishing there again is refused.
  EXPECT_EQ(CreatePublication(stack_, asked).code,
            absl::StatusCode::kAlreadyExists);

  // A real apt verifies InRelease with the key and installs from it.
  AptRoot apt(root_, keyring_, "stable");
  ASSERT_EQ(apt.AptGet("update"), 0) << apt.log();
  ASSERT_EQ(apt.AptGet("download hello docs"), 0) << apt.log();
  EXPECT_TRUE(fs::exists(apt.downloaded("hello_1.0_amd64.deb"))) << apt.log();
  EXPECT_TRUE(fs::exists(apt.downloaded("docs_1.0_all.deb"))) << apt.log();

  // Switch to a snapshot with a newer hello: apt takes it, and the old
  // .deb leaves the pool.
  ASSERT_THAT(UploadPackageSpecs(stack_, "r", "u2",
                                 {{.name = "hello", .version = "2.0"}}),
              ::testing::SizeIs(1));
  ASSERT_EQ(CreateSnapshotFromRepo(stack_, "s2", "r").code,
            absl::StatusCode::kOk);
  // s2 holds both hellos, as the repo does: apt picks the higher version.
  const auto seconds_of = [](const std::string& path) -> int64_t {
    struct stat info = {};
    EXPECT_EQ(stat(path.c_str(), &info), 0) << path;
    return info.st_mtim.tv_sec;
  };
  const int64_t old_release_time = seconds_of(absl::StrCat(dist, "/InRelease"));
  Result switched = SwitchPublication(stack_, Ref(".", "stable"), "s2");
  ASSERT_EQ(switched.code, absl::StatusCode::kOk) << switched.message;
  // Newer by a whole second at least, or a web server would answer apt's
  // If-Modified-Since with "304 Not Modified" and apt keep the old lists.
  EXPECT_GT(seconds_of(absl::StrCat(dist, "/InRelease")), old_release_time);
  EXPECT_EQ(switched.job.result().publication().components(0).snapshot(), "s2");
  EXPECT_THAT(TreeMismatches(dist), IsEmpty());
  ASSERT_EQ(apt.AptGet("update"), 0) << apt.log();
  ASSERT_EQ(apt.AptGet("download hello"), 0) << apt.log();
  EXPECT_TRUE(fs::exists(apt.downloaded("hello_2.0_amd64.deb"))) << apt.log();
  // s1 is no longer published: it may be dropped now.
  EXPECT_EQ(DeleteSnapshot(stack_, "s1", false).code, absl::StatusCode::kOk);

  // Drop: the tree and the pool files go.
  Result dropped = DeletePublication(stack_, Ref("", "stable"));
  ASSERT_EQ(dropped.code, absl::StatusCode::kOk) << dropped.message;
  EXPECT_FALSE(fs::exists(dist));
  EXPECT_FALSE(fs::exists(Path("pool/main/h/hello/hello_2.0_amd64.deb")));
  EXPECT_EQ(Get(Ref("", "stable"), &got).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(DeleteSnapshot(stack_, "s2", false).code, absl::StatusCode::kOk);
}

TEST_F(PublishE2eTest, RealDebianPackagesInstallFromThePublicationAndRun) {
  // Real packages from Debian's archive, fetched through the machine's own
  // apt sources (which installing the build's packages needs as well).
  const std::string fetched = TestDir("debian-debs");
  ASSERT_EQ(RunQuietly(absl::StrCat("cd ", fetched,
                                    " && apt-get download -q hello tree"
                                    " >download.log 2>&1")),
            0)
      << ReadFile(absl::StrCat(fetched, "/download.log"))
      << "\nthis test downloads hello and tree through the machine's apt "
         "sources; check they are reachable";
  std::vector<FileToUpload> real;
  for (const fs::directory_entry& entry : fs::directory_iterator(fetched)) {
    if (entry.path().extension() != ".deb") continue;
    const std::string bytes = ReadFile(entry.path().string());
    real.push_back({entry.path().filename().string(), bytes, Sha256Hex(bytes)});
  }
  ASSERT_EQ(real.size(), 2u);
  ASSERT_EQ(CreateRepo(stack_, "debian").code, absl::StatusCode::kOk);
  ASSERT_THAT(UploadFilesToRepo(stack_, "debian", "real", real),
              ::testing::SizeIs(2));
  ASSERT_THAT(UploadPackageSpecs(stack_, "debian", "generated",
                                 {{.name = "generated", .version = "3.1"}}),
              ::testing::SizeIs(1));
  ASSERT_EQ(CreateSnapshotFromRepo(stack_, "debian-1", "debian").code,
            absl::StatusCode::kOk);
  v1::Publication asked;
  asked.set_distribution("bookworm");
  *asked.add_components() = SnapshotComponent("main", "debian-1");
  Result created = CreatePublication(stack_, asked);
  ASSERT_EQ(created.code, absl::StatusCode::kOk) << created.message;

  // apt verifies InRelease with the key, fetches the packages, and they
  // are byte for byte Debian's; hello, unpacked, runs.
  AptRoot apt(root_, keyring_, "bookworm");
  ASSERT_EQ(apt.AptGet("update"), 0) << apt.log();
  ASSERT_EQ(apt.AptGet("download hello tree generated"), 0) << apt.log();
  for (const FileToUpload& file : real) {
    EXPECT_EQ(ReadFile(apt.downloaded(file.filename)), file.bytes)
        << file.filename;
  }
  EXPECT_TRUE(fs::exists(apt.downloaded("generated_3.1_amd64.deb")));
  const auto hello = std::find_if(real.begin(), real.end(), [](auto& file) {
    return absl::StartsWith(file.filename, "hello_");
  });
  ASSERT_NE(hello, real.end());
  const std::string unpacked = TestDir("unpacked");
  ASSERT_EQ(RunQuietly(absl::StrCat("dpkg -x ", apt.downloaded(hello->filename),
                                    " ", unpacked)),
            0);
  const std::string greeting = absl::StrCat(unpacked, "/greeting.txt");
  // In a subshell: RunQuietly sends the command's own output to /dev/null.
  ASSERT_EQ(RunQuietly(
                absl::StrCat("(", unpacked, "/usr/bin/hello >", greeting, ")")),
            0);
  EXPECT_EQ(ReadFile(greeting), "Hello, world!\n");
}

TEST_F(PublishE2eTest, SwitchRemovesPackagesNoLongerListedFromThePool) {
  ASSERT_EQ(CreateRepo(stack_, "r").code, absl::StatusCode::kOk);
  std::vector<std::string> old_keys = UploadPackageSpecs(
      stack_, "r", "u1", {{.name = "hello", .version = "1.0"}});
  ASSERT_EQ(CreateSnapshotFromRepo(stack_, "old", "r").code,
            absl::StatusCode::kOk);
  ASSERT_EQ(PublishSnapshot(stack_, "debian", "main-line", "old").code,
            absl::StatusCode::kOk);
  std::vector<std::string> new_keys = UploadPackageSpecs(
      stack_, "r", "u2", {{.name = "hello", .version = "2.0"}});
  ASSERT_EQ(CreateSnapshotFromKeys(stack_, "new", new_keys).code,
            absl::StatusCode::kOk);
  ASSERT_EQ(SwitchPublication(stack_, Ref("debian", "main-line"), "new").code,
            absl::StatusCode::kOk);
  EXPECT_TRUE(fs::exists(Path("debian/pool/main/h/hello/hello_2.0_amd64.deb")));
  EXPECT_FALSE(
      fs::exists(Path("debian/pool/main/h/hello/hello_1.0_amd64.deb")));
  const std::string packages =
      ReadFile(Path("debian/dists/main-line/main/binary-amd64/Packages"));
  EXPECT_THAT(packages, HasSubstr("Version: 2.0"));
  EXPECT_THAT(packages, ::testing::Not(HasSubstr("Version: 1.0")));
}

TEST_F(PublishE2eTest, APoolOfManySourcePackagesIsWhole) {
  // More directories and files than one take of the pool's threads (256
  // entries), so that both threads make directories and link files, some
  // into a directory the other made.
  constexpr int kPackages = 700;
  ASSERT_EQ(CreateRepo(stack_, "r").code, absl::StatusCode::kOk);
  std::vector<PackageSpec> specs;
  for (int i = 0; i < kPackages; ++i) {
    specs.push_back(
        {.name = absl::StrCat("many", i),
         .extra_control = absl::StrCat("Source: src", i / 2, "\n")});
  }
  ASSERT_EQ(UploadPackageSpecs(stack_, "r", "u", specs).size(),
            static_cast<size_t>(kPackages));
  Result first = PublishRepo(stack_, "many", "d", "r");
  ASSERT_EQ(first.code, absl::StatusCode::kOk);
  // Made during the long phase, each source package's once.
  EXPECT_THAT(first.job.log(),
              Contains(HasSubstr(absl::StrCat("made ", kPackages / 2,
                                              " pool directories in "))));
  EXPECT_THAT(PoolFileMismatches(root_, "many", "d"), IsEmpty());
  // A sibling listing the same packages finds them all made.
  Result sibling = PublishRepo(stack_, "many", "e", "r");
  ASSERT_EQ(sibling.code, absl::StatusCode::kOk);
  EXPECT_THAT(sibling.job.log(),
              Contains(HasSubstr("made 0 pool directories in ")));
  EXPECT_THAT(PoolFileMismatches(root_, "many", "e"), IsEmpty());
  int directories = 0;
  int files = 0;
  for (const fs::directory_entry& entry :
       fs::recursive_directory_iterator(Path("many/pool/main"))) {
    if (entry.is_directory() &&
        entry.path().parent_path().filename() != "main") {
      ++directories;
    } else if (entry.is_regular_file()) {
      ++files;
    }
  }
  EXPECT_EQ(directories, kPackages / 2);
  EXPECT_EQ(files, kPackages);
}

TEST_F(PublishE2eTest, PublishedRepoUpdatedAfterItChanged) {
  ASSERT_EQ(CreateRepo(stack_, "ppa").code, absl::StatusCode::kOk);
  ASSERT_THAT(UploadPackageSpecs(stack_, "ppa", "u1", {{.name = "alpha"}}),
              ::testing::SizeIs(1));
  v1::Publication asked;
  asked.set_prefix("team/ppa");
  asked.set_distribution("bookworm");
  *asked.add_components() = RepoComponent("", "ppa");
  asked.set_skip_signing(true);
  Result created = CreatePublication(stack_, asked);
  ASSERT_EQ(created.code, absl::StatusCode::kOk) << created.message;
  // A repo source without a component name takes "main".
  EXPECT_EQ(created.job.result().publication().components(0).component(),
            "main");
  const std::string dist = Path("team/ppa/dists/bookworm");
  EXPECT_FALSE(fs::exists(absl::StrCat(dist, "/InRelease")));
  const std::string packages_file =
      absl::StrCat(dist, "/main/binary-amd64/Packages");
  EXPECT_THAT(ReadFile(packages_file), HasSubstr("Package: alpha"));

  // The repo changes; the publication keeps its packages until updated.
  ASSERT_THAT(UploadPackageSpecs(stack_, "ppa", "u2", {{.name = "beta"}}),
              ::testing::SizeIs(1));
  EXPECT_THAT(ReadFile(packages_file), ::testing::Not(HasSubstr("beta")));
  Result updated = UpdatePublication(stack_, Ref("team/ppa", "bookworm"));
  ASSERT_EQ(updated.code, absl::StatusCode::kOk) << updated.message;
  EXPECT_EQ(updated.job.result().publication().components(0).package_count(),
            2);
  EXPECT_THAT(ReadFile(packages_file), HasSubstr("Package: beta"));
  EXPECT_THAT(TreeMismatches(dist), IsEmpty());
  EXPECT_TRUE(fs::exists(Path("team/ppa/pool/main/b/beta/beta_1.0_amd64.deb")));

  // Settings change through the mask; others stay as they were.
  v1::UpdatePublicationRequest change;
  *change.mutable_publication() = Ref("team/ppa", "bookworm");
  change.mutable_settings()->set_label("Team PPA");
  change.mutable_settings()->set_origin("ignored: not in the mask");
  change.mutable_settings()->add_compressions(v1::BZIP2);
  change.mutable_update_mask()->add_paths("label");
  change.mutable_update_mask()->add_paths("compressions");
  v1::Job job;
  Result changed = Await(stack_,
                         stack_.publish().UpdatePublication(
                             Deadline(absl::Seconds(10)).get(), change, &job),
                         job);
  ASSERT_EQ(changed.code, absl::StatusCode::kOk) << changed.message;
  const std::string release = ReadFile(absl::StrCat(dist, "/Release"));
  EXPECT_THAT(release, HasSubstr("Label: Team PPA"));
  EXPECT_THAT(release, ::testing::Not(HasSubstr("Origin:")));
  EXPECT_TRUE(fs::exists(absl::StrCat(packages_file, ".bz2")));
  EXPECT_FALSE(fs::exists(absl::StrCat(packages_file, ".xz")));
  EXPECT_THAT(TreeMismatches(dist), IsEmpty());
  change.mutable_update_mask()->add_paths("components");
  EXPECT_EQ(
      stack_.publish()
          .UpdatePublication(Deadline(absl::Seconds(10)).get(), change, &job)
          .error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);

  // A published repo is not dropped; Get names its publication.
  Result refused = DeleteRepo(stack_, "ppa", 0, /*force=*/true);
  EXPECT_EQ(refused.code, absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message, HasSubstr("team/ppa/bookworm"));
  v1::GetRepoRequest get_repo;
  get_repo.set_name("ppa");
  v1::Repo repo;
  ASSERT_TRUE(stack_.repos()
                  .GetRepo(Deadline(absl::Seconds(10)).get(), get_repo, &repo)
                  .ok());
  EXPECT_THAT(repo.publications(), ElementsAre("team/ppa/bookworm"));

  ASSERT_EQ(DeletePublication(stack_, Ref("team/ppa", "bookworm")).code,
            absl::StatusCode::kOk);
  EXPECT_EQ(DeleteRepo(stack_, "ppa").code, absl::StatusCode::kOk);
}

// Two builds of hello 1.0 (two repos) cannot share one prefix's pool,
// where both would be pool/main/h/hello/hello_1.0_amd64.deb.
TEST_F(PublishE2eTest, DifferentFilesOfOnePoolPathAreRefused) {
  ASSERT_NO_FATAL_FAILURE(SnapshotTwoBuildsOfHello());
  ASSERT_EQ(PublishSnapshot(stack_, "p", "a", "s1").code,
            absl::StatusCode::kOk);
  Result refused = PublishSnapshot(stack_, "p", "b", "s2");
  EXPECT_EQ(refused.code, absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message, HasSubstr("main/hello/hello_1.0_amd64.deb"));
  EXPECT_FALSE(fs::exists(Path("p/dists/b")));
  // The first publication's file is untouched; another prefix is fine.
  EXPECT_THAT(TreeMismatches(Path("p/dists/a")), IsEmpty());
  EXPECT_EQ(
      Sha256Hex(ReadFile(Path("p/pool/main/h/hello/hello_1.0_amd64.deb"))),
      db_.QueryValue("SELECT files->0->>'sha256' FROM packages p JOIN "
                     "repo_packages rp ON rp.package_id = p.id JOIN "
                     "repos r ON r.id = rp.repo_id WHERE r.name = 'one'"));
  EXPECT_EQ(PublishSnapshot(stack_, "q", "b", "s2").code,
            absl::StatusCode::kOk);
  // The refused job's staged tree went with the next publish.
  EXPECT_TRUE(fs::is_empty(Path(".debrepo-staging")));
}

// Within one publication (a fresh prefix, so the transaction's check has
// nothing to compare with) only the long phase's PoolPathCheck refuses.
TEST_F(PublishE2eTest, TwoBuildsOfOnePoolPathInOneSnapshotAreRefused) {
  ASSERT_NO_FATAL_FAILURE(SnapshotTwoBuildsOfHello());
  Result merged = MergeSnapshots(stack_, "both", {"s1", "s2"},
                                 /*latest=*/false, /*no_remove=*/true);
  ASSERT_EQ(merged.code, absl::StatusCode::kOk) << merged.message;
  ASSERT_THAT(SnapshotKeys(stack_, "both"), ::testing::SizeIs(2));

  Result refused = PublishSnapshot(stack_, "r", "d", "both");
  EXPECT_EQ(refused.code, absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message, HasSubstr("main/hello/hello_1.0_amd64.deb"));
  EXPECT_THAT(refused.message, HasSubstr("remove one of them"));
  // Nothing of it is published.
  EXPECT_FALSE(fs::exists(Path("r/dists/d")));
  // Nor the pool directories its listing made.
  EXPECT_FALSE(fs::exists(Path("r/pool/main")));
  v1::Publication got;
  EXPECT_EQ(Get(Ref("r", "d"), &got).error_code(), grpc::StatusCode::NOT_FOUND);

  // It left nothing that blocks publishing one build there.
  Result published = PublishSnapshot(stack_, "r", "d", "s1");
  ASSERT_EQ(published.code, absl::StatusCode::kOk) << published.message;
  EXPECT_THAT(TreeMismatches(Path("r/dists/d")), IsEmpty());
  EXPECT_THAT(PoolFileMismatches(root_, "r", "d"), IsEmpty());
  // The refused job's staged tree went with the next publish.
  EXPECT_TRUE(fs::is_empty(Path(".debrepo-staging")));
}

// Build B of hello 1.0 replaces build A, published before: the same pool
// path (pool/main/h/hello/hello_1.0_amd64.deb) must then serve B's bytes,
// whose hashes the new Packages lists, not keep A's.
TEST_F(PublishE2eTest, ARebuildReplacesTheOldBuildInThePool) {
  ASSERT_EQ(CreateRepo(stack_, "ppa").code, absl::StatusCode::kOk);
  const std::vector<std::string> build_a = UploadPackageSpecs(
      stack_, "ppa", "u1", {{.name = "hello", .payload = "build A"}});
  ASSERT_THAT(build_a, ::testing::SizeIs(1));
  ASSERT_EQ(CreateSnapshotFromKeys(stack_, "a", build_a).code,
            absl::StatusCode::kOk);
  ASSERT_EQ(PublishRepo(stack_, "p", "d", "ppa").code, absl::StatusCode::kOk);
  ASSERT_EQ(PublishSnapshot(stack_, "q", "d", "a").code, absl::StatusCode::kOk);
  const std::string bytes_a =
      ReadFile(Path("p/pool/main/h/hello/hello_1.0_amd64.deb"));

  const std::string build_b = RebuildHello("ppa", build_a[0], "build B");
  ASSERT_FALSE(build_b.empty());
  const std::string sha256_b = Sha256Of(build_b);
  ASSERT_NE(sha256_b, Sha256Hex(bytes_a));

  // The pool of `prefix` serves B, whose hashes its Packages lists, and
  // holds no temporary file beside it.
  auto expect_build_b = [&](const std::string& prefix) {
    const std::string directory = Path(prefix + "/pool/main/h/hello");
    EXPECT_EQ(Sha256Hex(ReadFile(directory + "/hello_1.0_amd64.deb")),
              sha256_b);
    EXPECT_THAT(TreeMismatches(Path(prefix + "/dists/d")), IsEmpty());
    EXPECT_THAT(PoolFileMismatches(root_, prefix, "d"), IsEmpty());
    std::vector<std::string> files;
    for (const fs::directory_entry& entry : fs::directory_iterator(directory)) {
      files.push_back(entry.path().filename().string());
    }
    EXPECT_THAT(files, ElementsAre("hello_1.0_amd64.deb")) << prefix;
  };
  // Updated: the repo's publication.
  Result updated = UpdatePublication(stack_, Ref("p", "d"));
  ASSERT_EQ(updated.code, absl::StatusCode::kOk) << updated.message;
  expect_build_b("p");
  // Switched: a snapshot's publication.
  ASSERT_EQ(CreateSnapshotFromKeys(stack_, "b", {build_b}).code,
            absl::StatusCode::kOk);
  Result switched = SwitchPublication(stack_, Ref("q", "d"), "b");
  ASSERT_EQ(switched.code, absl::StatusCode::kOk) << switched.message;
  expect_build_b("q");
}

// The same on a publish root on another file system than the blob store
// (/dev/shm, tmpfs), where pool files are copies: the copy of A is
// replaced by one of B.
TEST_F(PublishE2eTest, ARebuildReplacesTheOldCopyInThePool) {
  struct stat shm, blobs;
  ASSERT_EQ(stat("/dev/shm", &shm), 0);
  ASSERT_EQ(stat(stack_.blob_dir().c_str(), &blobs), 0);
  if (shm.st_dev == blobs.st_dev) {
    GTEST_SKIP() << "/dev/shm is on the blob store's file system";
  }
  const std::string other_root =
      absl::StrCat("/dev/shm/debrepo-publish-", getpid());
  fs::remove_all(other_root);
  fs::create_directories(other_root);
  // A worker that knows the other root takes over.
  stack_.worker(0).Signal(SIGTERM);
  stack_.worker(0).Wait();
  stack_.StartWorker({absl::StrCat("--publish_root=", root_),
                      absl::StrCat("--publish_storage=shm=", other_root)});
  ASSERT_EQ(CreateRepo(stack_, "ppa").code, absl::StatusCode::kOk);
  const std::vector<std::string> build_a = UploadPackageSpecs(
      stack_, "ppa", "u1", {{.name = "hello", .payload = "build A"}});
  ASSERT_THAT(build_a, ::testing::SizeIs(1));
  v1::Publication asked;
  asked.set_storage("filesystem:shm");
  asked.set_distribution("d");
  *asked.add_components() = RepoComponent("main", "ppa");
  asked.add_architectures("amd64");
  asked.set_skip_signing(true);
  Result created = CreatePublication(stack_, asked);
  ASSERT_EQ(created.code, absl::StatusCode::kOk) << created.message;
  const std::string pool_file =
      absl::StrCat(other_root, "/pool/main/h/hello/hello_1.0_amd64.deb");
  ASSERT_TRUE(fs::exists(pool_file));

  const std::string build_b = RebuildHello("ppa", build_a[0], "build B");
  ASSERT_FALSE(build_b.empty());
  v1::PublicationRef ref = Ref(".", "d");
  ref.set_storage("filesystem:shm");
  Result updated = UpdatePublication(stack_, ref);
  ASSERT_EQ(updated.code, absl::StatusCode::kOk) << updated.message;
  EXPECT_EQ(Sha256Hex(ReadFile(pool_file)), Sha256Of(build_b));
  EXPECT_THAT(TreeMismatches(absl::StrCat(other_root, "/dists/d")), IsEmpty());
  EXPECT_THAT(PoolFileMismatches(other_root, ".", "d"), IsEmpty());
  fs::remove_all(other_root);
}

// A package's Source field names its pool directory: one that would lead
// out of the pool (from <root>/h/pool/main, "../../../../escaped" is
// <root>/../escaped) is refused when the package is added, with the reason
// in the job's failed files, so nothing of it is published.
TEST_F(PublishE2eTest, PackagesWithAHostileSourceFieldAreRefused) {
  ASSERT_EQ(CreateRepo(stack_, "r").code, absl::StatusCode::kOk);
  const std::vector<FileToUpload> files = {
      {.filename = "good_1.0_amd64.deb",
       .bytes = BuildDeb("good", "1.0", "amd64")},
      {.filename = "evil_1.0_amd64.deb",
       .bytes = BuildDeb("evil", "1.0", "amd64", "x",
                         "Source: ../../../../escaped\n")},
      {.filename = "sneaky_1.0_amd64.deb",
       .bytes = BuildDeb("sneaky", "1.0", "amd64", "x",
                         "Source: sneaky (1.0/../../../../escaped)\n")}};
  v1::Job job;
  ASSERT_EQ(Await(stack_, UploadFiles(stack_, "u", files, &job), job).code,
            absl::StatusCode::kOk);
  v1::AddFromUploadRequest add;
  add.set_name("r");
  add.set_directory("u");
  Result added = Await(stack_,
                       stack_.repos().AddFromUpload(
                           Deadline(absl::Seconds(60)).get(), add, &job),
                       job);
  ASSERT_EQ(added.code, absl::StatusCode::kOk) << added.message;
  const v1::AddFromUploadResult& result = added.job.result().add_from_upload();
  EXPECT_EQ(result.added_count(), 1);
  std::map<std::string, std::string> failed;
  for (const v1::FailedFile& file : result.failed()) {
    failed[file.filename()] = file.reason();
  }
  EXPECT_THAT(failed["evil_1.0_amd64.deb"],
              HasSubstr("Source field: invalid package name"));
  EXPECT_THAT(failed["sneaky_1.0_amd64.deb"],
              HasSubstr("Source field: invalid version"));
  EXPECT_EQ(failed.size(), 2u) << result.ShortDebugString();

  Result published = PublishRepo(stack_, "h", "d", "r");
  ASSERT_EQ(published.code, absl::StatusCode::kOk) << published.message;
  EXPECT_THAT(TreeMismatches(Path("h/dists/d")), IsEmpty());
  EXPECT_THAT(PoolFileMismatches(root_, "h", "d"), IsEmpty());
  EXPECT_TRUE(fs::exists(Path("h/pool/main/g/good/good_1.0_amd64.deb")));
  EXPECT_FALSE(fs::exists(fs::path(root_).parent_path() / "escaped"));
  EXPECT_FALSE(fs::exists(Path("escaped")));
}

TEST_F(PublishE2eTest, HostileInputIsRefused) {
  ASSERT_EQ(CreateEmptySnapshot(stack_, "s").code, absl::StatusCode::kOk);
  for (const std::string& prefix :
       std::vector<std::string>{"../up", "/abs", "a/../b", "/", "a//b",
                                ".debrepo-staging", "ctl\x01", "pool"}) {
    v1::Publication asked;
    asked.set_prefix(prefix);
    asked.set_distribution("d");
    *asked.add_components() = SnapshotComponent("main", "s");
    EXPECT_EQ(CreatePublication(stack_, asked).code,
              absl::StatusCode::kInvalidArgument)
        << prefix;
  }
  for (const std::string& distribution :
       std::vector<std::string>{"a/b", "..", "x\ny", ""}) {
    v1::Publication asked;
    asked.set_distribution(distribution);
    *asked.add_components() = SnapshotComponent("main", "s");
    EXPECT_EQ(CreatePublication(stack_, asked).code,
              absl::StatusCode::kInvalidArgument)
        << distribution;
  }
  v1::Publication twice;
  twice.set_distribution("d");
  *twice.add_components() = SnapshotComponent("main", "s");
  *twice.add_components() = SnapshotComponent("main", "s");
  EXPECT_EQ(CreatePublication(stack_, twice).code,
            absl::StatusCode::kInvalidArgument);
  v1::Publication none;
  none.set_distribution("d");
  EXPECT_EQ(CreatePublication(stack_, none).code,
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PublishSnapshot(stack_, ".", "d", "missing").code,
            absl::StatusCode::kNotFound);
  v1::Publication elsewhere;
  elsewhere.set_storage("filesystem:unconfigured");
  elsewhere.set_distribution("d");
  *elsewhere.add_components() = SnapshotComponent("main", "s");
  Result no_root = CreatePublication(stack_, elsewhere);
  EXPECT_EQ(no_root.code, absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(no_root.message, HasSubstr("--publish_storage"));
  // An empty snapshot has no architecture to publish unless told.
  v1::Publication empty;
  empty.set_distribution("d");
  *empty.add_components() = SnapshotComponent("main", "s");
  empty.set_skip_signing(true);
  Result no_arch = CreatePublication(stack_, empty);
  EXPECT_EQ(no_arch.code, absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(no_arch.message, HasSubstr("architectures"));
  // A key the workers do not have fails the job instead of publishing
  // unsigned.
  v1::Publication unknown_key = empty;
  unknown_key.add_architectures("amd64");
  unknown_key.set_skip_signing(false);
  unknown_key.set_gpg_key("nobody@example.org");
  Result unsigned_ = CreatePublication(stack_, unknown_key);
  EXPECT_EQ(unsigned_.code, absl::StatusCode::kFailedPrecondition)
      << unsigned_.message;
  EXPECT_FALSE(fs::exists(Path("dists/d")));
  // The switch of a component the publication does not have.
  ASSERT_EQ(PublishSnapshot(stack_, ".", "d", "s").code, absl::StatusCode::kOk);
  v1::SwitchPublicationRequest request;
  *request.mutable_publication() = Ref(".", "d");
  *request.add_components() = SnapshotComponent("contrib", "s");
  v1::Job job;
  Result no_component =
      Await(stack_,
            stack_.publish().SwitchPublication(
                Deadline(absl::Seconds(10)).get(), request, &job),
            job);
  EXPECT_EQ(no_component.code, absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(no_component.message, HasSubstr("no component contrib"));
}

}  // namespace
}  // namespace debrepo::testing
