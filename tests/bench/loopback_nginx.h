// Serving a directory over HTTP on loopback with Debian's nginx (as
// `tools/dev up` serves published trees), for benchmarks that need a real
// web server in front of an archive.
#ifndef DEBREPO_TESTS_BENCH_LOOPBACK_NGINX_H_
#define DEBREPO_TESTS_BENCH_LOOPBACK_NGINX_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tests/process.h"

namespace debrepo::testing {

// LoopbackNginx is one nginx process (no master: killing it stops
// everything it started) serving a directory on 127.0.0.1.
class LoopbackNginx {
 public:
  // Start serves `root` on a free port of 127.0.0.1; nginx's configuration,
  // temporary files and error log go in `directory`, which must exist.
  // INTERNAL when nginx does not answer within 10 s.
  static absl::StatusOr<std::unique_ptr<LoopbackNginx>> Start(
      const std::string& root, const std::string& directory);

  // ~LoopbackNginx stops nginx and waits for it.
  ~LoopbackNginx();
  LoopbackNginx(const LoopbackNginx&) = delete;
  LoopbackNginx& operator=(const LoopbackNginx&) = delete;

  // url is "http://127.0.0.1:PORT", the served root, without a slash.
  const std::string& url() const { return url_; }

 private:
  LoopbackNginx() = default;

  std::unique_ptr<Process> process_;
  std::string url_;
};

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_BENCH_LOOPBACK_NGINX_H_
