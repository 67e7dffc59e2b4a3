// End to end through gRPC: mirror syncs against a signed archive that the
// test builds with apt-ftparchive and serves on loopback (MirrorArchive):
// full, filtered with dependencies, incremental, sources and udebs, flat,
// uncompressed indices only, and every hostile upstream of issue 12 — each
// failing clearly, in bounded time, with the previous package list intact.
#include <algorithm>
#include <csignal>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "blobstore/fs_blob_store.h"
#include "deb/testing/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/debrepo/v1/mirrors.grpc.pb.h"
#include "tests/apt_root.h"
#include "tests/harness.h"
#include "tests/mirror_archive.h"
#include "tests/mirror_calls.h"
#include "tests/publish_calls.h"

namespace debrepo::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::UnorderedElementsAre;

// Short network bounds, so that hostile cases fail in seconds.
const std::vector<std::string> kWorkerFlags = {"--mirror_stall_timeout=2s",
                                               "--mirror_connect_timeout=5s",
                                               "--mirror_download_tries=2"};

class MirrorSyncE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_.StartServer();
    stack_.StartWorker(kWorkerFlags);
  }

  // MirrorOf is a mirror `name` of `archive` trusting its trusted key.
  static v1::Mirror MirrorOf(const MirrorArchive& archive,
                             const std::string& name) {
    v1::Mirror mirror;
    mirror.set_name(name);
    mirror.set_archive_url(archive.url());
    mirror.set_distribution(archive.distribution());
    mirror.set_keyring(archive.Keyring(ArchiveSigner::kTrusted));
    return mirror;
  }

  Result Create(const v1::Mirror& mirror) {
    return CreateMirror(stack_, mirror);
  }
  Result Sync(const std::string& name) { return SyncMirror(stack_, name); }
  v1::Mirror Get(const std::string& name) { return GetMirror(stack_, name); }

  // Packages returns the mirror's packages (with details), by key.
  std::vector<v1::Package> Packages(const std::string& name) {
    std::vector<v1::Package> packages;
    v1::ListMirrorPackagesRequest request;
    request.set_name(name);
    request.set_details(true);
    request.set_page_size(1000);
    do {
      v1::ListMirrorPackagesResponse response;
      grpc::Status status = stack_.mirrors().ListMirrorPackages(
          Deadline(absl::Seconds(10)).get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      packages.insert(packages.end(), response.packages().begin(),
                      response.packages().end());
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return packages;
  }

  // Names returns "name_version_architecture" of the mirror's packages.
  std::vector<std::string> Names(const std::string& name) {
    std::vector<std::string> names;
    for (const v1::Package& package : Packages(name)) {
      names.push_back(absl::StrCat(package.name(), "_", package.version(), "_",
                                   package.architecture()));
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  // SyncedStandardMirror publishes the standard packages in `archive` and
  // creates and syncs mirror "m" of it, amd64 only: hello, libhello,
  // hello-doc, orphan and extra.
  void SyncedStandardMirror(MirrorArchive& archive) {
    archive.AddStandardPackages();
    archive.Publish();
    v1::Mirror mirror = MirrorOf(archive, "m");
    mirror.add_architectures("amd64");
    ASSERT_EQ(Create(mirror).code, absl::StatusCode::kOk);
    const Result synced = Sync("m");
    ASSERT_EQ(synced.code, absl::StatusCode::kOk) << synced.message;
    ASSERT_THAT(Names("m"), ElementsAre("extra_1.0_amd64", "hello-doc_1.0_all",
                                        "hello_1.0_amd64", "libhello_1.0_amd64",
                                        "orphan_1.0_amd64"));
    before_ = Get("m");
  }

  // SyncRunningUntil submits a sync of "m" and returns its job once
  // `reached` holds for it (within 30 s), failing the test should the job
  // stop running first.
  v1::Job SyncRunningUntil(const std::function<bool(const v1::Job&)>& reached) {
    v1::SyncMirrorRequest request;
    request.set_name("m");
    v1::Job job;
    EXPECT_TRUE(
        stack_.mirrors()
            .SyncMirror(Deadline(absl::Seconds(10)).get(), request, &job)
            .ok());
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline && !reached(job)) {
      absl::SleepFor(absl::Milliseconds(200));
      v1::GetJobRequest get;
      get.set_id(job.id());
      EXPECT_TRUE(stack_.jobs()
                      .GetJob(Deadline(absl::Seconds(5)).get(), get, &job)
                      .ok());
      EXPECT_EQ(job.state(), v1::RUNNING) << job.ShortDebugString();
      if (job.state() != v1::RUNNING) break;
    }
    return job;
  }

  // ExpectFailsKeepingList syncs "m", expects the sync to fail with `code`
  // and a message holding `message`, within `within`, and the package
  // list and last sync of SyncedStandardMirror to be intact.
  void ExpectFailsKeepingList(absl::StatusCode code, const std::string& message,
                              absl::Duration within = absl::Seconds(60)) {
    const absl::Time start = absl::Now();
    const Result failed = Sync("m");
    EXPECT_LT(absl::Now() - start, within);
    EXPECT_EQ(failed.job.state(), v1::FAILED);
    EXPECT_EQ(failed.code, code) << failed.message;
    EXPECT_THAT(failed.message, HasSubstr(message));
    EXPECT_THAT(Names("m"), ElementsAre("extra_1.0_amd64", "hello-doc_1.0_all",
                                        "hello_1.0_amd64", "libhello_1.0_amd64",
                                        "orphan_1.0_amd64"));
    const v1::Mirror after = Get("m");
    EXPECT_EQ(after.package_count(), 5);
    EXPECT_EQ(after.last_sync_time().seconds(),
              before_.last_sync_time().seconds());
    EXPECT_EQ(after.last_sync_time().nanos(), before_.last_sync_time().nanos());
    EXPECT_EQ(after.status(), v1::IDLE);
  }

  TestDatabase db_;
  Stack stack_{db_.url()};
  v1::Mirror before_;
};

TEST_F(MirrorSyncE2eTest, FullSyncOfEveryComponentAndArchitecture) {
  MirrorArchive archive;
  archive.AddStandardPackages();
  archive.Publish();
  ASSERT_EQ(Create(MirrorOf(archive, "full")).code, absl::StatusCode::kOk);
  EXPECT_EQ(Get("full").status(), v1::NEVER_SYNCED);

  const Result synced = Sync("full");
  ASSERT_EQ(synced.code, absl::StatusCode::kOk) << synced.message;
  EXPECT_EQ(synced.job.kind(), "mirror.sync");
  // hello-doc (all) is listed in both binary-<arch> indices: one package.
  EXPECT_THAT(
      Names("full"),
      ElementsAre("extra_1.0_amd64", "hello-doc_1.0_all", "hello_1.0_amd64",
                  "hello_1.0_arm64", "libhello_1.0_amd64", "libhello_1.0_arm64",
                  "orphan_1.0_amd64"));
  const v1::SyncMirrorResult& result = synced.job.result().sync_mirror();
  EXPECT_EQ(result.package_count(), 7);
  EXPECT_EQ(result.added_count(), 7);
  EXPECT_EQ(result.removed_count(), 0);
  EXPECT_EQ(result.downloaded_files(), 7);
  EXPECT_EQ(result.reused_files(), 0);
  EXPECT_EQ(result.duplicate_stanzas(), 0);
  EXPECT_TRUE(result.mirror().keyring().empty());

  // Progress: 4 indices (main and contrib, amd64 and arm64), 7 files.
  const v1::JobProgress& progress = synced.job.progress();
  EXPECT_EQ(progress.indices_done(), 4);
  EXPECT_EQ(progress.indices_total(), 4);
  EXPECT_EQ(progress.files_done(), 7);
  EXPECT_EQ(progress.files_total(), 7);
  EXPECT_GT(progress.bytes_total(), 0);
  EXPECT_EQ(progress.bytes_done(), progress.bytes_total());

  const v1::Mirror mirror = Get("full");
  EXPECT_EQ(mirror.status(), v1::IDLE);
  EXPECT_EQ(mirror.package_count(), 7);
  EXPECT_EQ(mirror.release_suite(), "stable");
  EXPECT_EQ(mirror.release_codename(), "bookworm");
  EXPECT_FALSE(mirror.release_date().empty());
  EXPECT_GT(mirror.last_sync_time().seconds(), 0);

  // The best form of each index (.gz: the cheapest to decompress), and
  // every file checked into the store.
  EXPECT_EQ(archive.CountRequests("*/Packages.gz"), 4);
  EXPECT_EQ(archive.CountRequests("*/Packages.xz"), 0);
  EXPECT_EQ(archive.CountRequests("*/pool/*"), 7);
  absl::StatusOr<std::unique_ptr<blobstore::FsBlobStore>> blobs =
      blobstore::FsBlobStore::Open(stack_.blob_dir());
  ASSERT_TRUE(blobs.ok()) << blobs.status();
  for (const v1::Package& package : Packages("full")) {
    ASSERT_EQ(package.files_size(), 1) << package.key();
    const std::string path = absl::StrCat(
        archive.pool_dir(), package.name() == "extra" ? "/contrib" : "/main",
        "/deb/", package.files(0).name());
    EXPECT_EQ(package.files(0).sha256(), Sha256Hex(ReadFile(path)))
        << package.key();
    absl::StatusOr<std::string> stored =
        (*blobs)->LocalPath(package.files(0).sha256());
    ASSERT_TRUE(stored.ok()) << package.key() << ": " << stored.status();
    EXPECT_EQ(ReadFile(*stored), ReadFile(path)) << package.key();
  }
}

TEST_F(MirrorSyncE2eTest, SourcesAndUdebs) {
  MirrorArchive archive;
  archive.AddStandardPackages();
  archive.Publish();
  v1::Mirror mirror = MirrorOf(archive, "src");
  mirror.add_components("main");
  mirror.add_architectures("amd64");
  mirror.set_with_sources(true);
  mirror.set_with_udebs(true);
  ASSERT_EQ(Create(mirror).code, absl::StatusCode::kOk);
  const Result synced = Sync("src");
  ASSERT_EQ(synced.code, absl::StatusCode::kOk) << synced.message;
  EXPECT_THAT(Names("src"),
              ElementsAre("hello-doc_1.0_all", "hello-udeb_1.0_amd64",
                          "hello_1.0_amd64", "hello_1.0_source",
                          "libhello_1.0_amd64", "orphan_1.0_amd64"));
  // 4 .debs, 1 .udeb, the source's .dsc and .tar.xz.
  EXPECT_EQ(synced.job.result().sync_mirror().downloaded_files(), 7);
  EXPECT_EQ(synced.job.progress().indices_total(), 3);
  for (const v1::Package& package : Packages("src")) {
    if (package.architecture() != "source") continue;
    std::vector<std::string> files;
    for (const v1::PackageFile& file : package.files()) {
      files.push_back(file.name());
    }
    EXPECT_THAT(files,
                UnorderedElementsAre("hello_1.0.dsc", "hello_1.0.tar.xz"));
  }
  EXPECT_EQ(archive.CountRequests("*/pool/main/source/hello/*"), 2);
}

TEST_F(MirrorSyncE2eTest, FilteredWithAndWithoutDependencies) {
  MirrorArchive archive;
  archive.AddStandardPackages();
  archive.Publish();
  v1::Mirror alone = MirrorOf(archive, "alone");
  alone.add_architectures("amd64");
  alone.set_filter("hello");
  ASSERT_EQ(Create(alone).code, absl::StatusCode::kOk);
  Result synced = Sync("alone");
  ASSERT_EQ(synced.code, absl::StatusCode::kOk) << synced.message;
  EXPECT_THAT(Names("alone"), ElementsAre("hello_1.0_amd64"));
  EXPECT_EQ(synced.job.result().sync_mirror().downloaded_files(), 1);

  v1::Mirror with_deps = MirrorOf(archive, "deps");
  with_deps.add_architectures("amd64");
  with_deps.set_filter("extra");
  with_deps.set_filter_with_deps(true);
  ASSERT_EQ(Create(with_deps).code, absl::StatusCode::kOk);
  archive.ClearRequests();
  synced = Sync("deps");
  ASSERT_EQ(synced.code, absl::StatusCode::kOk) << synced.message;
  // extra depends on hello, which depends on libhello (in another
  // component).
  EXPECT_THAT(Names("deps"), ElementsAre("extra_1.0_amd64", "hello_1.0_amd64",
                                         "libhello_1.0_amd64"));
  // hello was stored by the first mirror's sync.
  EXPECT_EQ(synced.job.result().sync_mirror().downloaded_files(), 2);
  EXPECT_EQ(synced.job.result().sync_mirror().reused_files(), 1);
  EXPECT_EQ(archive.CountRequests("*/pool/*"), 2);
}

TEST_F(MirrorSyncE2eTest, IncrementalResyncFetchesOnlyNewFiles) {
  MirrorArchive archive;
  SyncedStandardMirror(archive);
  archive.Remove("orphan");
  archive.Add(ArchiveBinary{.name = "newcomer"});
  archive.Add(ArchiveBinary{.name = "hello",
                            .version = "1.1",
                            .extra_control = "Depends: libhello\n",
                            .payload = "new"});
  archive.Publish();
  archive.ClearRequests();

  const Result synced = Sync("m");
  ASSERT_EQ(synced.code, absl::StatusCode::kOk) << synced.message;
  EXPECT_THAT(Names("m"),
              ElementsAre("extra_1.0_amd64", "hello-doc_1.0_all",
                          "hello_1.0_amd64", "hello_1.1_amd64",
                          "libhello_1.0_amd64", "newcomer_1.0_amd64"));
  const v1::SyncMirrorResult& result = synced.job.result().sync_mirror();
  EXPECT_EQ(result.added_count(), 2);
  EXPECT_EQ(result.removed_count(), 1);
  EXPECT_EQ(result.downloaded_files(), 2);
  EXPECT_EQ(result.reused_files(), 4);
  std::vector<std::string> fetched;
  for (const ServedRequest& request : archive.Requests()) {
    if (absl::StrContains(request.path, "/pool/")) {
      fetched.push_back(request.path);
    }
  }
  EXPECT_THAT(fetched, UnorderedElementsAre(
                           "/debian/pool/main/deb/newcomer_1.0_amd64.deb",
                           "/debian/pool/main/deb/hello_1.1_amd64.deb"));
  EXPECT_GT(Get("m").last_sync_time().seconds(), 0);
}

TEST_F(MirrorSyncE2eTest, FlatRepository) {
  MirrorArchive archive({.distribution = "./"});
  archive.Add(ArchiveBinary{.name = "alpha"});
  archive.Add(ArchiveBinary{.name = "beta", .architecture = "arm64"});
  archive.Add(ArchiveSource{.name = "alpha"});
  archive.Publish();
  v1::Mirror mirror = MirrorOf(archive, "flat");
  mirror.set_with_sources(true);
  ASSERT_EQ(Create(mirror).code, absl::StatusCode::kOk);
  Result synced = Sync("flat");
  ASSERT_EQ(synced.code, absl::StatusCode::kOk) << synced.message;
  EXPECT_THAT(Names("flat"), ElementsAre("alpha_1.0_amd64", "alpha_1.0_source",
                                         "beta_1.0_arm64"));
  EXPECT_EQ(synced.job.result().sync_mirror().downloaded_files(), 4);

  // A flat repository under a subdirectory names its files from the
  // archive's root.
  MirrorArchive sub({.distribution = "flat/"});
  sub.Add(ArchiveBinary{.name = "gamma"});
  sub.Publish();
  ASSERT_EQ(Create(MirrorOf(sub, "sub")).code, absl::StatusCode::kOk);
  synced = Sync("sub");
  ASSERT_EQ(synced.code, absl::StatusCode::kOk) << synced.message;
  EXPECT_THAT(Names("sub"), ElementsAre("gamma_1.0_amd64"));
}

TEST_F(MirrorSyncE2eTest, IndicesFallBackToTheFormsTheServerHas) {
  MirrorArchive archive;
  archive.AddStandardPackages();
  archive.Publish();
  v1::Mirror mirror = MirrorOf(archive, "fallback");
  mirror.add_architectures("amd64");
  ASSERT_EQ(Create(mirror).code, absl::StatusCode::kOk);
  // The Release lists .gz, .xz and plain indices. The server lacks the
  // .gz, the sync's first choice: the .xz is read; then it lacks both, and
  // only the plain indices are left.
  const std::vector<std::vector<ServerRule>> missing = {
      {{.path = "*.gz"}}, {{.path = "*.gz"}, {.path = "*.xz"}}};
  const std::vector<int> plain_requests = {0, 2};
  for (size_t i = 0; i < missing.size(); ++i) {
    archive.SetRules(missing[i]);
    const Result synced = Sync("fallback");
    ASSERT_EQ(synced.code, absl::StatusCode::kOk) << synced.message;
    EXPECT_EQ(synced.job.result().sync_mirror().package_count(), 5);
    EXPECT_EQ(archive.CountRequests("*/binary-amd64/Packages.gz"), 2 * (i + 1));
    EXPECT_EQ(archive.CountRequests("*/binary-amd64/Packages.xz"), 2 * (i + 1));
    EXPECT_EQ(archive.CountRequests("*/binary-amd64/Packages"),
              plain_requests[i]);
  }
}

// apt's rule: good when one signature is a good one by a key of the
// keyring, whatever other signatures the Release carries; InRelease first,
// else Release and Release.gpg.
TEST_F(MirrorSyncE2eTest, SignaturesAsAptChecksThem) {
  MirrorArchive archive;
  SyncedStandardMirror(archive);

  archive.Publish({ArchiveSigner::kUntrusted, ArchiveSigner::kTrusted});
  Result synced = Sync("m");
  EXPECT_EQ(synced.code, absl::StatusCode::kOk) << synced.message;

  // Only Release and Release.gpg.
  std::filesystem::remove(archive.dist_dir() + "/InRelease");
  archive.ClearRequests();
  synced = Sync("m");
  EXPECT_EQ(synced.code, absl::StatusCode::kOk) << synced.message;
  EXPECT_EQ(archive.CountRequests("*/Release.gpg"), 1);

  // ignore_signatures reads an unsigned Release.
  MirrorArchive unsigned_archive;
  unsigned_archive.Add(ArchiveBinary{.name = "alpha"});
  unsigned_archive.Publish({});
  v1::Mirror trusting = MirrorOf(unsigned_archive, "trusting");
  trusting.clear_keyring();
  trusting.set_ignore_signatures(true);
  ASSERT_EQ(Create(trusting).code, absl::StatusCode::kOk);
  synced = Sync("trusting");
  EXPECT_EQ(synced.code, absl::StatusCode::kOk) << synced.message;
  EXPECT_THAT(Names("trusting"), ElementsAre("alpha_1.0_amd64"));
}

TEST_F(MirrorSyncE2eTest, ReleaseSignedOnlyByAnUntrustedKey) {
  MirrorArchive archive;
  SyncedStandardMirror(archive);
  archive.Add(ArchiveBinary{.name = "intruder"});
  archive.Publish({ArchiveSigner::kUntrusted});
  ExpectFailsKeepingList(absl::StatusCode::kFailedPrecondition, "InRelease");
  // Without InRelease, the detached signature is checked the same way.
  std::filesystem::remove(archive.dist_dir() + "/InRelease");
  ExpectFailsKeepingList(absl::StatusCode::kFailedPrecondition, "Release.gpg");
  // Not signed at all.
  archive.Publish({});
  ExpectFailsKeepingList(absl::StatusCode::kFailedPrecondition, "not signed");
  // Signed by the trusted key, but altered after signing.
  archive.Publish({ArchiveSigner::kTrusted});
  const std::string in_release =
      deb::testing::ReadFile(archive.dist_dir() + "/InRelease");
  deb::testing::WriteFile(
      archive.dist_dir() + "/InRelease",
      absl::StrReplaceAll(in_release, {{"Suite: stable", "Suite: stabla"}}));
  ExpectFailsKeepingList(absl::StatusCode::kFailedPrecondition, "InRelease");
}

TEST_F(MirrorSyncE2eTest, UnsafeFilenamesFailNamingTheStanza) {
  MirrorArchive archive;
  SyncedStandardMirror(archive);
  const std::string index = "main/binary-amd64/Packages";
  const std::string text =
      deb::testing::ReadFile(archive.dist_dir() + "/" + index);
  for (const std::string& filename :
       {std::string("../../../etc/passwd"), std::string("/etc/passwd"),
        std::string("pool//main/orphan.deb"),
        std::string("pool/main/\x01orphan.deb")}) {
    SCOPED_TRACE(filename);
    archive.SetIndex(index,
                     absl::StrReplaceAll(
                         text, {{"Filename: pool/main/deb/orphan_1.0_amd64.deb",
                                 "Filename: " + filename}}));
    ExpectFailsKeepingList(absl::StatusCode::kFailedPrecondition, "orphan");
  }
}

TEST_F(MirrorSyncE2eTest, IndexWhoseHashDoesNotMatch) {
  MirrorArchive archive;
  SyncedStandardMirror(archive);
  // Another valid index in place of the one the Release lists.
  const std::string path = archive.dist_dir() + "/main/binary-amd64/Packages";
  deb::testing::WriteFile(path, deb::testing::ReadFile(path) + "\n");
  std::filesystem::remove(path + ".gz");
  ASSERT_EQ(RunQuietly("gzip -k -n " + path), 0);
  ExpectFailsKeepingList(absl::StatusCode::kFailedPrecondition,
                         "main/binary-amd64/Packages");
  // Corrupt bytes on the wire.
  archive.Publish();
  archive.SetRules({{.path = "*/main/binary-amd64/Packages.gz",
                     .action = ServerRule::Action::kCorrupt,
                     .after_bytes = 40}});
  ExpectFailsKeepingList(absl::StatusCode::kFailedPrecondition,
                         "main/binary-amd64/Packages");
  // No form of an index the Release lists.
  archive.SetRules({{.path = "*/main/binary-amd64/Packages*"}});
  ExpectFailsKeepingList(absl::StatusCode::kFailedPrecondition,
                         "main/binary-amd64/Packages");
}

TEST_F(MirrorSyncE2eTest, TruncatedOversizedAndCorruptDownloads) {
  MirrorArchive archive;
  SyncedStandardMirror(archive);
  archive.Add(ArchiveBinary{.name = "newcomer", .payload = "n"});
  archive.Publish();
  const std::string deb = "*/pool/main/deb/newcomer_1.0_amd64.deb";

  // Always cut short: retries do not cure it.
  archive.SetRules({{.path = deb,
                     .action = ServerRule::Action::kTruncate,
                     .after_bytes = 100}});
  ExpectFailsKeepingList(absl::StatusCode::kUnavailable, "newcomer_1.0_amd64");
  // More bytes than the index says.
  archive.SetRules({{.path = deb,
                     .action = ServerRule::Action::kAppend,
                     .extra_bytes = 1000}});
  ExpectFailsKeepingList(absl::StatusCode::kFailedPrecondition,
                         "newcomer_1.0_amd64");
  // The right size, other bytes.
  archive.SetRules({{.path = deb,
                     .action = ServerRule::Action::kCorrupt,
                     .after_bytes = 10}});
  ExpectFailsKeepingList(absl::StatusCode::kFailedPrecondition,
                         "newcomer_1.0_amd64");
  // Cut short once: the retry completes it.
  archive.SetRules({{.path = deb,
                     .action = ServerRule::Action::kTruncate,
                     .after_bytes = 100,
                     .times = 1}});
  const Result synced = Sync("m");
  ASSERT_EQ(synced.code, absl::StatusCode::kOk) << synced.message;
  EXPECT_THAT(Names("m"), IsSupersetOf({"newcomer_1.0_amd64"}));
}

TEST_F(MirrorSyncE2eTest, LargeFileCutShortIsResumed) {
  MirrorArchive archive;
  SyncedStandardMirror(archive);
  // The package stays larger than the 1 MiB from which downloads keep
  // partial files.
  archive.Add(
      ArchiveBinary{.name = "large", .payload = RandomPayload(3 << 20, 12)});
  archive.Publish();
  archive.SetRules({{.path = "*/large_1.0_amd64.deb",
                     .action = ServerRule::Action::kTruncate,
                     .after_bytes = 2 << 20,
                     .times = 1}});
  archive.ClearRequests();
  const Result synced = Sync("m");
  ASSERT_EQ(synced.code, absl::StatusCode::kOk) << synced.message;
  EXPECT_THAT(Names("m"), IsSupersetOf({"large_1.0_amd64"}));
  std::vector<std::string> ranges;
  for (const ServedRequest& request : archive.Requests()) {
    if (absl::EndsWith(request.path, "/large_1.0_amd64.deb")) {
      ranges.push_back(request.range);
    }
  }
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0], "");
  EXPECT_TRUE(absl::StartsWith(ranges[1], "bytes=")) << ranges[1];
  EXPECT_NE(ranges[1], "bytes=0-");
}

TEST_F(MirrorSyncE2eTest, DecompressionBomb) {
  MirrorArchive archive;
  SyncedStandardMirror(archive);
  // 64 MiB of empty lines compress to a few KiB: far beyond 200 times.
  archive.SetIndex("main/binary-amd64/Packages", std::string(64 << 20, '\n'));
  ExpectFailsKeepingList(absl::StatusCode::kResourceExhausted,
                         "main/binary-amd64/Packages");
}

TEST_F(MirrorSyncE2eTest, ServerStallingMidBody) {
  MirrorArchive archive;
  SyncedStandardMirror(archive);
  archive.Add(ArchiveBinary{.name = "newcomer"});
  archive.Publish();
  // The worker gives up a transfer after 2 s without a byte, twice.
  archive.SetRules({{.path = "*/newcomer_1.0_amd64.deb",
                     .action = ServerRule::Action::kStall,
                     .after_bytes = 100}});
  ExpectFailsKeepingList(absl::StatusCode::kDeadlineExceeded,
                         "newcomer_1.0_amd64", absl::Seconds(30));
  // An index stalling.
  archive.SetRules({{.path = "*/main/binary-amd64/Packages.gz",
                     .action = ServerRule::Action::kStall,
                     .after_bytes = 10}});
  ExpectFailsKeepingList(absl::StatusCode::kDeadlineExceeded,
                         "main/binary-amd64/Packages.gz", absl::Seconds(30));
}

TEST_F(MirrorSyncE2eTest, RedirectsToAnotherScheme) {
  MirrorArchive archive;
  SyncedStandardMirror(archive);
  archive.Add(ArchiveBinary{.name = "newcomer"});
  archive.Publish();
  archive.SetRules({{.path = "*/InRelease",
                     .action = ServerRule::Action::kRedirect,
                     .location = "file:///etc/passwd"}});
  ExpectFailsKeepingList(absl::StatusCode::kFailedPrecondition, "InRelease");
  archive.SetRules({{.path = "*/newcomer_1.0_amd64.deb",
                     .action = ServerRule::Action::kRedirect,
                     .location = "ftp://127.0.0.1/newcomer.deb"}});
  ExpectFailsKeepingList(absl::StatusCode::kFailedPrecondition,
                         "newcomer_1.0_amd64");
  // A redirect within http is followed.
  archive.SetRules(
      {{.path = "*/newcomer_1.0_amd64.deb",
        .action = ServerRule::Action::kRedirect,
        .location = archive.url() + "/moved/newcomer.deb",
        .times = 1},
       {.path = "/debian/moved/*",
        .action = ServerRule::Action::kRedirect,
        .location = archive.url() + "/pool/main/deb/newcomer_1.0_amd64.deb"}});
  const Result synced = Sync("m");
  ASSERT_EQ(synced.code, absl::StatusCode::kOk) << synced.message;
  EXPECT_THAT(Names("m"), IsSupersetOf({"newcomer_1.0_amd64"}));
}

TEST_F(MirrorSyncE2eTest, ReleaseListingTenThousandComponents) {
  MirrorArchive archive;
  SyncedStandardMirror(archive);
  std::vector<std::string> components;
  for (int i = 0; i < 10000; ++i) components.push_back(absl::StrCat("c", i));
  const std::string release =
      deb::testing::ReadFile(archive.dist_dir() + "/Release");
  archive.SetRelease(absl::StrReplaceAll(
      release, {{"Components: main contrib",
                 "Components: " + absl::StrJoin(components, " ")}}));
  ExpectFailsKeepingList(absl::StatusCode::kFailedPrecondition, "components");
}

// apt's defence against a man in the middle serving an old, validly signed
// Release: one past its Valid-Until, or older than the last one synced,
// fails; an old Release is fine once the mirror points elsewhere.
// WithField returns `release` with its field `name` set to `value`.
std::string WithField(const std::string& release, const std::string& name,
                      const std::string& value) {
  const std::string line = absl::StrCat(name, ": ", value, "\n");
  const size_t at = release.find(name + ": ");
  if (at != 0 && (at == std::string::npos || release[at - 1] != '\n')) {
    return line + release;
  }
  std::string with = release;
  with.replace(at, release.find('\n', at) + 1 - at, line);
  return with;
}

TEST_F(MirrorSyncE2eTest, ExpiredOrOlderReleaseIsRefused) {
  MirrorArchive archive;
  SyncedStandardMirror(archive);
  const std::string release =
      deb::testing::ReadFile(archive.dist_dir() + "/Release");
  const std::string old_date = "Sat, 01 Jan 2000 00:00:00 UTC";
  archive.SetRelease(WithField(release, "Valid-Until", old_date));
  ExpectFailsKeepingList(absl::StatusCode::kFailedPrecondition,
                         "expired on " + old_date);

  ASSERT_THAT(release, HasSubstr("\nDate: "));
  archive.SetRelease(WithField(release, "Date", old_date));
  ExpectFailsKeepingList(absl::StatusCode::kFailedPrecondition,
                         "older than the one the mirror last synced");

  // The same archive under another name is another archive to the mirror.
  v1::Mirror moved;
  moved.set_archive_url(
      absl::StrReplaceAll(archive.url(), {{"127.0.0.1", "localhost"}}));
  ASSERT_EQ(UpdateMirror(stack_, "m", moved, {"archive_url"}).code,
            absl::StatusCode::kOk);
  EXPECT_EQ(Get("m").release_date(), "");
  const Result synced = Sync("m");
  ASSERT_EQ(synced.code, absl::StatusCode::kOk) << synced.message;
  EXPECT_EQ(Get("m").release_date(), old_date);
}

// A Release field the mirror records that is not UTF-8 fails the sync with
// a message that is stored (not an attempt lost to PostgreSQL's refusal).
TEST_F(MirrorSyncE2eTest, ReleaseWithALatin1Suite) {
  MirrorArchive archive;
  SyncedStandardMirror(archive);
  const std::string release =
      deb::testing::ReadFile(archive.dist_dir() + "/Release");
  archive.SetRelease(WithField(release, "Suite",
                               "st\xe9"
                               "ble"));
  ExpectFailsKeepingList(absl::StatusCode::kFailedPrecondition,
                         "has a Suite field that is not a line of UTF-8 text");
}

// The first stanza of a name, version and architecture wins, within an
// index and across indices; later ones with other files are left out and
// counted.
TEST_F(MirrorSyncE2eTest, DuplicateStanzasFirstWins) {
  MirrorArchive archive;
  SyncedStandardMirror(archive);
  const std::string main_index = "main/binary-amd64/Packages";
  const std::string main_text =
      deb::testing::ReadFile(archive.dist_dir() + "/" + main_index);
  // The stanza of `name` in the main index again, naming another file.
  auto again_with_other_file = [&](const std::string& name) {
    const size_t start = main_text.find("Package: " + name + "\n");
    const size_t end = main_text.find("\n\n", start);
    EXPECT_NE(start, std::string::npos) << name;
    std::string again = absl::StrReplaceAll(
        main_text.substr(start, end - start + 1),
        {{name + "_1.0_amd64.deb", name + "-again_1.0_amd64.deb"}});
    const size_t sha256 = again.find("\nSHA256: ");
    EXPECT_NE(sha256, std::string::npos) << name;
    again.replace(sha256 + 9, 64, std::string(64, 'a'));
    return again;
  };
  // Within one index, and in a later index (contrib comes after main).
  const std::string contrib_index = "contrib/binary-amd64/Packages";
  const std::string contrib_text =
      deb::testing::ReadFile(archive.dist_dir() + "/" + contrib_index);
  archive.SetIndex(main_index,
                   main_text + "\n" + again_with_other_file("orphan"));
  archive.SetIndex(contrib_index,
                   contrib_text + "\n" + again_with_other_file("hello"));
  const Result synced = Sync("m");
  ASSERT_EQ(synced.code, absl::StatusCode::kOk) << synced.message;
  EXPECT_EQ(synced.job.result().sync_mirror().duplicate_stanzas(), 2);
  EXPECT_EQ(archive.CountRequests("*-again_1.0_amd64.deb"), 0);
  EXPECT_THAT(Names("m"), ElementsAre("extra_1.0_amd64", "hello-doc_1.0_all",
                                      "hello_1.0_amd64", "libhello_1.0_amd64",
                                      "orphan_1.0_amd64"));
  for (const v1::Package& package : Packages("m")) {
    if (package.name() == "orphan" || package.name() == "hello") {
      EXPECT_EQ(
          package.files(0).sha256(),
          Sha256Hex(ReadFile(absl::StrCat(archive.pool_dir(), "/main/deb/",
                                          package.name(), "_1.0_amd64.deb"))));
    }
  }
}

// A running sync shows how far it has come on its job.
TEST_F(MirrorSyncE2eTest, ProgressShowsWhileItRuns) {
  MirrorArchive archive;
  SyncedStandardMirror(archive);
  archive.Add(
      ArchiveBinary{.name = "large", .payload = RandomPayload(1 << 20, 1)});
  archive.Publish();
  archive.SetRules({{.path = "*/large_1.0_amd64.deb",
                     .action = ServerRule::Action::kSlow,
                     .bytes_per_second = 256 << 10}});
  v1::SyncMirrorRequest request;
  request.set_name("m");
  v1::Job job;
  ASSERT_TRUE(stack_.mirrors()
                  .SyncMirror(Deadline(absl::Seconds(10)).get(), request, &job)
                  .ok());
  v1::JobProgress seen;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    v1::GetJobRequest get;
    get.set_id(job.id());
    ASSERT_TRUE(
        stack_.jobs().GetJob(Deadline(absl::Seconds(5)).get(), get, &job).ok());
    if (Ended(job.state())) break;
    if (job.progress().phase() == "downloading" &&
        job.progress().bytes_done() > 0 &&
        job.progress().bytes_done() < job.progress().bytes_total()) {
      seen = job.progress();
      break;
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_EQ(seen.phase(), "downloading") << job.ShortDebugString();
  EXPECT_EQ(seen.indices_done(), 2);
  EXPECT_EQ(seen.indices_total(), 2);
  EXPECT_EQ(seen.files_total(), 6);
  EXPECT_GT(seen.bytes_total(), 1 << 20);
  job = stack_.WaitJob(job.id());
  EXPECT_EQ(job.state(), v1::SUCCEEDED) << job.status_message();
  EXPECT_EQ(job.progress().files_done(), 6);
}

// A sync cancelled while it downloads stops within seconds, not once every
// file is in: it ends CANCELLED and the previous list stays.
TEST_F(MirrorSyncE2eTest, CancelledDuringASlowDownloadEndsWithinSeconds) {
  MirrorArchive archive;
  SyncedStandardMirror(archive);
  archive.Add(
      ArchiveBinary{.name = "large", .payload = RandomPayload(4 << 20, 4)});
  archive.Publish();
  // 4 MiB at 64 KiB/s: about a minute without the cancel.
  archive.SetRules({{.path = "*/large_1.0_amd64.deb",
                     .action = ServerRule::Action::kSlow,
                     .bytes_per_second = 64 << 10}});
  v1::Job job = SyncRunningUntil(
      [](const v1::Job& job) { return job.progress().bytes_done() > 0; });
  ASSERT_EQ(job.progress().phase(), "downloading") << job.ShortDebugString();

  const absl::Time cancelled_at = absl::Now();
  v1::CancelJobRequest cancel;
  cancel.set_id(job.id());
  v1::Job cancelled;
  ASSERT_TRUE(
      stack_.jobs()
          .CancelJob(Deadline(absl::Seconds(10)).get(), cancel, &cancelled)
          .ok());
  job = stack_.WaitJob(job.id(), absl::Seconds(60));
  EXPECT_LT(absl::Now() - cancelled_at, absl::Seconds(10));
  EXPECT_EQ(job.state(), v1::CANCELLED) << job.status_message();
  EXPECT_EQ(Names("m").size(), 5u);
  const v1::Mirror after = Get("m");
  EXPECT_EQ(after.package_count(), 5);
  EXPECT_EQ(after.last_sync_time().seconds(),
            before_.last_sync_time().seconds());
  EXPECT_EQ(after.status(), v1::IDLE);
}

// The mirror's download_limit holds a sync's downloads to that rate.
TEST_F(MirrorSyncE2eTest, DownloadLimit) {
  MirrorArchive archive;
  SyncedStandardMirror(archive);
  archive.Add(
      ArchiveBinary{.name = "large", .payload = RandomPayload(4 << 20, 2)});
  archive.Publish();
  v1::Mirror limited;
  limited.set_download_limit(512 << 10);
  ASSERT_EQ(UpdateMirror(stack_, "m", limited, {"download_limit"}).code,
            absl::StatusCode::kOk);
  const absl::Time start = absl::Now();
  const Result synced = Sync("m");
  ASSERT_EQ(synced.code, absl::StatusCode::kOk) << synced.message;
  // 4 MiB at 512 KiB/s: about 8 s (without the limit, well under 1 s).
  EXPECT_GT(absl::Now() - start, absl::Seconds(6));
  EXPECT_THAT(Names("m"), IsSupersetOf({"large_1.0_amd64"}));
}

// A worker killed mid-download: the previous list serves meanwhile, and
// the job's next attempt (on another worker) resumes the partial file.
TEST_F(MirrorSyncE2eTest, KilledMidDownloadTheNextAttemptResumes) {
  MirrorArchive archive;
  SyncedStandardMirror(archive);
  archive.Add(
      ArchiveBinary{.name = "large", .payload = RandomPayload(4 << 20, 3)});
  archive.Publish();
  archive.SetRules({{.path = "*/large_1.0_amd64.deb",
                     .action = ServerRule::Action::kSlow,
                     .bytes_per_second = 512 << 10}});
  v1::Job job = SyncRunningUntil([](const v1::Job& job) {
    return job.progress().bytes_done() > job.progress().bytes_total() / 2;
  });
  ASSERT_GT(job.progress().bytes_done(), 2 << 20) << job.ShortDebugString();
  EXPECT_EQ(Get("m").status(), v1::SYNCING);
  stack_.worker(0).Signal(SIGKILL);
  stack_.worker(0).Wait();
  // The old list serves while no worker runs the job.
  EXPECT_EQ(Names("m").size(), 5u);

  archive.SetRules({});
  archive.ClearRequests();
  stack_.StartWorker(kWorkerFlags);
  job = stack_.WaitJob(job.id(), absl::Seconds(120));
  ASSERT_EQ(job.state(), v1::SUCCEEDED) << job.status_message();
  EXPECT_EQ(job.attempts(), 2);
  EXPECT_THAT(Names("m"), IsSupersetOf({"large_1.0_amd64"}));
  std::vector<std::string> ranges;
  for (const ServedRequest& request : archive.Requests()) {
    if (absl::EndsWith(request.path, "/large_1.0_amd64.deb")) {
      ranges.push_back(request.range);
    }
  }
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_TRUE(absl::StartsWith(ranges[0], "bytes=")) << ranges[0];
  EXPECT_NE(ranges[0], "bytes=0-");
}

// Two syncs of one mirror queued together run one after the other (the
// second sees the first's list), and an edit queued behind a running sync
// waits for it and is kept.
TEST_F(MirrorSyncE2eTest, QueuedSyncsAndEditsRunInTurn) {
  MirrorArchive archive;
  SyncedStandardMirror(archive);
  archive.Add(
      ArchiveBinary{.name = "large", .payload = RandomPayload(1 << 20, 4)});
  archive.Publish();
  archive.SetRules({{.path = "*/large_1.0_amd64.deb",
                     .action = ServerRule::Action::kSlow,
                     .bytes_per_second = 512 << 10}});
  std::vector<v1::Job> syncs(2);
  for (v1::Job& job : syncs) {
    v1::SyncMirrorRequest request;
    request.set_name("m");
    ASSERT_TRUE(
        stack_.mirrors()
            .SyncMirror(Deadline(absl::Seconds(10)).get(), request, &job)
            .ok());
  }
  WaitUntilRunning(stack_, syncs[0].id());
  v1::Mirror edit;
  edit.set_filter("large");
  const Result edited = UpdateMirror(stack_, "m", edit, {"filter"});
  ASSERT_EQ(edited.code, absl::StatusCode::kOk) << edited.message;
  for (v1::Job& job : syncs) job = stack_.WaitJob(job.id());
  ASSERT_EQ(syncs[0].state(), v1::SUCCEEDED) << syncs[0].status_message();
  ASSERT_EQ(syncs[1].state(), v1::SUCCEEDED) << syncs[1].status_message();
  const auto seconds = [](const google::protobuf::Timestamp& time) {
    return absl::FromUnixSeconds(time.seconds()) +
           absl::Nanoseconds(time.nanos());
  };
  EXPECT_LE(seconds(syncs[0].end_time()), seconds(syncs[1].start_time()));
  EXPECT_LE(seconds(syncs[1].end_time()), seconds(edited.job.start_time()));
  // The first sync added large under the old settings; the second found
  // nothing new.
  EXPECT_EQ(syncs[0].result().sync_mirror().added_count(), 1);
  EXPECT_EQ(syncs[1].result().sync_mirror().added_count(), 0);
  EXPECT_EQ(syncs[1].result().sync_mirror().downloaded_files(), 0);
  EXPECT_EQ(syncs[1].result().sync_mirror().reused_files(), 6);
  // The edit is kept; the next sync applies it.
  EXPECT_EQ(Get("m").filter(), "large");
  const Result synced = Sync("m");
  ASSERT_EQ(synced.code, absl::StatusCode::kOk) << synced.message;
  EXPECT_THAT(Names("m"), ElementsAre("large_1.0_amd64"));
}

// What a mirror holds is what apt installs: a snapshot of the mirror,
// published and signed, read by a real apt in a throw-away root.
class MirrorPublishE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    signers_.ExportKeyring("publisher", keyring_);
    stack_.StartServer();
    std::vector<std::string> flags = kWorkerFlags;
    flags.insert(flags.end(), {absl::StrCat("--publish_root=", root_),
                               absl::StrCat("--gpg_home=", signers_.home()),
                               "--gpg_key=publisher@example.org"});
    stack_.StartWorker(flags);
  }

  TestDatabase db_;
  Stack stack_{db_.url()};
  TestSigners signers_{{"publisher"}};
  const std::string root_ = TestDir("publish");
  const std::string keyring_ = absl::StrCat(TestDir("keys"), "/publisher.gpg");
};

TEST_F(MirrorPublishE2eTest, AptInstallsFromAPublishedSnapshotOfTheMirror) {
  MirrorArchive archive;
  archive.AddStandardPackages();
  archive.Publish();
  v1::Mirror mirror;
  mirror.set_name("m");
  mirror.set_archive_url(archive.url());
  mirror.set_distribution(archive.distribution());
  mirror.set_keyring(archive.Keyring(ArchiveSigner::kTrusted));
  mirror.add_components("main");
  mirror.add_architectures("amd64");
  ASSERT_EQ(CreateMirror(stack_, mirror).code, absl::StatusCode::kOk);
  const Result synced = SyncMirror(stack_, "m");
  ASSERT_EQ(synced.code, absl::StatusCode::kOk) << synced.message;
  const Result snapshot = CreateSnapshotFromMirror(stack_, "snap", "m");
  ASSERT_EQ(snapshot.code, absl::StatusCode::kOk) << snapshot.message;
  const Result published =
      PublishSnapshot(stack_, "", "stable", "snap", /*signed_=*/true);
  ASSERT_EQ(published.code, absl::StatusCode::kOk) << published.message;

  AptRoot apt(root_, keyring_, "stable");
  ASSERT_EQ(apt.AptGet("update"), 0) << apt.log();
  // apt resolves hello's dependency on libhello from the published indices.
  ASSERT_EQ(apt.AptGet("install -s -y hello"), 0) << apt.log();
  EXPECT_THAT(apt.log(), HasSubstr("Inst libhello"));
  ASSERT_EQ(apt.AptGet("download hello libhello orphan"), 0) << apt.log();
  for (const char* file : {"hello_1.0_amd64.deb", "libhello_1.0_amd64.deb",
                           "orphan_1.0_amd64.deb"}) {
    EXPECT_EQ(ReadFile(apt.downloaded(file)),
              ReadFile(absl::StrCat(archive.pool_dir(), "/main/deb/", file)))
        << file;
  }
}

}  // namespace
}  // namespace debrepo::testing
