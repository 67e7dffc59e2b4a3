#include "worker/repo/bounded_lists.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::worker {
namespace {

using ::testing::ElementsAre;

TEST(BoundedListsTest, ListAtMostKeepsTheFirstAndCountsAll) {
  const std::vector<std::string> items = {"a", "b", "c"};
  google::protobuf::RepeatedPtrField<std::string> listed;
  EXPECT_EQ(ListAtMost(items, 2, listed), 3);
  EXPECT_THAT(listed, ElementsAre("a", "b"));
  google::protobuf::RepeatedPtrField<std::string> all;
  EXPECT_EQ(ListAtMost(items, 5, all), 3);
  EXPECT_THAT(all, ElementsAre("a", "b", "c"));
}

TEST(BoundedListsTest, JoinAtMostSaysHowManyMore) {
  EXPECT_EQ(JoinAtMost({"a", "b", "c"}, "; ", 2), "a; b; and 1 more");
  EXPECT_EQ(JoinAtMost({"a", "b"}, "; ", 2), "a; b");
  EXPECT_EQ(JoinAtMost({}, "; ", 2), "");
}

}  // namespace
}  // namespace debrepo::worker
