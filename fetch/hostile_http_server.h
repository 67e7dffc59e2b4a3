// HostileHttpServer: testdata/hostile_http_server.py on loopback, serving a
// directory well or badly (stalls, trickles, drops, truncation, oversized or
// endless bodies, redirects to any scheme, errors) and logging each request,
// for tests of fetching and of mirroring. The behaviour is picked by the
// URL's first path segment, or by a rules file; the script's docstring lists
// both.
#ifndef DEBREPO_FETCH_HOSTILE_HTTP_SERVER_H_
#define DEBREPO_FETCH_HOSTILE_HTTP_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tests/process.h"

namespace debrepo::fetch {

// LoggedRequest is one request the server received.
struct LoggedRequest {
  std::string path;   // percent-decoded, e.g. "/files/a.deb"
  std::string range;  // the Range header as sent, "" for none
  int status = 0;     // the answer's status code; 0: never answered
};

// HostileHttpServer runs the server until destroyed.
class HostileHttpServer {
 public:
  // Start serves the files under `root` on a free port of 127.0.0.1 and
  // returns once it accepts connections.
  static absl::StatusOr<std::unique_ptr<HostileHttpServer>> Start(
      const std::string& root);

  // StartWithRules serves the files under `root` at their own paths, each
  // well unless the first matching rule of the JSON file `rules_path`
  // (read at each request; it may change or be missing) says otherwise.
  static absl::StatusOr<std::unique_ptr<HostileHttpServer>> StartWithRules(
      const std::string& root, const std::string& rules_path);

  // StartTls is Start speaking HTTPS with a self-signed certificate made
  // for it, which no client trusts.
  static absl::StatusOr<std::unique_ptr<HostileHttpServer>> StartTls(
      const std::string& root);

  // Url is "http://127.0.0.1:<port>" (https with TLS) followed by `path`.
  std::string Url(absl::string_view path) const;

  // Requests lists the requests received so far (since ClearRequests), in
  // the order they were answered.
  std::vector<LoggedRequest> Requests() const;
  // ClearRequests forgets the requests received so far.
  void ClearRequests();

 private:
  HostileHttpServer() = default;
  static absl::StatusOr<std::unique_ptr<HostileHttpServer>> Run(
      const std::string& root, bool tls, const std::string& rules_path);

  std::unique_ptr<testing::Process> process_;
  std::string log_path_;
  int port_ = 0;
  bool tls_ = false;
};

}  // namespace debrepo::fetch

#endif  // DEBREPO_FETCH_HOSTILE_HTTP_SERVER_H_
