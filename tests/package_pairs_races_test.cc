// The interning of name-and-architecture pairs (migration 15) under
// concurrent adds, with two servers and three workers against one
// PostgreSQL: many add jobs store packages whose pairs are new and shared
// between them, each job interning them in its serializable transaction
// (storage/package_store.cc, INSERT ... ON CONFLICT DO NOTHING). Whichever
// job interns a pair, every package ends with the one pair row of its name
// and architecture, and no job fails for it. The jobs do collide: with
// serialization failures not retried (storage::IsRetryable false), adds
// fail here with "could not serialize access due to read/write
// dependencies among transactions".
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/harness.h"
#include "tests/two_front_stack.h"

namespace debrepo::testing {
namespace {

constexpr int kClients = 16;
constexpr int kRounds = 3;
// Pairs per round, each held by every client's packages: "hot<round>-<j>"
// for amd64 and for all.
constexpr int kNames = 4;
constexpr const char* kArchitectures[] = {"amd64", "all"};

class PackagePairsRacesTest : public TwoFrontStackTest {};

TEST_F(PackagePairsRacesTest, ConcurrentAddsOfNewSharedPairsInternEachOnce) {
  int stored = 0;
  for (int round = 0; round < kRounds; ++round) {
    // Each client uploads its own builds of the round's names (another
    // version each, so that every package is new) into its own directory,
    // untimed; then all add them to their own repos at once, half through
    // each server.
    for (int i = 0; i < kClients; ++i) {
      const int server = i % 2;
      const std::string repo = absl::StrCat("r", round, "-", i);
      ASSERT_EQ(CreateRepo(stack_, repo, server).code, absl::StatusCode::kOk);
      std::vector<FileToUpload> files;
      for (int j = 0; j < kNames; ++j) {
        for (const char* architecture : kArchitectures) {
          const std::string name = absl::StrCat("hot", round, "-", j);
          const std::string version = absl::StrCat("1.", i);
          const std::string bytes = BuildDeb(name, version, architecture, repo);
          files.push_back(
              {absl::StrCat(name, "_", version, "_", architecture, ".deb"),
               bytes, Sha256Hex(bytes)});
        }
      }
      v1::Job job;
      const Result uploaded =
          Await(stack_, UploadFiles(stack_, repo, files, &job, 4096, server),
                job, server);
      ASSERT_EQ(uploaded.code, absl::StatusCode::kOk) << uploaded.message;
    }
    std::vector<Result> adds(kClients);
    RunConcurrently(kClients, [&](int i) {
      const int server = i % 2;
      v1::AddFromUploadRequest request;
      request.set_name(absl::StrCat("r", round, "-", i));
      request.set_directory(request.name());
      v1::Job job;
      const grpc::Status rpc = stack_.repos(server).AddFromUpload(
          Deadline(absl::Seconds(120)).get(), request, &job);
      adds[i] = Await(stack_, rpc, job, server);
    });
    // A lost serialization race is retried inside the job: no add may fail.
    for (int i = 0; i < kClients; ++i) {
      ASSERT_EQ(adds[i].code, absl::StatusCode::kOk)
          << "round " << round << ", client " << i << ": " << adds[i].message;
      EXPECT_EQ(adds[i].job.result().add_from_upload().added_count(),
                kNames * static_cast<int>(std::size(kArchitectures)));
    }
    stored += kClients * kNames * static_cast<int>(std::size(kArchitectures));
    // One pair row per name and architecture of the round, and each of the
    // round's packages points at the one of its own.
    EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM package_pairs "
                                 "WHERE name LIKE 'hot",
                                 round, "-%'")),
              kNames * static_cast<int>(std::size(kArchitectures)));
    EXPECT_EQ(Count(absl::StrCat(
                  "SELECT count(*) FROM packages p JOIN package_pairs pp ON "
                  "pp.id = p.pair_id AND pp.name = p.name AND "
                  "pp.architecture = p.architecture WHERE p.name LIKE 'hot",
                  round, "-%'")),
              kClients * kNames * static_cast<int>(std::size(kArchitectures)));
  }
  EXPECT_EQ(Count("SELECT count(*) FROM packages"), stored);
  EXPECT_EQ(db_.MisplacedPairs(), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM jobs WHERE state = 'failed'"), 0);
}

}  // namespace
}  // namespace debrepo::testing
