// DownloadToBlobStore: many files from an archive into the blob store, in
// parallel, each checked against the size and SHA-256 its index lists.
#ifndef DEBREPO_FETCH_DOWNLOADER_H_
#define DEBREPO_FETCH_DOWNLOADER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blobstore/blob_store.h"

namespace debrepo::fetch {

// DownloadItem is one file to fetch, as an index lists it.
struct DownloadItem {
  std::string url;     // http or https
  int64_t size = 0;    // exact size in bytes
  std::string sha256;  // lowercase hex
};

// DownloadProgress counts distinct files (by SHA-256); files the store held
// already count as done from the start. bytes_done also counts the bytes
// of files still downloading and of partial files resumed.
struct DownloadProgress {
  int64_t files_done = 0;
  int64_t files_total = 0;
  int64_t bytes_done = 0;
  int64_t bytes_total = 0;
};

// DownloadOptions tunes DownloadToBlobStore.
struct DownloadOptions {
  // Files downloading at once (transfers on one libcurl multi handle).
  int concurrency = 8;
  // Requests per file that may fail with network trouble, a stall or a
  // 408/429/5xx answer before the download fails (at least 1).
  int max_tries = 5;
  // Bytes per second over all transfers together; 0 for no limit.
  int64_t bytes_per_second = 0;
  absl::Duration connect_timeout = absl::Seconds(30);
  // Longest time one transfer may go without a byte.
  absl::Duration stall_timeout = absl::Seconds(60);
  // Slowest throughput one transfer may have over a stall_timeout window
  // (time paused by bytes_per_second excluded): a server trickling bytes
  // must not hold a download forever.
  int64_t min_bytes_per_second = 1024;
  // Wait after a file's first failed request; it doubles with each failure
  // (jittered, at most 30 s).
  absl::Duration first_retry_delay = absl::Milliseconds(500);
  // Where partial files of files of 1 MiB and more live ("<sha256>.partial",
  // created when missing), so that a later call (the job's next attempt)
  // resumes them with HTTP Range. Each is locked (flock) while a download
  // writes it: a file another process is downloading waits until that
  // process is done with it. Smaller files, and all files when this is
  // empty, start over in a later call. Within one call a failed request
  // always resumes with Range.
  std::string partial_dir;
  // Called with the counts now and then (at most every 250 ms) and once at
  // the end; may be empty.
  std::function<void(const DownloadProgress&)> progress;
  // Called often (each turn of the download loop); true stops the
  // downloads: CANCELLED, and the files completed so far stay stored. May
  // be empty.
  std::function<bool()> interrupted;
};

// DownloadReport says what DownloadToBlobStore did.
struct DownloadReport {
  int64_t downloaded_files = 0;  // fetched (wholly or resumed) and stored
  int64_t downloaded_bytes = 0;  // their sizes
  int64_t reused_files = 0;      // already in the store, not fetched
};

// DownloadToBlobStore stores every item's bytes in `store` under its
// SHA-256. Items already stored are skipped (reused); items with the same
// SHA-256 are fetched once (INVALID_ARGUMENT when their sizes differ, or
// when an item's URL, size or digest is malformed). Bytes are checked as
// they arrive and a blob is committed only with the listed size and
// SHA-256. Failures, each naming the URL: a body larger than the listed
// size fails at once, and a complete body of another size or digest fails
// (FAILED_PRECONDITION: the archive changed under its index, or lies), as
// do 404/410 answers, refused redirects (see CheckRedirect) and other 4xx
// answers; network trouble and 5xx answers that max_tries did not cure are
// UNAVAILABLE (DEADLINE_EXCEEDED when the last try stalled). The first
// failure stops the other downloads; files completed before it stay
// stored and partial files stay for a later call to resume.
absl::StatusOr<DownloadReport> DownloadToBlobStore(
    const std::vector<DownloadItem>& items, blobstore::BlobStore& store,
    const DownloadOptions& options);

}  // namespace debrepo::fetch

#endif  // DEBREPO_FETCH_DOWNLOADER_H_
