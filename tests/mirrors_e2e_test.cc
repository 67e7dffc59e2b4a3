// End to end through gRPC, over two servers: mirrors' life cycle (create
// with a keyring or ignoring signatures, get, list, edit, rename, drop and
// force-drop) and what reads a mirror's packages (snapshots from a mirror,
// Repos.ImportFromMirror, ListMirrorPackages). The package lists are
// recorded as a sync's transaction records them (RecordMirrorPackages):
// the sync itself has tests of its own (mirror_sync_e2e_test).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"
#include "tests/mirror_calls.h"
#include "tests/snapshot_calls.h"

namespace debrepo::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

v1::Mirror Unsigned(const std::string& name) {
  v1::Mirror mirror;
  mirror.set_name(name);
  mirror.set_archive_url("http://127.0.0.1:9/debian");
  mirror.set_distribution("bookworm");
  mirror.add_components("main");
  mirror.add_architectures("amd64");
  mirror.set_ignore_signatures(true);
  return mirror;
}

class MirrorsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_.StartServer();
    stack_.StartServer();
    stack_.StartWorker();
  }

  std::vector<std::string> ListNames(int server) {
    std::vector<std::string> names;
    v1::ListMirrorsRequest request;
    request.set_page_size(1);
    do {
      v1::ListMirrorsResponse response;
      grpc::Status status = stack_.mirrors(server).ListMirrors(
          Deadline(absl::Seconds(10)).get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      for (const v1::Mirror& mirror : response.mirrors()) {
        EXPECT_TRUE(mirror.keyring().empty());
        names.push_back(mirror.name());
      }
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return names;
  }

  // Whatever the test did, every membership it wrote carries its
  // packages' pairs (a merge relies on them).
  void TearDown() override { EXPECT_EQ(db_.MisplacedPairs(), 0); }

  TestDatabase db_;
  Stack stack_{db_.url()};
};

TEST_F(MirrorsE2eTest, CreateGetListEditRenameDrop) {
  TestSigners signers({"archive"});
  const std::string keyring_path =
      absl::StrCat(std::getenv("TEST_TMPDIR"), "/archive.gpg");
  signers.ExportKeyring("archive", keyring_path);
  v1::Mirror signed_mirror = Unsigned("signed");
  signed_mirror.set_ignore_signatures(false);
  signed_mirror.set_keyring(ReadFile(keyring_path));
  signed_mirror.set_filter("Priority (required)");
  signed_mirror.set_filter_with_deps(true);
  Result created = CreateMirror(stack_, signed_mirror, 0);
  ASSERT_EQ(created.code, absl::StatusCode::kOk) << created.message;
  EXPECT_EQ(created.job.kind(), "mirror.create");
  EXPECT_THAT(created.job.exclusive_keys(), ElementsAre("mirror/signed"));
  EXPECT_EQ(created.job.result().mirror().name(), "signed");
  EXPECT_TRUE(created.job.result().mirror().keyring().empty());
  // Nor do the job's arguments, read back through the Jobs API: only the
  // fingerprints say which key it holds.
  v1::GetJobRequest get_job;
  get_job.set_id(created.job.id());
  v1::Job create_job;
  ASSERT_TRUE(
      stack_.jobs(1)
          .GetJob(Deadline(absl::Seconds(10)).get(), get_job, &create_job)
          .ok());
  EXPECT_TRUE(create_job.args().create_mirror().mirror().keyring().empty());
  EXPECT_THAT(create_job.args().create_mirror().mirror().keyring_fingerprints(),
              SizeIs(1));

  // Read through the other server: settings, the key's fingerprint, never
  // the keyring.
  v1::Mirror got = GetMirror(stack_, "signed", nullptr, 1);
  EXPECT_EQ(got.archive_url(), "http://127.0.0.1:9/debian");
  EXPECT_EQ(got.filter(), "Priority (required)");
  EXPECT_TRUE(got.filter_with_deps());
  EXPECT_TRUE(got.keyring().empty());
  ASSERT_THAT(got.keyring_fingerprints(), SizeIs(1));
  EXPECT_THAT(got.keyring_fingerprints(0), SizeIs(40));
  EXPECT_EQ(got.status(), v1::NEVER_SYNCED);
  EXPECT_EQ(got.package_count(), 0);
  EXPECT_TRUE(got.has_create_time());

  // One name, one mirror, whichever server is asked.
  EXPECT_EQ(CreateMirror(stack_, Unsigned("signed"), 1).code,
            absl::StatusCode::kAlreadyExists);
  ASSERT_EQ(CreateMirror(stack_, Unsigned("flat"), 1).code,
            absl::StatusCode::kOk);
  EXPECT_THAT(ListNames(0), ElementsAre("flat", "signed"));

  // Edits: a new filter through one server shows through the other.
  v1::Mirror edit;
  edit.set_filter("Name (hello)");
  edit.set_download_limit(1 << 20);
  // Fields the mask does not name are not read, a keyring included.
  edit.set_keyring("not a keyring");
  Result edited =
      UpdateMirror(stack_, "signed", edit, {"filter", "download_limit"}, 1);
  ASSERT_EQ(edited.code, absl::StatusCode::kOk) << edited.message;
  got = GetMirror(stack_, "signed", nullptr, 0);
  EXPECT_EQ(got.filter(), "Name (hello)");
  EXPECT_EQ(got.download_limit(), 1 << 20);
  EXPECT_TRUE(got.filter_with_deps());
  EXPECT_THAT(got.keyring_fingerprints(), SizeIs(1));

  // An edit whose result does not fit the rest of the settings: a flat
  // repository with components, a keyring cleared while signatures count.
  v1::Mirror flat;
  flat.set_distribution("./");
  Result flattened = UpdateMirror(stack_, "signed", flat, {"distribution"});
  EXPECT_EQ(flattened.code, absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(flattened.message, HasSubstr("flat repository"));
  Result unkeyed = UpdateMirror(stack_, "signed", v1::Mirror(), {"keyring"});
  EXPECT_EQ(unkeyed.code, absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(unkeyed.message, HasSubstr("keyring"));
  ASSERT_EQ(
      UpdateMirror(stack_, "flat", flat, {"distribution", "components"}).code,
      absl::StatusCode::kOk);
  EXPECT_EQ(GetMirror(stack_, "flat").distribution(), "./");
  EXPECT_THAT(GetMirror(stack_, "flat").components(), IsEmpty());

  // Renames: onto a taken name refused, else one job holding both names.
  v1::Mirror renamed;
  renamed.set_name("flat");
  EXPECT_EQ(UpdateMirror(stack_, "signed", renamed, {"name"}, 1).code,
            absl::StatusCode::kAlreadyExists);
  renamed.set_name("bookworm");
  Result rename = UpdateMirror(stack_, "signed", renamed, {"name"}, 1);
  ASSERT_EQ(rename.code, absl::StatusCode::kOk) << rename.message;
  EXPECT_THAT(rename.job.exclusive_keys(),
              ElementsAre("mirror/bookworm", "mirror/signed"));
  grpc::Status rpc;
  GetMirror(stack_, "signed", &rpc);
  EXPECT_EQ(rpc.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(GetMirror(stack_, "bookworm").filter(), "Name (hello)");

  EXPECT_EQ(SyncMirror(stack_, "signed").code, absl::StatusCode::kNotFound);
  ASSERT_EQ(DeleteMirror(stack_, "bookworm", false, 1).code,
            absl::StatusCode::kOk);
  EXPECT_EQ(DeleteMirror(stack_, "bookworm").code, absl::StatusCode::kNotFound);
  EXPECT_THAT(ListNames(1), ElementsAre("flat"));
}

TEST_F(MirrorsE2eTest, BadSettingsAreRefusedBeforeAnyJob) {
  auto refused = [&](const v1::Mirror& mirror, const std::string& text) {
    Result result = CreateMirror(stack_, mirror);
    EXPECT_EQ(result.code, absl::StatusCode::kInvalidArgument)
        << text << ": " << result.message;
    EXPECT_THAT(result.message, HasSubstr(text));
    EXPECT_EQ(result.job.id(), 0);
  };
  v1::Mirror mirror = Unsigned("m");
  mirror.set_archive_url("ftp://ftp.debian.org/debian");
  refused(mirror, "archive_url");
  mirror = Unsigned("m");
  mirror.set_ignore_signatures(false);
  refused(mirror, "keyring");
  mirror.set_keyring("not a key at all");
  refused(mirror, "keyring");
  mirror = Unsigned("../m");
  refused(mirror, "mirror name");
  mirror = Unsigned("m");
  mirror.set_filter("Name (= hello");
  refused(mirror, "");
  mirror = Unsigned("m");
  mirror.set_distribution("./");
  refused(mirror, "flat repository");
  mirror = Unsigned("m");
  mirror.add_architectures("source");
  refused(mirror, "with_sources");
  EXPECT_THAT(ListNames(0), IsEmpty());
}

TEST_F(MirrorsE2eTest, SnapshotsAndImportsReadTheLastSyncedList) {
  ASSERT_EQ(CreateMirror(stack_, Unsigned("upstream")).code,
            absl::StatusCode::kOk);
  // Nothing to snapshot before the first sync.
  Result early = CreateSnapshotFromMirror(stack_, "too-early", "upstream");
  EXPECT_EQ(early.code, absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(early.message, HasSubstr("never been synced"));

  // The packages a sync would have stored (uploaded here through a scratch
  // repo, which is then dropped), recorded as the mirror's list.
  ASSERT_EQ(CreateRepo(stack_, "scratch").code, absl::StatusCode::kOk);
  const std::vector<std::string> keys = UploadPackageSpecs(
      stack_, "scratch", "incoming",
      {{.name = "hello", .extra_control = "Depends: libgreet (>= 1.0)\n"},
       {.name = "libgreet"},
       {.name = "other"},
       {.name = "libgreet", .architecture = "arm64"}});
  ASSERT_THAT(keys, SizeIs(4));
  ASSERT_EQ(DeleteRepo(stack_, "scratch").code, absl::StatusCode::kOk);
  // Whether GetPackage and SearchPackages say something holds "other".
  auto held = [&](const std::string& key) {
    v1::GetPackageRequest get;
    get.set_key(key);
    v1::Package package;
    grpc::Status status = stack_.packages().GetPackage(
        Deadline(absl::Seconds(10)).get(), get, &package);
    EXPECT_TRUE(status.ok()) << status.error_message();
    v1::SearchPackagesRequest search;
    search.set_query("Name (other)");
    v1::SearchPackagesResponse found;
    status = stack_.packages().SearchPackages(Deadline(absl::Seconds(10)).get(),
                                              search, &found);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_THAT(found.packages(), SizeIs(1));
    EXPECT_EQ(found.packages(0).in_no_repo(), package.in_no_repo());
    return !package.in_no_repo();
  };
  EXPECT_FALSE(held(keys[2]));
  RecordMirrorPackages(db_, "upstream", keys);
  // Garbage collection keeps what a mirror holds, and says so.
  EXPECT_TRUE(held(keys[2]));
  v1::Mirror got = GetMirror(stack_, "upstream", nullptr, 1);
  EXPECT_EQ(got.status(), v1::IDLE);
  EXPECT_EQ(got.package_count(), 4);
  EXPECT_EQ(got.release_suite(), "test");
  EXPECT_THAT(MirrorKeys(stack_, "upstream"), SizeIs(4));
  EXPECT_THAT(MirrorKeys(stack_, "upstream", "Name (hello)", 1), SizeIs(1));

  // A snapshot of the mirror holds its list.
  Result snapshot = CreateSnapshotFromMirror(stack_, "upstream-1", "upstream");
  ASSERT_EQ(snapshot.code, absl::StatusCode::kOk) << snapshot.message;
  EXPECT_THAT(snapshot.job.shared_keys(), ElementsAre("gc", "mirror/upstream"));
  EXPECT_THAT(SnapshotKeys(stack_, "upstream-1"), SizeIs(4));
  ASSERT_THAT(snapshot.job.result().snapshot().sources(), SizeIs(1));
  EXPECT_EQ(snapshot.job.result().snapshot().sources(0).kind(),
            v1::SnapshotSource::MIRROR);
  EXPECT_THAT(GetMirror(stack_, "upstream").snapshots(),
              ElementsAre("upstream-1"));

  // Imports, with dependencies unless asked not to, resolved for each
  // architecture the mirror has, each package's for what it is built for:
  // hello (amd64) brings libgreet for amd64, not the arm64 build.
  ASSERT_EQ(CreateRepo(stack_, "local").code, absl::StatusCode::kOk);
  auto import = [&](bool no_deps, bool dry_run, int server) {
    v1::ImportFromMirrorRequest request;
    request.set_mirror("upstream");
    request.set_repo("local");
    request.set_query("hello");
    request.set_no_deps(no_deps);
    request.set_dry_run(dry_run);
    v1::Job job;
    grpc::Status rpc = stack_.repos(server).ImportFromMirror(
        Deadline(absl::Seconds(30)).get(), request, &job);
    return Await(stack_, rpc, job, server);
  };
  Result dry = import(/*no_deps=*/false, /*dry_run=*/true, 1);
  ASSERT_EQ(dry.code, absl::StatusCode::kOk) << dry.message;
  EXPECT_EQ(dry.job.kind(), "repo.import");
  EXPECT_THAT(dry.job.shared_keys(), ElementsAre("gc", "mirror/upstream"));
  EXPECT_EQ(dry.job.result().copy_packages().copied_count(), 2);
  EXPECT_TRUE(dry.job.result().copy_packages().dry_run());
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM repo_packages"), "0");
  Result alone = import(/*no_deps=*/true, /*dry_run=*/false, 0);
  ASSERT_EQ(alone.code, absl::StatusCode::kOk) << alone.message;
  EXPECT_EQ(alone.job.result().copy_packages().copied_count(), 1);
  Result with_deps = import(/*no_deps=*/false, /*dry_run=*/false, 1);
  ASSERT_EQ(with_deps.code, absl::StatusCode::kOk) << with_deps.message;
  EXPECT_THAT(
      with_deps.job.result().copy_packages().copied(),
      ElementsAre(HasSubstr("Pamd64 hello "), HasSubstr("Pamd64 libgreet ")));
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM repo_packages"), "2");

  // A mirror a snapshot was made from is dropped only with force; the
  // snapshot keeps its packages and says its source is gone.
  Result refused = DeleteMirror(stack_, "upstream");
  EXPECT_EQ(refused.code, absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message, HasSubstr("\"upstream-1\""));
  ASSERT_EQ(DeleteMirror(stack_, "upstream", /*force=*/true, 1).code,
            absl::StatusCode::kOk);
  v1::GetSnapshotRequest request;
  request.set_name("upstream-1");
  v1::Snapshot kept;
  ASSERT_TRUE(
      stack_.snapshots()
          .GetSnapshot(Deadline(absl::Seconds(10)).get(), request, &kept)
          .ok());
  EXPECT_EQ(kept.package_count(), 4);
  ASSERT_THAT(kept.sources(), SizeIs(1));
  EXPECT_TRUE(kept.sources(0).dropped());
  EXPECT_EQ(kept.sources(0).name(), "upstream");
}

}  // namespace
}  // namespace debrepo::testing
