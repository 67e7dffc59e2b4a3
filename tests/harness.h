// Integration-test harness: real debrepo-server and debrepo-worker
// processes talking over real sockets to a throw-away PostgreSQL database
// (TestDatabase, tests/test_database.h).
#ifndef DEBREPO_TESTS_HARNESS_H_
#define DEBREPO_TESTS_HARNESS_H_

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/debrepo/v1/admin.grpc.pb.h"
#include "proto/debrepo/v1/files.grpc.pb.h"
#include "proto/debrepo/v1/jobs.grpc.pb.h"
#include "proto/debrepo/v1/mirrors.grpc.pb.h"
#include "proto/debrepo/v1/packages.grpc.pb.h"
#include "proto/debrepo/v1/publish.grpc.pb.h"
#include "proto/debrepo/v1/repos.grpc.pb.h"
#include "proto/debrepo/v1/snapshots.grpc.pb.h"
#include "tests/process.h"
#include "tests/test_database.h"

namespace debrepo::testing {

// Stack runs servers and workers against one TestDatabase.
class Stack {
 public:
  // With an empty `blob_dir`, the Stack's servers and workers get a blob
  // store of their own under the test's output directory; a database kept
  // across runs needs the blob store it knows (they refuse another one).
  explicit Stack(const std::string& database_url,
                 const std::string& blob_dir = "");

  // StartServer starts a server on a free port, with extra flags, and waits
  // until it serves. The servers and workers of a Stack share one blob
  // store, blob_dir().
  void StartServer(const std::vector<std::string>& extra_flags = {});
  const std::string& blob_dir() const { return blob_dir_; }
  // StartWorker starts a worker with extra flags; returns its index.
  int StartWorker(const std::vector<std::string>& extra_flags = {});
  Process& worker(int index) { return *workers_[index]; }
  // worker_log is the path of the file worker `index` logs to.
  std::string worker_log(int index) const;
  Process& server(int index) { return *servers_[index].process; }
  int server_count() const { return static_cast<int>(servers_.size()); }

  // Stubs of server `index` modulo the number of servers, so callers can
  // spread load over them.
  v1::Repos::Stub& repos(int index = 0);
  v1::Jobs::Stub& jobs(int index = 0);
  v1::Admin::Stub& admin(int index = 0);
  v1::Files::Stub& files(int index = 0);
  v1::Packages::Stub& packages(int index = 0);
  v1::Snapshots::Stub& snapshots(int index = 0);
  v1::Publish::Stub& publish(int index = 0);
  v1::Mirrors::Stub& mirrors(int index = 0);
  std::string address(int index = 0) const;

  // WaitJob waits (up to `timeout`) for a job to end and returns it.
  v1::Job WaitJob(int64_t id, absl::Duration timeout = absl::Seconds(60),
                  int server = 0);

 private:
  struct Server {
    std::unique_ptr<Process> process;
    int port = 0;
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<v1::Repos::Stub> repos;
    std::unique_ptr<v1::Jobs::Stub> jobs;
    std::unique_ptr<v1::Admin::Stub> admin;
    std::unique_ptr<v1::Publish::Stub> publish;
    std::unique_ptr<v1::Files::Stub> files;
    std::unique_ptr<v1::Packages::Stub> packages;
    std::unique_ptr<v1::Snapshots::Stub> snapshots;
    std::unique_ptr<v1::Mirrors::Stub> mirrors;
  };
  std::string database_url_;
  std::string blob_dir_;
  std::vector<Server> servers_;
  std::vector<std::unique_ptr<Process>> workers_;
};

// WaitUntilRunning polls job `id` until it runs (up to 10 s) and returns
// it as last read.
v1::Job WaitUntilRunning(Stack& stack, int64_t id);

// Ended is true for SUCCEEDED, FAILED and CANCELLED.
bool Ended(v1::JobState state);

// Result is how an operation ended: rejected by the server, or its job's
// outcome.
struct Result {
  absl::StatusCode code = absl::StatusCode::kUnknown;
  std::string message;
  v1::Job job;  // empty when the server rejected the request
};

// Await turns a mutation's RPC status and returned job into its Result,
// waiting for the job to end.
Result Await(Stack& stack, const grpc::Status& rpc, const v1::Job& job,
             int server = 0);

// CreateRepo creates a repo through server `server` and waits.
Result CreateRepo(Stack& stack, const std::string& name, int server = 0);

// RenameRepo renames `from` to `to` through server `server` and waits.
Result RenameRepo(Stack& stack, const std::string& from, const std::string& to,
                  int server = 0);

// DeleteRepo drops a repo through server `server` (with `force`: also
// when snapshots were made from it) and waits.
Result DeleteRepo(Stack& stack, const std::string& name, int server = 0,
                  bool force = false);

// Upload streams `bytes` to Files.Upload as directory/filename in chunks of
// `chunk` bytes, with `sha256` in the header (none when empty); returns the
// RPC status and fills `job`.
grpc::Status Upload(Stack& stack, const std::string& directory,
                    const std::string& filename, const std::string& bytes,
                    const std::string& sha256, v1::Job* job,
                    size_t chunk = 4096, int server = 0);

// FileToUpload is one file of a multi-file upload.
struct FileToUpload {
  std::string filename;
  std::string bytes;
  // Sent in the file's header; none when empty.
  std::string sha256;
};

// UploadFiles streams `files` to Files.Upload as one upload into
// `directory` (each file's header, then its bytes in chunks of `chunk`
// bytes); returns the RPC status and fills `job`.
grpc::Status UploadFiles(Stack& stack, const std::string& directory,
                         const std::vector<FileToUpload>& files, v1::Job* job,
                         size_t chunk = 4096, int server = 0);

// UploadAndWait uploads with the right checksum and waits for the job.
Result UploadAndWait(Stack& stack, const std::string& directory,
                     const std::string& filename, const std::string& bytes,
                     int server = 0);

// BuildDebFile builds a real package with dpkg-deb under TEST_TMPDIR and
// returns its path; BuildDeb returns its bytes. `payload` goes into a file
// the package installs, so different payloads give different packages.
// `extra_control` holds more control lines ("Depends: x\n").
std::string BuildDebFile(const std::string& name, const std::string& version,
                         const std::string& architecture,
                         const std::string& payload = "hello",
                         const std::string& extra_control = "");
std::string BuildDeb(const std::string& name, const std::string& version,
                     const std::string& architecture,
                     const std::string& payload = "hello",
                     const std::string& extra_control = "");

// TestSigners holds gpg keys made for a test in a private GNUPGHOME, to
// sign uploads as maintainers do (debsign clear-signs with gpg).
class TestSigners {
 public:
  // Makes an ed25519 signing key "NAME <NAME@example.org>" for each name.
  explicit TestSigners(const std::vector<std::string>& names);
  // Stops gpg-agent and removes the keys.
  ~TestSigners();
  TestSigners(const TestSigners&) = delete;
  TestSigners& operator=(const TestSigners&) = delete;

  // ExportKeyring writes `name`'s public key to `path`, a keyring for the
  // workers' --trusted_keyrings.
  void ExportKeyring(const std::string& name, const std::string& path);
  // ClearSign clear-signs the file at `path` in place with `name`'s key;
  // an empty `name` leaves it unsigned.
  void ClearSign(const std::string& path, const std::string& name);
  // home is the GNUPGHOME holding the keys (for a worker's --gpg_home).
  const std::string& home() const { return home_; }

 private:
  std::string home_;
};

// RunQuietly runs a shell command with its output discarded and returns
// std::system's status.
int RunQuietly(const std::string& command);

// BuildSourceUpload builds source package `name` 1.0-1 and its binary
// package into `directory` with the dpkg tools (tests/build_source_upload.sh,
// which the test must have as data) and returns the path of its unsigned
// source+binary .changes, made with dpkg-genchanges `source_option` (-sa
// lists the orig tarball, -sd does not).
std::string BuildSourceUpload(const std::string& directory,
                              const std::string& name,
                              const std::string& source_option = "-sa");

// ReadFile returns the bytes of the file at `path` ("" if unreadable).
std::string ReadFile(const std::string& path);

// Sha256Hex returns the SHA-256 of `bytes` in lowercase hex.
std::string Sha256Hex(const std::string& bytes);

// RunConcurrently runs `fn(i)` for i in [0, n) on `n` threads released at
// once, and waits for all.
template <typename Fn>
void RunConcurrently(int n, Fn fn) {
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      fn(i);
    });
  }
  go.store(true);
  for (std::thread& thread : threads) thread.join();
}

// Deadline returns a context with a deadline `timeout` from now.
std::unique_ptr<grpc::ClientContext> Deadline(absl::Duration timeout);

// AllPackageKeys reads a package listing page by page: `list` is a call
// like Snapshots.ListSnapshotPackages (context, request, response),
// `request` its first page's request. Returns the keys in the order
// listed; a failed call fails the test and ends the listing.
template <typename Response, typename Request, typename List>
std::vector<std::string> AllPackageKeys(Request request, List list) {
  std::vector<std::string> keys;
  do {
    Response response;
    grpc::Status status =
        list(Deadline(absl::Seconds(10)).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok()) break;
    for (const auto& package : response.packages()) {
      keys.push_back(package.key());
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return keys;
}

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_HARNESS_H_
