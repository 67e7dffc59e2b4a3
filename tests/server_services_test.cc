// The server offers gRPC's standard health checking and reflection, many
// processes starting at once on a fresh database migrate it once, and
// waits for jobs are bounded and end with the server.
#include <signal.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/migrations.h"
#include "tests/grpc_protos/health.grpc.pb.h"
#include "tests/grpc_protos/reflection.grpc.pb.h"
#include "tests/harness.h"

namespace debrepo::testing {
namespace {

using ::testing::IsSupersetOf;

TEST(ServerServicesTest, HealthAndReflection) {
  TestDatabase db;
  Stack stack(db.url());
  stack.StartServer();
  auto channel =
      grpc::CreateChannel(stack.address(), grpc::InsecureChannelCredentials());

  auto health = grpc::health::v1::Health::NewStub(channel);
  grpc::health::v1::HealthCheckRequest check;
  grpc::health::v1::HealthCheckResponse status;
  ASSERT_TRUE(
      health->Check(Deadline(absl::Seconds(10)).get(), check, &status).ok());
  EXPECT_EQ(status.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  auto reflection =
      grpc::reflection::v1alpha::ServerReflection::NewStub(channel);
  auto context = Deadline(absl::Seconds(10));
  auto stream = reflection->ServerReflectionInfo(context.get());
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  ASSERT_TRUE(stream->Write(request));
  stream->WritesDone();
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Read(&response));
  std::vector<std::string> services;
  for (const auto& service : response.list_services_response().service()) {
    services.push_back(service.name());
  }
  EXPECT_THAT(
      services,
      IsSupersetOf({"debrepo.v1.Jobs", "debrepo.v1.Repos", "debrepo.v1.Admin",
                    "debrepo.v1.Snapshots", "debrepo.v1.Mirrors"}));
  EXPECT_TRUE(stream->Finish().ok());
}

TEST(ServerServicesTest, ManyProcessesStartingAtOnceMigrateOnce) {
  TestDatabase db;
  Stack stack(db.url());
  // Workers do not wait for anything: all six start together.
  for (int i = 0; i < 4; ++i) stack.StartWorker();
  stack.StartServer();
  stack.StartServer();
  // Every migration applied, each once (a second application of a
  // migration would have failed on its CREATE TABLEs and stopped that
  // process). Versions may have gaps while parallel work lands.
  EXPECT_EQ(db.QueryValue("SELECT max(version) FROM schema_migrations"),
            absl::StrCat(storage::LatestSchemaVersion()));
  // All four workers got past migrating: each sends a heartbeat.
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline &&
         db.QueryValue("SELECT count(*) FROM workers") != "4") {
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM workers"), "4");
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(stack.worker(i).Running()) << "worker " << i << " exited";
  }
  Result result = CreateRepo(stack, "after-migration", 1);
  EXPECT_EQ(result.code, absl::StatusCode::kOk) << result.message;
}

TEST(ServerServicesTest, WaitsAreBoundedAndEndWhenTheServerStops) {
  TestDatabase db;
  Stack stack(db.url());
  stack.StartServer();  // no worker: the job stays queued
  v1::Job job;
  ASSERT_TRUE(stack.admin()
                  .SubmitNoop(Deadline(absl::Seconds(10)).get(),
                              v1::SubmitNoopRequest(), &job)
                  .ok());
  v1::WaitJobRequest wait;
  wait.set_id(job.id());
  for (int64_t seconds : {int64_t{-1}, int64_t{2 * 3600}}) {
    wait.mutable_timeout()->set_seconds(seconds);
    v1::Job ignored;
    grpc::Status status =
        stack.jobs().WaitJob(Deadline(absl::Seconds(10)).get(), wait, &ignored);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << seconds;
    EXPECT_THAT(status.error_message(), ::testing::HasSubstr("timeout"));
  }

  // A long wait is answered at once when the server shuts down, instead of
  // holding its shutdown for the minute asked for.
  wait.mutable_timeout()->set_seconds(60);
  absl::Duration waited;
  std::thread waiter([&] {
    const absl::Time start = absl::Now();
    v1::Job ignored;
    (void)stack.jobs().WaitJob(Deadline(absl::Seconds(90)).get(), wait,
                               &ignored);
    waited = absl::Now() - start;
  });
  absl::SleepFor(absl::Milliseconds(500));
  stack.server(0).Signal(SIGTERM);
  waiter.join();
  // (Other calls get 5 s of grace: a wait must not need them.)
  EXPECT_LT(waited, absl::Seconds(3));
  stack.server(0).Wait();
}

}  // namespace
}  // namespace debrepo::testing
