#include "worker/after_commit.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::worker {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// FlakyStep fails its after-commit step `failures` times, then succeeds.
class FlakyStep : public JobHandler {
 public:
  explicit FlakyStep(int failures) : failures_(failures) {}

  absl::StatusOr<std::unique_ptr<PreparedJob>> Prepare(
      const v1::JobArgs&, JobContext&) const override {
    return absl::UnimplementedError("not used");
  }
  bool HasAfterCommit(const v1::JobArgs&) const override { return true; }
  absl::Status AfterCommit(const v1::JobArgs&, const v1::JobResult&,
                           JobContext&) const override {
    ++calls_;
    if (calls_ <= failures_) return absl::UnavailableError("disk full");
    return absl::OkStatus();
  }

  int calls() const { return calls_; }

 private:
  const int failures_;
  mutable int calls_ = 0;
};

JobContext::Options TestJob() {
  JobContext::Options options;
  options.job_id = 7;
  options.attempt = 1;
  return options;
}

TEST(RunAfterCommitTest, RetriesWithGrowingBackoffUntilTheStepSucceeds) {
  FlakyStep step(/*failures=*/4);
  JobContext context(TestJob());
  std::vector<absl::Duration> waits;
  absl::Status status =
      RunAfterCommit(step, v1::JobArgs(), v1::JobResult(), context,
                     {absl::Milliseconds(100), absl::Milliseconds(300)},
                     [&](absl::Duration delay) {
                       waits.push_back(delay);
                       return true;
                     });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(step.calls(), 5);
  EXPECT_THAT(waits,
              ElementsAre(absl::Milliseconds(100), absl::Milliseconds(200),
                          absl::Milliseconds(300), absl::Milliseconds(300)));
  ASSERT_EQ(context.log().size(), 5u);
  EXPECT_THAT(context.log()[0], HasSubstr("failed (try 1): UNAVAILABLE"));
  EXPECT_EQ(context.log()[4], "after-commit step done on try 5");
}

TEST(RunAfterCommitTest, GivesUpOnlyWhenTheWorkerStops) {
  FlakyStep step(/*failures=*/100);
  JobContext context(TestJob());
  int waits = 0;
  absl::Status status =
      RunAfterCommit(step, v1::JobArgs(), v1::JobResult(), context, {},
                     [&](absl::Duration) { return ++waits < 3; });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(step.calls(), 3);
}

TEST(RunAfterCommitTest, AStepThatSucceedsAtOnceIsRunOnce) {
  FlakyStep step(/*failures=*/0);
  JobContext context(TestJob());
  absl::Status status = RunAfterCommit(step, v1::JobArgs(), v1::JobResult(),
                                       context, {}, [](absl::Duration) -> bool {
                                         ADD_FAILURE() << "no wait expected";
                                         return true;
                                       });
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(step.calls(), 1);
  EXPECT_THAT(context.log(), ElementsAre("after-commit step done"));
}

}  // namespace
}  // namespace debrepo::worker
