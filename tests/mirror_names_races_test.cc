// Mirror races that need no sync, with two servers and three workers (two
// runners each) against one PostgreSQL and many concurrent clients, each
// asserting its invariant afterwards: one name, one mirror (creates and
// renames); concurrent edits of one mirror all land; a drop racing
// snapshots of the mirror never leaves a snapshot naming a mirror that is
// gone. The races with syncs are in mirror_sync_races_test.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"
#include "tests/mirror_calls.h"
#include "tests/snapshot_calls.h"
#include "tests/two_front_stack.h"

namespace debrepo::testing {
namespace {

constexpr int kClients = 16;

v1::Mirror Unsigned(const std::string& name) {
  v1::Mirror mirror;
  mirror.set_name(name);
  mirror.set_archive_url("http://127.0.0.1:9/debian");
  mirror.set_distribution("bookworm");
  mirror.set_ignore_signatures(true);
  return mirror;
}

class MirrorNamesRacesTest : public TwoFrontStackTest {};

TEST_F(MirrorNamesRacesTest, CreatesAndRenamesOntoOneNameMakeExactlyOne) {
  for (int i = 0; i < kClients / 2; ++i) {
    ASSERT_EQ(CreateMirror(stack_, Unsigned(absl::StrCat("old", i))).code,
              absl::StatusCode::kOk);
  }
  std::vector<Result> results(kClients);
  RunConcurrently(kClients, [&](int i) {
    // Half create "hot", half rename a mirror of their own to it.
    if (i % 2 == 0) {
      results[i] = CreateMirror(stack_, Unsigned("hot"), i);
    } else {
      v1::Mirror renamed;
      renamed.set_name("hot");
      results[i] = UpdateMirror(stack_, absl::StrCat("old", i / 2), renamed,
                                {"name"}, i);
    }
  });
  int winner = -1;
  for (int i = 0; i < kClients; ++i) {
    if (results[i].code == absl::StatusCode::kOk) {
      EXPECT_EQ(winner, -1) << "two winners: " << winner << " and " << i;
      winner = i;
    } else {
      EXPECT_EQ(results[i].code, absl::StatusCode::kAlreadyExists)
          << results[i].message;
    }
  }
  ASSERT_NE(winner, -1);
  EXPECT_EQ(Count("SELECT count(*) FROM mirrors WHERE name = 'hot'"), 1);
  // A create that won added a mirror; a rename that won took its old name
  // with it, and those that lost kept theirs.
  EXPECT_EQ(Count("SELECT count(*) FROM mirrors"),
            kClients / 2 + (winner % 2 == 0 ? 1 : 0));
}

TEST_F(MirrorNamesRacesTest, ConcurrentEditsOfOneMirrorAllLand) {
  ASSERT_EQ(CreateMirror(stack_, Unsigned("edited")).code,
            absl::StatusCode::kOk);
  // Each client changes a field of its own, through either server.
  std::vector<Result> results(4);
  RunConcurrently(4, [&](int i) {
    v1::Mirror edit;
    std::string field;
    switch (i) {
      case 0:
        edit.set_filter("Name (hello)");
        field = "filter";
        break;
      case 1:
        edit.set_download_limit(4096);
        field = "download_limit";
        break;
      case 2:
        edit.add_architectures("arm64");
        field = "architectures";
        break;
      default:
        edit.set_with_sources(true);
        field = "with_sources";
    }
    results[i] = UpdateMirror(stack_, "edited", edit, {field}, i);
  });
  for (const Result& result : results) {
    EXPECT_EQ(result.code, absl::StatusCode::kOk) << result.message;
  }
  const v1::Mirror got = GetMirror(stack_, "edited");
  EXPECT_EQ(got.filter(), "Name (hello)");
  EXPECT_EQ(got.download_limit(), 4096);
  EXPECT_THAT(got.architectures(), ::testing::ElementsAre("arm64"));
  EXPECT_TRUE(got.with_sources());
}

TEST_F(MirrorNamesRacesTest,
       DropRacingSnapshotsNeverLeavesOneNamingAGoneMirror) {
  ASSERT_EQ(CreateRepo(stack_, "scratch").code, absl::StatusCode::kOk);
  const std::vector<std::string> keys =
      UploadPackages(stack_, "scratch", "incoming", {"one", "two"});
  ASSERT_EQ(keys.size(), 2u);
  for (int round = 0; round < 4; ++round) {
    const std::string mirror = absl::StrCat("m", round);
    ASSERT_EQ(CreateMirror(stack_, Unsigned(mirror)).code,
              absl::StatusCode::kOk);
    RecordMirrorPackages(db_, mirror, keys);
    // Odd rounds drop with force: then both may succeed, and the
    // snapshots say their source was dropped.
    const bool force = round % 2 == 1;
    std::vector<Result> results(kClients);
    RunConcurrently(kClients, [&](int i) {
      results[i] = i == kClients / 2
                       ? DeleteMirror(stack_, mirror, force, i)
                       : CreateSnapshotFromMirror(
                             stack_, absl::StrCat(mirror, "-s", i), mirror, i);
    });
    const Result& drop = results[kClients / 2];
    int snapshots = 0;
    for (int i = 0; i < kClients; ++i) {
      if (i == kClients / 2) continue;
      if (results[i].code == absl::StatusCode::kOk) {
        ++snapshots;
      } else {
        // After the drop: the mirror is gone.
        EXPECT_EQ(results[i].code, absl::StatusCode::kNotFound)
            << results[i].message;
      }
    }
    if (force) {
      EXPECT_EQ(drop.code, absl::StatusCode::kOk) << drop.message;
    } else if (drop.code == absl::StatusCode::kOk) {
      // Dropped before any snapshot was made: none was.
      EXPECT_EQ(snapshots, 0) << "round " << round;
    } else {
      EXPECT_EQ(drop.code, absl::StatusCode::kFailedPrecondition)
          << drop.message;
      EXPECT_GT(snapshots, 0);
    }
    // Every snapshot made holds the mirror's packages and names it, as
    // alive or, after a forced drop, as dropped.
    EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM snapshots WHERE name "
                                 "LIKE '",
                                 mirror, "-s%' AND package_count = 2")),
              snapshots);
    const int mirror_gone = Count(absl::StrCat(
        "SELECT count(*) FROM (SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM "
        "mirrors WHERE name = '",
        mirror, "')) x"));
    EXPECT_EQ(mirror_gone, drop.code == absl::StatusCode::kOk ? 1 : 0);
    EXPECT_EQ(Count(absl::StrCat(
                  "SELECT count(*) FROM snapshot_sources WHERE kind = 'mirror' "
                  "AND name = '",
                  mirror, "' AND dropped = ", mirror_gone ? "true" : "false")),
              snapshots);
  }
}

}  // namespace
}  // namespace debrepo::testing
