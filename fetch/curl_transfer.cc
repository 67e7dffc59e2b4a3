#include "fetch/curl_transfer.h"

#include <algorithm>
#include <mutex>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace debrepo::fetch {
namespace {

// kBufferSize is libcurl's receive buffer per transfer: 16 KiB by default;
// larger buffers mean fewer callbacks and writes per file (on loopback,
// 128 KiB raised the downloader's throughput; memory stays at 128 KiB per
// running transfer).
constexpr long kBufferSize = 128 * 1024;

// SchemeOf returns the lowercase scheme of `url` ("" when it has none).
std::string SchemeOf(absl::string_view url) {
  const size_t colon = url.find(':');
  if (colon == absl::string_view::npos) return "";
  return absl::AsciiStrToLower(url.substr(0, colon));
}

bool IsHttpScheme(absl::string_view scheme) {
  return scheme == "http" || scheme == "https";
}

absl::Status SetOptions(CURL* handle, const std::string& url,
                        int64_t range_start, const TransferTimeouts& timeouts,
                        char* error_buffer) {
  CURLcode code = CURLE_OK;
  auto set = [&code](CURLcode result) {
    if (code == CURLE_OK) code = result;
  };
  set(curl_easy_setopt(handle, CURLOPT_URL, url.c_str()));
  set(curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https"));
  // Redirects are followed by the caller, after CheckRedirect.
  set(curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L));
  set(curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L));
  set(curl_easy_setopt(
      handle, CURLOPT_CONNECTTIMEOUT_MS,
      static_cast<long>(absl::ToInt64Milliseconds(timeouts.connect_timeout))));
  set(curl_easy_setopt(handle, CURLOPT_USERAGENT, "debrepo"));
  set(curl_easy_setopt(handle, CURLOPT_BUFFERSIZE, kBufferSize));
  set(curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer));
  if (range_start > 0) {
    const std::string range = absl::StrCat(range_start, "-");
    set(curl_easy_setopt(handle, CURLOPT_RANGE, range.c_str()));
  }
  if (code != CURLE_OK) {
    return absl::InternalError(absl::StrCat("setting up libcurl for ", url,
                                            ": ", curl_easy_strerror(code)));
  }
  return absl::OkStatus();
}

// ContentRangeStart parses the first byte position of a Content-Range
// header value ("bytes 100-199/200"), or returns -1.
int64_t ContentRangeStart(absl::string_view value) {
  value = absl::StripAsciiWhitespace(value);
  if (!absl::ConsumePrefix(&value, "bytes ")) return -1;
  const size_t dash = value.find('-');
  int64_t start = -1;
  if (dash == absl::string_view::npos ||
      !absl::SimpleAtoi(value.substr(0, dash), &start)) {
    return -1;
  }
  return start;
}

}  // namespace

absl::Status CheckHttpUrl(absl::string_view url) {
  if (!IsHttpScheme(SchemeOf(url)) || !absl::StrContains(url, "://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", absl::CHexEscape(url), "\" is not an http:// or https:// URL"));
  }
  return absl::OkStatus();
}

absl::Status CheckRedirect(absl::string_view from_url,
                           absl::string_view to_url) {
  const std::string to_scheme = SchemeOf(to_url);
  if (!IsHttpScheme(to_scheme)) {
    return absl::FailedPreconditionError(absl::StrCat(
        absl::CHexEscape(from_url), " redirects to ", absl::CHexEscape(to_url),
        ", which is not an http or https URL; only http and https redirects "
        "are followed: use the archive's final http(s) URL"));
  }
  if (SchemeOf(from_url) == "https" && to_scheme == "http") {
    return absl::FailedPreconditionError(absl::StrCat(
        absl::CHexEscape(from_url), " redirects to ", absl::CHexEscape(to_url),
        ", from https to plain http; such redirects are refused: "
        "use an archive URL that stays on https, or an http URL"));
  }
  return absl::OkStatus();
}

absl::Duration RetryDelay(int failed_tries, absl::Duration first_delay) {
  absl::Duration delay = first_delay;
  const absl::Duration max_delay = absl::Seconds(30);
  for (int i = 1; i < failed_tries && delay < max_delay; ++i) delay *= 2;
  delay = std::min(delay, max_delay);
  thread_local absl::BitGen random;
  return delay * absl::Uniform(random, 0.5, 1.5);
}

absl::StatusOr<std::unique_ptr<CurlTransfer>> CurlTransfer::Create() {
  static std::once_flag initialised;
  static CURLcode init_code = CURLE_OK;
  std::call_once(initialised,
                 [] { init_code = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (init_code != CURLE_OK) {
    return absl::InternalError(
        absl::StrCat("initialising libcurl: ", curl_easy_strerror(init_code)));
  }
  CURL* handle = curl_easy_init();
  if (handle == nullptr) {
    return absl::ResourceExhaustedError("libcurl could not make a handle");
  }
  return std::unique_ptr<CurlTransfer>(new CurlTransfer(handle));
}

CurlTransfer::~CurlTransfer() { curl_easy_cleanup(handle_); }

absl::Status CurlTransfer::Start(const std::string& url, int64_t range_start,
                                 const TransferTimeouts& timeouts,
                                 TransferBody body) {
  curl_easy_reset(handle_);
  display_url_ = absl::CHexEscape(url);
  range_start_ = range_start;
  timeouts_ = timeouts;
  body_ = std::move(body);
  content_range_start_ = -1;
  response_seen_ = false;
  body_started_ = false;
  discarding_ = false;
  discarded_ = 0;
  location_header_.clear();
  discard_limit_reached_ = false;
  paused_ = false;
  stalled_ = false;
  too_slow_ = false;
  last_activity_ = absl::Now();
  window_start_ = last_activity_;
  window_bytes_ = 0;
  body_error_ = absl::OkStatus();
  error_buffer_[0] = '\0';
  if (absl::Status checked = CheckHttpUrl(url); !checked.ok()) return checked;
  if (absl::Status set =
          SetOptions(handle_, url, range_start, timeouts, error_buffer_);
      !set.ok()) {
    return set;
  }
  curl_easy_setopt(handle_, CURLOPT_HEADERFUNCTION, &CurlTransfer::OnHeader);
  curl_easy_setopt(handle_, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(handle_, CURLOPT_WRITEFUNCTION, &CurlTransfer::OnBody);
  curl_easy_setopt(handle_, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(handle_, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(handle_, CURLOPT_XFERINFOFUNCTION,
                   &CurlTransfer::OnProgress);
  curl_easy_setopt(handle_, CURLOPT_XFERINFODATA, this);
  return absl::OkStatus();
}

size_t CurlTransfer::OnHeader(char* data, size_t size, size_t count,
                              void* self_pointer) {
  auto* self = static_cast<CurlTransfer*>(self_pointer);
  self->last_activity_ = absl::Now();
  // Throughput counts from the server's first byte: connecting has its own
  // timeout.
  if (self->window_bytes_ == 0) self->window_start_ = self->last_activity_;
  self->window_bytes_ += size * count;
  const absl::string_view line(data, size * count);
  if (absl::StartsWith(line, "HTTP/")) {
    self->content_range_start_ = -1;  // a new response (after a 100)
    self->location_header_.clear();
  } else if (absl::StartsWithIgnoreCase(line, "location:")) {
    self->location_header_ = std::string(
        absl::StripAsciiWhitespace(line.substr(strlen("location:"))));
  } else if (absl::StartsWithIgnoreCase(line, "content-range:")) {
    self->content_range_start_ =
        ContentRangeStart(line.substr(strlen("content-range:")));
  }
  return size * count;
}

absl::Status CurlTransfer::BeginBody() {
  long http_code = 0;
  curl_easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &http_code);
  if (http_code != 200 && http_code != 206) {
    discarding_ = true;
    return absl::OkStatus();
  }
  int64_t start = 0;
  if (http_code == 206) {
    if (content_range_start_ != range_start_) {
      return absl::FailedPreconditionError(absl::StrCat(
          display_url_, " answered a request for bytes from ", range_start_,
          " on with a partial response starting at ", content_range_start_));
    }
    start = content_range_start_;
  }
  curl_off_t length = -1;
  curl_easy_getinfo(handle_, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  body_started_ = true;
  return body_.begin(start, length);
}

size_t CurlTransfer::OnBody(char* data, size_t size, size_t count,
                            void* self_pointer) {
  auto* self = static_cast<CurlTransfer*>(self_pointer);
  self->last_activity_ = absl::Now();
  const size_t bytes = size * count;
  if (!self->response_seen_) {
    self->response_seen_ = true;
    self->body_error_ = self->BeginBody();
    if (!self->body_error_.ok()) return 0;  // aborts with CURLE_WRITE_ERROR
  }
  if (self->discarding_) {
    self->window_bytes_ += bytes;
    self->discarded_ += bytes;
    if (self->discarded_ > kMaxDiscardedBytes) {
      self->discard_limit_reached_ = true;
      return 0;  // aborts with CURLE_WRITE_ERROR; Finish knows why
    }
    return bytes;
  }
  if (self->body_.pause && self->body_.pause()) {
    self->paused_ = true;
    self->paused_at_ = absl::Now();
    return CURL_WRITEFUNC_PAUSE;
  }
  self->window_bytes_ += bytes;
  const absl::Time before_sink = absl::Now();
  self->body_error_ = self->body_.chunk(absl::string_view(data, bytes));
  // Time the chunk took (a slow sink) is ours, not a stall of the server's
  // nor its slowness.
  self->last_activity_ = absl::Now();
  self->window_start_ += self->last_activity_ - before_sink;
  return self->body_error_.ok() ? bytes : 0;
}

std::string CurlTransfer::ResolveLocation() const {
  char* effective_url = nullptr;
  curl_easy_getinfo(handle_, CURLINFO_EFFECTIVE_URL, &effective_url);
  if (effective_url == nullptr) return "";
  CURLU* url = curl_url();
  if (url == nullptr) return "";
  std::string resolved;
  char* text = nullptr;
  if (curl_url_set(url, CURLUPART_URL, effective_url, 0) == CURLUE_OK &&
      curl_url_set(url, CURLUPART_URL, location_header_.c_str(),
                   CURLU_NON_SUPPORT_SCHEME | CURLU_URLENCODE) == CURLUE_OK &&
      curl_url_get(url, CURLUPART_URL, &text, 0) == CURLUE_OK) {
    resolved = text;
    curl_free(text);
  }
  curl_url_cleanup(url);
  return resolved;
}

void CurlTransfer::Resume() {
  // Paused time is not a stall of the server's, nor its slowness.
  paused_ = false;
  last_activity_ = absl::Now();
  window_start_ += last_activity_ - paused_at_;
  curl_easy_pause(handle_, CURLPAUSE_CONT);
}

int CurlTransfer::OnProgress(void* self_pointer, curl_off_t, curl_off_t,
                             curl_off_t, curl_off_t) {
  auto* self = static_cast<CurlTransfer*>(self_pointer);
  if (self->paused_) return 0;  // we, not the server, hold it up
  const absl::Time now = absl::Now();
  if (now - self->last_activity_ > self->timeouts_.stall_timeout) {
    self->stalled_ = true;
    return 1;  // aborts with CURLE_ABORTED_BY_CALLBACK
  }
  const absl::Duration window = now - self->window_start_;
  if (window >= self->timeouts_.stall_timeout) {
    if (self->window_bytes_ <
        self->timeouts_.min_bytes_per_second * absl::ToDoubleSeconds(window)) {
      self->too_slow_ = true;
      return 1;
    }
    self->window_start_ = now;
    self->window_bytes_ = 0;
  }
  return 0;
}

TransferOutcome CurlTransfer::Finish(CURLcode code) {
  TransferOutcome outcome;
  long http_code = 0;
  curl_easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &http_code);
  outcome.http_code = static_cast<int>(http_code);
  if (!body_error_.ok()) {
    outcome.kind = TransferOutcome::Kind::kFailed;
    outcome.status = body_error_;
    return outcome;
  }
  if (stalled_) {
    outcome.kind = TransferOutcome::Kind::kRetryable;
    outcome.status = absl::DeadlineExceededError(
        absl::StrCat(display_url_, " sent no data for ",
                     absl::FormatDuration(timeouts_.stall_timeout),
                     " (the server or the network stalled)"));
    return outcome;
  }
  if (too_slow_) {
    outcome.kind = TransferOutcome::Kind::kRetryable;
    outcome.status = absl::DeadlineExceededError(absl::StrCat(
        display_url_, " sent less than ", timeouts_.min_bytes_per_second,
        " bytes a second over ", absl::FormatDuration(timeouts_.stall_timeout),
        " (the server or the network is too slow)"));
    return outcome;
  }
  // Past kMaxDiscardedBytes the body was cut off on purpose: the response
  // itself (an error or a redirect) is the outcome.
  if (code != CURLE_OK && !discard_limit_reached_) {
    // curl's message may quote the server (a host name, a header).
    const std::string detail = absl::CHexEscape(
        error_buffer_[0] != '\0' ? error_buffer_ : curl_easy_strerror(code));
    const std::string message =
        absl::StrCat("fetching ", display_url_, ": ", detail);
    switch (code) {
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_URL_MALFORMAT:
        outcome.kind = TransferOutcome::Kind::kFailed;
        outcome.status = absl::InvalidArgumentError(message);
        return outcome;
      case CURLE_PEER_FAILED_VERIFICATION:
        outcome.kind = TransferOutcome::Kind::kFailed;
        outcome.status = absl::FailedPreconditionError(absl::StrCat(
            message, "; the server's TLS certificate is not trusted here"));
        return outcome;
      default:
        outcome.kind = TransferOutcome::Kind::kRetryable;
        outcome.status = absl::UnavailableError(message);
        return outcome;
    }
  }
  switch (http_code) {
    case 200:
    case 206:
      if (!response_seen_) {  // an empty body: no body callback ran
        response_seen_ = true;
        if (absl::Status begun = BeginBody(); !begun.ok()) {
          outcome.kind = TransferOutcome::Kind::kFailed;
          outcome.status = std::move(begun);
          return outcome;
        }
      }
      outcome.kind = TransferOutcome::Kind::kComplete;
      return outcome;
    case 301:
    case 302:
    case 303:
    case 307:
    case 308: {
      char* location = nullptr;
      curl_easy_getinfo(handle_, CURLINFO_REDIRECT_URL, &location);
      // libcurl resolves the Location only for a body read to its end.
      std::string resolved;
      if (location == nullptr && !location_header_.empty()) {
        resolved = ResolveLocation();
        if (!resolved.empty()) location = resolved.data();
      }
      if (location == nullptr) {
        outcome.kind = TransferOutcome::Kind::kFailed;
        outcome.status = absl::FailedPreconditionError(absl::StrCat(
            display_url_, " answered HTTP ", http_code, " without a Location"));
        return outcome;
      }
      outcome.kind = TransferOutcome::Kind::kRedirect;
      outcome.redirect_url = location;
      return outcome;
    }
    case 404:
    case 410:
      outcome.kind = TransferOutcome::Kind::kFailed;
      outcome.status = absl::NotFoundError(
          absl::StrCat(display_url_, " does not exist (HTTP ", http_code, ")"));
      return outcome;
    case 408:
    case 429:
      break;
    default:
      if (http_code < 500) {
        outcome.kind = TransferOutcome::Kind::kFailed;
        outcome.status = absl::FailedPreconditionError(
            absl::StrCat(display_url_, " answered HTTP ", http_code));
        return outcome;
      }
  }
  outcome.kind = TransferOutcome::Kind::kRetryable;
  outcome.status = absl::UnavailableError(
      absl::StrCat(display_url_, " answered HTTP ", http_code));
  return outcome;
}

}  // namespace debrepo::fetch
