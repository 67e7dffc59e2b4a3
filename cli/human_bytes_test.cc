#include "cli/human_bytes.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace debrepo::cli {
namespace {

TEST(HumanBytesTest, UsesAptlysUnits) {
  EXPECT_EQ(HumanBytes(0), "0 B");
  EXPECT_EQ(HumanBytes(512), "512 B");
  EXPECT_EQ(HumanBytes(513), "0.50 KiB");
  EXPECT_EQ(HumanBytes(1536), "1.50 KiB");
  EXPECT_EQ(HumanBytes(700000), "0.67 MiB");
  EXPECT_EQ(HumanBytes(int64_t{3} << 30), "3.00 GiB");
  EXPECT_EQ(HumanBytes(int64_t{1} << 40), "1.00 TiB");
}

}  // namespace
}  // namespace debrepo::cli
