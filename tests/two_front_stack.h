// TwoFrontStackTest: the fixture of the race tests -- two servers and three
// workers against one throw-away PostgreSQL -- so that concurrent clients
// reach different fronts and different workers run the racing jobs.
#ifndef DEBREPO_TESTS_TWO_FRONT_STACK_H_
#define DEBREPO_TESTS_TWO_FRONT_STACK_H_

#include <string>

#include "gtest/gtest.h"
#include "tests/harness.h"
#include "tests/test_database.h"

namespace debrepo::testing {

// TwoFrontStackTest starts two servers and three workers before each test.
class TwoFrontStackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_.StartServer();
    stack_.StartServer();
    for (int i = 0; i < 3; ++i) stack_.StartWorker();
  }

  // Count is the integer `sql` selects.
  int Count(const std::string& sql) { return std::stoi(db_.QueryValue(sql)); }

  TestDatabase db_;
  Stack stack_{db_.url()};
};

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_TWO_FRONT_STACK_H_
