#include "jobs/mirror_update.h"

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
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

// Every field of Mirror is either output-only or an input field that
// MirrorInputFields copies and an update may change: a field added later
// fails here until it is one or the other.
TEST(MirrorInputFieldsTest, CopiesEveryInputFieldAndNoOutputField) {
  const absl::flat_hash_set<std::string> output_only = {
      "create_time",    "keyring_fingerprints", "status",
      "last_sync_time", "package_count",        "release_date",
      "release_suite",  "release_codename",     "snapshots"};
  const google::protobuf::Descriptor& descriptor = *v1::Mirror::descriptor();
  for (int i = 0; i < descriptor.field_count(); ++i) {
    const google::protobuf::FieldDescriptor& field = *descriptor.field(i);
    SCOPED_TRACE(field.name());
    // Only this field set, to a value other than its default.
    v1::Mirror mirror;
    const google::protobuf::Reflection& reflection = *mirror.GetReflection();
    if (field.is_repeated()) {
      ASSERT_EQ(field.cpp_type(),
                google::protobuf::FieldDescriptor::CPPTYPE_STRING);
      reflection.AddString(&mirror, &field, "x");
    } else {
      switch (field.cpp_type()) {
        case google::protobuf::FieldDescriptor::CPPTYPE_STRING:
          reflection.SetString(&mirror, &field, "x");
          break;
        case google::protobuf::FieldDescriptor::CPPTYPE_BOOL:
          reflection.SetBool(&mirror, &field, true);
          break;
        case google::protobuf::FieldDescriptor::CPPTYPE_INT64:
          reflection.SetInt64(&mirror, &field, 7);
          break;
        case google::protobuf::FieldDescriptor::CPPTYPE_ENUM:
          reflection.SetEnumValue(&mirror, &field, 1);
          break;
        case google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE:
          reflection.MutableMessage(&mirror, &field);
          break;
        default:
          FAIL() << "a field of a type this test does not set";
      }
    }
    const bool input = !output_only.contains(field.name());
    const v1::Mirror copied = MirrorInputFields(mirror);
    EXPECT_EQ(copied.SerializeAsString() == mirror.SerializeAsString(), input);
    if (!input) {
      EXPECT_EQ(copied.ByteSizeLong(), 0);
      continue;
    }
    EXPECT_TRUE(IsUpdatableMirrorField(field.name()));
    v1::UpdateMirrorArgs update;
    *update.mutable_mirror() = mirror;
    update.add_fields(field.name());
    v1::Mirror updated;
    ApplyMirrorUpdate(update, updated);
    EXPECT_EQ(updated.SerializeAsString(), mirror.SerializeAsString());
  }
}

}  // namespace
}  // namespace debrepo::jobs
