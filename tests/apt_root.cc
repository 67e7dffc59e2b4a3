#include "tests/apt_root.h"

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/harness.h"

namespace debrepo::testing {

namespace fs = std::filesystem;

std::string TestDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir =
      absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", name, "-", getpid());
  fs::create_directories(dir);
  return dir;
}

AptRoot::AptRoot(const std::string& publish_root, const std::string& keyring,
                 const std::string& distribution)
    : dir_(TestDir("apt")), port_(FreePort()) {
  server_ = std::make_unique<Process>(
      "/usr/bin/python3",
      std::vector<std::string>{"-m", "http.server", std::to_string(port_),
                               "--bind", "127.0.0.1", "--directory",
                               publish_root},
      absl::StrCat(dir_, "/http.log"));
  for (const char* sub : {"etc/apt/sources.list.d", "etc/apt/preferences.d",
                          "var/lib/apt/lists/partial",
                          "var/cache/apt/archives/partial", "download"}) {
    fs::create_directories(absl::StrCat(dir_, "/", sub));
  }
  std::ofstream(absl::StrCat(dir_, "/status"));
  std::ofstream(absl::StrCat(dir_, "/etc/apt/sources.list"))
      << "deb [arch=amd64 signed-by=" << keyring
      << "] http://127.0.0.1:" << port_ << "/ " << distribution << " main\n";
  // Wait until the server answers.
  for (int i = 0; i < 100; ++i) {
    if (RunQuietly(absl::StrCat("python3 -c \"import urllib.request;"
                                "urllib.request.urlopen('http://127.0.0.1:",
                                port_, "/')\"")) == 0) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
}

AptRoot::~AptRoot() {
  server_->Signal(SIGTERM);
  server_->Wait();
}

int AptRoot::AptGet(const std::string& command) {
  // In a subshell: RunQuietly sends the command's own output to /dev/null,
  // which would override a redirection of the whole command.
  return RunQuietly(
      absl::StrCat("(cd ", dir_, "/download && apt-get -q -o Dir=", dir_,
                   " -o Dir::State::status=", dir_, "/status",
                   " -o Debug::NoLocking=1 -o APT::Architecture=amd64",
                   " -o APT::Sandbox::User=$(id -un) ", command, " >>", dir_,
                   "/apt.log 2>&1)"));
}

std::string AptRoot::downloaded(const std::string& file) const {
  return absl::StrCat(dir_, "/download/", file);
}

std::string AptRoot::log() const {
  return ReadFile(absl::StrCat(dir_, "/apt.log"));
}

}  // namespace debrepo::testing
