// The snapshot races of issue 10 that need only snapshots of repos (and a
// few more about names and dropped sources), with two servers and three
// workers (two runners each) against one PostgreSQL and many concurrent
// clients, each asserting its invariant afterwards.
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"
#include "tests/snapshot_calls.h"
#include "tests/two_front_stack.h"

namespace debrepo::testing {
namespace {

using ::testing::ElementsAre;

constexpr int kClients = 32;

class SnapshotsRacesTest : public TwoFrontStackTest {};

TEST_F(SnapshotsRacesTest, ConcurrentCreatesOfOneNameMakeExactlyOne) {
  ASSERT_EQ(CreateRepo(stack_, "main").code, absl::StatusCode::kOk);
  ASSERT_EQ(UploadPackages(stack_, "main", "incoming", {"one", "two"}).size(),
            2u);
  for (int round = 0; round < 3; ++round) {
    const std::string name = absl::StrCat("hot", round);
    std::vector<Result> results(kClients);
    RunConcurrently(kClients, [&](int i) {
      // Half from the repo, half empty: whichever wins, there is one.
      results[i] = i % 2 == 0 ? CreateSnapshotFromRepo(stack_, name, "main", i)
                              : CreateEmptySnapshot(stack_, name, "", i);
    });
    int ok = 0, exists = 0;
    for (const Result& result : results) {
      if (result.code == absl::StatusCode::kOk) ++ok;
      if (result.code == absl::StatusCode::kAlreadyExists) ++exists;
    }
    EXPECT_EQ(ok, 1) << "round " << round;
    EXPECT_EQ(exists, kClients - 1) << "round " << round;
    EXPECT_EQ(Count(absl::StrCat(
                  "SELECT count(*) FROM snapshots WHERE name = '", name, "'")),
              1);
  }
  // Most callers passed the servers' shallow check at once, so the
  // uniqueness was decided by the jobs, not by the fast path.
  EXPECT_GT(Count("SELECT count(*) FROM jobs WHERE kind = 'snapshot.create' "
                  "AND state = 'failed' AND status_code = 6"),
            3);
  // Each winner has the sources of what it was made from, once.
  EXPECT_EQ(Count("SELECT count(*) FROM snapshot_sources"),
            Count("SELECT count(*) FROM snapshots WHERE package_count = 2"));
}

TEST_F(SnapshotsRacesTest,
       ConcurrentRenamesOntoOneNameHaveOneWinnerAndLoseNothing) {
  ASSERT_EQ(CreateRepo(stack_, "main").code, absl::StatusCode::kOk);
  std::vector<std::string> names;
  for (int i = 0; i < 8; ++i) names.push_back(absl::StrCat("pkg", i));
  const std::vector<std::string> keys =
      UploadPackages(stack_, "main", "incoming", names);
  ASSERT_EQ(keys.size(), 8u);
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(
        CreateSnapshotFromKeys(stack_, absl::StrCat("src", i), {keys[i]}).code,
        absl::StatusCode::kOk);
  }
  std::vector<Result> results(8);
  RunConcurrently(8, [&](int i) {
    results[i] = RenameSnapshot(stack_, absl::StrCat("src", i), "target", i);
  });
  int winner = -1;
  for (int i = 0; i < 8; ++i) {
    if (results[i].code == absl::StatusCode::kOk) {
      EXPECT_EQ(winner, -1) << "two renames won";
      winner = i;
    } else {
      EXPECT_EQ(results[i].code, absl::StatusCode::kAlreadyExists)
          << results[i].message;
    }
  }
  ASSERT_NE(winner, -1);
  EXPECT_EQ(Count("SELECT count(*) FROM snapshots"), 8);  // nothing lost
  // Every snapshot still holds its own package, under the name it has.
  for (int i = 0; i < 8; ++i) {
    const std::string name = i == winner ? "target" : absl::StrCat("src", i);
    EXPECT_THAT(SnapshotKeys(stack_, name, "", i), ElementsAre(keys[i]))
        << name;
  }
}

TEST_F(SnapshotsRacesTest, RenameRacingCreateOfTheNewNameLeavesExactlyOne) {
  for (int round = 0; round < 10; ++round) {
    const std::string from = absl::StrCat("a", round);
    const std::string to = absl::StrCat("b", round);
    ASSERT_EQ(CreateEmptySnapshot(stack_, from, "renamed").code,
              absl::StatusCode::kOk);
    Result renamed, created;
    RunConcurrently(2, [&](int i) {
      if (i == 0) {
        renamed = RenameSnapshot(stack_, from, to, 0);
      } else {
        created = CreateEmptySnapshot(stack_, to, "created", 1);
      }
    });
    EXPECT_NE(renamed.code == absl::StatusCode::kOk,
              created.code == absl::StatusCode::kOk)
        << "round " << round << ": " << renamed.message << " / "
        << created.message;
    EXPECT_EQ(Count(absl::StrCat(
                  "SELECT count(*) FROM snapshots WHERE name = '", to, "'")),
              1);
    // The loser changed nothing: the renamed snapshot is under one name.
    EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM snapshots WHERE "
                                 "description = 'renamed' AND name IN ('",
                                 from, "', '", to, "')")),
              1);
  }
}

// A forced drop of a repo racing snapshots of it: each snapshot is either
// refused (NOT_FOUND: the repo was gone) or made whole, and then says its
// source was dropped; no source entry points at a repo that is gone.
TEST_F(SnapshotsRacesTest, ForcedRepoDropRacingSnapshotsLeavesNothingDangling) {
  for (int round = 0; round < 5; ++round) {
    const std::string repo = absl::StrCat("r", round);
    ASSERT_EQ(CreateRepo(stack_, repo).code, absl::StatusCode::kOk);
    ASSERT_EQ(UploadPackages(stack_, repo, absl::StrCat("in", round),
                             {absl::StrCat("p", round)})
                  .size(),
              1u);
    std::vector<Result> creates(6);
    Result dropped;
    RunConcurrently(7, [&](int i) {
      if (i == 6) {
        dropped = DeleteRepo(stack_, repo, i, /*force=*/true);
        return;
      }
      creates[i] =
          CreateSnapshotFromRepo(stack_, absl::StrCat(repo, "-s", i), repo, i);
    });
    ASSERT_EQ(dropped.code, absl::StatusCode::kOk) << dropped.message;
    for (int i = 0; i < 6; ++i) {
      const std::string name = absl::StrCat(repo, "-s", i);
      if (creates[i].code != absl::StatusCode::kOk) {
        EXPECT_EQ(creates[i].code, absl::StatusCode::kNotFound)
            << creates[i].message;
        continue;
      }
      v1::GetSnapshotRequest get;
      get.set_name(name);
      v1::Snapshot snapshot;
      ASSERT_TRUE(
          stack_.snapshots()
              .GetSnapshot(Deadline(absl::Seconds(10)).get(), get, &snapshot)
              .ok());
      EXPECT_EQ(snapshot.package_count(), 1) << name;
      ASSERT_EQ(snapshot.sources_size(), 1) << name;
      EXPECT_EQ(snapshot.sources(0).name(), repo);
      EXPECT_TRUE(snapshot.sources(0).dropped()) << name;
    }
  }
  EXPECT_EQ(Count("SELECT count(*) FROM snapshot_sources WHERE NOT dropped"),
            0);
}

// Batches of packages are added to a repo by concurrent jobs while other
// clients snapshot it: each snapshot holds every package of a batch or
// none of them.
TEST_F(SnapshotsRacesTest, SnapshotOfARepoBeingFilledHoldsWholeBatches) {
  constexpr int kBatches = 8;
  constexpr int kBatchSize = 4;
  constexpr int kSnapshotters = 4;
  constexpr int kSnapshotsEach = 6;
  ASSERT_EQ(CreateRepo(stack_, "pool").code, absl::StatusCode::kOk);
  ASSERT_EQ(CreateRepo(stack_, "target").code, absl::StatusCode::kOk);
  std::vector<std::string> names;
  for (int i = 0; i < kBatches * kBatchSize; ++i) {
    names.push_back(absl::StrCat("pkg", i));
  }
  const std::vector<std::string> keys =
      UploadPackages(stack_, "pool", "incoming", names);
  ASSERT_EQ(keys.size(), names.size());
  std::vector<std::vector<std::string>> batches(kBatches);
  for (size_t i = 0; i < keys.size(); ++i) {
    batches[i / kBatchSize].push_back(keys[i]);
  }

  std::vector<Result> adds(kBatches);
  std::vector<Result> creates(kSnapshotters * kSnapshotsEach);
  RunConcurrently(kBatches + kSnapshotters, [&](int i) {
    if (i < kBatches) {
      adds[i] = AddPackagesToRepo(stack_, "target", batches[i], i);
      return;
    }
    const int snapshotter = i - kBatches;
    for (int j = 0; j < kSnapshotsEach; ++j) {
      creates[snapshotter * kSnapshotsEach + j] = CreateSnapshotFromRepo(
          stack_, absl::StrCat("s", snapshotter, "-", j), "target", i + j);
    }
  });
  for (const Result& add : adds) {
    ASSERT_EQ(add.code, absl::StatusCode::kOk) << add.message;
  }
  std::set<int> sizes;
  for (int i = 0; i < kSnapshotters * kSnapshotsEach; ++i) {
    ASSERT_EQ(creates[i].code, absl::StatusCode::kOk) << creates[i].message;
    const std::string name =
        absl::StrCat("s", i / kSnapshotsEach, "-", i % kSnapshotsEach);
    const std::vector<std::string> held = SnapshotKeys(stack_, name, "", i);
    const std::set<std::string> holds(held.begin(), held.end());
    EXPECT_EQ(creates[i].job.result().snapshot().package_count(),
              static_cast<int64_t>(held.size()));
    for (int batch = 0; batch < kBatches; ++batch) {
      int in = 0;
      for (const std::string& key : batches[batch]) in += holds.count(key);
      EXPECT_TRUE(in == 0 || in == kBatchSize)
          << name << " holds " << in << " of batch " << batch;
    }
    sizes.insert(static_cast<int>(held.size()));
  }
  // More than one size means snapshots were taken between the adds, i.e.
  // the race ran (3 when this test was written); recorded, not asserted,
  // as the scheduler decides it.
  RecordProperty("distinct_snapshot_sizes", static_cast<int>(sizes.size()));
}

}  // namespace
}  // namespace debrepo::testing
