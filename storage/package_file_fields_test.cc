#include "storage/package_file_fields.h"

#include <string>
#include <vector>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::storage {
namespace {

using ::debrepo::testing::IsOk;
using ::testing::HasSubstr;

v1::PackageFile File(const std::string& name, int64_t size,
                     const std::string& md5, const std::string& sha1,
                     const std::string& sha256, const std::string& sha512) {
  v1::PackageFile file;
  file.set_name(name);
  file.set_size(size);
  file.set_md5(md5);
  file.set_sha1(sha1);
  file.set_sha256(sha256);
  file.set_sha512(sha512);
  return file;
}

TEST(PackageFileFieldsTest, WritesOneLinePerFileWithDashesForMissingDigests) {
  EXPECT_EQ(
      PackageFileFields({File("a_1.dsc", 12, "m", "s1", "s256", "s512"),
                         File("a_1.tar.xz", 3000000000, "", "", "h", "")}),
      "a_1.dsc 12 m s1 s256 s512\na_1.tar.xz 3000000000 - - h -");
  EXPECT_EQ(PackageFileFields({}), "");
}

TEST(PackageFileFieldsTest, ParsesWhatItWrites) {
  const std::vector<v1::PackageFile> files = {
      File("a_1.dsc", 12, "m", "s1", "s256", "s512"),
      File("a_1.tar.xz", 3000000000, "", "", "h", "")};
  std::vector<v1::PackageFile> parsed;
  ASSERT_THAT(ParsePackageFileFields(PackageFileFields(files), parsed), IsOk());
  ASSERT_EQ(parsed.size(), 2u);
  for (size_t i = 0; i < files.size(); ++i) {
    EXPECT_EQ(parsed[i].SerializeAsString(), files[i].SerializeAsString()) << i;
  }
  parsed.clear();
  ASSERT_THAT(ParsePackageFileFields("", parsed), IsOk());
  EXPECT_TRUE(parsed.empty());
}

TEST(PackageFileFieldsTest, RefusesLinesThatAreNotNameSizeAndDigests) {
  for (const char* text :
       {"a.deb 1 m s1 s256", "a.deb x m s1 s256 s512", " 1 m s1 s256 s512",
        "a b.deb 1 m s1 s256 s512", "a.deb 1 m s1 s256 s512\n"}) {
    std::vector<v1::PackageFile> parsed;
    const absl::Status status = ParsePackageFileFields(text, parsed);
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << text;
    EXPECT_THAT(status.message(), HasSubstr("restore")) << text;
  }
}

}  // namespace
}  // namespace debrepo::storage
