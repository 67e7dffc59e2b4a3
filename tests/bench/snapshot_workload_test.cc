#include "tests/bench/snapshot_workload.h"

#include <algorithm>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "deb/deb_file.h"
#include "deb/version.h"
#include "gtest/gtest.h"

namespace debrepo::testing {
namespace {

deb::Paragraph ControlOf(const FileToUpload& file) {
  std::istringstream in(file.bytes);
  absl::StatusOr<deb::DebFile> deb = deb::ReadDeb(in);
  EXPECT_TRUE(deb.ok()) << file.filename << ": " << deb.status();
  return deb.ok() ? deb->control : deb::Paragraph();
}

TEST(SnapshotWorkloadTest, RepoBHasAHigherVersionOfEveryTenthPackage) {
  const SnapshotWorkload workload = MakeSnapshotWorkload(250);
  ASSERT_EQ(workload.repo_a.size(), 250u)
      << "the machine needs apt lists (tools/dev deps)";
  ASSERT_EQ(workload.repo_b.size(), 250u);
  EXPECT_EQ(workload.changed_names.size(), 25u);
  size_t changed = 0;
  for (size_t i = 0; i < workload.repo_a.size(); ++i) {
    const FileToUpload& a = workload.repo_a[i];
    const FileToUpload& b = workload.repo_b[i];
    if (i % 10 != 9) {
      EXPECT_EQ(a.filename, b.filename);
      EXPECT_EQ(a.bytes, b.bytes) << a.filename;
      EXPECT_EQ(a.sha256, b.sha256) << a.filename;
      continue;
    }
    ++changed;
    // Another file name: aptly refuses two files of one name in a pool.
    EXPECT_EQ(b.filename, absl::StrCat("p", i, "-bench1.deb"));
    EXPECT_NE(a.sha256, b.sha256) << a.filename;
    const deb::Paragraph old_control = ControlOf(a);
    const deb::Paragraph new_control = ControlOf(b);
    EXPECT_EQ(old_control.GetOrEmpty("Package"),
              new_control.GetOrEmpty("Package"));
    EXPECT_EQ(old_control.GetOrEmpty("Architecture"),
              new_control.GetOrEmpty("Architecture"));
    absl::StatusOr<deb::Version> old_version =
        deb::Version::Parse(old_control.GetOrEmpty("Version"));
    absl::StatusOr<deb::Version> new_version =
        deb::Version::Parse(new_control.GetOrEmpty("Version"));
    ASSERT_TRUE(old_version.ok() && new_version.ok()) << a.filename;
    EXPECT_TRUE(*old_version < *new_version) << a.filename;
    EXPECT_EQ(workload.changed_names[changed - 1],
              new_control.GetOrEmpty("Package"));
  }
  EXPECT_EQ(changed, 25u);
}

TEST(SnapshotWorkloadTest, PullsChangedPackagesWithDependsFirst) {
  const SnapshotWorkload workload = MakeSnapshotWorkload(2000);
  ASSERT_EQ(workload.changed_names.size(), 200u);
  ASSERT_EQ(workload.pull_names.size(), 100u);
  for (const std::string& name : workload.pull_names) {
    EXPECT_NE(std::find(workload.changed_names.begin(),
                        workload.changed_names.end(), name),
              workload.changed_names.end())
        << name;
  }
  // Every pulled name is distinct.
  std::vector<std::string> sorted = workload.pull_names;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::unique(sorted.begin(), sorted.end()), sorted.end());
}

}  // namespace
}  // namespace debrepo::testing
