// The server offers gRPC's standard health checking and reflection, and
// many processes starting at once on a fresh database migrate it once.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
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
  auto channel = grpc::CreateChannel(stack.address(),
                                     grpc::InsecureChannelCredentials());

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
  EXPECT_THAT(services, IsSupersetOf({"debrepo.v1.Jobs", "debrepo.v1.Repos",
                                      "debrepo.v1.Admin"}));
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
  // process).
  EXPECT_EQ(db.QueryValue("SELECT count(*) = max(version) FROM "
                          "schema_migrations"),
            "t");
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

}  // namespace
}  // namespace debrepo::testing
