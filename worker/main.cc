// debrepo-worker: claims jobs from PostgreSQL and runs them.
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/marshalling.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "blobstore/fs_blob_store.h"
#include "common/env_flags.h"
#include "common/logging.h"
#include "common/stop_signals.h"
#include "startup/startup.h"
#include "worker/admin/cleanup_job.h"
#include "worker/job_handlers.h"
#include "worker/worker.h"

ABSL_FLAG(std::string, database_url,
          "postgresql://debrepo@127.0.0.1:5433/debrepo",
          "PostgreSQL connection URI or libpq string (DEBREPO_DATABASE_URL). "
          "Needs a direct connection: session locks and LISTEN do not work "
          "through a transaction-pooling proxy.");
ABSL_FLAG(std::string, worker_id, "",
          "Name shown on the jobs this worker runs (DEBREPO_WORKER_ID); "
          "default: host:pid.");
ABSL_FLAG(std::string, blob_dir, "/var/lib/debrepo/blobs",
          "Directory of the content-addressed blob store, shared by every "
          "server and worker (DEBREPO_BLOB_DIR).");
ABSL_FLAG(std::vector<std::string>, trusted_keyrings, {},
          "Comma-separated absolute paths of OpenPGP keyrings (gpg --export "
          "output) whose keys may sign included .changes files "
          "(DEBREPO_TRUSTED_KEYRINGS).");
ABSL_FLAG(int, concurrency, 2,
          "Jobs run at once, one database session each "
          "(DEBREPO_WORKER_CONCURRENCY).");
ABSL_FLAG(int, max_attempts, 3,
          "A job whose worker dies this many times fails with ABORTED.");
ABSL_FLAG(absl::Duration, job_retention, absl::Hours(24 * 7),
          "How long finished jobs are kept (DEBREPO_JOB_RETENTION).");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(30),
          "On SIGTERM, a job still in its long phase after this is "
          "requeued for another worker.");
ABSL_FLAG(std::string, staging_dir, "",
          "Directory for the files jobs stage before they commit, one "
          "subdirectory per job attempt (DEBREPO_STAGING_DIR). Shared by "
          "every worker, so that another one can finish what a dead one "
          "committed; default: the blob store's staging/ (same file system, "
          "so staged files can be linked into place).");
ABSL_FLAG(absl::Duration, cleanup_grace_period,
          debrepo::worker::kDefaultBlobGracePeriod,
          "Garbage collection keeps blob-store files that nothing refers to "
          "until they are this old: an upload stores its files before the "
          "job recording them commits (DEBREPO_CLEANUP_GRACE_PERIOD).");
ABSL_FLAG(absl::Duration, test_stall, absl::ZeroDuration(),
          "Testing only: hold each job this long under its locks before its "
          "transaction (DEBREPO_TEST_STALL).");

ABSL_FLAG(absl::Duration, test_stall_after_commit, absl::ZeroDuration(),
          "Testing only: wait this long between a job's commit and its "
          "after-commit step.");
ABSL_FLAG(std::string, test_after_commit_log, "",
          "Testing only: no-op jobs' after-commit steps append a line to "
          "this file.");
ABSL_FLAG(std::vector<std::string>, test_skip_kinds, {},
          "Testing only: comma-separated job kinds this worker does not run, "
          "as if it had no handler for them.");
ABSL_FLAG(bool, test_exit_after_commit, false,
          "Testing only: exit right after a job's transaction commits, "
          "before finishing the job.");

namespace {

std::string DefaultWorkerId() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return absl::StrCat(host, ":", getpid());
}

}  // namespace

int main(int argc, char** argv) {
  const sigset_t stop_signals = debrepo::BlockStopSignals();

  debrepo::ParseFlagsWithEnvironment(
      argc, argv,
      {{"database_url", "DEBREPO_DATABASE_URL"},
       {"worker_id", "DEBREPO_WORKER_ID"},
       {"concurrency", "DEBREPO_WORKER_CONCURRENCY"},
       {"blob_dir", "DEBREPO_BLOB_DIR"},
       {"trusted_keyrings", "DEBREPO_TRUSTED_KEYRINGS"},
       {"job_retention", "DEBREPO_JOB_RETENTION"},
       {"staging_dir", "DEBREPO_STAGING_DIR"},
       {"cleanup_grace_period", "DEBREPO_CLEANUP_GRACE_PERIOD"},
       {"test_stall", "DEBREPO_TEST_STALL"}});

  debrepo::worker::WorkerOptions options;
  options.database_url = absl::GetFlag(FLAGS_database_url);
  options.worker_id = absl::GetFlag(FLAGS_worker_id);
  if (options.worker_id.empty()) options.worker_id = DefaultWorkerId();
  options.concurrency = std::max(1, absl::GetFlag(FLAGS_concurrency));
  options.max_attempts = std::max(1, absl::GetFlag(FLAGS_max_attempts));
  options.job_retention = absl::GetFlag(FLAGS_job_retention);
  options.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  options.staging_root = absl::GetFlag(FLAGS_staging_dir);
  if (options.staging_root.empty()) {
    options.staging_root =
        absl::StrCat(absl::GetFlag(FLAGS_blob_dir), "/staging");
  }
  options.test_stall = absl::GetFlag(FLAGS_test_stall);
  options.test_exit_after_commit = absl::GetFlag(FLAGS_test_exit_after_commit);
  options.test_stall_after_commit =
      absl::GetFlag(FLAGS_test_stall_after_commit);

  absl::StatusOr<debrepo::startup::Started> started =
      debrepo::startup::StartUp({.database_url = options.database_url,
                                 .blob_dir = absl::GetFlag(FLAGS_blob_dir)});
  if (!started.ok()) {
    debrepo::LogError("cannot start: ", started.status().ToString());
    return 1;
  }
  std::optional<debrepo::deb::GpgvVerifier> verifier;
  if (const std::vector<std::string> keyrings =
          absl::GetFlag(FLAGS_trusted_keyrings);
      !keyrings.empty()) {
    absl::StatusOr<debrepo::deb::GpgvVerifier> created =
        debrepo::deb::GpgvVerifier::Create(keyrings);
    if (!created.ok()) {
      debrepo::LogError("cannot start: --trusted_keyrings: ",
                        created.status().ToString());
      return 1;
    }
    verifier = *std::move(created);
  }
  debrepo::worker::JobHandlers handlers = debrepo::worker::MakeJobHandlers(
      started->blobs.get(), std::move(verifier),
      absl::GetFlag(FLAGS_cleanup_grace_period),
      absl::GetFlag(FLAGS_test_after_commit_log));
  for (const std::string& kind : absl::GetFlag(FLAGS_test_skip_kinds)) {
    if (!handlers.Remove(kind)) {
      debrepo::LogError("cannot start: --test_skip_kinds names ", kind,
                        ", which this worker does not run anyway");
      return 1;
    }
  }
  debrepo::worker::Worker worker(options, std::move(handlers));
  std::thread signal_waiter([&] {
    const int signal = debrepo::WaitForStopSignal(stop_signals);
    debrepo::LogInfo("received signal ", signal, "; finishing current jobs");
    worker.Stop();
  });
  signal_waiter.detach();
  worker.Run();
  return 0;
}
