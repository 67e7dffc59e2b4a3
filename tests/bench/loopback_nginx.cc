#include "tests/bench/loopback_nginx.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace debrepo::testing {
namespace {

// A loopback socket; bound to `port` (0: any), or -1.
int LoopbackSocket(int port, sockaddr_in& address) {
  address = {};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return socket(AF_INET, SOCK_STREAM, 0);
}

// A port of 127.0.0.1 that nobody listened on a moment ago, or 0.
int FreePort() {
  sockaddr_in address;
  const int fd = LoopbackSocket(0, address);
  if (fd < 0) return 0;
  socklen_t length = sizeof(address);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

// Whether something accepts connections on 127.0.0.1:`port`.
bool Accepts(int port) {
  sockaddr_in address;
  const int fd = LoopbackSocket(port, address);
  if (fd < 0) return false;
  const bool connected =
      connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return connected;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LoopbackNginx>> LoopbackNginx::Start(
    const std::string& root, const std::string& directory) {
  const int port = FreePort();
  if (port == 0) return absl::InternalError("no free loopback port");
  const std::string temp = directory + "/nginx-temp";
  std::error_code error;
  std::filesystem::create_directories(temp, error);
  const std::string config = directory + "/nginx.conf";
  // Without a master process nginx runs as whoever started it (no switch
  // to nobody, who may not reach `root`) and is one process to stop.
  std::ofstream(config) << "daemon off;\n"
                        << "master_process off;\n"
                        << "pid " << directory << "/nginx.pid;\n"
                        << "error_log " << directory << "/nginx.log warn;\n"
                        << "events { worker_connections 1024; }\n"
                        << "http {\n"
                        << "  default_type application/octet-stream;\n"
                        << "  access_log off;\n"
                        << "  client_body_temp_path " << temp << ";\n"
                        << "  proxy_temp_path " << temp << ";\n"
                        << "  fastcgi_temp_path " << temp << ";\n"
                        << "  uwsgi_temp_path " << temp << ";\n"
                        << "  scgi_temp_path " << temp << ";\n"
                        << "  sendfile on;\n"
                        << "  server {\n"
                        << "    listen 127.0.0.1:" << port << ";\n"
                        << "    root " << root << ";\n"
                        << "  }\n"
                        << "}\n";
  std::unique_ptr<LoopbackNginx> nginx(new LoopbackNginx());
  nginx->url_ = absl::StrCat("http://127.0.0.1:", port);
  nginx->process_ = std::make_unique<Process>(
      "/usr/sbin/nginx",
      std::vector<std::string>{"-p", directory, "-e", directory + "/nginx.log",
                               "-c", config},
      directory + "/nginx.log");
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!Accepts(port)) {
    if (!nginx->process_->Running() || absl::Now() > deadline) {
      return absl::InternalError(absl::StrCat("nginx did not serve on port ",
                                              port, ": see ", directory,
                                              "/nginx.log"));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return nginx;
}

LoopbackNginx::~LoopbackNginx() {
  process_->Signal(SIGTERM);
  process_->Wait();
}

}  // namespace debrepo::testing
