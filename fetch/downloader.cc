#include "fetch/downloader.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <list>
#include <memory>
#include <system_error>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/status_macros.h"
#include "fetch/curl_transfer.h"

namespace debrepo::fetch {
namespace {

// A batch of blobs is made durable together (two syncs of the file system
// instead of an fsync of each file and directory) once it holds this many
// files or bytes, and at the end: on loopback, 5,000 small files took
// several times longer with one fsync each. BatchCommitter runs the syncs
// beside the downloads.
constexpr int64_t kBatchFiles = 256;
constexpr int64_t kBatchBytes = int64_t{256} << 20;

// Only files of this size and more get a partial file: a smaller one is
// cheaper to fetch again than a file created and removed for it (on ext4,
// creating files right after deleting many was what limited 5,000 small
// downloads; in-run retries resume from the writer's bytes anyway).
constexpr int64_t kPartialFileMinSize = int64_t{1} << 20;

// How long to wait before trying again to lock a partial file that another
// process holds.
constexpr absl::Duration kLockedRetryDelay = absl::Milliseconds(250);
constexpr absl::Duration kProgressInterval = absl::Milliseconds(250);
// Longest sleep of the download loop (so that `interrupted` is polled).
constexpr absl::Duration kLoopWait = absl::Milliseconds(100);

absl::Status ErrnoError(absl::string_view what, absl::string_view path) {
  const int error = errno;
  return absl::ErrnoToStatus(error, absl::StrCat(what, " ", path));
}

// OpenBatch is a blob batch and the writers it has handed out: it can be
// committed only once none is left.
struct OpenBatch {
  std::unique_ptr<blobstore::BlobBatch> batch;
  int open_writers = 0;
  int64_t staged_files = 0;
  int64_t staged_bytes = 0;
};

// BatchCommitter commits blob batches in order on a thread of its own, so
// that downloads go on while the file system syncs (on a busy machine the
// syncs took a third of the time of 5,000 downloads when the download
// loop waited for them). A batch handed over is used by that thread only.
class BatchCommitter {
 public:
  BatchCommitter() : thread_([this] { Run(); }) {}
  ~BatchCommitter() { Finish().IgnoreError(); }

  void Add(std::unique_ptr<blobstore::BlobBatch> batch) {
    absl::MutexLock lock(&mutex_);
    queue_.push_back(std::move(batch));
  }

  // status is the first failed commit's, or OK.
  absl::Status status() {
    absl::MutexLock lock(&mutex_);
    return status_;
  }

  // Finish commits every batch added and returns status().
  absl::Status Finish() {
    {
      absl::MutexLock lock(&mutex_);
      closed_ = true;
    }
    if (thread_.joinable()) thread_.join();
    return status();
  }

 private:
  void Run() {
    while (true) {
      std::unique_ptr<blobstore::BlobBatch> batch;
      {
        absl::MutexLock lock(&mutex_);
        mutex_.Await(absl::Condition(
            +[](BatchCommitter* self) {
              return self->closed_ || !self->queue_.empty();
            },
            this));
        if (queue_.empty()) return;  // closed and done
        batch = std::move(queue_.front());
        queue_.pop_front();
        if (!status_.ok()) continue;  // after a failure: dropped
      }
      absl::Status committed = batch->Commit();
      absl::MutexLock lock(&mutex_);
      if (status_.ok()) status_ = std::move(committed);
    }
  }

  absl::Mutex mutex_;
  std::deque<std::unique_ptr<blobstore::BlobBatch>> queue_
      ABSL_GUARDED_BY(mutex_);
  bool closed_ ABSL_GUARDED_BY(mutex_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mutex_);
  std::thread thread_;
};

// Download is the state of one distinct file.
struct Download {
  const DownloadItem* item = nullptr;
  // Where the last redirect pointed, if any (empty: item->url; not a copy
  // of it, for the memory of 100,000s of downloads).
  std::string redirect_url;
  int redirects = 0;
  int failed_tries = 0;
  absl::Time not_before;  // when it may be (re)started
  // From the first start to completion:
  std::string partial_path;
  int partial_fd = -1;  // locked; -1 without partial files
  OpenBatch* batch = nullptr;
  std::unique_ptr<blobstore::BlobWriter> writer;  // holds `have` bytes
  int64_t have = 0;
  // Some of the bytes came from an earlier request or attempt, so a digest
  // mismatch may be ours (a damaged partial file): start over once.
  bool assembled = false;
  std::unique_ptr<CurlTransfer> transfer;

  ~Download() {
    if (partial_fd >= 0) close(partial_fd);
  }

  // Url is where the next request goes.
  const std::string& Url() const {
    return redirect_url.empty() ? item->url : redirect_url;
  }

  // DisplayUrl is Url as messages show it (after a redirect it is the
  // server's text).
  std::string DisplayUrl() const { return absl::CHexEscape(Url()); }
};

absl::Status WriteAll(int fd, int64_t offset, absl::string_view bytes,
                      const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t written = pwrite(fd, bytes.data(), bytes.size(), offset);
    if (written < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("writing", path);
    }
    bytes.remove_prefix(written);
    offset += written;
  }
  return absl::OkStatus();
}

class Downloader {
 public:
  Downloader(blobstore::BlobStore& store, const DownloadOptions& options)
      : store_(store), options_(options) {}

  ~Downloader() {
    for (Download& download : downloads_) {
      if (download.transfer != nullptr && multi_ != nullptr) {
        curl_multi_remove_handle(multi_, download.transfer->handle());
      }
    }
    downloads_.clear();  // writers go before their batches
    if (multi_ != nullptr) curl_multi_cleanup(multi_);
  }

  absl::StatusOr<DownloadReport> Run(const std::vector<DownloadItem>& items) {
    RETURN_IF_ERROR(Plan(items));
    absl::Status status = Loop();
    // Stop transfers and drop unfinished writers, then make what completed
    // durable, also after a failure: the next attempt reuses it.
    for (Download& download : downloads_) {
      if (download.transfer != nullptr) {
        curl_multi_remove_handle(multi_, download.transfer->handle());
        download.transfer.reset();
      }
      if (download.writer != nullptr) ReleaseWriter(download);
    }
    CommitBatches(/*all=*/true);
    absl::Status committed = committer_.Finish();
    if (status.ok()) status = committed;
    ReportProgress(/*force=*/true);
    if (!status.ok()) return status;
    return report_;
  }

 private:
  absl::Status Plan(const std::vector<DownloadItem>& items) {
    absl::flat_hash_map<absl::string_view, const DownloadItem*> by_digest;
    std::vector<const DownloadItem*> distinct;
    for (const DownloadItem& item : items) {
      if (!blobstore::IsSha256Hex(item.sha256) || item.size < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("bad download item ", item.url, ": size ", item.size,
                         ", SHA-256 \"", item.sha256, "\""));
      }
      RETURN_IF_ERROR(CheckHttpUrl(item.url));
      auto [it, inserted] = by_digest.emplace(item.sha256, &item);
      if (inserted) {
        distinct.push_back(&item);
      } else if (it->second->size != item.size) {
        return absl::InvalidArgumentError(absl::StrCat(
            item.url, " and ", it->second->url, " have SHA-256 ", item.sha256,
            " but sizes ", item.size, " and ", it->second->size));
      }
    }
    if (!options_.partial_dir.empty()) {
      std::error_code error;
      std::filesystem::create_directories(options_.partial_dir, error);
      if (error) {
        return absl::InternalError(absl::StrCat(
            "creating ", options_.partial_dir, ": ", error.message()));
      }
    }
    multi_ = curl_multi_init();
    if (multi_ == nullptr) {
      return absl::ResourceExhaustedError("libcurl could not make a handle");
    }
    for (const DownloadItem* item : distinct) {
      Download& download = downloads_.emplace_back();
      download.item = item;
      progress_.files_total += 1;
      progress_.bytes_total += item->size;
      ASSIGN_OR_RETURN(const bool stored,
                       store_.Contains(download.item->sha256));
      if (stored) {
        Reused(download);
      } else {
        ready_.push_back(&download);
      }
    }
    return absl::OkStatus();
  }

  absl::Status Loop() {
    while (true) {
      if (options_.interrupted && options_.interrupted()) {
        return absl::CancelledError("the downloads were interrupted");
      }
      // Starting right before waiting keeps every slot busy: libcurl's
      // wait returns at once for a transfer just added.
      RETURN_IF_ERROR(StartReady());
      if (running_ == 0 && ready_.empty() && waiting_.empty()) {
        return absl::OkStatus();
      }
      Wait();
      int still_running = 0;
      const CURLMcode performed = curl_multi_perform(multi_, &still_running);
      if (performed != CURLM_OK) {
        return absl::InternalError(
            absl::StrCat("libcurl multi: ", curl_multi_strerror(performed)));
      }
      RETURN_IF_ERROR(HandleEnded());
      CommitBatches(/*all=*/false);
      RETURN_IF_ERROR(committer_.status());
      ReportProgress(/*force=*/false);
    }
  }

  // StartReady starts downloads while fewer than `concurrency` run.
  absl::Status StartReady() {
    const absl::Time now = absl::Now();
    while (running_ < options_.concurrency) {
      Download* next = nullptr;
      if (!waiting_.empty() && waiting_.front()->not_before <= now) {
        next = waiting_.front();
        waiting_.pop_front();
      } else if (!ready_.empty()) {
        next = ready_.front();
        ready_.pop_front();
      } else {
        break;
      }
      RETURN_IF_ERROR(next->writer == nullptr ? Begin(*next)
                                              : StartRequest(*next));
    }
    return absl::OkStatus();
  }

  // Wait sleeps until a transfer has data, a retry is due, the rate limit
  // allows more, or kLoopWait passed.
  void Wait() {
    absl::Duration wait = kLoopWait;
    if (options_.bytes_per_second > 0) {
      const absl::Time now = absl::Now();
      tokens_ =
          std::min<double>(tokens_ + absl::ToDoubleSeconds(now - last_refill_) *
                                         options_.bytes_per_second,
                           options_.bytes_per_second / 4.0);
      last_refill_ = now;
      if (tokens_ < 0) {
        // Over the limit: transfers pause at their next chunk until the
        // debt is paid.
        absl::SleepFor(std::min(
            wait, absl::Seconds(-tokens_ / options_.bytes_per_second)));
        return;
      }
      std::vector<Download*> paused;
      paused.swap(paused_);
      for (Download* download : paused) download->transfer->Resume();
    }
    if (!waiting_.empty()) {
      wait =
          std::min(wait, std::max(absl::ZeroDuration(),
                                  waiting_.front()->not_before - absl::Now()));
    }
    curl_multi_poll(multi_, nullptr, 0,
                    static_cast<int>(absl::ToInt64Milliseconds(wait)), nullptr);
  }

  // Begin opens and locks the file's partial file, resumes what it holds,
  // and starts a request for the rest.
  absl::Status Begin(Download& download) {
    const DownloadItem& item = *download.item;
    if (!options_.partial_dir.empty() && item.size >= kPartialFileMinSize) {
      download.partial_path =
          absl::StrCat(options_.partial_dir, "/", item.sha256, ".partial");
      const int fd = open(download.partial_path.c_str(),
                          O_RDWR | O_CREAT | O_CLOEXEC, 0644);
      if (fd < 0) return ErrnoError("opening", download.partial_path);
      if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        close(fd);
        if (error != EWOULDBLOCK) {
          errno = error;
          return ErrnoError("locking", download.partial_path);
        }
        // Another process downloads it: look again later.
        Defer(download, absl::Now() + kLockedRetryDelay);
        return absl::OkStatus();
      }
      download.partial_fd = fd;
      // It may have stored the file meanwhile.
      ASSIGN_OR_RETURN(const bool stored, store_.Contains(item.sha256));
      if (stored) {
        unlink(download.partial_path.c_str());
        close(download.partial_fd);
        download.partial_fd = -1;
        Reused(download);
        return absl::OkStatus();
      }
    }
    RETURN_IF_ERROR(NewWriter(download));
    RETURN_IF_ERROR(ResumePartial(download));
    if (download.have == item.size) return Complete(download);
    return StartRequest(download);
  }

  absl::Status NewWriter(Download& download) {
    OpenBatch& batch = CurrentBatch();
    ASSIGN_OR_RETURN(download.writer,
                     batch.batch->NewWriter(download.item->size));
    download.batch = &batch;
    batch.open_writers += 1;
    download.have = 0;
    download.assembled = false;
    return absl::OkStatus();
  }

  // ReleaseWriter drops an unfinished writer (its bytes are not stored).
  void ReleaseWriter(Download& download) {
    download.writer.reset();
    download.batch->open_writers -= 1;
    download.batch = nullptr;
  }

  // ResumePartial feeds the writer what the partial file holds.
  absl::Status ResumePartial(Download& download) {
    if (download.partial_fd < 0) return absl::OkStatus();
    struct stat status;
    if (fstat(download.partial_fd, &status) != 0) {
      return ErrnoError("reading", download.partial_path);
    }
    if (status.st_size > download.item->size) {
      return RestartFromZero(download);  // not this file's beginning
    }
    std::string buffer(1 << 20, '\0');
    while (download.have < status.st_size) {
      const ssize_t got = pread(download.partial_fd, buffer.data(),
                                buffer.size(), download.have);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return ErrnoError("reading", download.partial_path);
      if (got == 0) break;
      RETURN_IF_ERROR(
          download.writer->Append(absl::string_view(buffer.data(), got)));
      download.have += got;
    }
    download.assembled = download.have > 0;
    progress_.bytes_done += download.have;
    return absl::OkStatus();
  }

  // RestartFromZero throws away what the file has so far.
  absl::Status RestartFromZero(Download& download) {
    progress_.bytes_done -= download.have;
    if (download.partial_fd >= 0 && ftruncate(download.partial_fd, 0) != 0) {
      return ErrnoError("truncating", download.partial_path);
    }
    ReleaseWriter(download);
    return NewWriter(download);
  }

  absl::Status StartRequest(Download& download) {
    if (download.transfer == nullptr) {
      ASSIGN_OR_RETURN(download.transfer, CurlTransfer::Create());
    }
    TransferBody body;
    body.begin = [this, &download](int64_t start, int64_t length) {
      return OnBodyBegin(download, start, length);
    };
    body.chunk = [this, &download](absl::string_view chunk) {
      return OnChunk(download, chunk);
    };
    if (options_.bytes_per_second > 0) {
      body.pause = [this, &download] {
        if (tokens_ >= 0) return false;
        paused_.push_back(&download);
        return true;
      };
    }
    RETURN_IF_ERROR(download.transfer->Start(
        download.Url(), download.have,
        {options_.connect_timeout, options_.stall_timeout,
         options_.min_bytes_per_second},
        std::move(body)));
    curl_easy_setopt(download.transfer->handle(), CURLOPT_PRIVATE, &download);
    const CURLMcode added =
        curl_multi_add_handle(multi_, download.transfer->handle());
    if (added != CURLM_OK) {
      return absl::InternalError(
          absl::StrCat("libcurl multi: ", curl_multi_strerror(added)));
    }
    running_ += 1;
    return absl::OkStatus();
  }

  absl::Status OnBodyBegin(Download& download, int64_t start, int64_t length) {
    if (start != download.have) {
      // The server ignored the Range and sends the whole file.
      RETURN_IF_ERROR(RestartFromZero(download));
    } else if (start > 0) {
      download.assembled = true;
    }
    if (length >= 0 && start + length > download.item->size) {
      return TooLarge(download);
    }
    return absl::OkStatus();
  }

  absl::Status OnChunk(Download& download, absl::string_view chunk) {
    if (download.have + static_cast<int64_t>(chunk.size()) >
        download.item->size) {
      return TooLarge(download);
    }
    if (download.partial_fd >= 0) {
      RETURN_IF_ERROR(WriteAll(download.partial_fd, download.have, chunk,
                               download.partial_path));
    }
    RETURN_IF_ERROR(download.writer->Append(chunk));
    download.have += chunk.size();
    progress_.bytes_done += chunk.size();
    tokens_ -= chunk.size();
    return absl::OkStatus();
  }

  absl::Status TooLarge(const Download& download) const {
    return absl::FailedPreconditionError(absl::StrCat(
        download.DisplayUrl(), " is larger than the ", download.item->size,
        " bytes its index lists; the archive changed under its index or "
        "serves something else: sync again later"));
  }

  // HandleEnded deals with every transfer that ended.
  absl::Status HandleEnded() {
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      Download* download = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &download);
      const CURLcode code = message->data.result;
      curl_multi_remove_handle(multi_, message->easy_handle);
      running_ -= 1;
      RETURN_IF_ERROR(Ended(*download, download->transfer->Finish(code)));
    }
    return absl::OkStatus();
  }

  absl::Status Ended(Download& download, const TransferOutcome& outcome) {
    switch (outcome.kind) {
      case TransferOutcome::Kind::kComplete:
        if (download.have != download.item->size) {
          return absl::FailedPreconditionError(absl::StrCat(
              download.DisplayUrl(), " ended after ", download.have,
              " bytes, but its index lists ", download.item->size,
              "; the archive changed under its index or the server "
              "truncates files: sync again later"));
        }
        return Complete(download);
      case TransferOutcome::Kind::kRedirect:
        RETURN_IF_ERROR(CheckRedirect(download.Url(), outcome.redirect_url));
        if (++download.redirects > kMaxRedirects) {
          return absl::FailedPreconditionError(absl::StrCat(
              download.item->url, " redirects more than ", kMaxRedirects,
              " times (last to ", absl::CHexEscape(outcome.redirect_url), ")"));
        }
        download.redirect_url = outcome.redirect_url;
        return StartRequest(download);
      case TransferOutcome::Kind::kRetryable:
        return Retry(download, outcome.status);
      case TransferOutcome::Kind::kFailed:
        break;
    }
    if (outcome.http_code == 416 && download.have > 0) {
      // What the partial file holds is not a beginning of the server's file.
      RETURN_IF_ERROR(RestartFromZero(download));
      return StartRequest(download);
    }
    if (outcome.status.code() == absl::StatusCode::kNotFound) {
      return absl::FailedPreconditionError(absl::StrCat(
          outcome.status.message(),
          ", though the archive's index lists it; the archive may be being "
          "updated: sync again later"));
    }
    return outcome.status;
  }

  absl::Status Retry(Download& download, const absl::Status& why) {
    download.failed_tries += 1;
    if (download.failed_tries >= options_.max_tries) {
      return absl::Status(why.code(),
                          absl::StrCat(why.message(), " (tried ",
                                       download.failed_tries, " times)"));
    }
    download.redirect_url.clear();
    download.redirects = 0;
    Defer(download, absl::Now() + RetryDelay(download.failed_tries,
                                             options_.first_retry_delay));
    return absl::OkStatus();
  }

  // Defer puts a download in waiting_, which stays ordered by not_before.
  void Defer(Download& download, absl::Time not_before) {
    download.not_before = not_before;
    auto position =
        std::upper_bound(waiting_.begin(), waiting_.end(), not_before,
                         [](absl::Time time, const Download* other) {
                           return time < other->not_before;
                         });
    waiting_.insert(position, &download);
  }

  absl::Status Complete(Download& download) {
    const DownloadItem& item = *download.item;
    absl::StatusOr<blobstore::BlobInfo> committed =
        download.writer->Commit(item.sha256);
    if (!committed.ok()) {
      if (committed.status().code() != absl::StatusCode::kInvalidArgument) {
        return committed.status();
      }
      if (!download.assembled) {
        return absl::FailedPreconditionError(absl::StrCat(
            download.DisplayUrl(), " does not have the SHA-256 ", item.sha256,
            " its index lists; the archive changed under its index or the "
            "file is damaged: sync again later"));
      }
      // Resumed bytes may be what is wrong: fetch it whole.
      RETURN_IF_ERROR(RestartFromZero(download));
      return Retry(download, committed.status());
    }
    OpenBatch& batch = *download.batch;
    download.writer.reset();
    download.batch = nullptr;
    batch.open_writers -= 1;
    batch.staged_files += 1;
    batch.staged_bytes += item.size;
    if (download.partial_fd >= 0) {
      unlink(download.partial_path.c_str());
      close(download.partial_fd);
      download.partial_fd = -1;
    }
    download.transfer.reset();
    report_.downloaded_files += 1;
    report_.downloaded_bytes += item.size;
    progress_.files_done += 1;
    return absl::OkStatus();
  }

  void Reused(const Download& download) {
    report_.reused_files += 1;
    progress_.files_done += 1;
    progress_.bytes_done += download.item->size;
  }

  // CurrentBatch is the batch new writers go to; a full one is closed to
  // new writers and committed once its open writers are done.
  OpenBatch& CurrentBatch() {
    if (batches_.empty() || batches_.back().staged_files >= kBatchFiles ||
        batches_.back().staged_bytes >= kBatchBytes) {
      batches_.push_back(OpenBatch{store_.NewBatch()});
    }
    return batches_.back();
  }

  // CommitBatches hands the full batches nobody writes to any more to the
  // committer (with `all`: every batch; no writer may be open then).
  void CommitBatches(bool all) {
    for (auto it = batches_.begin(); it != batches_.end();) {
      const bool full =
          it->staged_files >= kBatchFiles || it->staged_bytes >= kBatchBytes;
      if (it->open_writers > 0 || !(all || full)) {
        ++it;
        continue;
      }
      if (it->staged_files > 0) committer_.Add(std::move(it->batch));
      it = batches_.erase(it);
    }
  }

  void ReportProgress(bool force) {
    if (!options_.progress) return;
    const absl::Time now = absl::Now();
    if (!force && now - last_progress_ < kProgressInterval) return;
    last_progress_ = now;
    options_.progress(progress_);
  }

  blobstore::BlobStore& store_;
  const DownloadOptions& options_;
  CURLM* multi_ = nullptr;
  std::deque<Download> downloads_;  // stable addresses
  std::deque<Download*> ready_;     // not started yet
  std::deque<Download*> waiting_;   // to (re)start at not_before, in order
  int running_ = 0;                 // transfers on the multi handle
  std::list<OpenBatch> batches_;    // stable addresses
  BatchCommitter committer_;
  double tokens_ = 0;              // rate limit budget in bytes
  std::vector<Download*> paused_;  // transfers paused by the rate limit
  absl::Time last_refill_ = absl::Now();
  absl::Time last_progress_ = absl::InfinitePast();
  DownloadProgress progress_;
  DownloadReport report_;
};

}  // namespace

absl::StatusOr<DownloadReport> DownloadToBlobStore(
    const std::vector<DownloadItem>& items, blobstore::BlobStore& store,
    const DownloadOptions& options) {
  if (options.concurrency < 1 || options.max_tries < 1 ||
      options.bytes_per_second < 0) {
    return absl::InvalidArgumentError(
        "downloads need a concurrency and max_tries of at least 1 and a "
        "non-negative rate limit");
  }
  Downloader downloader(store, options);
  return downloader.Run(items);
}

}  // namespace debrepo::fetch
