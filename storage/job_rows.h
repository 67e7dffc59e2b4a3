// Reading jobs rows into v1::Job, shared by JobStore and JobSession.
#ifndef DEBREPO_STORAGE_JOB_ROWS_H_
#define DEBREPO_STORAGE_JOB_ROWS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pqxx/pqxx"
#include "proto/debrepo/v1/jobs.pb.h"

// A notification's own transaction commits without waiting for its WAL
// flush (synchronous_commit off for that transaction alone: set_config's
// third argument). It makes nothing durable (NOTIFY only gives it a
// transaction id to commit), and a crash that loses it also drops every
// listener, which reconnects and re-reads (workers poll, waiters look the
// job up again). Waiting cost more than the flush: PostgreSQL holds a
// database-wide lock from a notifying transaction's pre-commit to the end of
// its commit, so with a durable commit every notification in the database
// waited for the one before it to reach the disk, one fsync at a time.
#define DEBREPO_COMMIT_WITHOUT_FLUSH \
  "set_config('synchronous_commit', 'off', true)"

// The select-list item of a notifying statement that wakes the claimers
// (notifies channel `channel`, an SQL expression) only when some runner is
// waiting for work (marked in idle_runners: JobSession::MarkIdle). No wake-up
// is lost: a runner marks itself (committed) before the claim after which
// it waits, so either that claim's snapshot sees what the notifying
// statement's writer committed, or the mark committed before this
// statement's snapshot and it notifies. A busy runner claims again when its
// job ends. Measured in docs/benchmarks.md ("Fewer wake-ups").
#define DEBREPO_SQL_WAKE_IDLE_CLAIMERS(channel) \
  "(SELECT pg_notify(" channel                  \
  ", '') "                                      \
  "WHERE EXISTS (SELECT 1 FROM idle_runners))"

namespace debrepo::storage::internal {

// The columns JobFromRow reads, from `jobs j`. A job is shown as ended only
// once its outcome has been copied onto its row (FinalizeJob), together
// with its log and the release of its resources: a job whose transaction
// committed but whose worker has not finished yet still shows RUNNING.
extern const char kJobColumns[];

// StateName and StateFromName convert between v1::JobState and the
// jobs.state column.
absl::string_view StateName(v1::JobState state);
v1::JobState StateFromName(absl::string_view name);

// RedactJobArgs clears from `args` what the Jobs API never returns: a
// mirror's keyring (up to 1 MiB in every read of the job; its
// keyring_fingerprints stay and say which keys it holds).
void RedactJobArgs(v1::JobArgs& args);

// JobFromRow builds a job from a row of kJobColumns, its args redacted
// (RedactJobArgs).
absl::StatusOr<v1::Job> JobFromRow(const pqxx::row& row);

// LoadJobSql is the statement that reads job $1: kJobColumns, its log
// (column kLoadedJobLogColumn; NULL unless `with_log`), then
// `more_columns` (", " and SQL over `j`) for the caller to read.
std::string LoadJobSql(bool with_log, absl::string_view more_columns = "");
inline constexpr int kLoadedJobLogColumn = 17;

// JobFromLoadedRows builds job `id`, log included, from the rows of
// LoadJobSql; NOT_FOUND when there are none.
absl::StatusOr<v1::Job> JobFromLoadedRows(const pqxx::result& rows, int64_t id);

// LoadJob reads one job (with its log when `with_log`); NOT_FOUND when
// absent.
absl::StatusOr<v1::Job> LoadJob(pqxx::transaction_base& tx, int64_t id,
                                bool with_log);

// SQL arguments of the advisory lock a worker holds while it owns the job
// in column `id` ("job/<id>"). The two-int4 key space of PostgreSQL's
// advisory locks is disjoint from the bigint one that resource keys use, so
// job ids map to locks without hashing or collisions. (Recovery looks the
// lock up in pg_locks by the same split: job_maintenance.cc.)
#define DEBREPO_SQL_JOB_LOCK(id) \
  "(" id " / 2147483648)::int, (" id " % 2147483648)::int"

// FinalizeJob ends job `id`: copies its outcome row onto its jobs row,
// appends `log` to its log, drops its resource keys (freeing conflicting
// jobs to be claimed) and its cancellation request, in one statement. Returns
// false when the job has no outcome yet, has ended already, or owes its
// after-commit step (then only the log is written). Callers notify with
// NotifyJobEnded after committing.
bool FinalizeJob(pqxx::transaction_base& tx, int64_t id,
                 const std::vector<std::string>& log = {});

// FinishOwnJobAndNotify is FinalizeJob for the worker that ran the job,
// its after-commit step included, committed, then NotifyJobEnded, in one
// round trip. The finishing statement also releases every advisory lock of
// the session, so keys and locks go together and no claimer finds the keys
// free and the locks still held. Pass a pqxx::nontransaction.
void FinishOwnJobAndNotify(pqxx::transaction_base& tx, int64_t id,
                           const std::vector<std::string>& log);

// RecordFailure inserts job `id`'s outcome for an error `status` (CANCELLED
// for a cancellation, FAILED otherwise) unless the job has an outcome
// already.
void RecordFailure(pqxx::transaction_base& tx, int64_t id,
                   const absl::Status& status);

// NotifyJobEnded wakes Wait callers of job `id`, and workers when a job
// left conflicts with one of its keys (its resources are free; no other
// job can have waited for it). NotifyJobQueued wakes workers.
//
// Both run as their own statement after the change has committed: a
// transaction that NOTIFYs holds a database-wide lock through its commit,
// WAL flush included, so notifying inside the writing transaction would
// serialize every job's commit behind one fsync at a time. A notification
// lost to a crash between the two is covered by the listeners' polling.
// For the same reason the notifying transaction itself commits without
// waiting for its flush: it makes nothing durable.
// Pass a pqxx::nontransaction opened after the change committed (a
// transaction that wrote would lose its durability).
void NotifyJobEnded(pqxx::transaction_base& tx, int64_t id);
void NotifyJobQueued(pqxx::transaction_base& tx);

}  // namespace debrepo::storage::internal

#endif  // DEBREPO_STORAGE_JOB_ROWS_H_
