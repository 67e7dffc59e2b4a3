#include "worker/publish/publish_roots.h"

#include "common/status_matchers.h"
#include "gtest/gtest.h"

namespace debrepo::worker {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;
using ::testing::HasSubstr;

TEST(PublishRootsTest, MapsStoragesToDirectories) {
  absl::StatusOr<std::map<std::string, std::string>> roots =
      ParsePublishRoots("/srv/public", {"mirror=/srv/mirror"});
  ASSERT_THAT(roots.status(), IsOk());
  EXPECT_EQ(*roots, (std::map<std::string, std::string>{
                        {"filesystem:default", "/srv/public"},
                        {"filesystem:mirror", "/srv/mirror"}}));
}

TEST(PublishRootsTest, RejectsBadEntries) {
  for (const std::vector<std::string>& storages :
       std::vector<std::vector<std::string>>{{"mirror"},
                                             {"mirror=relative"},
                                             {"../x=/srv/x"},
                                             {"a=/x", "a=/y"},
                                             {"default=/srv/other"}}) {
    EXPECT_THAT(ParsePublishRoots("/srv/public", storages).status(),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << storages.front();
  }
}

TEST(PublishRootsTest, RejectsStoragesSharingATree) {
  for (const std::vector<std::string>& storages :
       std::vector<std::vector<std::string>>{{"same=/srv/public"},
                                             {"slash=/srv/public/"},
                                             {"dots=/srv/x/../public"},
                                             {"inside=/srv/public/mirror"}}) {
    absl::StatusOr<std::map<std::string, std::string>> roots =
        ParsePublishRoots("/srv/public", storages);
    EXPECT_THAT(roots.status(), StatusIs(absl::StatusCode::kInvalidArgument))
        << storages.front();
    EXPECT_THAT(roots.status().message(), HasSubstr("of its own"))
        << storages.front();
  }
  // A root that contains the default one is refused too.
  EXPECT_THAT(
      ParsePublishRoots("/srv/public/a", {"outer=/srv/public"}).status(),
      StatusIs(absl::StatusCode::kInvalidArgument));
  // Siblings, even with a common name prefix, are separate trees.
  EXPECT_THAT(
      ParsePublishRoots("/srv/public", {"other=/srv/public-mirror"}).status(),
      IsOk());
}

TEST(PublishRootsTest, MissingRootSaysWhatToConfigure) {
  PublishConfig config;
  config.roots = {{"filesystem:default", "/srv/public"}};
  EXPECT_THAT(PublishRootOf(config, "filesystem:default"), IsOk());
  absl::StatusOr<std::string> missing =
      PublishRootOf(config, "filesystem:mirror");
  EXPECT_THAT(missing.status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(missing.status().message(),
              HasSubstr("--publish_storage=mirror=PATH"));
}

}  // namespace
}  // namespace debrepo::worker
