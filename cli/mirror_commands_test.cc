#include "cli/mirror_commands.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cli/args.h"
#include "cli/client.h"
#include "cli/fake_server.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::cli {
namespace {

namespace v1 = ::debrepo::v1;
using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

class MirrorCommandsTest : public ::testing::Test {
 protected:
  absl::Status Run(const std::vector<std::string>& args,
                   const Options& options = {}) {
    return server_.RunCommand(MirrorCommands(), args, options, &out_, &err_);
  }

  // WriteFile creates `name` in a directory of this test's own, holding
  // `contents`, and returns its path.
  static std::string WriteFile(const std::string& name,
                               const std::string& contents) {
    const std::string directory = absl::StrCat(
        ::testing::TempDir(), "/",
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(directory);
    const std::string path = absl::StrCat(directory, "/", name);
    std::ofstream(path, std::ios::binary) << contents;
    return path;
  }

  static v1::Mirror MakeMirror(const std::string& name) {
    v1::Mirror mirror;
    mirror.set_name(name);
    mirror.set_archive_url("http://deb.debian.org/debian");
    mirror.set_distribution("bookworm");
    return mirror;
  }

  static v1::JobProgress Progress(const std::string& phase, int64_t done,
                                  int64_t total) {
    v1::JobProgress progress;
    progress.set_phase(phase);
    progress.set_files_done(done);
    progress.set_files_total(total);
    return progress;
  }

  FakeServer server_;
  std::string out_;
  std::string err_;
};

TEST_F(MirrorCommandsTest, CreateSendsTheSettingsAndTheKeyringsBytes) {
  const std::string keyring =
      WriteFile("keys.gpg", std::string("\x99\x01\x0d", 3));
  ASSERT_THAT(
      Run({"mirror", "create", "-keyring", keyring,
           "-architectures=amd64, arm64", "-filter=Priority (required)",
           "-filter-with-deps", "-with-sources", "-with-udebs",
           "-download-limit=100", "bookworm-main",
           "http://deb.debian.org/debian", "bookworm", "main", "contrib"}),
      IsOk());
  ASSERT_EQ(server_.create_mirror_requests.size(), 1);
  const v1::CreateMirrorRequest& request = server_.create_mirror_requests[0];
  EXPECT_FALSE(request.request_id().empty());
  const v1::Mirror& mirror = request.mirror();
  EXPECT_EQ(mirror.name(), "bookworm-main");
  EXPECT_EQ(mirror.archive_url(), "http://deb.debian.org/debian");
  EXPECT_EQ(mirror.distribution(), "bookworm");
  EXPECT_THAT(mirror.components(), ElementsAre("main", "contrib"));
  EXPECT_THAT(mirror.architectures(), ElementsAre("amd64", "arm64"));
  EXPECT_EQ(mirror.filter(), "Priority (required)");
  EXPECT_TRUE(mirror.filter_with_deps());
  EXPECT_TRUE(mirror.with_sources());
  EXPECT_TRUE(mirror.with_udebs());
  EXPECT_FALSE(mirror.ignore_signatures());
  EXPECT_EQ(mirror.keyring(), std::string("\x99\x01\x0d", 3));
  // aptly's unit is KiB/s; the API's bytes/s.
  EXPECT_EQ(mirror.download_limit(), 102400);
  EXPECT_EQ(out_,
            "Mirror [bookworm-main]: http://deb.debian.org/debian bookworm "
            "[src] [udeb] successfully added.\n"
            "You can run 'debrepo mirror update bookworm-main' to download "
            "repository contents.\n");
}

TEST_F(MirrorCommandsTest, CreateFlatWithoutSignatures) {
  ASSERT_THAT(Run({"mirror", "create", "-ignore-signatures", "flat",
                   "https://example.org/repo", "./"}),
              IsOk());
  ASSERT_EQ(server_.create_mirror_requests.size(), 1);
  const v1::Mirror& mirror = server_.create_mirror_requests[0].mirror();
  EXPECT_EQ(mirror.distribution(), "./");
  EXPECT_THAT(mirror.components(), IsEmpty());
  EXPECT_TRUE(mirror.ignore_signatures());
  EXPECT_TRUE(mirror.keyring().empty());
  EXPECT_EQ(mirror.download_limit(), 0);
}

TEST_F(MirrorCommandsTest, CreateWantsAKeyringOrIgnoreSignatures) {
  const absl::Status status = Run(
      {"mirror", "create", "m", "http://deb.debian.org/debian", "bookworm"});
  EXPECT_TRUE(IsUsageError(status));
  EXPECT_THAT(status.message(), HasSubstr("give -keyring FILE"));
  EXPECT_THAT(status.message(), HasSubstr("Usage: debrepo mirror create"));
  EXPECT_THAT(server_.calls, IsEmpty());
}

TEST_F(MirrorCommandsTest, CreateRefusesBadFlagsBeforeCallingTheServer) {
  const absl::Status missing_keyring =
      Run({"mirror", "create", "-keyring=/no/such/keyring", "m",
           "http://deb.debian.org/debian", "bookworm"});
  EXPECT_THAT(missing_keyring, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(missing_keyring.message(),
              HasSubstr("cannot read /no/such/keyring"));
  const std::string huge =
      WriteFile("huge.gpg", std::string((1 << 20) + 1, 'k'));
  const absl::Status too_big =
      Run({"mirror", "create", "-keyring", huge, "m",
           "http://deb.debian.org/debian", "bookworm"});
  EXPECT_THAT(too_big, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(too_big.message(), HasSubstr("at most 1 MiB"));
  EXPECT_TRUE(IsUsageError(Run({"mirror", "create", "-ignore-signatures",
                                "-download-limit=-1", "m", "http://x", "d"})));
  EXPECT_TRUE(
      IsUsageError(Run({"mirror", "create", "-ignore-signatures",
                        "-download-limit=fast", "m", "http://x", "d"})));
  EXPECT_THAT(Run({"mirror", "create", "-ignore-signatures", "-filter=Name (",
                   "m", "http://x", "d"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(IsUsageError(Run({"mirror", "create", "m", "http://x"})));
  EXPECT_THAT(server_.calls, IsEmpty());
}

TEST_F(MirrorCommandsTest, CreateReadsTheFilterFromAFile) {
  const std::string filter = WriteFile("filter", "nginx | curl\n");
  ASSERT_THAT(Run({"mirror", "create", "-ignore-signatures",
                   absl::StrCat("-filter=@", filter), "m", "http://x", "d"}),
              IsOk());
  EXPECT_EQ(server_.create_mirror_requests[0].mirror().filter(),
            "nginx | curl");
}

TEST_F(MirrorCommandsTest, UpdatePrintsWhatTheSyncDid) {
  v1::Job& end = server_.end_by_kind["mirror.sync"];
  end.set_state(v1::SUCCEEDED);
  v1::SyncMirrorResult& result = *end.mutable_result()->mutable_sync_mirror();
  result.set_package_count(120);
  result.set_added_count(20);
  result.set_removed_count(3);
  result.set_downloaded_files(20);
  result.set_downloaded_bytes(3 << 20);
  result.set_reused_files(100);
  result.set_duplicate_stanzas(2);
  ASSERT_THAT(Run({"mirror", "update", "-download-limit=8", "-force", "m"}),
              IsOk());
  ASSERT_EQ(server_.sync_mirror_requests.size(), 1);
  EXPECT_EQ(server_.sync_mirror_requests[0].name(), "m");
  EXPECT_EQ(server_.sync_mirror_requests[0].download_limit(), 8192);
  EXPECT_FALSE(server_.sync_mirror_requests[0].request_id().empty());
  EXPECT_EQ(out_,
            "Files: 20 downloaded (3.00 MiB), 100 already stored.\n"
            "Number of packages: 120 (20 added, 3 removed).\n"
            "Left out 2 duplicate stanzas (the same name, version and "
            "architecture as an earlier stanza).\n"
            "\nMirror `m` has been successfully updated.\n");
}

TEST_F(MirrorCommandsTest, UpdatePrintsPlainProgressLinesOffATerminal) {
  server_.running_polls = 4;
  // The second poll repeats the phase too soon for a line of its own.
  server_.progress_script = {
      Progress("reading indices", 0, 0), Progress("downloading", 1, 4),
      Progress("downloading", 2, 4), Progress("recording packages", 0, 0)};
  ASSERT_THAT(Run({"mirror", "update", "m"}), IsOk());
  EXPECT_EQ(err_,
            "task 1 (mirror.sync): reading indices\n"
            "task 1 (mirror.sync): downloading: files 1/4 (25%)\n"
            "task 1 (mirror.sync): recording packages\n");
}

TEST_F(MirrorCommandsTest, UpdateDrawsABarOnATerminal) {
  server_.running_polls = 1;
  server_.progress_script = {Progress("downloading", 1, 4)};
  Options options;
  options.progress = true;
  ASSERT_THAT(Run({"mirror", "update", "m"}, options), IsOk());
  EXPECT_THAT(err_, HasSubstr("task 1 [==>         ]  25% downloading: "
                              "files 1/4"));
  // Erased at the end.
  EXPECT_THAT(err_, ::testing::EndsWith("\r\033[K"));
  EXPECT_THAT(err_, Not(HasSubstr("\n")));
}

TEST_F(MirrorCommandsTest, UpdateFailureIsTheJobsStatus) {
  server_.end_state = v1::FAILED;
  server_.end_code = static_cast<int>(absl::StatusCode::kFailedPrecondition);
  server_.end_message =
      "http://x/dists/d/InRelease is not signed by a key of the mirror's "
      "keyring";
  const absl::Status status = Run({"mirror", "update", "m"});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(status.message(), HasSubstr("not signed by a key"));
  EXPECT_THAT(out_, IsEmpty());
}

TEST_F(MirrorCommandsTest, ListAsAptlyPrintsIt) {
  v1::Mirror with_sources = MakeMirror("b");
  with_sources.set_with_sources(true);
  server_.mirrors = {MakeMirror("a"), with_sources, MakeMirror("c")};
  ASSERT_THAT(Run({"mirror", "list"}), IsOk());
  EXPECT_EQ(out_,
            "List of mirrors:\n"
            " * [a]: http://deb.debian.org/debian bookworm\n"
            " * [b]: http://deb.debian.org/debian bookworm [src]\n"
            " * [c]: http://deb.debian.org/debian bookworm\n"
            "\nTo get more information about mirror, run "
            "`debrepo mirror show <name>`.\n");
  out_.clear();
  ASSERT_THAT(Run({"mirror", "list", "-raw"}), IsOk());
  EXPECT_EQ(out_, "a\nb\nc\n");
  server_.mirrors.clear();
  ASSERT_THAT(Run({"mirror", "list"}), IsOk());
  EXPECT_EQ(out_,
            "No mirrors found, create one with `debrepo mirror create ...`.\n");
}

TEST_F(MirrorCommandsTest, ShowANeverSyncedMirror) {
  v1::Mirror mirror = MakeMirror("m");
  mirror.set_status(v1::NEVER_SYNCED);
  mirror.add_keyring_fingerprints("B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8");
  server_.mirrors = {mirror};
  ASSERT_THAT(Run({"mirror", "show", "-with-packages", "m"}), IsOk());
  EXPECT_EQ(out_,
            "Name: m\n"
            "Archive Root URL: http://deb.debian.org/debian\n"
            "Distribution: bookworm\n"
            "Components: all the Release lists\n"
            "Architectures: all the Release lists\n"
            "Download Sources: no\n"
            "Download .udebs: no\n"
            "Keyring: B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8\n"
            "Last update: never\n"
            "Unable to show package list, mirror hasn't been downloaded "
            "yet.\n");
}

TEST_F(MirrorCommandsTest, ShowAFlatMirrorWithoutComponents) {
  v1::Mirror mirror = MakeMirror("flat");
  mirror.set_distribution("./");
  server_.mirrors = {mirror};
  ASSERT_THAT(Run({"mirror", "show", "flat"}), IsOk());
  EXPECT_THAT(out_, HasSubstr("Distribution: ./\nComponents: \n"));
}

TEST_F(MirrorCommandsTest, ShowASyncedMirrorWithItsPackages) {
  v1::Mirror mirror = MakeMirror("m");
  mirror.set_status(v1::SYNCING);
  mirror.add_components("main");
  mirror.add_architectures("amd64");
  mirror.add_architectures("arm64");
  mirror.set_with_udebs(true);
  mirror.set_filter("nginx");
  mirror.set_filter_with_deps(true);
  mirror.set_ignore_signatures(true);
  mirror.set_download_limit(2048);
  mirror.mutable_last_sync_time()->set_seconds(1700000000);
  mirror.set_package_count(3);
  mirror.set_release_date("Sat, 07 Oct 2023 09:48:33 UTC");
  mirror.set_release_suite("stable");
  mirror.set_release_codename("bookworm");
  mirror.add_snapshots("s1");
  server_.mirrors = {mirror};
  v1::Package package;
  package.set_key("Pamd64 nginx 1.22.1-9 0a");
  server_.mirror_packages = {package};
  ASSERT_THAT(Run({"mirror", "show", "-with-packages", "m"}), IsOk());
  EXPECT_EQ(out_,
            "Name: m\n"
            "Status: In Update (a sync is queued or running)\n"
            "Archive Root URL: http://deb.debian.org/debian\n"
            "Distribution: bookworm\n"
            "Components: main\n"
            "Architectures: amd64, arm64\n"
            "Download Sources: no\n"
            "Download .udebs: yes\n"
            "Filter: nginx\n"
            "Filter With Deps: yes\n"
            "Signatures: not checked (-ignore-signatures)\n"
            "Download Limit: 2 KiB/s\n"
            "Last update: 2023-11-14 22:13:20 UTC\n"
            "Number of packages: 3\n"
            "\nInformation from release file:\n"
            "Codename: bookworm\n"
            "Date: Sat, 07 Oct 2023 09:48:33 UTC\n"
            "Suite: stable\n"
            "\nSnapshots made from it:\n"
            "  s1\n"
            "Packages:\n"
            "  nginx_1.22.1-9_amd64\n");
  ASSERT_EQ(server_.list_mirror_packages_requests.size(), 1);
  EXPECT_EQ(server_.list_mirror_packages_requests[0].name(), "m");
}

TEST_F(MirrorCommandsTest, ShowAsJson) {
  server_.mirrors = {MakeMirror("m")};
  Options options;
  options.json = true;
  ASSERT_THAT(Run({"mirror", "show", "m"}, options), IsOk());
  EXPECT_EQ(out_,
            "{\"name\":\"m\",\"archive_url\":\"http://deb.debian.org/debian\","
            "\"distribution\":\"bookworm\"}\n");
  EXPECT_THAT(Run({"mirror", "show", "nope"}),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(MirrorCommandsTest, SearchListsMatchingPackages) {
  v1::Package package;
  package.set_key("Pall tzdata 2024a-0 0b");
  server_.mirror_packages = {package};
  ASSERT_THAT(Run({"mirror", "search", "m", "tzdata"}), IsOk());
  EXPECT_EQ(out_, "tzdata_2024a-0_all\n");
  EXPECT_EQ(server_.list_mirror_packages_requests[0].query(), "tzdata");
}

TEST_F(MirrorCommandsTest, EditSendsOnlyTheFlagsGiven) {
  v1::Job& end = server_.end_by_kind["mirror.update"];
  end.set_state(v1::SUCCEEDED);
  *end.mutable_result()->mutable_mirror() = MakeMirror("m");
  ASSERT_THAT(Run({"mirror", "edit", "-with-sources=false", "-filter=",
                   "-archive-url=https://deb.debian.org/debian", "m"}),
              IsOk());
  ASSERT_EQ(server_.update_mirror_requests.size(), 1);
  const v1::UpdateMirrorRequest& request = server_.update_mirror_requests[0];
  EXPECT_EQ(request.name(), "m");
  EXPECT_THAT(request.update_mask().paths(),
              ElementsAre("archive_url", "filter", "with_sources"));
  EXPECT_EQ(request.mirror().archive_url(), "https://deb.debian.org/debian");
  EXPECT_EQ(request.mirror().filter(), "");
  EXPECT_FALSE(request.mirror().with_sources());
  EXPECT_EQ(out_,
            "Mirror [m]: http://deb.debian.org/debian bookworm successfully "
            "updated.\n");
  const absl::Status nothing = Run({"mirror", "edit", "m"});
  EXPECT_TRUE(IsUsageError(nothing));
  EXPECT_THAT(nothing.message(), HasSubstr("nothing to change"));
  EXPECT_EQ(server_.update_mirror_requests.size(), 1);
}

TEST_F(MirrorCommandsTest, RenameAndDrop) {
  ASSERT_THAT(Run({"mirror", "rename", "a", "b"}), IsOk());
  ASSERT_EQ(server_.update_mirror_requests.size(), 1);
  EXPECT_EQ(server_.update_mirror_requests[0].name(), "a");
  EXPECT_EQ(server_.update_mirror_requests[0].mirror().name(), "b");
  EXPECT_THAT(server_.update_mirror_requests[0].update_mask().paths(),
              ElementsAre("name"));
  EXPECT_EQ(out_, "Mirror a -> b has been successfully renamed.\n");
  out_.clear();
  ASSERT_THAT(Run({"mirror", "drop", "-force", "b"}), IsOk());
  ASSERT_EQ(server_.delete_mirror_requests.size(), 1);
  EXPECT_EQ(server_.delete_mirror_requests[0].name(), "b");
  EXPECT_TRUE(server_.delete_mirror_requests[0].force());
  EXPECT_EQ(out_, "Mirror `b` has been removed.\n");
}

TEST_F(MirrorCommandsTest, DropInUseFailsInFlagTerms) {
  server_.end_state = v1::FAILED;
  server_.end_code = static_cast<int>(absl::StatusCode::kFailedPrecondition);
  server_.end_message =
      "mirror \"m\" is a source of snapshots s1, s2; drop them first or set "
      "force";
  const absl::Status status = Run({"mirror", "drop", "m"});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(status.message(), HasSubstr("or set -force"));
  EXPECT_FALSE(server_.delete_mirror_requests[0].force());
}

TEST_F(MirrorCommandsTest, AsyncPrintsTheJobId) {
  Options options;
  options.async = true;
  ASSERT_THAT(Run({"mirror", "update", "m"}, options), IsOk());
  EXPECT_EQ(out_, "1\n");
  EXPECT_EQ(server_.wait_calls, 0);
}

}  // namespace
}  // namespace debrepo::cli
