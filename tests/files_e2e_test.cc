// Upload directories end to end: streaming into the blob store, recording
// through jobs, hostile input, and concurrent uploaders.
#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace debrepo::testing {
namespace {

using ::testing::HasSubstr;

int CountFiles(const std::string& dir) {
  int n = 0;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(dir, error)) {
    if (entry.is_regular_file()) ++n;
  }
  return n;
}

class FilesE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_.StartServer({"--max_upload_bytes=100000"});
    stack_.StartWorker();
  }

  grpc::Status Upload(const std::string& directory, const std::string& filename,
                      const std::string& bytes, const std::string& sha256,
                      v1::Job* job) {
    return testing::Upload(stack_, directory, filename, bytes, sha256, job);
  }

  absl::StatusCode UploadAndWait(const std::string& directory,
                                 const std::string& filename,
                                 const std::string& bytes, int server = 0) {
    return testing::UploadAndWait(stack_, directory, filename, bytes, server)
        .code;
  }

  std::vector<v1::UploadFile> ListFiles(const std::string& directory) {
    v1::ListUploadFilesRequest request;
    request.set_directory(directory);
    v1::ListUploadFilesResponse response;
    grpc::Status status = stack_.files().ListUploadFiles(
        Deadline(absl::Seconds(10)).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.files().begin(), response.files().end()};
  }

  TestDatabase db_;
  Stack stack_{db_.url()};
};

TEST_F(FilesE2eTest, UploadRecordsTheFileAndItsBytes) {
  const std::string bytes(20000, 'p');
  v1::Job job;
  grpc::Status status =
      Upload("incoming", "hello_1.0_amd64.deb", bytes, Sha256Hex(bytes), &job);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(job.kind(), "upload.add_file");
  Result recorded = Await(stack_, status, job);
  ASSERT_EQ(recorded.code, absl::StatusCode::kOk) << recorded.message;
  EXPECT_EQ(recorded.job.result().upload_file().sha256(), Sha256Hex(bytes));

  std::vector<v1::UploadFile> files = ListFiles("incoming");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].filename(), "hello_1.0_amd64.deb");
  EXPECT_EQ(files[0].size(), 20000);
  const std::string sha = Sha256Hex(bytes);
  EXPECT_TRUE(std::filesystem::exists(
      absl::StrCat(stack_.blob_dir(), "/sha256/", sha.substr(0, 2), "/",
                   sha.substr(2, 2), "/", sha)));

  // The same name again replaces the file.
  ASSERT_EQ(UploadAndWait("incoming", "hello_1.0_amd64.deb", "new bytes"),
            absl::StatusCode::kOk);
  files = ListFiles("incoming");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].sha256(), Sha256Hex("new bytes"));

  v1::ListUploadDirectoriesResponse directories;
  ASSERT_TRUE(stack_.files()
                  .ListUploadDirectories(Deadline(absl::Seconds(10)).get(),
                                         v1::ListUploadDirectoriesRequest(),
                                         &directories)
                  .ok());
  ASSERT_EQ(directories.directories_size(), 1);
  EXPECT_EQ(directories.directories(0).name(), "incoming");
  EXPECT_EQ(directories.directories(0).file_count(), 1);
}

TEST_F(FilesE2eTest, BadUploadsAreRefusedAndLeaveNothing) {
  v1::Job job;
  for (const std::string& filename :
       std::vector<std::string>{"", ".", "..", "../../etc/passwd", "a/b.deb",
                                ".hidden", "sp ace.deb", "ctl\x01.deb"}) {
    grpc::Status status = Upload("incoming", filename, "x", "", &job);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << filename;
    EXPECT_THAT(status.error_message(), HasSubstr("file name"));
  }
  EXPECT_EQ(Upload("../up", "a.deb", "x", "", &job).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  grpc::Status mismatch =
      Upload("incoming", "a.deb", "some bytes", std::string(64, 'a'), &job);
  EXPECT_EQ(mismatch.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(mismatch.error_message(), HasSubstr("SHA-256"));

  grpc::Status too_big =
      Upload("incoming", "big.deb", std::string(150000, 'b'), "", &job);
  EXPECT_EQ(too_big.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(too_big.error_message(), HasSubstr("--max_upload_bytes"));

  // A stream that starts with bytes instead of a header.
  {
    auto context = Deadline(absl::Seconds(10));
    auto writer = stack_.files().Upload(context.get(), &job);
    v1::UploadRequest part;
    part.set_chunk("data");
    writer->Write(part);
    writer->WritesDone();
    EXPECT_EQ(writer->Finish().error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }

  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM upload_files"), "0");
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM jobs"), "0");
  EXPECT_EQ(CountFiles(stack_.blob_dir()), 0);
}

TEST_F(FilesE2eTest, AnUploadCancelledHalfWayRecordsNothing) {
  v1::Job job;
  auto context = Deadline(absl::Seconds(10));
  auto writer = stack_.files().Upload(context.get(), &job);
  v1::UploadRequest header;
  header.mutable_header()->set_directory("incoming");
  header.mutable_header()->set_filename("half.deb");
  ASSERT_TRUE(writer->Write(header));
  v1::UploadRequest part;
  part.set_chunk(std::string(4096, 'h'));
  ASSERT_TRUE(writer->Write(part));
  context->TryCancel();
  EXPECT_FALSE(writer->Finish().ok());
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM upload_files"), "0");
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM jobs"), "0");
}

TEST_F(FilesE2eTest, DeleteFilesAndDirectories) {
  ASSERT_EQ(UploadAndWait("d", "a.deb", "a"), absl::StatusCode::kOk);
  ASSERT_EQ(UploadAndWait("d", "b.deb", "b"), absl::StatusCode::kOk);

  v1::DeleteUploadRequest request;
  request.set_directory("d");
  request.set_filename("missing.deb");
  v1::Job job;
  grpc::Status status = stack_.files().DeleteUpload(
      Deadline(absl::Seconds(10)).get(), request, &job);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);

  request.set_filename("a.deb");
  status = stack_.files().DeleteUpload(Deadline(absl::Seconds(10)).get(),
                                       request, &job);
  Result deleted = Await(stack_, status, job);
  ASSERT_EQ(deleted.code, absl::StatusCode::kOk) << deleted.message;
  EXPECT_EQ(deleted.job.result().delete_upload().deleted_files(), 1);
  ASSERT_EQ(ListFiles("d").size(), 1u);

  request.clear_filename();
  status = stack_.files().DeleteUpload(Deadline(absl::Seconds(10)).get(),
                                       request, &job);
  ASSERT_EQ(Await(stack_, status, job).code, absl::StatusCode::kOk);
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM upload_files"), "0");

  v1::ListUploadFilesRequest list;
  list.set_directory("d");
  v1::ListUploadFilesResponse response;
  EXPECT_EQ(stack_.files()
                .ListUploadFiles(Deadline(absl::Seconds(10)).get(), list,
                                 &response)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(FilesE2eTest, ConcurrentUploadersIntoOneDirectoryLoseNothing) {
  stack_.StartServer();
  stack_.StartWorker();
  constexpr int kClients = 8;
  constexpr int kFilesEach = 10;
  std::atomic<int> failures{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < kFilesEach; ++i) {
        const std::string name = absl::StrCat("pkg", c, "_", i, "_all.deb");
        if (UploadAndWait("shared", name, absl::StrCat("content ", c, i),
                          /*server=*/c) != absl::StatusCode::kOk) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(ListFiles("shared").size(),
            static_cast<size_t>(kClients * kFilesEach));
}

}  // namespace
}  // namespace debrepo::testing
