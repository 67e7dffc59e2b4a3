#include "fetch/http_fetch.h"

#include <memory>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "fetch/curl_transfer.h"

namespace debrepo::fetch {
namespace {

absl::Status TooLarge(absl::string_view url, int64_t max_bytes) {
  return absl::FailedPreconditionError(absl::StrCat(
      absl::CHexEscape(url), " is larger than the limit of ", max_bytes,
      " bytes for it; the server sends something else than "
      "the file, or the file is not what it should be"));
}

}  // namespace

absl::Status FetchStream(
    absl::string_view url, const FetchOptions& options,
    const std::function<absl::Status(absl::string_view chunk)>& sink) {
  RETURN_IF_ERROR(CheckHttpUrl(url));
  ASSIGN_OR_RETURN(std::unique_ptr<CurlTransfer> transfer,
                   CurlTransfer::Create());
  const TransferTimeouts timeouts = {options.connect_timeout,
                                     options.stall_timeout,
                                     options.min_bytes_per_second};
  bool sink_took_bytes = false;
  int64_t received = 0;
  std::string current_url;
  TransferBody body;
  body.begin = [&](int64_t, int64_t length) -> absl::Status {
    if (length > options.max_bytes)
      return TooLarge(current_url, options.max_bytes);
    return absl::OkStatus();
  };
  body.chunk = [&](absl::string_view chunk) -> absl::Status {
    received += chunk.size();
    if (received > options.max_bytes) {
      return TooLarge(current_url, options.max_bytes);
    }
    sink_took_bytes = true;
    return sink(chunk);
  };
  absl::Status last_error;
  for (int tries = 1;; ++tries) {
    current_url = std::string(url);
    received = 0;
    TransferOutcome outcome;
    for (int redirects = 0;; ++redirects) {
      RETURN_IF_ERROR(transfer->Start(current_url, 0, timeouts, body));
      outcome = transfer->Finish(curl_easy_perform(transfer->handle()));
      if (outcome.kind != TransferOutcome::Kind::kRedirect) break;
      RETURN_IF_ERROR(CheckRedirect(current_url, outcome.redirect_url));
      if (redirects == kMaxRedirects) {
        return absl::FailedPreconditionError(absl::StrCat(
            url, " redirects more than ", kMaxRedirects, " times (last to ",
            absl::CHexEscape(outcome.redirect_url), ")"));
      }
      current_url = outcome.redirect_url;
    }
    switch (outcome.kind) {
      case TransferOutcome::Kind::kComplete:
        return absl::OkStatus();
      case TransferOutcome::Kind::kRetryable:
        if (sink_took_bytes || tries >= options.max_tries) {
          return absl::Status(
              outcome.status.code(),
              absl::StrCat(outcome.status.message(), " (try ", tries, " of ",
                           options.max_tries, ")"));
        }
        absl::SleepFor(RetryDelay(tries, options.first_retry_delay));
        break;
      default:
        return outcome.status;
    }
  }
}

absl::StatusOr<std::string> FetchToString(absl::string_view url,
                                          const FetchOptions& options) {
  std::string body;
  RETURN_IF_ERROR(FetchStream(url, options, [&body](absl::string_view chunk) {
    body.append(chunk.data(), chunk.size());
    return absl::OkStatus();
  }));
  return body;
}

}  // namespace debrepo::fetch
