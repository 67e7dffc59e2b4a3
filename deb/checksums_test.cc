// Checksums compared with coreutils (md5sum, sha1sum, sha256sum, sha512sum).
#include "deb/checksums.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_split.h"
#include "common/status_matchers.h"
#include "deb/testing/commands.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::deb {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;

// CoreutilsDigest runs e.g. sha256sum on `path` and returns the digest.
std::string CoreutilsDigest(const std::string& tool, const std::string& path) {
  return std::vector<std::string>(
      absl::StrSplit(testing::RunOk({tool, path}), ' '))[0];
}

TEST(ChecksumsTest, MatchesCoreutilsOnAFileFedInPieces) {
  std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/data";
  std::string data;
  for (int i = 0; i < 300000; ++i)
    data.push_back(static_cast<char>(i * 7919 % 251));
  std::ofstream(path, std::ios::binary) << data;

  absl::StatusOr<Checksums> sums = ChecksumFile(path);
  ASSERT_THAT(sums, IsOk());
  EXPECT_EQ(sums->size, data.size());
  EXPECT_EQ(sums->md5, CoreutilsDigest("md5sum", path));
  EXPECT_EQ(sums->sha1, CoreutilsDigest("sha1sum", path));
  EXPECT_EQ(sums->sha256, CoreutilsDigest("sha256sum", path));
  EXPECT_EQ(sums->sha512, CoreutilsDigest("sha512sum", path));

  ChecksumCalculator pieces;
  for (size_t i = 0; i < data.size(); i += 1000) {
    pieces.Update(absl::string_view(data).substr(i, 1000));
  }
  EXPECT_EQ(pieces.Finish(), *sums);

  ChecksumCalculator sha256_only(DigestSet::kSha256Only);
  sha256_only.Update(data);
  EXPECT_EQ(sha256_only.Finish(),
            (Checksums{.size = sums->size, .sha256 = sums->sha256}));
}

TEST(ChecksumsTest, KnownEmptyDigests) {
  ChecksumCalculator empty;
  Checksums sums = empty.Finish();
  EXPECT_EQ(sums.size, 0);
  EXPECT_EQ(sums.sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_THAT(ChecksumFile("/nonexistent/file"),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace debrepo::deb
