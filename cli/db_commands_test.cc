#include "cli/db_commands.h"

#include <string>

#include "absl/status/status.h"
#include "cli/client.h"
#include "cli/fake_server.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"

namespace debrepo::cli {
namespace {

using ::debrepo::testing::IsOk;

v1::Job CleanupJob(bool dry_run, int packages, int files, int64_t bytes) {
  v1::Job job;
  job.set_state(v1::SUCCEEDED);
  v1::CleanupResult& cleanup = *job.mutable_result()->mutable_cleanup();
  for (int i = 0; i < packages && i < 2; ++i) {
    cleanup.add_deleted_packages("Pall p" + std::to_string(i) + " 1 h");
  }
  cleanup.set_deleted_package_count(packages);
  cleanup.set_deleted_file_count(files);
  cleanup.set_deleted_bytes(bytes);
  cleanup.set_dry_run(dry_run);
  return job;
}

TEST(DbCommandsTest, CleanupPrintsWhatItDeletedAsAptlyDoes) {
  FakeServer server;
  server.end_by_kind["gc"] = CleanupJob(false, 1, 1, 700000);
  std::string out;
  ASSERT_THAT(
      server.RunCommand(DbCommands(), {"db", "cleanup"}, Options(), &out),
      IsOk());
  ASSERT_EQ(server.cleanup_requests.size(), 1);
  EXPECT_FALSE(server.cleanup_requests[0].dry_run());
  EXPECT_FALSE(server.cleanup_requests[0].request_id().empty());
  EXPECT_EQ(out,
            "Deleting unreferenced packages (1)...\n"
            "Deleting unreferenced files (1)...\n"
            "Disk space freed: 0.67 MiB...\n");
}

TEST(DbCommandsTest, DryRunSaysWhatItSkippedAndVerboseListsKeys) {
  FakeServer server;
  server.end_by_kind["gc"] = CleanupJob(true, 3, 2, 10);
  std::string out;
  ASSERT_THAT(
      server.RunCommand(DbCommands(), {"db", "cleanup", "-dry-run", "-verbose"},
                        Options(), &out),
      IsOk());
  ASSERT_EQ(server.cleanup_requests.size(), 1);
  EXPECT_TRUE(server.cleanup_requests[0].dry_run());
  EXPECT_EQ(out,
            "Deleting unreferenced packages (3)...\n"
            "List of package keys to delete:\n"
            " - Pall p0 1 h\n"
            " - Pall p1 1 h\n"
            " ... and 1 more\n"
            "Skipped deletion, as -dry-run has been requested.\n"
            "Deleting unreferenced files (2)...\n"
            "Skipped file deletion, as -dry-run has been requested.\n");
}

TEST(DbCommandsTest, NothingToDelete) {
  FakeServer server;
  server.end_by_kind["gc"] = CleanupJob(false, 0, 0, 0);
  std::string out;
  ASSERT_THAT(
      server.RunCommand(DbCommands(), {"db", "cleanup"}, Options(), &out),
      IsOk());
  EXPECT_EQ(out,
            "Deleting unreferenced packages (0)...\n"
            "Deleting unreferenced files (0)...\n");
}

}  // namespace
}  // namespace debrepo::cli
