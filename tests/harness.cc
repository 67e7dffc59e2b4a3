#include "tests/harness.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "openssl/sha.h"

namespace debrepo::testing {
namespace {

std::string OutputDir() {
  for (const char* name : {"TEST_UNDECLARED_OUTPUTS_DIR", "TEST_TMPDIR"}) {
    if (const char* dir = std::getenv(name)) return dir;
  }
  return "/tmp";
}

// NewBlobDir names a fresh blob store for a Stack: numbered, not named by
// the Stack's address, which the Stack of a test run after another in the
// same process may share (it then found the other's blobs).
std::string NewBlobDir() {
  static std::atomic<int> stacks{0};
  return absl::StrCat(OutputDir(), "/blobs-", getpid(), "-", stacks++);
}

}  // namespace

bool Ended(v1::JobState state) {
  return state == v1::SUCCEEDED || state == v1::FAILED ||
         state == v1::CANCELLED;
}

Stack::Stack(const std::string& database_url, const std::string& blob_dir)
    : database_url_(database_url),
      blob_dir_(!blob_dir.empty() ? blob_dir : NewBlobDir()) {}

void Stack::StartServer(const std::vector<std::string>& extra_flags) {
  const int index = static_cast<int>(servers_.size());
  const std::string port_file =
      absl::StrCat(OutputDir(), "/server", index, ".port.", getpid());
  std::remove(port_file.c_str());
  Server server;
  std::vector<std::string> args = {
      "--listen=127.0.0.1:0", absl::StrCat("--database_url=", database_url_),
      absl::StrCat("--port_file=", port_file),
      absl::StrCat("--blob_dir=", blob_dir())};
  args.insert(args.end(), extra_flags.begin(), extra_flags.end());
  server.process = std::make_unique<Process>(
      RunfilePath("server/debrepo-server"), args,
      absl::StrCat(OutputDir(), "/server", index, ".log"));
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline) {
    std::ifstream in(port_file);
    if (in >> server.port && server.port > 0) break;
    ASSERT_TRUE(server.process->Running()) << "server exited at start-up";
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_GT(server.port, 0) << "server did not start within 60 s";
  server.channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server.port),
                                       grpc::InsecureChannelCredentials());
  server.repos = v1::Repos::NewStub(server.channel);
  server.jobs = v1::Jobs::NewStub(server.channel);
  server.admin = v1::Admin::NewStub(server.channel);
  server.files = v1::Files::NewStub(server.channel);
  server.packages = v1::Packages::NewStub(server.channel);
  server.snapshots = v1::Snapshots::NewStub(server.channel);
  server.publish = v1::Publish::NewStub(server.channel);
  server.mirrors = v1::Mirrors::NewStub(server.channel);
  servers_.push_back(std::move(server));
}

int Stack::StartWorker(const std::vector<std::string>& extra_flags) {
  const int index = static_cast<int>(workers_.size());
  std::vector<std::string> args = {
      absl::StrCat("--database_url=", database_url_),
      absl::StrCat("--worker_id=test-worker-", index),
      absl::StrCat("--blob_dir=", blob_dir()), "--concurrency=2"};
  args.insert(args.end(), extra_flags.begin(), extra_flags.end());
  workers_.push_back(std::make_unique<Process>(
      RunfilePath("worker/debrepo-worker"), args, worker_log(index)));
  return index;
}

std::string Stack::worker_log(int index) const {
  return absl::StrCat(OutputDir(), "/worker", index, ".log");
}

v1::Repos::Stub& Stack::repos(int index) {
  return *servers_[index % servers_.size()].repos;
}
v1::Jobs::Stub& Stack::jobs(int index) {
  return *servers_[index % servers_.size()].jobs;
}
v1::Admin::Stub& Stack::admin(int index) {
  return *servers_[index % servers_.size()].admin;
}
v1::Files::Stub& Stack::files(int index) {
  return *servers_[index % servers_.size()].files;
}
v1::Publish::Stub& Stack::publish(int index) {
  return *servers_[index % servers_.size()].publish;
}
v1::Packages::Stub& Stack::packages(int index) {
  return *servers_[index % servers_.size()].packages;
}

v1::Snapshots::Stub& Stack::snapshots(int index) {
  return *servers_[index % servers_.size()].snapshots;
}
v1::Mirrors::Stub& Stack::mirrors(int index) {
  return *servers_[index % servers_.size()].mirrors;
}
std::string Stack::address(int index) const {
  return absl::StrCat("127.0.0.1:", servers_[index % servers_.size()].port);
}

std::unique_ptr<grpc::ClientContext> Deadline(absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return context;
}

v1::Job Stack::WaitJob(int64_t id, absl::Duration timeout, int server) {
  const absl::Time deadline = absl::Now() + timeout;
  v1::Job job;
  while (absl::Now() < deadline) {
    v1::WaitJobRequest request;
    request.set_id(id);
    *request.mutable_timeout() =
        google::protobuf::util::TimeUtil::MillisecondsToDuration(5000);
    grpc::Status status =
        jobs(server).WaitJob(Deadline(absl::Seconds(10)).get(), request, &job);
    if (status.ok() && Ended(job.state())) return job;
    if (!status.ok()) absl::SleepFor(absl::Milliseconds(100));
  }
  ADD_FAILURE() << "job " << id << " did not end within " << timeout
                << "; last seen: " << job.ShortDebugString();
  return job;
}

v1::Job WaitUntilRunning(Stack& stack, int64_t id) {
  v1::GetJobRequest get;
  get.set_id(id);
  v1::Job job;
  for (int i = 0; i < 400; ++i) {
    grpc::Status status =
        stack.jobs().GetJob(Deadline(absl::Seconds(5)).get(), get, &job);
    if (status.ok() && job.state() == v1::RUNNING) break;
    absl::SleepFor(absl::Milliseconds(25));
  }
  return job;
}

Result Await(Stack& stack, const grpc::Status& rpc, const v1::Job& job,
             int server) {
  Result result;
  if (!rpc.ok()) {
    result.code = static_cast<absl::StatusCode>(rpc.error_code());
    result.message = rpc.error_message();
    return result;
  }
  result.job = stack.WaitJob(job.id(), absl::Seconds(120), server);
  if (!Ended(result.job.state())) {
    // Not a success: the job is still queued or running.
    result.code = absl::StatusCode::kDeadlineExceeded;
    result.message = absl::StrCat("job ", job.id(), " did not end in 120 s");
    return result;
  }
  result.code = static_cast<absl::StatusCode>(result.job.status_code());
  result.message = result.job.status_message();
  return result;
}

std::string BuildDebFile(const std::string& name, const std::string& version,
                         const std::string& architecture,
                         const std::string& payload,
                         const std::string& extra_control) {
  // A directory of each build's own: another build must not remove it.
  static std::atomic<int> builds = 0;
  const std::string root =
      absl::StrCat(OutputDir(), "/build-", name, "-", builds++);
  const std::string control_dir = root + "/pkg/DEBIAN";
  EXPECT_EQ(
      std::system(absl::StrCat("rm -rf ", root, " && mkdir -p ", control_dir,
                               " ", root, "/pkg/usr/share/", name)
                      .c_str()),
      0);
  std::ofstream(control_dir + "/control")
      << "Package: " << name << "\nVersion: " << version
      << "\nArchitecture: " << architecture
      << "\nMaintainer: Test <test@example.org>\nSection: misc\n"
         "Priority: optional\n"
      << extra_control << "Description: test package " << name << "\n";
  std::ofstream(absl::StrCat(root, "/pkg/usr/share/", name, "/data"))
      << payload;
  const std::string deb =
      absl::StrCat(root, "/", name, "_", version, "_", architecture, ".deb");
  EXPECT_EQ(std::system(absl::StrCat("dpkg-deb --root-owner-group -Zgzip -b ",
                                     root, "/pkg ", deb, " >/dev/null")
                            .c_str()),
            0);
  return deb;
}

std::string BuildDeb(const std::string& name, const std::string& version,
                     const std::string& architecture,
                     const std::string& payload,
                     const std::string& extra_control) {
  return ReadFile(
      BuildDebFile(name, version, architecture, payload, extra_control));
}

int RunQuietly(const std::string& command) {
  return std::system(absl::StrCat(command, " >/dev/null 2>&1").c_str());
}

std::string BuildSourceUpload(const std::string& directory,
                              const std::string& name,
                              const std::string& source_option) {
  EXPECT_EQ(
      RunQuietly(absl::StrCat(RunfilePath("tests/build_source_upload.sh"), " ",
                              directory, " ", name, " ", source_option)),
      0)
      << name;
  return absl::StrCat(directory, "/", name, "_1.0-1_source.changes");
}

TestSigners::TestSigners(const std::vector<std::string>& names) {
  // A short path: gpg-agent's socket path is limited.
  char home_template[] = "/tmp/debrepo-gpg-XXXXXX";
  EXPECT_NE(mkdtemp(home_template), nullptr);
  home_ = home_template;
  for (const std::string& name : names) {
    EXPECT_EQ(RunQuietly(absl::StrCat("GNUPGHOME=", home_,
                                      " gpg --batch --passphrase '' "
                                      "--quick-gen-key '",
                                      name, " <", name,
                                      "@example.org>' ed25519 sign never")),
              0)
        << name;
  }
}

TestSigners::~TestSigners() {
  RunQuietly(absl::StrCat("GNUPGHOME=", home_, " gpgconf --kill all"));
  RunQuietly(absl::StrCat("rm -rf ", home_));
}

void TestSigners::ExportKeyring(const std::string& name,
                                const std::string& path) {
  EXPECT_EQ(RunQuietly(absl::StrCat("GNUPGHOME=", home_, " gpg --batch --yes ",
                                    "--output ", path, " --export ", name,
                                    "@example.org")),
            0)
      << name;
}

void TestSigners::ClearSign(const std::string& path, const std::string& name) {
  if (name.empty()) return;
  EXPECT_EQ(RunQuietly(absl::StrCat(
                "GNUPGHOME=", home_, " gpg --batch --yes --local-user ", name,
                "@example.org --clearsign --output ", path, ".asc ", path,
                " && mv ", path, ".asc ", path)),
            0)
      << path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::string Sha256Hex(const std::string& bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

grpc::Status UploadFiles(Stack& stack, const std::string& directory,
                         const std::vector<FileToUpload>& files, v1::Job* job,
                         size_t chunk, int server) {
  auto context = Deadline(absl::Seconds(60));
  auto writer = stack.files(server).Upload(context.get(), job);
  for (const FileToUpload& file : files) {
    v1::UploadRequest header;
    header.mutable_header()->set_directory(directory);
    header.mutable_header()->set_filename(file.filename);
    header.mutable_header()->set_sha256(file.sha256);
    // A failed write means the server has answered already.
    if (!writer->Write(header)) break;
    for (size_t offset = 0; offset < file.bytes.size(); offset += chunk) {
      v1::UploadRequest part;
      part.set_chunk(file.bytes.substr(offset, chunk));
      if (!writer->Write(part)) break;
    }
  }
  writer->WritesDone();
  return writer->Finish();
}

grpc::Status Upload(Stack& stack, const std::string& directory,
                    const std::string& filename, const std::string& bytes,
                    const std::string& sha256, v1::Job* job, size_t chunk,
                    int server) {
  return UploadFiles(stack, directory, {{filename, bytes, sha256}}, job, chunk,
                     server);
}

Result UploadAndWait(Stack& stack, const std::string& directory,
                     const std::string& filename, const std::string& bytes,
                     int server) {
  v1::Job job;
  grpc::Status status = Upload(stack, directory, filename, bytes,
                               Sha256Hex(bytes), &job, 4096, server);
  return Await(stack, status, job, server);
}

Result CreateRepo(Stack& stack, const std::string& name, int server) {
  v1::CreateRepoRequest request;
  request.mutable_repo()->set_name(name);
  v1::Job job;
  grpc::Status rpc = stack.repos(server).CreateRepo(
      Deadline(absl::Seconds(30)).get(), request, &job);
  return Await(stack, rpc, job, server);
}

Result RenameRepo(Stack& stack, const std::string& from, const std::string& to,
                  int server) {
  v1::UpdateRepoRequest request;
  request.set_name(from);
  request.mutable_repo()->set_name(to);
  request.mutable_update_mask()->add_paths("name");
  v1::Job job;
  grpc::Status rpc = stack.repos(server).UpdateRepo(
      Deadline(absl::Seconds(30)).get(), request, &job);
  return Await(stack, rpc, job, server);
}

Result DeleteRepo(Stack& stack, const std::string& name, int server,
                  bool force) {
  v1::DeleteRepoRequest request;
  request.set_name(name);
  request.set_force(force);
  v1::Job job;
  grpc::Status rpc = stack.repos(server).DeleteRepo(
      Deadline(absl::Seconds(30)).get(), request, &job);
  return Await(stack, rpc, job, server);
}

}  // namespace debrepo::testing
