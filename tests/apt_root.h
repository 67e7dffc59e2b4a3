// A real apt in a throw-away root, for tests that check what apt makes of
// a published tree.
#ifndef DEBREPO_TESTS_APT_ROOT_H_
#define DEBREPO_TESTS_APT_ROOT_H_

#include <memory>
#include <string>

#include "tests/process.h"

namespace debrepo::testing {

// TestDir returns "<TEST_TMPDIR>/<name>-<pid>", created.
std::string TestDir(const std::string& name);

// AptRoot is a throw-away apt configuration whose one source is the
// published tree, served by python3's http.server, signed-by `keyring`.
class AptRoot {
 public:
  AptRoot(const std::string& publish_root, const std::string& keyring,
          const std::string& distribution);
  // Stops the HTTP server.
  ~AptRoot();
  AptRoot(const AptRoot&) = delete;
  AptRoot& operator=(const AptRoot&) = delete;

  // AptGet runs apt-get `command` against this root; returns its status.
  int AptGet(const std::string& command);
  // downloaded is the path of `file` in the directory apt-get runs in.
  std::string downloaded(const std::string& file) const;
  // log is what the apt-get runs printed.
  std::string log() const;

 private:
  const std::string dir_;
  const int port_;
  std::unique_ptr<Process> server_;
};

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_APT_ROOT_H_
