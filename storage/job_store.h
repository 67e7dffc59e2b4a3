// JobStore: submitting, reading and cancelling jobs (the server's side of
// the job protocol, DESIGN.md step 1).
#ifndef DEBREPO_STORAGE_JOB_STORE_H_
#define DEBREPO_STORAGE_JOB_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "jobs/job_spec.h"
#include "proto/debrepo/v1/jobs.pb.h"
#include "storage/database.h"
#include "storage/transaction.h"

namespace debrepo::storage {

// JobFilter selects jobs for ListJobs.
struct JobFilter {
  v1::JobState state = v1::JOB_STATE_UNSPECIFIED;  // any
  std::string kind;                                // any when empty
  int64_t before_id = 0;                           // 0: from the newest
  int limit = 100;
};

// RequestIdUsedElsewhere is the INVALID_ARGUMENT for a request whose
// `request_id` job `job_id` was created for, asking for something else.
absl::Status RequestIdUsedElsewhere(absl::string_view request_id,
                                    int64_t job_id);

// JobStore is the server's side of the job queue, over a connection pool.
// Thread safe.
class JobStore {
 public:
  explicit JobStore(Database* db) : db_(*db) {}

  // FindRetried returns the job an earlier request with `request_id`
  // created, nullopt when there is none (or `request_id` is empty), and
  // INVALID_ARGUMENT when that request differed from `spec`.
  absl::StatusOr<std::optional<v1::Job>> FindRetried(
      const jobs::JobSpec& spec, absl::string_view request_id);

  // FindRequest returns the job an earlier request with `request_id`
  // created, whatever it asked for; nullopt when there is none (or
  // `request_id` is empty).
  absl::StatusOr<std::optional<v1::Job>> FindRequest(
      absl::string_view request_id);

  // Submit inserts a queued job with its resource keys and wakes workers,
  // in one round trip. With a non-empty `request_id` that was used before,
  // returns the job it created instead (INVALID_ARGUMENT if the earlier
  // request differed). A job whose requirements (spec.requirements) are
  // not all met is not inserted: the first unmet one's NOT_FOUND or
  // ALREADY_EXISTS is returned, unless `request_id` names an earlier job
  // (which may be what made it unmet), which is then returned.
  absl::StatusOr<v1::Job> Submit(const jobs::JobSpec& spec,
                                 absl::string_view request_id);

  // Get reads a job with its log; NOT_FOUND when there is none. A queued
  // job of a kind no live worker runs says so in its waiting_reason.
  absl::StatusOr<v1::Job> Get(int64_t id);

  // List returns jobs newest first (without logs).
  absl::StatusOr<std::vector<v1::Job>> List(const JobFilter& filter);

  // Cancel cancels a queued job at once or flags a running one; ended jobs
  // are returned unchanged.
  absl::StatusOr<v1::Job> Cancel(int64_t id);

 private:
  Database& db_;
};

}  // namespace debrepo::storage

#endif  // DEBREPO_STORAGE_JOB_STORE_H_
