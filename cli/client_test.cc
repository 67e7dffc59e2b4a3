#include "cli/client.h"

#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cli/fake_server.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "proto/debrepo/v1/jobs.grpc.pb.h"
#include "proto/debrepo/v1/publish.grpc.pb.h"

namespace debrepo::cli {
namespace {

namespace v1 = ::debrepo::v1;
using ::debrepo::testing::IsOk;
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

TEST(ClientTest, CallsAnOlderServerLacksSaySo) {
  // A server without the Publish service, as one from before publishing.
  v1::Jobs::Service jobs;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&jobs);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  const std::string address = absl::StrCat("127.0.0.1:", port);
  std::ostringstream out;
  std::ostringstream err;
  Client client(Client::Dial(address), address, Options(), out, err);
  v1::ListPublicationsRequest request;
  v1::ListPublicationsResponse response;
  const absl::Status status =
      client.Call(client.publish(), &v1::Publish::Stub::ListPublications,
                  request, &response);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnimplemented));
  EXPECT_EQ(status.message(),
            absl::StrCat("UNIMPLEMENTED: debrepo-server at ", address,
                         " does not offer this call: it is older than this "
                         "client; upgrade it"));
  server->Shutdown();
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

TEST(ClientTest, HintsAreInFlagTerms) {
  EXPECT_EQ(InFlagTerms("Nothing was added; use force_replace to replace them"),
            "Nothing was added; use -force-replace to replace them");
  EXPECT_EQ(InFlagTerms("is not signed; sign it (debsign) or pass "
                        "accept_unsigned"),
            "is not signed; sign it (debsign) or pass -accept-unsigned");
  EXPECT_EQ(InFlagTerms("configure one or pass ignore_signature"),
            "configure one or pass -ignore-signatures");
  EXPECT_EQ(InFlagTerms("snapshot \"s1\" is the source of \"m\"; drop it "
                        "first, or pass force."),
            "snapshot \"s1\" is the source of \"m\"; drop it first, or "
            "pass -force.");
  EXPECT_EQ(InFlagTerms("no_remove and latest exclude each other; "
                        "follow_recommends"),
            "-no-remove and latest exclude each other; "
            "-dep-follow-recommends");
  // The signer's hint: the workers' flags stay, the publication's fields
  // become the CLI's flags.
  EXPECT_EQ(InFlagTerms("configure a usable key (--gpg_key with --gpg_home; "
                        "or the publication's gpg_key) or publish with "
                        "skip_signing"),
            "configure a usable key (--gpg_key with --gpg_home; or the "
            "publication's -gpg-key) or publish with -skip-signing");
  EXPECT_EQ(InFlagTerms("left files in place (force_drop)"),
            "left files in place (-force-drop)");
  // A mirror's settings.
  EXPECT_EQ(InFlagTerms("a keyring is required unless ignore_signatures; "
                        "filter_with_deps needs a filter; with_udebs, "
                        "with_sources"),
            "a keyring is required unless -ignore-signatures; "
            "-filter-with-deps needs a filter; -with-udebs, -with-sources");
  // Names and quotations keep their words.
  EXPECT_EQ(InFlagTerms("snapshot \"force\" and repo a.force, "
                        "no_remove_files, force.x, dry_run-2, -force"),
            "snapshot \"force\" and repo a.force, no_remove_files, force.x, "
            "dry_run-2, -force");
  v1::Job job;
  job.set_state(v1::FAILED);
  job.set_status_code(static_cast<int>(absl::StatusCode::kFailedPrecondition));
  job.set_status_message("use force_replace");
  EXPECT_EQ(EndedJobStatus(job).message(), "use -force-replace");
}

TEST(ClientTest, InterruptCancelsCallsUntilResumed) {
  FakeServer server;
  server.running_polls = 1000000;
  std::ostringstream out;
  std::ostringstream err;
  Client client(Client::Dial(server.address()), server.address(), Options(),
                out, err);
  v1::SubmitNoopRequest request;
  v1::Job job;
  ASSERT_THAT(
      client.Call(client.admin(), &v1::Admin::Stub::SubmitNoop, request, &job),
      IsOk());

  // A wait in progress is cut short, and says the task goes on.
  std::thread interrupter([&] {
    absl::SleepFor(absl::Milliseconds(300));
    client.Interrupt();
  });
  const absl::StatusOr<v1::Job> waited = client.WaitForJob(job.id());
  interrupter.join();
  EXPECT_THAT(waited, StatusIs(absl::StatusCode::kCancelled));
  EXPECT_THAT(waited.status().message(),
              HasSubstr("interrupted while waiting for task 1, which goes on"));
  EXPECT_TRUE(client.interrupted());

  // Later calls fail at once, until the client resumes to clean up.
  const absl::Status refused =
      client.Call(client.admin(), &v1::Admin::Stub::SubmitNoop, request, &job);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(refused.message(), "interrupted");
  client.ResumeAfterInterrupt();
  EXPECT_THAT(
      client.Call(client.admin(), &v1::Admin::Stub::SubmitNoop, request, &job),
      IsOk());
  EXPECT_TRUE(client.interrupted());
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
