// Every server and worker checks at start-up that its blob directory is the
// blob store the database knows, and refuses to start otherwise -- instead
// of accepting uploads that the other nodes then cannot find.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace debrepo::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kIdFile[] = ".debrepo-store-id";

// OutputPath is where a test keeps `name`: its undeclared outputs (kept for
// reading after a failure) when Bazel gives them.
std::string OutputPath(const std::string& name) {
  for (const char* variable : {"TEST_UNDECLARED_OUTPUTS_DIR", "TEST_TMPDIR"}) {
    if (const char* dir = std::getenv(variable)) {
      return absl::StrCat(dir, "/", name);
    }
  }
  return absl::StrCat("/tmp/", name);
}

// A server or worker started outside a Stack, with its own log.
struct StartedProcess {
  std::unique_ptr<Process> process;
  std::string log;
  std::string port_file;  // servers only
};

StartedProcess StartWorker(const std::string& database_url,
                           const std::string& blob_dir,
                           const std::string& name) {
  StartedProcess started;
  started.log = OutputPath(name + ".log");
  started.process = std::make_unique<Process>(
      RunfilePath("worker/debrepo-worker"),
      std::vector<std::string>{absl::StrCat("--database_url=", database_url),
                               absl::StrCat("--worker_id=", name),
                               absl::StrCat("--blob_dir=", blob_dir)},
      started.log);
  return started;
}

StartedProcess StartServer(const std::string& database_url,
                           const std::string& blob_dir,
                           const std::string& name) {
  StartedProcess started;
  started.log = OutputPath(name + ".log");
  started.port_file = OutputPath(name + ".port");
  std::filesystem::remove(started.port_file);
  started.process = std::make_unique<Process>(
      RunfilePath("server/debrepo-server"),
      std::vector<std::string>{"--listen=127.0.0.1:0",
                               absl::StrCat("--database_url=", database_url),
                               absl::StrCat("--port_file=", started.port_file),
                               absl::StrCat("--blob_dir=", blob_dir)},
      started.log);
  return started;
}

// ExitsWithFailure is true when the process exits within 60 s with a
// non-zero status.
bool ExitsWithFailure(Process& process) {
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (process.Running() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  if (process.Running()) return false;
  const int status = process.Wait();
  return WIFEXITED(status) && WEXITSTATUS(status) != 0;
}

// Serving is true once a server wrote its port file (it is serving) and
// is still running.
bool Serving(StartedProcess& server) {
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (server.process->Running() && absl::Now() < deadline) {
    int port = 0;
    std::ifstream in(server.port_file);
    if (in >> port && port > 0) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return false;
}

// WaitForWorkers waits up to 60 s for `count` workers to have registered.
void WaitForWorkers(const TestDatabase& db, int count) {
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline &&
         db.QueryValue("SELECT count(*) FROM workers") != absl::StrCat(count)) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM workers"), absl::StrCat(count));
}

std::string IdInFile(const std::string& blob_dir) {
  std::string id = ReadFile(absl::StrCat(blob_dir, "/", kIdFile));
  if (!id.empty() && id.back() == '\n') id.pop_back();
  return id;
}

TEST(StorageRootsTest, AProcessWithAnotherBlobDirRefusesToStartNamingBoth) {
  TestDatabase db;
  Stack stack(db.url());
  stack.StartServer();
  stack.StartWorker();
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM storage_roots"), "1");
  EXPECT_EQ(db.QueryValue("SELECT kind || ' ' || name || ' ' || path "
                          "FROM storage_roots"),
            absl::StrCat("blob default ", stack.blob_dir()));
  const std::string id = db.QueryValue("SELECT id FROM storage_roots");
  EXPECT_EQ(IdInFile(stack.blob_dir()), id);

  // A node that lacks DEBREPO_BLOB_DIR: an empty directory elsewhere.
  const std::string elsewhere = OutputPath("elsewhere");
  StartedProcess worker = StartWorker(db.url(), elsewhere, "elsewhere-worker");
  EXPECT_TRUE(ExitsWithFailure(*worker.process));
  const std::string worker_log = ReadFile(worker.log);
  EXPECT_THAT(worker_log,
              AllOf(HasSubstr(absl::StrCat("blob store ", elsewhere)),
                    HasSubstr(absl::StrCat(stack.blob_dir(), " (id ", id)),
                    HasSubstr("has no .debrepo-store-id file"),
                    HasSubstr("set --blob_dir or DEBREPO_BLOB_DIR")));
  StartedProcess server = StartServer(db.url(), elsewhere, "elsewhere-server");
  EXPECT_TRUE(ExitsWithFailure(*server.process));
  EXPECT_THAT(ReadFile(server.log),
              AllOf(HasSubstr(elsewhere), HasSubstr(stack.blob_dir()),
                    HasSubstr("set --blob_dir or DEBREPO_BLOB_DIR")));
  // Refusing, they left nothing behind there.
  EXPECT_FALSE(std::filesystem::exists(elsewhere));

  // A directory of another store.
  const std::string other_store = OutputPath("other-store");
  std::filesystem::create_directories(other_store);
  const std::string other_id = "0123456789abcdef0123456789abcdef";
  std::ofstream(absl::StrCat(other_store, "/", kIdFile)) << other_id << "\n";
  StartedProcess stranger = StartWorker(db.url(), other_store, "stranger");
  EXPECT_TRUE(ExitsWithFailure(*stranger.process));
  EXPECT_THAT(ReadFile(stranger.log),
              AllOf(HasSubstr(other_store), HasSubstr(stack.blob_dir()),
                    HasSubstr(absl::StrCat("holds id ", other_id))));

  // The processes on the shared store run on, and more of them start.
  stack.StartServer();
  stack.StartWorker();
  EXPECT_TRUE(stack.worker(0).Running());
  EXPECT_TRUE(stack.worker(1).Running());
  Result created = CreateRepo(stack, "still-works", 1);
  EXPECT_EQ(created.code, absl::StatusCode::kOk) << created.message;
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM storage_roots"), "1");
  EXPECT_EQ(IdInFile(stack.blob_dir()), id);
}

// The right path without its id file: on a node whose shared file system is
// not mounted there, the path is an empty local directory.
TEST(StorageRootsTest, TheKnownPathWithoutItsIdFileIsRefusedUntilRestored) {
  TestDatabase db;
  Stack stack(db.url());
  stack.StartServer();
  const std::string id = db.QueryValue("SELECT id FROM storage_roots");
  const std::string id_file = absl::StrCat(stack.blob_dir(), "/", kIdFile);
  ASSERT_TRUE(std::filesystem::remove(id_file));

  StartedProcess worker = StartWorker(db.url(), stack.blob_dir(), "unmounted");
  EXPECT_TRUE(ExitsWithFailure(*worker.process));
  EXPECT_THAT(ReadFile(worker.log),
              AllOf(HasSubstr("has no .debrepo-store-id file"),
                    HasSubstr("is the shared file system mounted here?")));
  EXPECT_FALSE(std::filesystem::exists(id_file));

  // The fix docs/operations.md gives for a store that lost its id file.
  std::ofstream(id_file) << id << "\n";
  StartedProcess restored = StartWorker(db.url(), stack.blob_dir(), "restored");
  WaitForWorkers(db, 1);
  EXPECT_TRUE(restored.process->Running());
}

// A deployment from before the check: its store has blobs but no id file,
// and the database no record. The first process adopts the store.
TEST(StorageRootsTest, AStoreWithoutIdFileIsAdoptedWhenTheDatabaseKnowsNone) {
  TestDatabase db;
  const std::string blob_dir = OutputPath("existing-store");
  const std::string blob = absl::StrCat(blob_dir, "/sha256/ab/cd/abcd");
  std::filesystem::create_directories(blob_dir + "/sha256/ab/cd");
  std::ofstream(blob) << "bytes";
  StartedProcess server = StartServer(db.url(), blob_dir, "adopting");
  ASSERT_TRUE(Serving(server));
  const std::string id = db.QueryValue("SELECT id FROM storage_roots");
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(IdInFile(blob_dir), id);
  EXPECT_EQ(ReadFile(blob), "bytes");
}

// Many processes starting at once on a fresh database, some given one
// empty directory and some another: all agree on one store. Those given
// it start; the others refuse.
TEST(StorageRootsTest, ConcurrentFirstStartsAgreeOnOneStore) {
  TestDatabase db;
  const std::string first = OutputPath("first");
  const std::string second = OutputPath("second");
  std::vector<StartedProcess> workers[2];
  std::vector<StartedProcess> servers[2];
  for (int i = 0; i < 3; ++i) {
    for (int dir = 0; dir < 2; ++dir) {
      const std::string path = dir == 0 ? first : second;
      workers[dir].push_back(
          StartWorker(db.url(), path, absl::StrCat("racer-", dir, "-", i)));
      if (i < 2) {
        servers[dir].push_back(StartServer(
            db.url(), path, absl::StrCat("racing-server-", dir, "-", i)));
      }
    }
  }
  // The recorded store is one of the two.
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  std::string path;
  while (absl::Now() < deadline && path.empty()) {
    absl::SleepFor(absl::Milliseconds(50));
    try {
      path = db.QueryValue("SELECT path FROM storage_roots");
    } catch (const std::exception&) {
      // Not migrated yet.
    }
  }
  ASSERT_TRUE(path == first || path == second) << path;
  const int winner = path == first ? 0 : 1;
  const int loser = 1 - winner;

  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM storage_roots"), "1");
  const std::string id = db.QueryValue("SELECT id FROM storage_roots");
  EXPECT_EQ(IdInFile(path), id);
  for (StartedProcess& server : servers[winner]) {
    EXPECT_TRUE(Serving(server)) << ReadFile(server.log);
  }
  WaitForWorkers(db, 3);
  for (StartedProcess& worker : workers[winner]) {
    EXPECT_TRUE(worker.process->Running()) << ReadFile(worker.log);
  }
  for (auto* group : {&workers[loser], &servers[loser]}) {
    for (StartedProcess& process : *group) {
      EXPECT_TRUE(ExitsWithFailure(*process.process)) << process.log;
      EXPECT_THAT(ReadFile(process.log),
                  HasSubstr(absl::StrCat("is not the one the database knows, ",
                                         path, " (id ", id, ")")));
    }
  }
  // The id file, the blob store's sha256/ and tmp/, and no temporary id
  // files beside them.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(path),
                          std::filesystem::directory_iterator()),
            3);
}

}  // namespace
}  // namespace debrepo::testing
