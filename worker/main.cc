// debrepo-worker: claims jobs from PostgreSQL and runs them.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
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
#include "storage/database.h"
#include "worker/admin/cleanup_job.h"
#include "worker/job_handlers.h"
#include "worker/publish/publication_tree.h"
#include "worker/publish/publish_roots.h"
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
ABSL_FLAG(std::string, publish_root, "",
          "Directory of the publish root of storage \"filesystem:default\" "
          "(DEBREPO_PUBLISH_ROOT), shared by every worker; publish jobs "
          "write <root>/<prefix>/dists and pool there. Empty: this worker "
          "runs no publish jobs unless --publish_storage names a storage.");
ABSL_FLAG(std::vector<std::string>, publish_storage, {},
          "Comma-separated NAME=PATH publish roots of storages "
          "\"filesystem:NAME\" (DEBREPO_PUBLISH_STORAGE).");
ABSL_FLAG(std::string, gpg_home, "",
          "GNUPGHOME holding the key that signs publications "
          "(DEBREPO_GPG_HOME); empty: gpg's default.");
ABSL_FLAG(std::string, gpg_key, "",
          "Key id or fingerprint that signs publications (DEBREPO_GPG_KEY); "
          "empty: the home's default key. A publication's gpg_key overrides "
          "it.");
ABSL_FLAG(std::string, gpg_key_file, "",
          "Armored private key file that signs publications, instead of "
          "--gpg_home (DEBREPO_GPG_KEY_FILE).");
ABSL_FLAG(std::string, gpg_passphrase_file, "",
          "File holding the signing key's passphrase "
          "(DEBREPO_GPG_PASSPHRASE_FILE).");
ABSL_FLAG(int, publish_threads, 2,
          "Threads compressing one publication's indices at once "
          "(DEBREPO_PUBLISH_THREADS).");
ABSL_FLAG(int, concurrency, 2,
          "Jobs run at once, one database session each "
          "(DEBREPO_WORKER_CONCURRENCY).");
ABSL_FLAG(int, max_attempts, 3,
          "A job whose worker dies this many times fails with ABORTED.");
ABSL_FLAG(absl::Duration, job_retention, absl::Hours(24 * 7),
          "How long finished jobs are kept (DEBREPO_JOB_RETENTION).");
ABSL_FLAG(absl::Duration, poll_interval, absl::Seconds(1),
          "An idle runner looks for work at least this often, notified or "
          "not (the safety net for notifications lost with a connection).");
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
ABSL_FLAG(int, mirror_download_concurrency, 8,
          "Files a mirror sync downloads at once "
          "(DEBREPO_MIRROR_DOWNLOAD_CONCURRENCY).");
ABSL_FLAG(int, mirror_download_tries, 5,
          "Requests per file a mirror sync may lose to network trouble "
          "before it fails (DEBREPO_MIRROR_DOWNLOAD_TRIES).");
ABSL_FLAG(absl::Duration, mirror_connect_timeout, absl::Seconds(30),
          "How long a mirror sync waits for a connection to an archive "
          "(DEBREPO_MIRROR_CONNECT_TIMEOUT).");
ABSL_FLAG(absl::Duration, mirror_stall_timeout, absl::Seconds(60),
          "How long a mirror sync waits for the next byte from an archive "
          "before it gives the request up (DEBREPO_MIRROR_STALL_TIMEOUT).");
ABSL_FLAG(absl::Duration, test_stall, absl::ZeroDuration(),
          "Testing only: hold each job this long under its locks before its "
          "transaction (DEBREPO_TEST_STALL).");

ABSL_FLAG(absl::Duration, test_stall_after_commit, absl::ZeroDuration(),
          "Testing only: wait this long between a job's commit and its "
          "after-commit step.");
ABSL_FLAG(absl::Duration, test_stall_before_prune, absl::ZeroDuration(),
          "Testing only: wait this long in a publish job's after-commit "
          "step between putting its tree in place and pruning the pool.");
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
       {"publish_root", "DEBREPO_PUBLISH_ROOT"},
       {"publish_storage", "DEBREPO_PUBLISH_STORAGE"},
       {"gpg_home", "DEBREPO_GPG_HOME"},
       {"gpg_key", "DEBREPO_GPG_KEY"},
       {"gpg_key_file", "DEBREPO_GPG_KEY_FILE"},
       {"gpg_passphrase_file", "DEBREPO_GPG_PASSPHRASE_FILE"},
       {"publish_threads", "DEBREPO_PUBLISH_THREADS"},
       {"mirror_download_concurrency", "DEBREPO_MIRROR_DOWNLOAD_CONCURRENCY"},
       {"mirror_download_tries", "DEBREPO_MIRROR_DOWNLOAD_TRIES"},
       {"mirror_connect_timeout", "DEBREPO_MIRROR_CONNECT_TIMEOUT"},
       {"mirror_stall_timeout", "DEBREPO_MIRROR_STALL_TIMEOUT"},
       {"test_stall", "DEBREPO_TEST_STALL"}});

  debrepo::worker::WorkerOptions options;
  options.database_url = absl::GetFlag(FLAGS_database_url);
  options.worker_id = absl::GetFlag(FLAGS_worker_id);
  if (options.worker_id.empty()) options.worker_id = DefaultWorkerId();
  options.concurrency = std::max(1, absl::GetFlag(FLAGS_concurrency));
  options.max_attempts = std::max(1, absl::GetFlag(FLAGS_max_attempts));
  options.job_retention = absl::GetFlag(FLAGS_job_retention);
  options.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  options.poll_interval = absl::GetFlag(FLAGS_poll_interval);
  options.staging_root = absl::GetFlag(FLAGS_staging_dir);
  if (options.staging_root.empty()) {
    options.staging_root =
        absl::StrCat(absl::GetFlag(FLAGS_blob_dir), "/staging");
  }
  options.test_stall = absl::GetFlag(FLAGS_test_stall);
  options.test_exit_after_commit = absl::GetFlag(FLAGS_test_exit_after_commit);
  options.test_stall_after_commit =
      absl::GetFlag(FLAGS_test_stall_after_commit);

  absl::StatusOr<std::map<std::string, std::string>> publish_roots =
      debrepo::worker::ParsePublishRoots(absl::GetFlag(FLAGS_publish_root),
                                         absl::GetFlag(FLAGS_publish_storage));
  if (!publish_roots.ok()) {
    debrepo::LogError("cannot start: ", publish_roots.status().ToString());
    return 1;
  }
  absl::StatusOr<debrepo::startup::Started> started =
      debrepo::startup::StartUp({.database_url = options.database_url,
                                 .blob_dir = absl::GetFlag(FLAGS_blob_dir),
                                 .publish_roots = *publish_roots});
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
  // The pool lock of each publish job's after-commit step holds one
  // connection while it links and prunes.
  debrepo::storage::Database publish_db(options.database_url,
                                        options.concurrency);
  std::optional<debrepo::worker::PublicationTrees> trees;
  if (!publish_roots->empty()) {
    trees.emplace(
        debrepo::worker::PublishConfig{
            .roots = *std::move(publish_roots),
            .signing_key = {.gnupg_home = absl::GetFlag(FLAGS_gpg_home),
                            .key_id = absl::GetFlag(FLAGS_gpg_key),
                            .key_file = absl::GetFlag(FLAGS_gpg_key_file),
                            .passphrase_file =
                                absl::GetFlag(FLAGS_gpg_passphrase_file)},
            .compression_threads =
                std::max(1, absl::GetFlag(FLAGS_publish_threads)),
            .test_stall_before_prune =
                absl::GetFlag(FLAGS_test_stall_before_prune)},
        started->blobs.get(), &publish_db);
  }
  debrepo::worker::JobHandlers handlers = debrepo::worker::MakeJobHandlers(
      started->blobs.get(), std::move(verifier),
      trees.has_value() ? &*trees : nullptr,
      absl::GetFlag(FLAGS_cleanup_grace_period),
      absl::GetFlag(FLAGS_test_after_commit_log),
      debrepo::worker::MirrorSyncOptions{
          .download_concurrency =
              std::max(1, absl::GetFlag(FLAGS_mirror_download_concurrency)),
          .max_tries = std::max(1, absl::GetFlag(FLAGS_mirror_download_tries)),
          .connect_timeout = absl::GetFlag(FLAGS_mirror_connect_timeout),
          .stall_timeout = absl::GetFlag(FLAGS_mirror_stall_timeout)});
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
