#include "cli/admin_commands.h"

#include <string>

#include "absl/status/status.h"
#include "cli/client.h"
#include "cli/fake_server.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"

namespace debrepo::cli {
namespace {

using ::debrepo::testing::IsOk;

TEST(AdminCommandsTest, Noop) {
  FakeServer server;
  std::string out;
  ASSERT_THAT(
      server.RunCommand(AdminCommands(), {"admin", "noop", "-resource=probe"},
                        Options(), &out),
      IsOk());
  ASSERT_EQ(server.noop_requests.size(), 1);
  EXPECT_EQ(server.noop_requests[0].resource(), "probe");
  EXPECT_FALSE(server.noop_requests[0].request_id().empty());
  EXPECT_EQ(out, "Task 1 (noop) succeeded.\n");
}

}  // namespace
}  // namespace debrepo::cli
