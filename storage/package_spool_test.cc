#include "storage/package_spool.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::storage {
namespace {

using ::debrepo::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

NewPackage Package(const std::string& name) {
  NewPackage package;
  package.key = absl::StrCat("Pall ", name, " 1.0 00000000");
  package.name = name;
  package.version = "1.0";
  package.architecture = "all";
  package.source = name;
  package.package_type = "deb";
  package.control.Set("Package", name).IgnoreError();
  package.control.Set("Description", "line \"one\"\n two\\").IgnoreError();
  return package;
}

std::vector<std::string> Batches(PackageSpool& spool,
                                 const std::vector<bool>& take,
                                 size_t batch_size) {
  std::vector<std::string> batches;
  EXPECT_THAT(spool.ForEachBatch(take, batch_size,
                                 [&](const std::string& json) {
                                   batches.push_back(json);
                                   return absl::OkStatus();
                                 }),
              IsOk());
  return batches;
}

TEST(PackageSpoolTest, BatchesTheTakenRowsInOrderAgainAndAgain) {
  absl::StatusOr<std::unique_ptr<PackageSpool>> created =
      PackageSpool::Create();
  ASSERT_THAT(created, IsOk());
  std::unique_ptr<PackageSpool> spool = *std::move(created);
  for (const char* name : {"aa", "bb", "cc"}) {
    ASSERT_THAT(spool->Append(Package(name)), IsOk());
  }
  EXPECT_EQ(spool->size(), 3u);
  std::vector<std::string> once = Batches(*spool, {true, false, true}, 1);
  ASSERT_EQ(once.size(), 2u);
  EXPECT_THAT(once[0], HasSubstr("\"name\":\"aa\""));
  EXPECT_THAT(once[1], HasSubstr("\"name\":\"cc\""));
  // Control text is escaped: a row stays one line and valid JSON.
  EXPECT_THAT(once[0], HasSubstr(R"(line \"one\"\u000a two\\)"));
  EXPECT_EQ(once[0].front(), '[');
  EXPECT_EQ(once[0].back(), ']');
  // A retried transaction reads the same rows again.
  EXPECT_EQ(Batches(*spool, {true, false, true}, 1), once);
  std::vector<std::string> together = Batches(*spool, {true, true, true}, 2);
  ASSERT_EQ(together.size(), 2u);
  EXPECT_EQ(std::count(together[0].begin(), together[0].end(), '\n'), 0);
  EXPECT_THAT(together[1], HasSubstr("\"name\":\"cc\""));
  // Appending after reading extends the spool.
  ASSERT_THAT(spool->Append(Package("dd")), IsOk());
  std::vector<std::string> last =
      Batches(*spool, {false, false, false, true}, 5);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_THAT(last[0], HasSubstr("\"name\":\"dd\""));
  EXPECT_THAT(Batches(*spool, {}, 5), ElementsAre());
}

TEST(PackageSpoolTest, AnUnusableTmpdirIsAClearError) {
  const char* saved = std::getenv("TMPDIR");
  const std::string restore = saved == nullptr ? "" : saved;
  setenv("TMPDIR", "/nonexistent/debrepo", 1);
  absl::StatusOr<std::unique_ptr<PackageSpool>> spool = PackageSpool::Create();
  restore.empty() ? unsetenv("TMPDIR") : setenv("TMPDIR", restore.c_str(), 1);
  ASSERT_FALSE(spool.ok());
  EXPECT_THAT(spool.status().message(), HasSubstr("TMPDIR"));
}

}  // namespace
}  // namespace debrepo::storage
