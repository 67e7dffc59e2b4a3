// The job queue's rules (DESIGN.md, "The job protocol"), tested through
// storage/ against a real PostgreSQL without server or worker processes:
// which job a claim may take (conflicts, FIFO per key, kinds), what the
// advisory locks exclude, that a job's outcome is stored once, and what
// recovery decides for a job whose worker's session is gone. The tests state
// rules, not how the claim statement computes them, so that the claim can be
// rewritten under them; the hammer tests check mutual exclusion and FIFO on
// intervals the jobs record themselves, which is what a long phase writing
// files relies on.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jobs/job_spec.h"
#include "pqxx/pqxx"
#include "proto/debrepo/v1/jobs.pb.h"
#include "storage/advisory_lock.h"
#include "storage/database.h"
#include "storage/job_channels.h"
#include "storage/job_maintenance.h"
#include "storage/job_session.h"
#include "storage/job_store.h"
#include "storage/notification_listener.h"
#include "storage/repo_store.h"
#include "storage/transaction.h"
#include "tests/test_database.h"

namespace debrepo::testing {
namespace {

using storage::ClaimedJob;
using storage::JobMaintenance;
using storage::JobOutcome;
using storage::JobSession;
using storage::RecoveryReport;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// How long a test waits for something that must happen (a lock granted, a
// closed session's locks released): far longer than it ever takes, so that
// only a broken rule runs into it.
constexpr absl::Duration kPatience = absl::Seconds(20);

// JobSpecOf builds a job of `kind` holding `exclusive` and `shared` keys
// (both sorted, without duplicates, disjoint).
jobs::JobSpec JobSpecOf(std::vector<std::string> exclusive,
                        std::vector<std::string> shared = {},
                        std::string kind = "a") {
  jobs::JobSpec spec;
  spec.kind = std::move(kind);
  spec.exclusive_keys = std::move(exclusive);
  spec.shared_keys = std::move(shared);
  return spec;
}

// LockOnly describes a job that a session locks for without claiming it:
// the advisory locks tested alone, as if the claim had let two conflicting
// jobs through.
ClaimedJob LockOnly(std::vector<std::string> exclusive,
                    std::vector<std::string> shared = {}) {
  ClaimedJob job;
  job.id = 1'000'000;  // no such job: only its keys matter
  job.kind = "a";
  job.exclusive_keys = std::move(exclusive);
  job.shared_keys = std::move(shared);
  job.attempt = 1;
  return job;
}

// Lock takes `job`'s advisory locks with `session`, as a worker does before
// its transaction, waiting up to kPatience (a lock that is never released
// fails the test instead of hanging it).
absl::Status Lock(JobSession& session, const ClaimedJob& job) {
  const absl::Time deadline = absl::Now() + kPatience;
  absl::StatusOr<storage::ResourcesLocked> locked =
      session.LockResources(job, [deadline] { return absl::Now() > deadline; });
  if (!locked.ok()) return locked.status();
  if (!locked->held) {
    return absl::DeadlineExceededError(
        absl::StrCat("the locks of job ", job.id, " were not granted within ",
                     absl::FormatDuration(kPatience)));
  }
  return absl::OkStatus();
}

// IdOf is the id of a claimed job, nullopt when none was claimed.
std::optional<int64_t> IdOf(const std::optional<ClaimedJob>& job) {
  if (!job.has_value()) return std::nullopt;
  return job->id;
}

// Succeed is a job body that changes nothing.
absl::StatusOr<v1::JobResult> Succeed(storage::Transaction&) {
  return v1::JobResult();
}

// CreateRepoBody is a job body that creates repo `name`: a write that must
// be kept exactly once, whoever commits the job.
JobSession::Body CreateRepoBody(const std::string& name,
                                std::atomic<int>* runs = nullptr) {
  return
      [name, runs](storage::Transaction& tx) -> absl::StatusOr<v1::JobResult> {
        if (runs != nullptr) ++*runs;
        v1::Repo repo;
        repo.set_name(name);
        absl::StatusOr<v1::Repo> created = storage::InsertRepo(tx, repo);
        if (!created.ok()) return created.status();
        v1::JobResult result;
        *result.mutable_repo() = *created;
        return result;
      };
}

class JobQueueTest : public ::testing::Test {
 protected:
  // Submit queues a job and returns its id.
  int64_t Submit(const jobs::JobSpec& spec) {
    absl::StatusOr<v1::Job> job = store_.Submit(spec, "");
    EXPECT_THAT(job, IsOk());
    return job.ok() ? job->id() : 0;
  }

  // OpenSession opens a worker session for `kinds`.
  std::unique_ptr<JobSession> OpenSession(
      const std::vector<std::string>& kinds = {"a"}) {
    absl::StatusOr<std::unique_ptr<JobSession>> session = JobSession::Open(
        db_.url(), absl::StrCat("worker-", sessions_opened_++), kinds);
    EXPECT_THAT(session, IsOk());
    return session.ok() ? *std::move(session) : nullptr;
  }

  // Claim claims with `session`; nullopt when nothing is claimable.
  static std::optional<ClaimedJob> Claim(JobSession& session) {
    absl::StatusOr<std::optional<ClaimedJob>> job = session.Claim();
    EXPECT_THAT(job, IsOk());
    return job.ok() ? *job : std::nullopt;
  }

  // SubmitAndClaim queues a job with `keys` exclusive and claims it with
  // `session` (nothing else is queued); nullopt, failing the test, when
  // the claim takes anything else.
  std::optional<ClaimedJob> SubmitAndClaim(JobSession& session,
                                           std::vector<std::string> keys) {
    const int64_t id = Submit(JobSpecOf(std::move(keys)));
    std::optional<ClaimedJob> job = Claim(session);
    EXPECT_EQ(IdOf(job), id);
    if (IdOf(job) != id) return std::nullopt;
    return job;
  }

  // Complete runs a claimed job to its end as a worker does: locks,
  // transaction, finish.
  static void Complete(JobSession& session, const ClaimedJob& job) {
    EXPECT_THAT(Lock(session, job), IsOk());
    EXPECT_THAT(session.Commit(job, Succeed, storage::RetryPolicy()), IsOk());
    EXPECT_THAT(session.Finish(job.id, {}), IsOk());
  }

  // Get reads a job as the server shows it.
  v1::Job Get(int64_t id) {
    absl::StatusOr<v1::Job> job = store_.Get(id);
    EXPECT_THAT(job, IsOk());
    return job.ok() ? *job : v1::Job();
  }

  // Count runs a count(*) query.
  int Count(const std::string& sql) { return std::stoi(db_.QueryValue(sql)); }

  // RecoverUntilSettled runs recovery until it has settled a job: the
  // server releases a closed session's job lock a moment after the client
  // hangs up, not at once.
  RecoveryReport RecoverUntilSettled(int max_attempts = 3) {
    absl::StatusOr<std::unique_ptr<JobMaintenance>> maintenance =
        JobMaintenance::Open(db_.url());
    EXPECT_THAT(maintenance, IsOk());
    if (!maintenance.ok()) return RecoveryReport();
    const absl::Time deadline = absl::Now() + kPatience;
    while (absl::Now() < deadline) {
      absl::StatusOr<RecoveryReport> report =
          (*maintenance)->RecoverOrphans(max_attempts);
      EXPECT_THAT(report, IsOk());
      if (!report.ok()) break;
      if (report->requeued + report->failed + report->finalized > 0) {
        return *report;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    ADD_FAILURE() << "recovery settled no job within " << kPatience;
    return RecoveryReport();
  }

  TestDatabase db_{TestDatabase::Schema::kMigrated};
  storage::Database pool_{db_.url(), 8};
  storage::JobStore store_{&pool_};
  int sessions_opened_ = 0;
};

// ---------------------------------------------------------------- claims

TEST_F(JobQueueTest, ClaimTakesTheOldestJobAndMarksItRunning) {
  const int64_t first = Submit(JobSpecOf({"k/1"}, {"gc"}));
  Submit(JobSpecOf({"k/2"}, {"gc"}));
  std::unique_ptr<JobSession> session = OpenSession();
  std::optional<ClaimedJob> job = Claim(*session);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->id, first);
  EXPECT_EQ(job->kind, "a");
  EXPECT_THAT(job->exclusive_keys, ElementsAre("k/1"));
  EXPECT_THAT(job->shared_keys, ElementsAre("gc"));
  EXPECT_EQ(job->attempt, 1);
  const v1::Job row = Get(first);
  EXPECT_EQ(row.state(), v1::RUNNING);
  EXPECT_EQ(row.worker(), "worker-0");
  EXPECT_EQ(row.attempts(), 1);
}

TEST_F(JobQueueTest, ExclusiveBlocksExclusiveUntilTheHolderFinishes) {
  const int64_t first = Submit(JobSpecOf({"k"}));
  const int64_t second = Submit(JobSpecOf({"k"}));
  std::unique_ptr<JobSession> a = OpenSession();
  std::unique_ptr<JobSession> b = OpenSession();
  std::optional<ClaimedJob> running = Claim(*a);
  ASSERT_EQ(IdOf(running), first);
  EXPECT_EQ(IdOf(Claim(*b)), std::nullopt);
  // Committed but not finished still holds the key: the job ends when its
  // outcome is on its row and its keys are freed.
  ASSERT_THAT(Lock(*a, *running), IsOk());
  ASSERT_THAT(a->Commit(*running, Succeed, storage::RetryPolicy()), IsOk());
  EXPECT_EQ(IdOf(Claim(*b)), std::nullopt);
  ASSERT_THAT(a->Finish(first, {}), IsOk());
  EXPECT_EQ(Get(first).state(), v1::SUCCEEDED);
  EXPECT_EQ(IdOf(Claim(*b)), second);
}

TEST_F(JobQueueTest, ExclusiveAndSharedBlockEachOther) {
  // A running exclusive holder blocks a shared one...
  const int64_t exclusive = Submit(JobSpecOf({"k"}));
  const int64_t shared = Submit(JobSpecOf({}, {"k"}));
  std::unique_ptr<JobSession> a = OpenSession();
  std::unique_ptr<JobSession> b = OpenSession();
  std::optional<ClaimedJob> running = Claim(*a);
  ASSERT_EQ(IdOf(running), exclusive);
  EXPECT_EQ(IdOf(Claim(*b)), std::nullopt);
  Complete(*a, *running);
  // ...and a running shared holder blocks an exclusive one.
  const int64_t exclusive_again = Submit(JobSpecOf({"k"}));
  running = Claim(*b);
  ASSERT_EQ(IdOf(running), shared);
  EXPECT_EQ(IdOf(Claim(*a)), std::nullopt);
  Complete(*b, *running);
  EXPECT_EQ(IdOf(Claim(*a)), exclusive_again);
}

TEST_F(JobQueueTest, SharedHoldersRunTogether) {
  const int64_t first = Submit(JobSpecOf({}, {"gc", "k"}));
  const int64_t second = Submit(JobSpecOf({"other"}, {"gc", "k"}));
  std::unique_ptr<JobSession> a = OpenSession();
  std::unique_ptr<JobSession> b = OpenSession();
  EXPECT_EQ(IdOf(Claim(*a)), first);
  EXPECT_EQ(IdOf(Claim(*b)), second);
}

TEST_F(JobQueueTest, UnrelatedKeysAndJobsWithoutKeysDoNotBlock) {
  const int64_t holder = Submit(JobSpecOf({"k/1", "k/2"}));
  const int64_t unrelated = Submit(JobSpecOf({"k/3"}, {"k/4"}));
  const int64_t keyless = Submit(JobSpecOf({}));
  const int64_t keyless_too = Submit(JobSpecOf({}));
  std::vector<std::unique_ptr<JobSession>> sessions;
  for (int i = 0; i < 4; ++i) sessions.push_back(OpenSession());
  EXPECT_EQ(IdOf(Claim(*sessions[0])), holder);
  EXPECT_EQ(IdOf(Claim(*sessions[1])), unrelated);
  EXPECT_EQ(IdOf(Claim(*sessions[2])), keyless);
  EXPECT_EQ(IdOf(Claim(*sessions[3])), keyless_too);
}

TEST_F(JobQueueTest, AnOlderQueuedJobBlocksItsKeysFifo) {
  // `blocked` waits for `holder` on k/2; younger jobs on its other key k/1
  // wait behind it even though nothing running holds k/1.
  const int64_t holder = Submit(JobSpecOf({"k/2"}));
  const int64_t blocked = Submit(JobSpecOf({"k/1", "k/2"}));
  const int64_t exclusive_behind = Submit(JobSpecOf({"k/1"}));
  const int64_t unrelated = Submit(JobSpecOf({"k/3"}));
  std::unique_ptr<JobSession> a = OpenSession();
  std::unique_ptr<JobSession> b = OpenSession();
  std::optional<ClaimedJob> running = Claim(*a);
  ASSERT_EQ(IdOf(running), holder);
  EXPECT_EQ(IdOf(Claim(*b)), unrelated);
  EXPECT_EQ(IdOf(Claim(*b)), std::nullopt);
  Complete(*a, *running);
  running = Claim(*a);
  ASSERT_EQ(IdOf(running), blocked);
  EXPECT_EQ(IdOf(Claim(*b)), std::nullopt);
  Complete(*a, *running);
  EXPECT_EQ(IdOf(Claim(*b)), exclusive_behind);
}

TEST_F(JobQueueTest, AClaimFindsAClaimableJobBehindManyBlockedOnes) {
  // A claim looks at the oldest few queued jobs first; a claimable job
  // queued behind more blocked ones than that must still be found, and
  // the blocked ones must stay blocked, then run in order.
  const int64_t holder = Submit(JobSpecOf({"k"}));
  std::vector<int64_t> blocked;
  for (int i = 0; i < 40; ++i) blocked.push_back(Submit(JobSpecOf({"k"})));
  const int64_t unrelated = Submit(JobSpecOf({"other"}));
  std::vector<std::unique_ptr<JobSession>> sessions;
  for (int i = 0; i < 3; ++i) sessions.push_back(OpenSession());
  std::optional<ClaimedJob> running = Claim(*sessions[0]);
  ASSERT_EQ(IdOf(running), holder);
  EXPECT_EQ(IdOf(Claim(*sessions[1])), unrelated);
  EXPECT_EQ(IdOf(Claim(*sessions[2])), std::nullopt);
  Complete(*sessions[0], *running);
  EXPECT_EQ(IdOf(Claim(*sessions[2])), blocked.front());
}

TEST_F(JobQueueTest, AnOlderQueuedSharedJobBlocksOnlyExclusiveOnes) {
  // `blocked` waits for `holder` on k/2 and holds k/1 shared: a younger
  // shared holder of k/1 may pass it, an exclusive one may not.
  const int64_t holder = Submit(JobSpecOf({"k/2"}));
  Submit(JobSpecOf({"k/2"}, {"k/1"}));
  const int64_t shared_behind = Submit(JobSpecOf({}, {"k/1"}));
  Submit(JobSpecOf({"k/1"}));
  std::unique_ptr<JobSession> a = OpenSession();
  std::unique_ptr<JobSession> b = OpenSession();
  ASSERT_EQ(IdOf(Claim(*a)), holder);
  EXPECT_EQ(IdOf(Claim(*b)), shared_behind);
  EXPECT_EQ(IdOf(Claim(*b)), std::nullopt);
}

TEST_F(JobQueueTest, ASessionClaimsOnlyItsKinds) {
  Submit(JobSpecOf({}, {}, "b"));
  Submit(JobSpecOf({"k"}, {}, "b"));
  std::unique_ptr<JobSession> a = OpenSession({"a"});
  EXPECT_EQ(IdOf(Claim(*a)), std::nullopt);
  std::unique_ptr<JobSession> both = OpenSession({"a", "b"});
  std::optional<ClaimedJob> job = Claim(*both);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->kind, "b");
}

TEST_F(JobQueueTest, AnUnclaimableKindBlocksItsKeysOnly) {
  // Nobody here runs kind "b": its job heads k's queue and keeps the "a"
  // jobs on k waiting (FIFO holds across kinds), not the unrelated one.
  const int64_t other_kind = Submit(JobSpecOf({"k"}, {}, "b"));
  Submit(JobSpecOf({"k"}));
  Submit(JobSpecOf({}, {"k"}));
  const int64_t unrelated = Submit(JobSpecOf({"j"}));
  std::unique_ptr<JobSession> a = OpenSession({"a"});
  EXPECT_EQ(IdOf(Claim(*a)), unrelated);
  EXPECT_EQ(IdOf(Claim(*a)), std::nullopt);
  EXPECT_EQ(Get(other_kind).state(), v1::QUEUED);
}

TEST_F(JobQueueTest, CancellingAQueuedJobFreesWhatItBlocked) {
  const int64_t other_kind = Submit(JobSpecOf({"k"}, {}, "b"));
  const int64_t behind = Submit(JobSpecOf({"k"}));
  std::unique_ptr<JobSession> a = OpenSession({"a"});
  EXPECT_EQ(IdOf(Claim(*a)), std::nullopt);
  absl::StatusOr<v1::Job> cancelled = store_.Cancel(other_kind);
  ASSERT_THAT(cancelled, IsOk());
  EXPECT_EQ(cancelled->state(), v1::CANCELLED);
  EXPECT_EQ(IdOf(Claim(*a)), behind);
}

TEST_F(JobQueueTest, RequeueGivesTheJobBackWithoutSpendingAnAttempt) {
  const int64_t first = Submit(JobSpecOf({"k"}));
  Submit(JobSpecOf({"k"}));  // behind it
  std::unique_ptr<JobSession> a = OpenSession();
  std::unique_ptr<JobSession> b = OpenSession();
  std::optional<ClaimedJob> job = Claim(*a);
  ASSERT_EQ(IdOf(job), first);
  ASSERT_THAT(Lock(*a, *job), IsOk());
  ASSERT_THAT(a->Requeue(*job, "stopped"), IsOk());
  const v1::Job row = Get(first);
  EXPECT_EQ(row.state(), v1::QUEUED);
  EXPECT_EQ(row.attempts(), 0);
  // Claimable again, first in line, on its first attempt still; and the
  // requeueing session let go of its locks.
  job = Claim(*b);
  ASSERT_EQ(IdOf(job), first);
  EXPECT_EQ(job->attempt, 1);
  EXPECT_THAT(Lock(*b, *job), IsOk());
  EXPECT_EQ(IdOf(Claim(*a)), std::nullopt);
}

// ----------------------------------------------------------- advisory locks

// BackgroundLock takes a job's advisory locks on a thread of its own, so
// that a test can see whether PostgreSQL makes the request wait.
class BackgroundLock {
 public:
  BackgroundLock(JobSession& session, const ClaimedJob& job,
                 const TestDatabase& db)
      : db_(db), thread_([this, &session, job] {
          absl::Status status = Lock(session, job);
          absl::MutexLock lock(&mu_);
          status_ = status;
        }) {}
  ~BackgroundLock() { thread_.join(); }

  // Waits is true when the request queues behind another session's lock,
  // false when it is granted at once (waits up to kPatience to tell).
  bool Waits() {
    const absl::Time deadline = absl::Now() + kPatience;
    while (absl::Now() < deadline) {
      {
        absl::MutexLock lock(&mu_);
        if (status_.has_value()) return false;
      }
      if (db_.QueryValue(
              "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
              "AND NOT granted AND database = (SELECT oid FROM pg_database "
              "WHERE datname = current_database())") != "0") {
        return true;
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
    ADD_FAILURE() << "the lock request neither waited nor was granted";
    return false;
  }

  // Taken waits (up to kPatience) for the request to end; true once the
  // locks are held.
  bool Taken() {
    absl::MutexLock lock(&mu_);
    auto ended = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return status_.has_value();
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&ended), kPatience)) {
      return false;
    }
    EXPECT_THAT(*status_, IsOk());
    return status_->ok();
  }

 private:
  const TestDatabase& db_;
  absl::Mutex mu_;
  std::optional<absl::Status> status_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

// LockWaits tells whether a session locking `wanted` waits while another
// holds `held`; either way the second gets its locks once the first
// session ends.
bool LockWaits(const ClaimedJob& held, const ClaimedJob& wanted,
               std::unique_ptr<JobSession> holder,
               std::unique_ptr<JobSession> waiter, const TestDatabase& db) {
  EXPECT_THAT(Lock(*holder, held), IsOk());
  BackgroundLock lock(*waiter, wanted, db);
  const bool waits = lock.Waits();
  holder.reset();  // its session's locks end with it
  EXPECT_TRUE(lock.Taken());
  return waits;
}

TEST_F(JobQueueTest, AdvisoryLocksExcludeWhatConflicts) {
  EXPECT_TRUE(LockWaits(LockOnly({"k"}), LockOnly({"k"}), OpenSession(),
                        OpenSession(), db_))
      << "exclusive against exclusive";
  EXPECT_TRUE(LockWaits(LockOnly({"k"}), LockOnly({}, {"k"}), OpenSession(),
                        OpenSession(), db_))
      << "shared against exclusive";
  EXPECT_TRUE(LockWaits(LockOnly({}, {"k"}), LockOnly({"k"}), OpenSession(),
                        OpenSession(), db_))
      << "exclusive against shared";
  EXPECT_TRUE(LockWaits(LockOnly({"j", "k"}, {"gc"}),
                        LockOnly({"k", "l"}, {"gc"}), OpenSession(),
                        OpenSession(), db_))
      << "one of several keys";
}

TEST_F(JobQueueTest, AdvisoryLocksLetNonConflictingHoldersThrough) {
  EXPECT_FALSE(LockWaits(LockOnly({}, {"k"}), LockOnly({}, {"k"}),
                         OpenSession(), OpenSession(), db_))
      << "shared against shared";
  EXPECT_FALSE(LockWaits(LockOnly({"j"}, {"gc"}), LockOnly({"k"}, {"gc"}),
                         OpenSession(), OpenSession(), db_))
      << "unrelated keys";
}

TEST_F(JobQueueTest, FinishReleasesTheLocks) {
  const int64_t id = Submit(JobSpecOf({"k"}));
  std::unique_ptr<JobSession> a = OpenSession();
  std::unique_ptr<JobSession> b = OpenSession();
  std::optional<ClaimedJob> job = Claim(*a);
  ASSERT_EQ(IdOf(job), id);
  ASSERT_THAT(Lock(*a, *job), IsOk());
  BackgroundLock lock(*b, LockOnly({"k"}), db_);
  EXPECT_TRUE(lock.Waits());
  ASSERT_THAT(a->Commit(*job, Succeed, storage::RetryPolicy()), IsOk());
  ASSERT_THAT(a->Finish(id, {}), IsOk());
  EXPECT_TRUE(lock.Taken());
}

// NotificationsUntil returns the payloads `listener` receives until one is
// `last` (included).
std::vector<std::string> NotificationsUntil(
    storage::NotificationListener& listener, const std::string& last) {
  std::vector<std::string> received;
  const absl::Time deadline = absl::Now() + kPatience;
  while (absl::Now() < deadline &&
         (received.empty() || received.back() != last)) {
    absl::StatusOr<std::vector<std::string>> batch =
        listener.Wait(deadline - absl::Now());
    EXPECT_THAT(batch, IsOk());
    if (!batch.ok()) break;
    received.insert(received.end(), batch->begin(), batch->end());
  }
  return received;
}

// A submit wakes the claimers only while a runner waits for work (is
// marked idle); a busy runner claims again when its job ends. A marked
// runner's claim of a job clears its mark. Notifications arrive in commit
// order, so a marker notification sent after a submit tells whether the
// submit notified.
TEST_F(JobQueueTest, ASubmitWakesClaimersOnlyWhileARunnerWaitsForWork) {
  absl::StatusOr<std::unique_ptr<storage::NotificationListener>> listener =
      storage::NotificationListener::Open(db_.url(),
                                          storage::kJobQueuedChannel);
  ASSERT_THAT(listener, IsOk());
  auto mark = [&](const std::string& payload) {
    db_.QueryValue(absl::StrCat("SELECT pg_notify('",
                                storage::kJobQueuedChannel, "', '", payload,
                                "')"));
  };
  std::unique_ptr<JobSession> runner = OpenSession();
  const int64_t unseen = Submit(JobSpecOf({"k/1"}));
  mark("busy");
  EXPECT_THAT(NotificationsUntil(**listener, "busy"), ElementsAre("busy"));

  ASSERT_THAT(runner->MarkIdle(), IsOk());
  Submit(JobSpecOf({"k/2"}));
  mark("idle");
  EXPECT_THAT(NotificationsUntil(**listener, "idle"), ElementsAre("", "idle"));

  EXPECT_EQ(IdOf(Claim(*runner)), unseen);
  Submit(JobSpecOf({"k/3"}));
  mark("busy again");
  EXPECT_THAT(NotificationsUntil(**listener, "busy again"),
              ElementsAre("busy again"));
}

// A finish wakes the claimers only when a job left conflicts with one of
// the finished job's keys: no other job can have waited for it, and its own
// runner claims again by itself.
TEST_F(JobQueueTest, AFinishWakesClaimersOnlyWhenAJobWaitsForItsKeys) {
  // A runner waits for work: claimers are worth waking.
  std::unique_ptr<JobSession> waiting = OpenSession();
  ASSERT_THAT(waiting->MarkIdle(), IsOk());
  const int64_t exclusive = Submit(JobSpecOf({"k"}, {"gc"}));
  const int64_t blocked = Submit(JobSpecOf({"k"}, {"gc"}));
  const int64_t shared = Submit(JobSpecOf({"other"}, {"gc"}));
  absl::StatusOr<std::unique_ptr<storage::NotificationListener>> listener =
      storage::NotificationListener::Open(db_.url(),
                                          storage::kJobQueuedChannel);
  ASSERT_THAT(listener, IsOk());
  std::unique_ptr<JobSession> a = OpenSession();
  // `blocked` waits for `k`: finishing its holder wakes the claimers.
  std::optional<ClaimedJob> first = Claim(*a);
  ASSERT_EQ(IdOf(first), exclusive);
  Complete(*a, *first);
  absl::StatusOr<std::vector<std::string>> woken = (*listener)->Wait(kPatience);
  ASSERT_THAT(woken, IsOk());
  EXPECT_THAT(*woken, ElementsAre(""));
  // Nothing left conflicts with `blocked`'s keys (`gc` is shared by all):
  // its finish wakes nobody.
  std::optional<ClaimedJob> second = Claim(*a);
  ASSERT_EQ(IdOf(second), blocked);
  Complete(*a, *second);
  woken = (*listener)->Wait(absl::Milliseconds(500));
  ASSERT_THAT(woken, IsOk());
  EXPECT_THAT(*woken, IsEmpty());
  // A job queued with `gc` exclusive waits for every holder of `gc`.
  const int64_t collector = Submit(JobSpecOf({"gc"}));
  woken = (*listener)->Wait(kPatience);  // its submit
  ASSERT_THAT(woken, IsOk());
  std::optional<ClaimedJob> third = Claim(*a);
  ASSERT_EQ(IdOf(third), shared);
  Complete(*a, *third);
  woken = (*listener)->Wait(kPatience);
  ASSERT_THAT(woken, IsOk());
  EXPECT_THAT(*woken, ElementsAre(""));
  EXPECT_EQ(IdOf(Claim(*a)), collector);
}

// ---------------------------------------------------------------- submits

// SpecRequiring is a job whose submit requires repo `name` to exist (or,
// with `exists` false, not to).
jobs::JobSpec SpecRequiring(
    std::vector<std::pair<std::string, bool>> repos_required) {
  jobs::JobSpec spec = JobSpecOf({"k"});
  for (auto& [name, exists] : repos_required) {
    spec.requirements.push_back(
        {jobs::Requirement::Resource::kRepo, std::move(name), exists});
  }
  return spec;
}

// A submit whose requirements are unmet queues nothing and answers with the
// first unmet one's error, the one the job would end with; one whose
// requirements are met queues its job. Through one connection, so that a
// refused submit follows an accepted one on the same session (whose last
// job id must not be taken for the refused one's).
TEST_F(JobQueueTest, ASubmitIsRefusedWithItsFirstUnmetRequirementsError) {
  storage::Database one_connection(db_.url(), 1);
  storage::JobStore store(&one_connection);
  db_.QueryValue("INSERT INTO repos (name) VALUES ('taken')");
  absl::StatusOr<v1::Job> queued =
      store.Submit(SpecRequiring({{"taken", true}, {"free", false}}), "");
  ASSERT_THAT(queued, IsOk());
  EXPECT_EQ(Get(queued->id()).state(), v1::QUEUED);

  absl::StatusOr<v1::Job> refused =
      store.Submit(SpecRequiring({{"taken", false}}), "");
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(refused.status().message(),
            storage::RepoAlreadyExists("taken").message());
  refused = store.Submit(
      SpecRequiring({{"taken", true}, {"free", true}, {"taken", false}}), "");
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(refused.status().message(),
            storage::RepoNotFound("free").message());
  EXPECT_EQ(Count("SELECT count(*) FROM jobs"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM job_keys"), 1);
}

// A retry whose first attempt made its requirement unmet (a create that
// succeeded) gets that attempt's job, not the error (issue 8 item 4).
TEST_F(JobQueueTest, ARetryRefusedByItsOwnFirstAttemptGetsThatJob) {
  const jobs::JobSpec create = SpecRequiring({{"landing", false}});
  absl::StatusOr<v1::Job> first = store_.Submit(create, "retried-request");
  ASSERT_THAT(first, IsOk());
  db_.QueryValue("INSERT INTO repos (name) VALUES ('landing')");
  EXPECT_THAT(store_.Submit(create, "retried-request"),
              IsOkAndHolds(::testing::Property(&v1::Job::id, first->id())));
  EXPECT_THAT(store_.Submit(create, "another-request"),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(Count("SELECT count(*) FROM jobs"), 1);
}

// A create of a name taken is refused by the unique index, without a read
// of the name first, with the same error as the read gave.
TEST_F(JobQueueTest, ACreateOfATakenNameFailsAsAlreadyExisting) {
  Submit(JobSpecOf({"repo/x"}));
  Submit(JobSpecOf({"repo/x"}));
  std::unique_ptr<JobSession> a = OpenSession();
  std::optional<ClaimedJob> first = Claim(*a);
  ASSERT_TRUE(first.has_value());
  ASSERT_THAT(a->Commit(*first, CreateRepoBody("x"), {}), IsOk());
  ASSERT_THAT(a->Finish(first->id, {}), IsOk());
  std::optional<ClaimedJob> second = Claim(*a);
  ASSERT_TRUE(second.has_value());
  absl::StatusOr<JobOutcome> outcome =
      a->Commit(*second, CreateRepoBody("x"), {});
  ASSERT_THAT(outcome, IsOk());
  EXPECT_EQ(outcome->state, v1::FAILED);
  EXPECT_EQ(outcome->status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(outcome->status.message(),
            storage::RepoAlreadyExists("x").message());
  EXPECT_EQ(Count("SELECT count(*) FROM repos"), 1);
}

// LockAndCommit waits for a lock held elsewhere, and its transaction's
// snapshot is taken after the lock was granted: it sees what the holder
// committed, at its first try. (Taken before the locks, the snapshot would
// miss the holder's repo, and the insert would fail serializably and retry.)
TEST_F(JobQueueTest, LockAndCommitTakesItsSnapshotAfterItsLocks) {
  std::unique_ptr<JobSession> a = OpenSession();
  std::unique_ptr<JobSession> holder = OpenSession();
  ASSERT_THAT(Lock(*holder, LockOnly({"k"})), IsOk());
  std::optional<ClaimedJob> job = SubmitAndClaim(*a, {"k"});
  ASSERT_TRUE(job.has_value());
  const absl::Time deadline = absl::Now() + kPatience;
  absl::StatusOr<std::optional<JobOutcome>> outcome;
  std::thread runner([&] {
    outcome =
        a->LockAndCommit(*job, CreateRepoBody("x"), storage::RetryPolicy(),
                         false, [deadline] { return absl::Now() > deadline; });
  });
  while (Count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
               "AND NOT granted AND database = (SELECT oid FROM pg_database "
               "WHERE datname = current_database())") == 0 &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_THAT(db_.InTransaction([](storage::Transaction& tx) {
    v1::Repo repo;
    repo.set_name("x");
    return storage::InsertRepo(tx, repo).status();
  }),
              IsOk());
  holder.reset();  // its session's locks go with it
  runner.join();
  ASSERT_THAT(outcome, IsOk());
  ASSERT_TRUE(outcome->has_value());
  EXPECT_EQ((*outcome)->state, v1::FAILED);
  EXPECT_EQ((*outcome)->status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ((*outcome)->serialization_retries, 0);
}

// LockAndCommit gives up waiting for a lock when asked to, and the job is
// then given back as it would be by LockResources.
TEST_F(JobQueueTest, LockAndCommitGivesUpWaitingWhenAsked) {
  std::unique_ptr<JobSession> a = OpenSession();
  std::unique_ptr<JobSession> holder = OpenSession();
  ASSERT_THAT(Lock(*holder, LockOnly({"k"})), IsOk());
  std::optional<ClaimedJob> job = SubmitAndClaim(*a, {"k"});
  ASSERT_TRUE(job.has_value());
  const int64_t id = job->id;
  std::atomic<int> runs = 0;
  absl::StatusOr<std::optional<JobOutcome>> outcome =
      a->LockAndCommit(*job, CreateRepoBody("x", &runs), storage::RetryPolicy(),
                       false, [] { return true; });
  ASSERT_THAT(outcome, IsOk());
  EXPECT_FALSE(outcome->has_value());
  EXPECT_EQ(runs, 0);
  ASSERT_THAT(a->Requeue(*job, "stopping"), IsOk());
  EXPECT_EQ(Get(id).state(), v1::QUEUED);
  EXPECT_EQ(Count("SELECT count(*) FROM repos"), 0);
}

// A job cancelled before LockAndCommit's snapshot ends CANCELLED without
// running its body, saying it never started.
TEST_F(JobQueueTest, LockAndCommitOfACancelledJobEndsCancelledBeforeRunning) {
  std::unique_ptr<JobSession> a = OpenSession();
  std::optional<ClaimedJob> job = SubmitAndClaim(*a, {"k"});
  ASSERT_TRUE(job.has_value());
  const int64_t id = job->id;
  ASSERT_THAT(store_.Cancel(id), IsOk());
  std::atomic<int> runs = 0;
  absl::StatusOr<std::optional<JobOutcome>> outcome = a->LockAndCommit(
      *job, CreateRepoBody("x", &runs), storage::RetryPolicy(), false);
  ASSERT_THAT(outcome, IsOk());
  ASSERT_TRUE(outcome->has_value());
  EXPECT_EQ((*outcome)->state, v1::CANCELLED);
  EXPECT_EQ((*outcome)->status.message(),
            "cancelled before it started running; nothing was changed");
  EXPECT_EQ(runs, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM repos"), 0);
}

// A body whose SQL failed (its transaction block with it) is the job's
// failure, recorded with the body's own error; the outcome's statement
// does not run into the failed block.
TEST_F(JobQueueTest, ABodyWhoseStatementFailedEndsFailedWithItsError) {
  std::unique_ptr<JobSession> a = OpenSession();
  std::optional<ClaimedJob> job = SubmitAndClaim(*a, {"k"});
  ASSERT_TRUE(job.has_value());
  absl::StatusOr<std::optional<JobOutcome>> outcome = a->LockAndCommit(
      *job,
      [](storage::Transaction& tx) -> absl::StatusOr<v1::JobResult> {
        try {
          tx.pqxx().exec("SELECT 1 / 0");
        } catch (const pqxx::sql_error& e) {
          return absl::InvalidArgumentError(e.what());
        }
        return v1::JobResult();
      },
      storage::RetryPolicy(), false);
  ASSERT_THAT(outcome, IsOk());
  ASSERT_TRUE(outcome->has_value());
  EXPECT_EQ((*outcome)->state, v1::FAILED);
  EXPECT_EQ((*outcome)->status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string((*outcome)->status.message()),
              ::testing::HasSubstr("division by zero"));
}

// ------------------------------------------------------- outcome, once

TEST_F(JobQueueTest, TwoCommitsOfOneJobKeepTheFirst) {
  Submit(JobSpecOf({"k"}));
  std::unique_ptr<JobSession> a = OpenSession();
  std::unique_ptr<JobSession> b = OpenSession();
  std::optional<ClaimedJob> job = Claim(*a);
  ASSERT_TRUE(job.has_value());
  absl::StatusOr<JobOutcome> first =
      a->Commit(*job, CreateRepoBody("first"), storage::RetryPolicy());
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->state, v1::SUCCEEDED);
  // A second commit of the same attempt (a session that did not see the
  // first) runs its body, but its writes are rolled back and it is told
  // the first outcome.
  absl::StatusOr<JobOutcome> second =
      b->Commit(*job, CreateRepoBody("second"), storage::RetryPolicy());
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->state, v1::SUCCEEDED);
  EXPECT_EQ(second->result.repo().name(), "first");
  EXPECT_EQ(Count("SELECT count(*) FROM job_outcomes"), 1);
  EXPECT_EQ(db_.QueryValue("SELECT string_agg(name, ',') FROM repos"), "first");
}

TEST_F(JobQueueTest, ConcurrentCommitsOfOneJobStoreOneOutcome) {
  Submit(JobSpecOf({"k"}));
  std::unique_ptr<JobSession> a = OpenSession();
  std::unique_ptr<JobSession> b = OpenSession();
  std::optional<ClaimedJob> job = Claim(*a);
  ASSERT_TRUE(job.has_value());
  absl::StatusOr<JobOutcome> outcome_a, outcome_b;
  {
    std::thread thread_a(
        [&] { outcome_a = a->Commit(*job, CreateRepoBody("a"), {}); });
    std::thread thread_b(
        [&] { outcome_b = b->Commit(*job, CreateRepoBody("b"), {}); });
    thread_a.join();
    thread_b.join();
  }
  ASSERT_THAT(outcome_a, IsOk());
  ASSERT_THAT(outcome_b, IsOk());
  EXPECT_EQ(outcome_a->state, v1::SUCCEEDED);
  EXPECT_EQ(outcome_a->result.repo().name(), outcome_b->result.repo().name());
  EXPECT_EQ(Count("SELECT count(*) FROM job_outcomes"), 1);
  EXPECT_EQ(db_.QueryValue("SELECT string_agg(name, ',') FROM repos"),
            outcome_a->result.repo().name());
}

TEST_F(JobQueueTest, ACommitAfterAFailureReturnsTheFailure) {
  Submit(JobSpecOf({"k"}));
  std::unique_ptr<JobSession> a = OpenSession();
  std::optional<ClaimedJob> job = Claim(*a);
  ASSERT_TRUE(job.has_value());
  ASSERT_THAT(a->Fail(*job, absl::NotFoundError("gone")), IsOk());
  absl::StatusOr<JobOutcome> outcome =
      a->Commit(*job, CreateRepoBody("late"), storage::RetryPolicy());
  ASSERT_THAT(outcome, IsOk());
  EXPECT_EQ(outcome->state, v1::FAILED);
  EXPECT_EQ(outcome->status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Count("SELECT count(*) FROM repos"), 0);
}

// Upstream bytes in a failure (a mirror's Latin-1 Suite, a NUL) are
// stored escaped: PostgreSQL's text refuses them, and the failure would
// otherwise be lost and the job rerun.
TEST_F(JobQueueTest, FailuresQuotingUnstorableBytesAreRecorded) {
  const std::string message(
      "Suite \"st\xe9"
      "ble\" \0end",
      19);
  Submit(JobSpecOf({"k"}));
  std::unique_ptr<JobSession> a = OpenSession();
  std::optional<ClaimedJob> failed = Claim(*a);
  ASSERT_TRUE(failed.has_value());
  absl::StatusOr<JobOutcome> outcome =
      a->Fail(*failed, absl::FailedPreconditionError(message));
  ASSERT_THAT(outcome, IsOk());
  EXPECT_EQ(outcome->state, v1::FAILED);
  EXPECT_EQ(outcome->status.message(), "Suite \"st\\xe9ble\" \\x00end");

  Submit(JobSpecOf({"l"}));
  std::optional<ClaimedJob> committed = Claim(*a);
  ASSERT_TRUE(committed.has_value());
  outcome =
      a->Commit(*committed,
                [&](storage::Transaction&) -> absl::StatusOr<v1::JobResult> {
                  return absl::FailedPreconditionError(message);
                },
                {});
  ASSERT_THAT(outcome, IsOk());
  EXPECT_EQ(outcome->state, v1::FAILED);
  EXPECT_EQ(outcome->status.message(), "Suite \"st\\xe9ble\" \\x00end");
}

TEST_F(JobQueueTest, ALaterAttemptReturnsTheOutcomeWithoutRunningTheBody) {
  Submit(JobSpecOf({"k"}));
  std::unique_ptr<JobSession> a = OpenSession();
  std::unique_ptr<JobSession> b = OpenSession();
  std::optional<ClaimedJob> job = Claim(*a);
  ASSERT_TRUE(job.has_value());
  ASSERT_THAT(a->Commit(*job, CreateRepoBody("first"), {}), IsOk());
  ClaimedJob retry = *job;
  retry.attempt = 2;
  std::atomic<int> runs{0};
  absl::StatusOr<JobOutcome> outcome =
      b->Commit(retry, CreateRepoBody("again", &runs), {});
  ASSERT_THAT(outcome, IsOk());
  EXPECT_EQ(runs.load(), 0);
  EXPECT_EQ(outcome->state, v1::SUCCEEDED);
  EXPECT_EQ(outcome->result.repo().name(), "first");
}

// -------------------------------------------------------------- recovery

TEST_F(JobQueueTest, RecoveryRequeuesTheJobOfAClosedSessionAndCountsIt) {
  const int64_t id = Submit(JobSpecOf({"k"}));
  std::unique_ptr<JobSession> dead = OpenSession();
  std::optional<ClaimedJob> job = Claim(*dead);
  ASSERT_EQ(IdOf(job), id);
  ASSERT_THAT(Lock(*dead, *job), IsOk());
  dead.reset();
  const RecoveryReport report = RecoverUntilSettled();
  EXPECT_EQ(report.requeued, 1);
  const v1::Job row = Get(id);
  EXPECT_EQ(row.state(), v1::QUEUED);
  EXPECT_EQ(row.attempts(), 1);
  std::unique_ptr<JobSession> next = OpenSession();
  job = Claim(*next);
  ASSERT_EQ(IdOf(job), id);
  EXPECT_EQ(job->attempt, 2);
}

TEST_F(JobQueueTest, RecoveryFinalizesACommittedJobWithoutRunningItAgain) {
  const int64_t id = Submit(JobSpecOf({"k"}));
  const int64_t behind = Submit(JobSpecOf({"k"}));
  std::unique_ptr<JobSession> dead = OpenSession();
  std::optional<ClaimedJob> job = Claim(*dead);
  ASSERT_EQ(IdOf(job), id);
  ASSERT_THAT(dead->Commit(*job, CreateRepoBody("done"), {}), IsOk());
  dead.reset();  // before Finish
  const RecoveryReport report = RecoverUntilSettled();
  EXPECT_EQ(report.finalized, 1);
  EXPECT_EQ(report.requeued, 0);
  const v1::Job row = Get(id);
  EXPECT_EQ(row.state(), v1::SUCCEEDED);
  EXPECT_EQ(row.attempts(), 1);
  EXPECT_EQ(row.result().repo().name(), "done");
  // Its keys are free, and it is not claimable again.
  std::unique_ptr<JobSession> next = OpenSession();
  EXPECT_EQ(IdOf(Claim(*next)), behind);
  EXPECT_EQ(IdOf(Claim(*next)), std::nullopt);
}

TEST_F(JobQueueTest, RecoveryRequeuesACommittedJobOwingItsAfterCommitStep) {
  const int64_t id = Submit(JobSpecOf({"k"}));
  std::unique_ptr<JobSession> dead = OpenSession();
  std::optional<ClaimedJob> job = Claim(*dead);
  ASSERT_EQ(IdOf(job), id);
  ASSERT_THAT(dead->Commit(*job, CreateRepoBody("done"), {},
                           /*after_commit=*/true),
              IsOk());
  dead.reset();  // before its after-commit step
  // However many attempts it had: the commit stands.
  const RecoveryReport report = RecoverUntilSettled(/*max_attempts=*/1);
  EXPECT_EQ(report.requeued, 1);
  EXPECT_EQ(Get(id).state(), v1::QUEUED);
  // Neither a cancel nor another recovery pass ends it before the step ran.
  ASSERT_TRUE(store_.Cancel(id).ok());
  EXPECT_EQ(Get(id).state(), v1::QUEUED);

  std::unique_ptr<JobSession> next = OpenSession();
  job = Claim(*next);
  ASSERT_EQ(IdOf(job), id);
  absl::StatusOr<std::optional<JobOutcome>> committed =
      next->CommittedOutcome(*job);
  ASSERT_THAT(committed, IsOk());
  ASSERT_TRUE(committed->has_value());
  EXPECT_TRUE((*committed)->after_commit);
  EXPECT_EQ((*committed)->attempt, 1);
  ASSERT_THAT(next->Finish(id, {}), IsOk());
  EXPECT_EQ(Get(id).state(), v1::SUCCEEDED);
}

TEST_F(JobQueueTest, PruningDropsCancellationRequestsThatOutlivedTheirJob) {
  const int64_t id = Submit(JobSpecOf({"k"}));
  std::unique_ptr<JobSession> session = OpenSession();
  std::optional<ClaimedJob> job = Claim(*session);
  ASSERT_EQ(IdOf(job), id);
  Complete(*session, *job);
  // A cancel that raced the finish and lost leaves its request behind.
  db_.QueryValue(
      absl::StrCat("INSERT INTO job_cancellations (job_id) VALUES (", id, ")"));
  const int64_t queued = Submit(JobSpecOf({"other"}));
  ASSERT_TRUE(store_.Cancel(queued).ok());  // ends at once: nothing left
  absl::StatusOr<std::unique_ptr<JobMaintenance>> maintenance =
      JobMaintenance::Open(db_.url());
  ASSERT_THAT(maintenance, IsOk());
  ASSERT_THAT((*maintenance)->PruneFinished(absl::Hours(1)), IsOk());
  EXPECT_EQ(Count("SELECT count(*) FROM job_cancellations"), 0);
}

TEST_F(JobQueueTest, RecoveryFailsAJobOutOfAttempts) {
  const int64_t id = Submit(JobSpecOf({"k"}));
  for (int attempt = 1; attempt <= 2; ++attempt) {
    std::unique_ptr<JobSession> dead = OpenSession();
    std::optional<ClaimedJob> job = Claim(*dead);
    ASSERT_EQ(IdOf(job), id);
    ASSERT_EQ(job->attempt, attempt);
    dead.reset();
    const RecoveryReport report = RecoverUntilSettled(/*max_attempts=*/2);
    EXPECT_EQ(report.requeued, attempt == 1 ? 1 : 0);
    EXPECT_EQ(report.failed, attempt == 2 ? 1 : 0);
  }
  const v1::Job row = Get(id);
  EXPECT_EQ(row.state(), v1::FAILED);
  EXPECT_EQ(row.status_code(), static_cast<int>(absl::StatusCode::kAborted));
  EXPECT_EQ(row.attempts(), 2);
}

TEST_F(JobQueueTest, RecoveryCancelsAJobWhoseCancellationWasRequested) {
  const int64_t id = Submit(JobSpecOf({"k"}));
  std::unique_ptr<JobSession> dead = OpenSession();
  ASSERT_EQ(IdOf(Claim(*dead)), id);
  absl::StatusOr<v1::Job> flagged = store_.Cancel(id);
  ASSERT_THAT(flagged, IsOk());
  EXPECT_EQ(flagged->state(), v1::RUNNING);
  EXPECT_TRUE(flagged->cancel_requested());
  dead.reset();
  const RecoveryReport report = RecoverUntilSettled();
  EXPECT_EQ(report.failed, 1);
  EXPECT_EQ(Get(id).state(), v1::CANCELLED);
}

TEST_F(JobQueueTest, RecoveryLeavesTheJobOfALiveSessionAlone) {
  const int64_t alive_id = Submit(JobSpecOf({"k/1"}));
  const int64_t dead_id = Submit(JobSpecOf({"k/2"}));
  std::unique_ptr<JobSession> alive = OpenSession();
  std::unique_ptr<JobSession> dead = OpenSession();
  ASSERT_EQ(IdOf(Claim(*alive)), alive_id);
  ASSERT_EQ(IdOf(Claim(*dead)), dead_id);
  dead.reset();
  // Once recovery has seen the dead session's job, it has seen the live
  // one too.
  const RecoveryReport report = RecoverUntilSettled();
  EXPECT_EQ(report.requeued, 1);
  EXPECT_EQ(report.failed + report.finalized, 0);
  EXPECT_EQ(Get(dead_id).state(), v1::QUEUED);
  const v1::Job row = Get(alive_id);
  EXPECT_EQ(row.state(), v1::RUNNING);
  EXPECT_EQ(row.worker(), "worker-0");
}

// ----------------------------------------------------------------- hammer

// EventClock orders the events of a hammer test: every tick is unique, and
// a tick taken after another (in happens-before order) is larger.
class EventClock {
 public:
  int64_t Tick() { return next_.fetch_add(1); }

 private:
  std::atomic<int64_t> next_{0};
};

// Submission is a job as its submitter saw it: its keys, and the ticks
// just before and just after Submit.
struct Submission {
  jobs::JobSpec spec;
  int64_t id = 0;
  int64_t begin = 0;
  int64_t end = 0;
};

// JobRun is one execution of a job as its worker saw it: from holding its
// locks to its commit, the whole span a long phase would write files in.
struct JobRun {
  int64_t id = 0;
  int64_t start = 0;
  int64_t end = 0;
};

// Workload is what a hammer test runs.
struct Workload {
  int submitters = 3;
  int jobs_per_submitter = 100;
  int workers = 4;
  // The long phase of every job, under its locks.
  absl::Duration long_phase = absl::Milliseconds(4);
  // Makes a submitter's `n`th job, from its random numbers.
  std::function<jobs::JobSpec(int n, std::mt19937& random)> make_spec;
};

// ConflictingKeys are the keys `a` and `b` both hold, at least one of them
// exclusively.
std::vector<std::string> ConflictingKeys(const jobs::JobSpec& a,
                                         const jobs::JobSpec& b) {
  std::map<std::string, bool> a_keys;  // key -> exclusive
  for (const std::string& key : a.exclusive_keys) a_keys[key] = true;
  for (const std::string& key : a.shared_keys) a_keys[key] = false;
  std::vector<std::string> conflicts;
  for (const std::string& key : b.exclusive_keys) {
    if (a_keys.count(key)) conflicts.push_back(key);
  }
  for (const std::string& key : b.shared_keys) {
    if (a_keys.count(key) && a_keys[key]) conflicts.push_back(key);
  }
  return conflicts;
}

// HoldsShared is true when `spec` holds `key` shared.
bool HoldsShared(const jobs::JobSpec& spec, const std::string& key) {
  return std::count(spec.shared_keys.begin(), spec.shared_keys.end(), key) > 0;
}

class JobQueueHammerTest : public JobQueueTest {
 protected:
  // RunHammer submits the workload from its submitter threads while its
  // worker threads (a session each) claim, lock, record their run around a
  // long phase and a commit, and finish; then checks the recorded runs.
  void RunHammer(const Workload& workload) {
    const int total = workload.submitters * workload.jobs_per_submitter;
    EventClock clock;
    absl::Mutex mu;
    std::vector<Submission> submissions;
    std::vector<JobRun> runs;
    std::vector<std::string> errors;
    std::atomic<int> finished{0};
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    std::vector<std::unique_ptr<JobSession>> sessions;
    for (int i = 0; i < workload.workers; ++i) {
      sessions.push_back(OpenSession());
      ASSERT_NE(sessions.back(), nullptr);
    }

    std::vector<std::thread> threads;
    for (int s = 0; s < workload.submitters; ++s) {
      threads.emplace_back([&, s] {
        std::mt19937 random(s);
        for (int n = 0; n < workload.jobs_per_submitter; ++n) {
          Submission submission;
          submission.spec = workload.make_spec(n, random);
          submission.begin = clock.Tick();
          absl::StatusOr<v1::Job> job = store_.Submit(submission.spec, "");
          submission.end = clock.Tick();
          absl::MutexLock lock(&mu);
          if (!job.ok()) {
            errors.push_back(job.status().ToString());
            return;
          }
          submission.id = job->id();
          submissions.push_back(std::move(submission));
        }
      });
    }
    for (std::unique_ptr<JobSession>& session : sessions) {
      threads.emplace_back([&, worker = session.get()] {
        auto fail = [&](const absl::Status& status) {
          absl::MutexLock lock(&mu);
          errors.push_back(status.ToString());
        };
        while (finished.load() < total && absl::Now() < deadline) {
          absl::StatusOr<std::optional<ClaimedJob>> job = worker->Claim();
          if (!job.ok()) return fail(job.status());
          if (!job->has_value()) {
            absl::SleepFor(absl::Milliseconds(2));
            continue;
          }
          const ClaimedJob& claimed = **job;
          if (absl::Status locked = Lock(*worker, claimed); !locked.ok()) {
            return fail(locked);
          }
          JobRun run;
          run.id = claimed.id;
          run.start = clock.Tick();
          absl::SleepFor(workload.long_phase);
          absl::StatusOr<JobOutcome> outcome =
              worker->Commit(claimed, Succeed, storage::RetryPolicy());
          run.end = clock.Tick();
          if (!outcome.ok()) return fail(outcome.status());
          if (absl::Status done = worker->Finish(claimed.id, {}); !done.ok()) {
            return fail(done);
          }
          {
            absl::MutexLock lock(&mu);
            runs.push_back(run);
          }
          ++finished;
        }
      });
    }
    for (std::thread& thread : threads) thread.join();

    absl::MutexLock lock(&mu);
    ASSERT_THAT(errors, IsEmpty());
    ASSERT_EQ(submissions.size(), static_cast<size_t>(total));
    CheckRuns(submissions, runs);
    EXPECT_EQ(Count("SELECT count(*) FROM jobs WHERE state = 'succeeded'"),
              total);
    EXPECT_EQ(Count("SELECT count(*) FROM job_outcomes"), total);
  }

  // CheckRuns checks (d) that every job ran exactly once, (a) that no two
  // conflicting jobs' runs overlap, (b) that conflicting jobs ran in the
  // order they were submitted (where one's Submit returned before the
  // other's began: concurrent submissions have no order), and (c) that
  // some shared holders of a key ran at the same time.
  void CheckRuns(const std::vector<Submission>& submissions,
                 const std::vector<JobRun>& runs) {
    std::map<int64_t, std::vector<JobRun>> runs_by_id;
    for (const JobRun& run : runs) runs_by_id[run.id].push_back(run);
    std::vector<std::pair<const Submission*, JobRun>> ran;
    for (const Submission& submission : submissions) {
      const auto found = runs_by_id.find(submission.id);
      if (found == runs_by_id.end() || found->second.size() != 1) {
        ADD_FAILURE() << "job " << submission.id << " ran "
                      << (found == runs_by_id.end() ? 0 : found->second.size())
                      << " times";
        continue;
      }
      ran.emplace_back(&submission, found->second[0]);
    }
    EXPECT_EQ(runs.size(), submissions.size());

    std::vector<std::string> overlaps, out_of_order;
    int shared_overlaps = 0;
    for (size_t i = 0; i < ran.size(); ++i) {
      for (size_t j = i + 1; j < ran.size(); ++j) {
        auto [first, first_run] = ran[i];
        auto [second, second_run] = ran[j];
        if (second->end < first->begin) {
          std::swap(first, second);
          std::swap(first_run, second_run);
        }
        const bool overlap = first_run.start < second_run.end &&
                             second_run.start < first_run.end;
        const std::vector<std::string> conflicts =
            ConflictingKeys(first->spec, second->spec);
        if (conflicts.empty()) {
          if (!overlap) continue;
          for (const std::string& key : first->spec.shared_keys) {
            if (HoldsShared(second->spec, key)) {
              ++shared_overlaps;
              break;
            }
          }
          continue;
        }
        const std::string pair =
            absl::StrCat("jobs ", first->id, " and ", second->id, " (on ",
                         absl::StrJoin(conflicts, ", "), ")");
        if (overlap) overlaps.push_back(pair);
        if (first->end < second->begin && second_run.start < first_run.start) {
          out_of_order.push_back(pair);
        }
      }
    }
    auto some = [](const std::vector<std::string>& pairs) {
      return absl::StrJoin(pairs.begin(),
                           pairs.begin() + std::min<size_t>(pairs.size(), 5),
                           "; ");
    };
    EXPECT_THAT(overlaps, IsEmpty())
        << overlaps.size() << " pairs of conflicting jobs ran at once, e.g. "
        << some(overlaps);
    EXPECT_THAT(out_of_order, IsEmpty())
        << out_of_order.size()
        << " pairs of conflicting jobs started out of submission order, "
           "e.g. "
        << some(out_of_order);
    EXPECT_GT(shared_overlaps, 0)
        << "no two shared holders of a key ever ran at once";
  }
};

// A few resource keys, each job holding one or two exclusively or shared,
// every job holding "gc" shared and a few of them exclusively (garbage
// collection): multi-key jobs wait for one key while queued on another,
// which is where FIFO per key is easiest to lose.
TEST_F(JobQueueHammerTest, MixedKeysKeepMutualExclusionAndFifo) {
  Workload workload;
  workload.make_spec = [](int, std::mt19937& random) {
    std::set<std::string> exclusive, shared;
    if (random() % 40 == 0) {
      exclusive.insert(std::string(jobs::kGcKey));
    } else {
      shared.insert(std::string(jobs::kGcKey));
      const int keys = random() % 3;  // 0, 1 or 2 resource keys
      for (int k = 0; k < keys; ++k) {
        const std::string key = absl::StrCat("repo/r", random() % 4);
        if (random() % 2 == 0) {
          exclusive.insert(key);
        } else if (!exclusive.count(key)) {
          shared.insert(key);
        }
      }
    }
    for (const std::string& key : exclusive) shared.erase(key);
    return JobSpecOf({exclusive.begin(), exclusive.end()},
                     {shared.begin(), shared.end()});
  };
  RunHammer(workload);
}

// One hot key, held exclusively by one job in three and shared by the
// rest: runs of shared holders between exclusive ones.
TEST_F(JobQueueHammerTest, OneHotKeyAlternatesSharedRunsAndExclusiveJobs) {
  Workload workload;
  workload.jobs_per_submitter = 60;
  workload.make_spec = [](int, std::mt19937& random) {
    if (random() % 3 == 0) return JobSpecOf({"repo/hot"}, {"gc"});
    return JobSpecOf({}, {"gc", "repo/hot"});
  };
  RunHammer(workload);
}

// Three jobs in a chain, A <- AB <- B, where A's lock comes first in the
// locks' order: while the first runs, the second must not start (A) and
// neither may the third (B is promised to the second, which is older),
// although nothing running holds B and the second would take its locks
// A-first, without B. Long phases, so that every worker has long claimed
// what it may claim before the first ends.
TEST_F(JobQueueHammerTest, AJobWaitingForOneKeyKeepsItsPlaceOnTheOthers) {
  std::vector<std::string> keys = {"repo/a", "repo/b"};
  std::sort(keys.begin(), keys.end(),
            [](const std::string& left, const std::string& right) {
              return storage::AdvisoryLockKey(left) <
                     storage::AdvisoryLockKey(right);
            });
  const std::string gc(jobs::kGcKey);
  // The last job runs beside the first.
  const std::vector<jobs::JobSpec> chain = {
      JobSpecOf({keys[0]}, {gc}),
      JobSpecOf({keys[0], keys[1]}, {gc}),
      JobSpecOf({keys[1]}, {gc}),
      JobSpecOf({}, {gc}),
  };
  Workload workload;
  workload.submitters = 1;
  workload.jobs_per_submitter = chain.size();
  workload.workers = 3;
  workload.long_phase = absl::Milliseconds(300);
  workload.make_spec = [&chain](int n, std::mt19937&) { return chain[n]; };
  RunHammer(workload);
}

}  // namespace
}  // namespace debrepo::testing
