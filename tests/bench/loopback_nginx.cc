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
#include "tests/process.h"

namespace debrepo::testing {
namespace {

// Whether something accepts connections on 127.0.0.1:`port`.
bool Accepts(int port) {
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
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
                        // Clients fetching thousands of files keep one
                        // connection each (the default closes after 1,000).
                        << "  keepalive_requests 100000;\n"
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
