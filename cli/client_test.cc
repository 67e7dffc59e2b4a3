#include "cli/client.h"

#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::cli {
namespace {

namespace v1 = ::debrepo::v1;
using ::debrepo::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

TEST(ClientTest, UnreachableServerSaysSoAndNamesTheSetting) {
  std::ostringstream out;
  std::ostringstream err;
  // Port 1 on the loopback interface refuses connections.
  Client client(Client::Dial("127.0.0.1:1"), "127.0.0.1:1", Options(), out,
                err);
  v1::GetRepoRequest request;
  v1::Repo repo;
  const absl::Status status =
      client.Call(client.repos(), &v1::Repos::Stub::GetRepo, request, &repo);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(status.message(),
              HasSubstr("cannot reach debrepo-server at 127.0.0.1:1"));
  EXPECT_THAT(status.message(),
              HasSubstr("--server HOST:PORT or DEBREPO_SERVER"));
}

TEST(ClientTest, RequestIdsAreVersion4Uuids) {
  const std::string first = NewRequestId();
  EXPECT_THAT(first, MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-"
                                  "[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  EXPECT_NE(first, NewRequestId());
}

TEST(ClientTest, JobStatusToString) {
  v1::Job job;
  EXPECT_EQ(JobStatusToString(job), "OK");
  job.set_status_code(static_cast<int>(absl::StatusCode::kFailedPrecondition));
  job.set_status_message("repo \"r\" is in use");
  EXPECT_EQ(JobStatusToString(job),
            "FAILED_PRECONDITION: repo \"r\" is in use");
}

TEST(ClientTest, JobEnded) {
  EXPECT_FALSE(JobEnded(v1::QUEUED));
  EXPECT_FALSE(JobEnded(v1::RUNNING));
  EXPECT_TRUE(JobEnded(v1::SUCCEEDED));
  EXPECT_TRUE(JobEnded(v1::FAILED));
  EXPECT_TRUE(JobEnded(v1::CANCELLED));
}

}  // namespace
}  // namespace debrepo::cli
