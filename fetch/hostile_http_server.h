// HostileHttpServer: testdata/hostile_http_server.py on loopback, serving a
// directory well or badly (stalls, drops, truncation, oversized bodies,
// redirects to any scheme, errors) and logging each request, for tests of
// fetching. The script's docstring lists the URL paths.
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
  std::string path;   // as requested, e.g. "/files/a.deb"
  std::string range;  // the Range header, or "-"
};

// HostileHttpServer runs the server until destroyed.
class HostileHttpServer {
 public:
  // Start serves the files under `root` on a free port of 127.0.0.1 and
  // returns once it accepts connections.
  static absl::StatusOr<std::unique_ptr<HostileHttpServer>> Start(
      const std::string& root);

  // StartTls is Start speaking HTTPS with a self-signed certificate made
  // for it, which no client trusts.
  static absl::StatusOr<std::unique_ptr<HostileHttpServer>> StartTls(
      const std::string& root);

  // Url is "http://127.0.0.1:<port>" (https with TLS) followed by `path`.
  std::string Url(absl::string_view path) const;

  // Requests lists the requests received so far, in order.
  std::vector<LoggedRequest> Requests() const;

 private:
  HostileHttpServer() = default;
  static absl::StatusOr<std::unique_ptr<HostileHttpServer>> Run(
      const std::string& root, bool tls);

  std::unique_ptr<testing::Process> process_;
  std::string log_path_;
  int port_ = 0;
  bool tls_ = false;
};

}  // namespace debrepo::fetch

#endif  // DEBREPO_FETCH_HOSTILE_HTTP_SERVER_H_
