#include "cli/publish_commands.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
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
using ::testing::IsEmpty;
using ::testing::Not;

// FailsWith(code, text) matches an absl::Status with `code` whose message
// contains `text`.
MATCHER_P2(FailsWith, code, text, "") {
  *result_listener << arg;
  return arg.code() == code && absl::StrContains(arg.message(), text);
}

class PublishCommandsTest : public ::testing::Test {
 protected:
  // Run runs `publish ARGS...`.
  absl::Status Run(const std::vector<std::string>& args,
                   const Options& options = {}) {
    std::vector<std::string> line = {"publish"};
    line.insert(line.end(), args.begin(), args.end());
    return server_.RunCommand(PublishCommands(), line, options, &out_, &err_);
  }

  // MakePublication returns a publication of `distribution` at `prefix`
  // with one component a "COMPONENT=SOURCE" of `sources` (a repo when
  // `repos`), on amd64 and i386.
  static v1::Publication MakePublication(
      const std::string& prefix, const std::string& distribution,
      const std::vector<std::pair<std::string, std::string>>& sources,
      bool repos = false) {
    v1::Publication publication;
    publication.set_storage("filesystem:default");
    publication.set_prefix(prefix);
    publication.set_distribution(distribution);
    publication.add_architectures("i386");
    publication.add_architectures("amd64");
    for (const auto& [name, source] : sources) {
      v1::PublishedComponent* component = publication.add_components();
      component->set_component(name);
      if (repos) {
        component->set_repo(source);
      } else {
        component->set_snapshot(source);
      }
    }
    return publication;
  }

  // EndWith makes jobs of `kind` succeed with `publication` as result.
  void EndWith(const std::string& kind, const v1::Publication& publication) {
    v1::Job end;
    end.set_state(v1::SUCCEEDED);
    *end.mutable_result()->mutable_publication() = publication;
    server_.end_by_kind[kind] = end;
  }

  FakeServer server_;
  std::string out_;
  std::string err_;
};

TEST_F(PublishCommandsTest, PublishSnapshotSendsTheSourcesAndSettings) {
  EndWith(
      "publish.create",
      MakePublication("ppa", "bookworm", {{"main", "s1"}, {"contrib", "s2"}}));
  ASSERT_THAT(
      Run({"snapshot", "-distribution=bookworm", "-component=main, contrib",
           "-architectures=amd64,all", "-origin=Me", "-label", "L",
           "-notautomatic=yes", "-acquire-by-hash", "-skip-contents",
           "-gpg-key=ABCD", "-compressions=gz,bz2", "s1", "s2", "ppa/"}),
      IsOk());
  ASSERT_EQ(server_.create_publication_requests.size(), 1u);
  const v1::CreatePublicationRequest& request =
      server_.create_publication_requests[0];
  EXPECT_THAT(request.request_id(), Not(IsEmpty()));
  const v1::Publication& publication = request.publication();
  EXPECT_EQ(publication.storage(), "");
  EXPECT_EQ(publication.prefix(), "ppa");
  EXPECT_EQ(publication.distribution(), "bookworm");
  ASSERT_EQ(publication.components_size(), 2);
  EXPECT_EQ(publication.components(0).component(), "main");
  EXPECT_EQ(publication.components(0).snapshot(), "s1");
  EXPECT_EQ(publication.components(1).component(), "contrib");
  EXPECT_EQ(publication.components(1).snapshot(), "s2");
  EXPECT_THAT(publication.architectures(), ElementsAre("amd64", "all"));
  EXPECT_EQ(publication.origin(), "Me");
  EXPECT_EQ(publication.label(), "L");
  EXPECT_TRUE(publication.not_automatic());
  EXPECT_FALSE(publication.but_automatic_upgrades());
  EXPECT_TRUE(publication.acquire_by_hash());
  EXPECT_TRUE(publication.skip_contents());
  EXPECT_FALSE(publication.skip_signing());
  EXPECT_EQ(publication.gpg_key(), "ABCD");
  EXPECT_THAT(publication.compressions(), ElementsAre(v1::GZIP, v1::BZIP2));
  EXPECT_EQ(out_,
            "Snapshots s1, s2 have been successfully published.\n"
            "Please setup your webserver to serve the publish root (the "
            "workers' --publish_root) with autoindexing.\n"
            "Now you can add following line to apt sources:\n"
            "  deb http://your-server/ppa/ bookworm contrib main\n"
            "Don't forget to give apt your GPG public key: add "
            "[signed-by=/path/to/key.asc] after deb.\n");
}

TEST_F(PublishCommandsTest, PublishRepoAtTheRootOfAStorage) {
  v1::Publication published =
      MakePublication(".", "stable", {{"main", "r1"}}, /*repos=*/true);
  published.set_storage("filesystem:mirror");
  published.set_skip_signing(true);
  published.add_architectures("source");
  EndWith("publish.create", published);
  ASSERT_THAT(Run({"repo", "-skip-signing", "r1", "filesystem:mirror:"}),
              IsOk());
  ASSERT_EQ(server_.create_publication_requests.size(), 1u);
  const v1::Publication& publication =
      server_.create_publication_requests[0].publication();
  EXPECT_EQ(publication.storage(), "filesystem:mirror");
  EXPECT_EQ(publication.prefix(), ".");
  // Left to the server: the repo's default distribution and component.
  EXPECT_EQ(publication.distribution(), "");
  ASSERT_EQ(publication.components_size(), 1);
  EXPECT_EQ(publication.components(0).component(), "");
  EXPECT_EQ(publication.components(0).repo(), "r1");
  EXPECT_TRUE(publication.skip_signing());
  EXPECT_THAT(publication.architectures(), IsEmpty());
  EXPECT_THAT(publication.compressions(), IsEmpty());
  EXPECT_EQ(out_,
            "Local repo r1 has been successfully published.\n"
            "Please setup your webserver to serve the publish root (storage "
            "filesystem:mirror, the workers' --publish_storage) with "
            "autoindexing.\n"
            "Now you can add following line to apt sources:\n"
            "  deb http://your-server/ stable main\n"
            "  deb-src http://your-server/ stable main\n"
            "The publication is not signed (-skip-signing): apt reads it only "
            "with [trusted=yes] after deb.\n");
}

TEST_F(PublishCommandsTest, SourcesMustMatchTheComponents) {
  EXPECT_THAT(Run({"snapshot", "-component=main,contrib", "s1"}),
              FailsWith(absl::StatusCode::kInvalidArgument,
                        "one snapshot per component of -component "
                        "(2), then optionally [STORAGE:]PREFIX; got "
                        "1 arguments"));
  EXPECT_THAT(
      Run({"repo", "r1", "r2", "prefix"}),
      FailsWith(absl::StatusCode::kInvalidArgument, "one repo per component"));
  EXPECT_THAT(Run({"snapshot", "-notautomatic=maybe", "s1"}),
              FailsWith(absl::StatusCode::kInvalidArgument,
                        "\"maybe\" is neither yes nor no"));
  EXPECT_THAT(Run({"snapshot", "-compressions=gz,zstd", "s1"}),
              FailsWith(absl::StatusCode::kInvalidArgument,
                        "\"zstd\" is none of gz, xz, bz2"));
  EXPECT_THAT(server_.calls, IsEmpty());
}

TEST_F(PublishCommandsTest, FailedPublishShowsTheServersReasonInFlagTerms) {
  v1::Job end;
  end.set_state(v1::FAILED);
  end.set_status_code(static_cast<int>(absl::StatusCode::kFailedPrecondition));
  end.set_status_message(
      "no signing key configured; configure --gpg_key or set skip_signing");
  server_.end_by_kind["publish.create"] = end;
  EXPECT_THAT(Run({"snapshot", "-distribution=d", "s1"}),
              FailsWith(absl::StatusCode::kFailedPrecondition,
                        "configure --gpg_key or set -skip-signing"));
  EXPECT_EQ(out_, "");
}

TEST_F(PublishCommandsTest, AsyncPrintsTheTaskOnly) {
  Options options;
  options.async = true;
  ASSERT_THAT(Run({"snapshot", "-distribution=d", "s1"}, options), IsOk());
  EXPECT_EQ(out_, "1\n");
}

TEST_F(PublishCommandsTest, ListDescribesPublicationsAsAptly) {
  v1::Publication labelled =
      MakePublication(".", "d1", {{"main", "s1"}, {"contrib", "s2"}});
  labelled.set_origin("O");
  labelled.set_label("L");
  v1::Publication off_default =
      MakePublication("a/b", "d2", {{"main", "r1"}}, /*repos=*/true);
  off_default.set_storage("filesystem:mirror");
  server_.publications = {labelled, off_default,
                          MakePublication(".", "d3", {{"main", "gone"}})};
  v1::Snapshot s1;
  s1.set_name("s1");
  s1.set_description("Snapshot from local repo [r1]");
  v1::Snapshot s2;
  s2.set_name("s2");
  s2.set_description("Merged");
  server_.snapshots = {s1, s2};
  v1::Repo r1;
  r1.set_name("r1");
  r1.set_comment("my packages");
  server_.repos = {r1};
  ASSERT_THAT(Run({"list"}), IsOk());
  EXPECT_EQ(out_,
            "Published repositories:\n"
            "  * ./d1 (origin: O, label: L) [amd64, i386] publishes "
            "{contrib: [s2]: Merged}, {main: [s1]: Snapshot from local repo "
            "[r1]}\n"
            "  * filesystem:mirror:a/b/d2 [amd64, i386] publishes {main: [r1]: "
            "my packages}\n"
            "  * ./d3 [amd64, i386] publishes {main: [gone]}\n");

  ASSERT_THAT(Run({"list", "-raw"}), IsOk());
  EXPECT_EQ(out_, ". d1\nfilesystem:mirror:a/b d2\n. d3\n");
}

TEST_F(PublishCommandsTest, ListWithoutPublications) {
  ASSERT_THAT(Run({"list"}), IsOk());
  EXPECT_EQ(out_,
            "No snapshots/local repos have been published. Publish a snapshot "
            "by running `debrepo publish snapshot ...`.\n");
  ASSERT_THAT(Run({"list"}, Options{.json = true}), IsOk());
  EXPECT_EQ(out_, "{}\n");
}

TEST_F(PublishCommandsTest, ShowNamesThePublicationByDistributionAndPrefix) {
  v1::Publication publication =
      MakePublication("ppa", "d1", {{"main", "s1"}, {"extra", "s2"}});
  publication.set_storage("");
  v1::Publication other = MakePublication(".", "d1", {{"main", "s9"}});
  server_.publications = {other, publication};
  ASSERT_THAT(Run({"show", "d1", "ppa"}), IsOk());
  EXPECT_EQ(out_,
            "Prefix: ppa\n"
            "Distribution: d1\n"
            "Architectures: i386 amd64\n"
            "Sources:\n"
            "  main: s1 [snapshot]\n"
            "  extra: s2 [snapshot]\n");

  EXPECT_THAT(Run({"show", "d2"}), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(PublishCommandsTest, ShowNamesAStorageOffTheDefault) {
  v1::Publication publication =
      MakePublication(".", "d1", {{"main", "r1"}}, /*repos=*/true);
  publication.set_storage("filesystem:mirror");
  server_.publications = {publication};
  ASSERT_THAT(Run({"show", "d1", "filesystem:mirror:"}), IsOk());
  EXPECT_EQ(out_,
            "Prefix: .\n"
            "Storage: filesystem:mirror\n"
            "Distribution: d1\n"
            "Architectures: i386 amd64\n"
            "Sources:\n"
            "  main: r1 [local]\n");
}

TEST_F(PublishCommandsTest, UpdateChangesOnlyTheSettingsGiven) {
  EndWith("publish.update", MakePublication(".", "stable", {{"main", "r1"}},
                                            /*repos=*/true));
  ASSERT_THAT(Run({"update", "stable"}), IsOk());
  ASSERT_THAT(Run({"update", "-skip-signing=false", "-codename=bookworm",
                   "-compressions=xz", "stable", "s3:bucket:x"}),
              IsOk());
  ASSERT_EQ(server_.update_publication_requests.size(), 2u);
  const v1::UpdatePublicationRequest& plain =
      server_.update_publication_requests[0];
  EXPECT_EQ(plain.publication().distribution(), "stable");
  EXPECT_EQ(plain.publication().prefix(), ".");
  EXPECT_THAT(plain.update_mask().paths(), IsEmpty());
  const v1::UpdatePublicationRequest& changed =
      server_.update_publication_requests[1];
  EXPECT_EQ(changed.publication().storage(), "s3:bucket");
  EXPECT_EQ(changed.publication().prefix(), "x");
  EXPECT_THAT(changed.update_mask().paths(),
              ElementsAre("codename", "skip_signing", "compressions"));
  EXPECT_EQ(changed.settings().codename(), "bookworm");
  EXPECT_FALSE(changed.settings().skip_signing());
  EXPECT_THAT(changed.settings().compressions(), ElementsAre(v1::XZ));
  EXPECT_EQ(out_,
            "Publish for local repo ./stable [amd64, i386] publishes {main: "
            "[r1]} has been successfully updated.\n");
}

TEST_F(PublishCommandsTest, SwitchWithoutComponentTakesThePublicationsOne) {
  server_.publications = {MakePublication("ppa", "d1", {{"extra", "s1"}})};
  EndWith("publish.switch", MakePublication("ppa", "d1", {{"extra", "s2"}}));
  ASSERT_THAT(Run({"switch", "d1", "ppa", "s2"}), IsOk());
  ASSERT_EQ(server_.switch_publication_requests.size(), 1u);
  const v1::SwitchPublicationRequest& request =
      server_.switch_publication_requests[0];
  EXPECT_EQ(request.publication().prefix(), "ppa");
  EXPECT_EQ(request.publication().distribution(), "d1");
  ASSERT_EQ(request.components_size(), 1);
  EXPECT_EQ(request.components(0).component(), "extra");
  EXPECT_EQ(request.components(0).snapshot(), "s2");
  EXPECT_EQ(out_,
            "Publish for snapshot ppa/d1 [amd64, i386] publishes {extra: "
            "[s2]} has been successfully switched to new snapshot.\n");
}

TEST_F(PublishCommandsTest, SwitchNamedComponents) {
  EndWith("publish.switch",
          MakePublication(".", "d1", {{"main", "s3"}, {"contrib", "s4"}}));
  ASSERT_THAT(Run({"switch", "-component=contrib,main", "d1", "s4", "s3"}),
              IsOk());
  ASSERT_EQ(server_.switch_publication_requests.size(), 1u);
  const v1::SwitchPublicationRequest& request =
      server_.switch_publication_requests[0];
  EXPECT_EQ(request.publication().prefix(), ".");
  ASSERT_EQ(request.components_size(), 2);
  EXPECT_EQ(request.components(0).component(), "contrib");
  EXPECT_EQ(request.components(0).snapshot(), "s4");
  EXPECT_EQ(request.components(1).component(), "main");
  EXPECT_EQ(request.components(1).snapshot(), "s3");
  // The publication is not read first: the components are named.
  EXPECT_THAT(server_.calls, Not(::testing::Contains("GetPublication")));
}

TEST_F(PublishCommandsTest, SwitchOfManyComponentsNeedsThemNamed) {
  server_.publications = {
      MakePublication(".", "d1", {{"main", "s1"}, {"contrib", "s2"}})};
  EXPECT_THAT(Run({"switch", "d1", "s3"}),
              FailsWith(absl::StatusCode::kInvalidArgument,
                        "./d1 publishes components main, contrib; "
                        "name those to switch with -component"));
  EXPECT_THAT(Run({"switch", "-component=main,contrib", "d1", "s3"}),
              FailsWith(absl::StatusCode::kInvalidArgument,
                        "one snapshot per component of -component "
                        "(2); got 1 arguments after DISTRIBUTION"));
  EXPECT_THAT(server_.switch_publication_requests, IsEmpty());
}

TEST_F(PublishCommandsTest, Drop) {
  ASSERT_THAT(Run({"drop", "-force-drop", "d1", "ppa"}), IsOk());
  ASSERT_EQ(server_.delete_publication_requests.size(), 1u);
  const v1::DeletePublicationRequest& request =
      server_.delete_publication_requests[0];
  EXPECT_EQ(request.publication().prefix(), "ppa");
  EXPECT_EQ(request.publication().distribution(), "d1");
  EXPECT_TRUE(request.force_drop());
  EXPECT_EQ(out_, "Published repository has been removed successfully.\n");
}

}  // namespace
}  // namespace debrepo::cli
