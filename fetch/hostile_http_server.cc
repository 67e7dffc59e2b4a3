#include "fetch/hostile_http_server.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace debrepo::fetch {

absl::StatusOr<std::unique_ptr<HostileHttpServer>> HostileHttpServer::Start(
    const std::string& root) {
  return Run(root, /*tls=*/false, /*rules_path=*/"");
}

absl::StatusOr<std::unique_ptr<HostileHttpServer>>
HostileHttpServer::StartWithRules(const std::string& root,
                                  const std::string& rules_path) {
  return Run(root, /*tls=*/false, rules_path);
}

absl::StatusOr<std::unique_ptr<HostileHttpServer>> HostileHttpServer::StartTls(
    const std::string& root) {
  return Run(root, /*tls=*/true, /*rules_path=*/"");
}

absl::StatusOr<std::unique_ptr<HostileHttpServer>> HostileHttpServer::Run(
    const std::string& root, bool tls, const std::string& rules_path) {
  static std::atomic<int> servers{0};
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir =
      absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/hostile-http-", getpid(),
                   "-", servers++);
  std::filesystem::create_directories(dir);
  const std::string port_file = dir + "/port";
  std::unique_ptr<HostileHttpServer> server(new HostileHttpServer());
  server->log_path_ = dir + "/requests.log";
  server->tls_ = tls;
  std::vector<std::string> args = {
      testing::RunfilePath("fetch/testdata/hostile_http_server.py"),
      "--root",
      root,
      "--port-file",
      port_file,
      "--log",
      server->log_path_};
  if (!rules_path.empty()) args.insert(args.end(), {"--rules", rules_path});
  if (tls) {
    const std::string cert = dir + "/cert.pem";
    const std::string key = dir + "/key.pem";
    const std::string make_cert = absl::StrCat(
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "
        "/CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout ",
        key, " -out ", cert, " >", dir, "/openssl.log 2>&1");
    if (std::system(make_cert.c_str()) != 0) {
      return absl::InternalError(absl::StrCat(
          "making a certificate failed; see ", dir, "/openssl.log"));
    }
    args.insert(args.end(), {"--tls-cert", cert, "--tls-key", key});
  }
  server->process_ = std::make_unique<testing::Process>(
      "/usr/bin/python3", args, dir + "/server.log");
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    std::ifstream in(port_file);
    if (in >> server->port_ && server->port_ > 0) return server;
    if (!server->process_->Running()) {
      return absl::InternalError(absl::StrCat(
          "the test HTTP server exited at start-up; see ", dir, "/server.log"));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError("the test HTTP server did not start");
}

std::string HostileHttpServer::Url(absl::string_view path) const {
  return absl::StrCat(tls_ ? "https" : "http", "://127.0.0.1:", port_, path);
}

std::vector<LoggedRequest> HostileHttpServer::Requests() const {
  std::vector<LoggedRequest> requests;
  std::ifstream in(log_path_);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields = absl::StrSplit(line, '\t');
    LoggedRequest request;
    if (fields.size() != 3 || !absl::SimpleAtoi(fields[2], &request.status)) {
      continue;  // a line being written
    }
    request.path = std::move(fields[0]);
    request.range = std::move(fields[1]);
    requests.push_back(std::move(request));
  }
  return requests;
}

void HostileHttpServer::ClearRequests() { std::filesystem::remove(log_path_); }

}  // namespace debrepo::fetch
