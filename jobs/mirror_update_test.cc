#include "jobs/mirror_update.h"

#include <string>

#include "absl/strings/match.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::jobs {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;
using ::testing::ElementsAre;

// A status with `code` whose message holds `text`.
MATCHER_P2(FailsWith, code, text, "") {
  *result_listener << arg;
  return arg.code() == code && absl::StrContains(arg.message(), text);
}

v1::Mirror ValidMirror() {
  v1::Mirror mirror;
  mirror.set_name("bookworm-main");
  mirror.set_archive_url("http://deb.debian.org/debian");
  mirror.set_distribution("bookworm");
  mirror.add_components("main");
  mirror.add_architectures("amd64");
  mirror.set_keyring("keys");
  return mirror;
}

TEST(ValidateMirrorSettingsTest, AcceptsAMirrorAndAFlatRepository) {
  EXPECT_THAT(ValidateMirrorSettings(ValidMirror()), IsOk());
  v1::Mirror flat = ValidMirror();
  flat.clear_components();
  for (const char* distribution : {"./", "sub/dir/", "./debian/"}) {
    flat.set_distribution(distribution);
    EXPECT_THAT(ValidateMirrorSettings(flat), IsOk()) << distribution;
  }
}

TEST(ValidateMirrorSettingsTest, RefusesBadUrls) {
  for (const char* url :
       {"ftp://example.org/debian", "file:///srv/debian", "example.org",
        "http://user:secret@example.org/debian", "http://example.org/?x=1",
        "http://example.org/#top", "http:///debian", "http://exa mple.org/",
        "http://example.org/\n"}) {
    v1::Mirror mirror = ValidMirror();
    mirror.set_archive_url(url);
    EXPECT_THAT(ValidateMirrorSettings(mirror),
                FailsWith(absl::StatusCode::kInvalidArgument, "archive_url"))
        << url;
  }
  v1::Mirror mirror = ValidMirror();
  mirror.set_archive_url("https://example.org/" + std::string(2000, 'a'));
  EXPECT_THAT(ValidateMirrorSettings(mirror),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ValidateMirrorSettingsTest, RefusesBadDistributionsAndComponents) {
  for (const char* distribution : {"", "/abs/", "../up/", "a//b/", "a b"}) {
    v1::Mirror mirror = ValidMirror();
    mirror.clear_components();
    mirror.set_distribution(distribution);
    EXPECT_THAT(ValidateMirrorSettings(mirror),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << distribution;
  }
  v1::Mirror flat = ValidMirror();
  flat.set_distribution("./");
  EXPECT_THAT(ValidateMirrorSettings(flat),
              FailsWith(absl::StatusCode::kInvalidArgument, "flat repository"));
  v1::Mirror twice = ValidMirror();
  twice.add_components("main");
  EXPECT_THAT(ValidateMirrorSettings(twice),
              FailsWith(absl::StatusCode::kInvalidArgument, "twice"));
}

TEST(ValidateMirrorSettingsTest, RefusesAllAndSourceAsArchitectures) {
  for (const char* architecture : {"all", "source", "AMD64", ""}) {
    v1::Mirror mirror = ValidMirror();
    mirror.add_architectures(architecture);
    EXPECT_THAT(ValidateMirrorSettings(mirror),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << architecture;
  }
}

TEST(ValidateMirrorSettingsTest, FilterMustParse) {
  v1::Mirror mirror = ValidMirror();
  mirror.set_filter("Name (= hello");
  EXPECT_THAT(ValidateMirrorSettings(mirror),
              StatusIs(absl::StatusCode::kInvalidArgument));
  mirror.set_filter("Name (= hello) | Priority (required)");
  EXPECT_THAT(ValidateMirrorSettings(mirror), IsOk());
}

TEST(ValidateMirrorSettingsTest, KeyringRequiredUnlessSignaturesIgnored) {
  v1::Mirror mirror = ValidMirror();
  mirror.clear_keyring();
  EXPECT_THAT(
      ValidateMirrorSettings(mirror),
      FailsWith(absl::StatusCode::kInvalidArgument, "ignore_signatures"));
  mirror.set_ignore_signatures(true);
  EXPECT_THAT(ValidateMirrorSettings(mirror), IsOk());
  mirror.set_keyring(std::string(kMaxMirrorKeyringBytes + 1, 'k'));
  EXPECT_THAT(ValidateMirrorSettings(mirror),
              FailsWith(absl::StatusCode::kInvalidArgument, "bytes"));
}

TEST(ApplyMirrorUpdateTest, ChangesOnlyTheNamedFields) {
  v1::Mirror mirror = ValidMirror();
  mirror.add_keyring_fingerprints("OLD");
  v1::UpdateMirrorArgs update;
  update.set_name(mirror.name());
  update.mutable_mirror()->set_name("renamed");
  update.mutable_mirror()->set_filter("Name (hello)");
  update.mutable_mirror()->set_keyring("new keys");
  update.mutable_mirror()->add_keyring_fingerprints("NEW");
  update.mutable_mirror()->set_archive_url("http://ignored.example/");
  update.add_fields("filter");
  update.add_fields("keyring");
  ApplyMirrorUpdate(update, mirror);
  EXPECT_EQ(mirror.name(), "bookworm-main");
  EXPECT_EQ(mirror.filter(), "Name (hello)");
  EXPECT_EQ(mirror.keyring(), "new keys");
  EXPECT_THAT(mirror.keyring_fingerprints(), ElementsAre("NEW"));
  EXPECT_EQ(mirror.archive_url(), "http://deb.debian.org/debian");
  EXPECT_TRUE(IsUpdatableMirrorField("download_limit"));
  EXPECT_FALSE(IsUpdatableMirrorField("package_count"));
}

}  // namespace
}  // namespace debrepo::jobs
