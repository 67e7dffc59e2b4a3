// CurlTransfer: one HTTP GET on a libcurl easy handle, set up the way every
// download of debrepo is (timeouts, stall detection, no automatic redirects,
// Range), and the rules shared by FetchStream and DownloadToBlobStore: which
// redirects are followed, which failures are retried, how long to wait.
#ifndef DEBREPO_FETCH_CURL_TRANSFER_H_
#define DEBREPO_FETCH_CURL_TRANSFER_H_

#include <curl/curl.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace debrepo::fetch {

// kMaxRedirects is how many redirects one request follows (curl's tool and
// apt allow a few; a loop must end).
inline constexpr int kMaxRedirects = 10;

// CheckHttpUrl is INVALID_ARGUMENT unless `url` is an http:// or https://
// URL: the only schemes debrepo fetches from.
absl::Status CheckHttpUrl(absl::string_view url);

// CheckRedirect is FAILED_PRECONDITION (naming both URLs) unless a response
// from `from_url` may send the client to `to_url`: only to http and https,
// and never from https to http (which would drop the transport security
// that the archive's operator chose; apt refuses it too).
absl::Status CheckRedirect(absl::string_view from_url,
                           absl::string_view to_url);

// RetryDelay is how long to wait after `failed_tries` failed tries (1 or
// more): `first_delay` doubling with each failure, at most 30 s, times a
// random factor in [0.5, 1.5) so that many downloads failing together do
// not retry together.
absl::Duration RetryDelay(int failed_tries, absl::Duration first_delay);

// TransferTimeouts bounds one request.
struct TransferTimeouts {
  // Until the TCP (and TLS) connection is up.
  absl::Duration connect_timeout = absl::Seconds(30);
  // Longest time without receiving a byte (headers or body) once started;
  // also the window over which min_bytes_per_second is measured.
  absl::Duration stall_timeout = absl::Seconds(60);
  // Slowest throughput accepted over a stall_timeout window (time paused by
  // TransferBody::pause excluded): a server trickling a byte now and then
  // must not hold a transfer forever (curl's LOW_SPEED_LIMIT).
  int64_t min_bytes_per_second = 1024;
};

// kMaxDiscardedBytes is how much of an error or redirect response's body is
// read (and thrown away) before the transfer ends anyway: such bodies are
// not needed, and an endless one must not hold a transfer forever.
inline constexpr int64_t kMaxDiscardedBytes = 64 * 1024;

// TransferBody receives the body of a successful (200 or 206) response;
// other responses' bodies are discarded (at most kMaxDiscardedBytes read). An
// error from either function aborts the transfer and becomes its result.
struct TransferBody {
  // Begin is called once before the first body byte (or at the end for an
  // empty body) with the offset in the file at which the body starts (0,
  // or the requested Range start when the server honoured it) and the
  // body's length when the server announced it, else -1.
  std::function<absl::Status(int64_t start, int64_t length)> begin;
  // Chunk is called with the body's bytes in order.
  std::function<absl::Status(absl::string_view chunk)> chunk;
  // Pause, when set, is asked before each chunk; true pauses the transfer
  // (libcurl keeps the chunk) until CurlTransfer::Resume.
  std::function<bool()> pause;
};

// TransferOutcome is how one request ended.
struct TransferOutcome {
  enum class Kind {
    kComplete,   // a 200 or 206 response was received in full
    kRedirect,   // a 3xx response pointing to `redirect_url`
    kRetryable,  // network trouble, a stall or a 408/429/5xx: try again
    kFailed,     // anything else: `status` says why
  };
  Kind kind = Kind::kFailed;
  // Why, for kRetryable and kFailed: UNAVAILABLE for network trouble and
  // server errors, DEADLINE_EXCEEDED for a stall or a trickle below
  // TransferTimeouts::min_bytes_per_second, NOT_FOUND for 404 and
  // 410, FAILED_PRECONDITION for other refusals, or the body's error.
  absl::Status status;
  std::string redirect_url;
  int http_code = 0;
};

// CurlTransfer owns one easy handle. Start it, drive the handle with
// curl_easy_perform or a multi handle, then call Finish with curl's result.
// Not thread-safe; callbacks run on the thread that drives the handle.
class CurlTransfer {
 public:
  // Create makes an easy handle (initialising libcurl once per process).
  static absl::StatusOr<std::unique_ptr<CurlTransfer>> Create();
  ~CurlTransfer();
  CurlTransfer(const CurlTransfer&) = delete;
  CurlTransfer& operator=(const CurlTransfer&) = delete;

  // Start sets the handle up for a GET of `url`, from byte `range_start`
  // on when it is positive (HTTP Range). `body` must stay valid until
  // Finish.
  absl::Status Start(const std::string& url, int64_t range_start,
                     const TransferTimeouts& timeouts, TransferBody body);

  // handle is the easy handle to perform or add to a multi handle.
  CURL* handle() const { return handle_; }

  // Finish classifies the ended request from curl's result code.
  TransferOutcome Finish(CURLcode code);

  // Resume continues a transfer that TransferBody::pause paused; the kept
  // chunk may be delivered (or the transfer paused again) within the call.
  void Resume();

  // body_started is true once Begin was called for this request.
  bool body_started() const { return body_started_; }

 private:
  explicit CurlTransfer(CURL* handle) : handle_(handle) {}

  static size_t OnHeader(char* data, size_t size, size_t count, void* self);
  static size_t OnBody(char* data, size_t size, size_t count, void* self);
  static int OnProgress(void* self, curl_off_t download_total,
                        curl_off_t download_now, curl_off_t upload_total,
                        curl_off_t upload_now);

  // ResolveLocation is location_header_ resolved against the request's
  // URL, or "" when it cannot be.
  std::string ResolveLocation() const;

  // BeginBody decides whether this response's body is the file's and, if
  // so, calls body_.begin.
  absl::Status BeginBody();

  CURL* const handle_;
  // The URL as messages show it (CHexEscape'd: after a redirect it is the
  // server's text, which may be anything).
  std::string display_url_;
  int64_t range_start_ = 0;
  TransferTimeouts timeouts_;
  TransferBody body_;
  // Where a 206 response says its body starts (Content-Range), else -1.
  int64_t content_range_start_ = -1;
  bool response_seen_ = false;  // the first body callback ran
  bool body_started_ = false;   // body_.begin was called
  bool discarding_ = false;     // an error response's body
  int64_t discarded_ = 0;       // bytes of it read
  bool discard_limit_reached_ = false;
  std::string location_header_;  // of the current response
  bool paused_ = false;          // by TransferBody::pause, until Resume
  absl::Time paused_at_;
  bool stalled_ = false;
  bool too_slow_ = false;  // below min_bytes_per_second
  absl::Time last_activity_;
  // The current throughput window: when it began (moved on by the time
  // paused) and the bytes received in it.
  absl::Time window_start_;
  int64_t window_bytes_ = 0;
  absl::Status body_error_;
  char error_buffer_[CURL_ERROR_SIZE];
};

}  // namespace debrepo::fetch

#endif  // DEBREPO_FETCH_CURL_TRANSFER_H_
