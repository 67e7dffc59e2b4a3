// Fetching one file over HTTP(S) as a stream: what a mirror sync uses for
// Release files and indices (packages go through DownloadToBlobStore).
#ifndef DEBREPO_FETCH_HTTP_FETCH_H_
#define DEBREPO_FETCH_HTTP_FETCH_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace debrepo::fetch {

// FetchOptions bounds one fetch (hostile or broken upstreams must fail in
// bounded time and memory).
struct FetchOptions {
  // A body larger than this fails at once (FAILED_PRECONDITION naming the
  // URL and the limit), whatever the server announced.
  int64_t max_bytes = std::numeric_limits<int64_t>::max();
  // Until the connection is up, per try.
  absl::Duration connect_timeout = absl::Seconds(30);
  // Longest time without a byte from the server (DEADLINE_EXCEEDED naming
  // the URL when no try is left).
  absl::Duration stall_timeout = absl::Seconds(60);
  // Slowest throughput accepted over a stall_timeout window
  // (DEADLINE_EXCEEDED naming the URL when no try is left): a server
  // trickling bytes must not hold a fetch forever.
  int64_t min_bytes_per_second = 1024;
  // Tries in all (at least 1); see FetchStream for which failures retry.
  int max_tries = 5;
  // Wait after the first failed try; it doubles with each failure (jittered,
  // at most 30 s).
  absl::Duration first_retry_delay = absl::Milliseconds(500);
};

// FetchStream GETs `url` (http or https, else INVALID_ARGUMENT) and hands
// the body to `sink` in order, chunk by chunk; an error from `sink` stops
// the fetch and is returned. Redirects are followed (at most 10) when
// CheckRedirect allows them, else FAILED_PRECONDITION. 404 and 410 are
// NOT_FOUND and not retried (a caller falls back to another file). Network
// trouble, stalls and 408/429/5xx answers are retried with jittered
// back-off, but only while no byte has reached `sink` (it cannot take a
// body twice); what retries did not cure is UNAVAILABLE (DEADLINE_EXCEEDED
// for a stall). Other answers are FAILED_PRECONDITION naming the URL.
absl::Status FetchStream(
    absl::string_view url, const FetchOptions& options,
    const std::function<absl::Status(absl::string_view chunk)>& sink);

// FetchToString is FetchStream into a string (use a modest max_bytes).
absl::StatusOr<std::string> FetchToString(absl::string_view url,
                                          const FetchOptions& options);

}  // namespace debrepo::fetch

#endif  // DEBREPO_FETCH_HTTP_FETCH_H_
