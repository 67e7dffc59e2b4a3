#include "cli/file_commands.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cli/args.h"
#include "cli/client.h"
#include "cli/fake_server.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jobs/job_spec.h"

namespace debrepo::cli {
namespace {

namespace v1 = ::debrepo::v1;
using ::debrepo::testing::IsOk;
using ::debrepo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr size_t kMiB = 1 << 20;

class FileCommandsTest : public ::testing::Test {
 protected:
  absl::Status Run(const std::vector<std::string>& args,
                   const Options& options = {}) {
    return server_.RunCommand(FileCommands(), args, options, &out_);
  }

  // WriteFile creates `name` in the test's temporary directory with
  // `contents` and returns its path.
  static std::string WriteFile(const std::string& name,
                               const std::string& contents) {
    const std::string path = absl::StrCat(::testing::TempDir(), "/", name);
    std::ofstream(path, std::ios::binary) << contents;
    return path;
  }

  // Sha256Sum returns what sha256sum(1) says of `path`.
  static std::string Sha256Sum(const std::string& path) {
    std::FILE* pipe =
        popen(absl::StrCat("sha256sum '", path, "'").c_str(), "r");
    char hex[65] = {};
    if (pipe == nullptr || std::fread(hex, 1, 64, pipe) != 64) hex[0] = '\0';
    if (pipe != nullptr) pclose(pipe);
    return hex;
  }

  // Chunks returns the chunks of upload `i`, after its header.
  std::vector<std::string> Chunks(size_t i) const {
    std::vector<std::string> chunks;
    for (size_t j = 1; j < server_.uploads[i].size(); ++j) {
      chunks.push_back(server_.uploads[i][j].chunk());
    }
    return chunks;
  }

  FakeServer server_;
  std::string out_;
};

TEST_F(FileCommandsTest, UploadSendsTheHeaderThenMiBChunks) {
  std::string contents;
  for (size_t i = 0; i < 2 * kMiB + 12345; ++i) {
    contents.push_back(static_cast<char>(i * 7 % 251));
  }
  const std::string path = WriteFile("big.deb", contents);
  ASSERT_THAT(Run({"file", "upload", "incoming", path}), IsOk());

  ASSERT_EQ(server_.uploads.size(), 1);
  const std::vector<v1::UploadRequest>& stream = server_.uploads[0];
  ASSERT_EQ(stream.size(), 4);
  ASSERT_TRUE(stream[0].has_header());
  const v1::UploadHeader& header = stream[0].header();
  EXPECT_EQ(header.directory(), "incoming");
  EXPECT_EQ(header.filename(), "big.deb");
  const std::string sha256sum = Sha256Sum(path);
  ASSERT_EQ(sha256sum.size(), 64);
  EXPECT_EQ(header.sha256(), sha256sum);
  EXPECT_FALSE(header.request_id().empty());
  for (size_t j = 1; j < stream.size(); ++j) {
    EXPECT_EQ(stream[j].part_case(), v1::UploadRequest::kChunk);
  }
  const std::vector<std::string> chunks = Chunks(0);
  EXPECT_EQ(chunks[0].size(), kMiB);
  EXPECT_EQ(chunks[1].size(), kMiB);
  EXPECT_EQ(chunks[2].size(), 12345);
  EXPECT_EQ(absl::StrCat(chunks[0], chunks[1], chunks[2]), contents);

  EXPECT_GT(server_.wait_calls, 0);
  EXPECT_EQ(out_, absl::StrCat("File ", path, " uploaded to incoming.\n"));
}

TEST_F(FileCommandsTest, UploadSeveralFilesInOrderInOneUpload) {
  const std::string hello = WriteFile("hello.txt", "hello\n");
  const std::string empty = WriteFile("empty.deb", "");
  ASSERT_THAT(Run({"file", "upload", "d", hello, empty}), IsOk());
  ASSERT_EQ(server_.uploads.size(), 1);
  const std::vector<v1::UploadRequest>& stream = server_.uploads[0];
  // The second file's header follows the first file's bytes; an empty
  // file has no chunks.
  ASSERT_EQ(stream.size(), 3);
  const v1::UploadHeader& first = stream[0].header();
  EXPECT_EQ(first.filename(), "hello.txt");
  EXPECT_EQ(first.sha256(),
            "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
  EXPECT_FALSE(first.request_id().empty());
  EXPECT_EQ(stream[1].chunk(), "hello\n");
  const v1::UploadHeader& second = stream[2].header();
  EXPECT_EQ(second.filename(), "empty.deb");
  EXPECT_EQ(second.directory(), "d");
  EXPECT_EQ(second.sha256(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_TRUE(second.request_id().empty());
  EXPECT_EQ(out_, absl::StrCat("File ", hello, " uploaded to d.\nFile ", empty,
                               " uploaded to d.\n"));
}

TEST_F(FileCommandsTest, ProgressCountsFilesAcrossTheUpload) {
  const std::string a = WriteFile("a.deb", "aa");
  const std::string b = WriteFile("b.deb", "bbb");
  Options options;
  options.progress = true;
  std::string err;
  ASSERT_THAT(server_.RunCommand(FileCommands(), {"file", "upload", "d", a, b},
                                 options, &out_, &err),
              IsOk());
  EXPECT_THAT(err, HasSubstr("uploading 1 of 2 files (2 / 5 bytes): /"));
  EXPECT_THAT(err, HasSubstr("uploading 2 of 2 files (5 / 5 bytes): /"));
}

TEST_F(FileCommandsTest, ManyFilesGoInUploadsOfAtMostTheJobLimit) {
  server_.running_polls = 0;
  std::vector<std::string> args = {"file", "upload", "d"};
  std::string expected_out;
  for (int i = 0; i <= jobs::kMaxUploadFilesPerJob; ++i) {
    args.push_back(WriteFile(absl::StrCat("many", i, ".deb"), "x"));
    absl::StrAppend(&expected_out, "File ", args.back(), " uploaded to d.\n");
  }
  ASSERT_THAT(Run(args), IsOk());
  ASSERT_EQ(server_.uploads.size(), 2);
  EXPECT_EQ(server_.uploads[0].size(), 2 * jobs::kMaxUploadFilesPerJob);
  EXPECT_EQ(server_.uploads[1].size(), 2);
  EXPECT_EQ(server_.uploads[1][0].header().filename(),
            absl::StrCat("many", jobs::kMaxUploadFilesPerJob, ".deb"));
  EXPECT_NE(server_.uploads[0][0].header().request_id(),
            server_.uploads[1][0].header().request_id());
  // Each upload is recorded before the next is sent.
  EXPECT_THAT(server_.calls,
              ElementsAre("Upload", "WaitJob 1", "Upload", "WaitJob 2"));
  EXPECT_EQ(out_, expected_out);
}

TEST_F(FileCommandsTest, MissingLocalFileSendsNothing) {
  const std::string present = WriteFile("present.deb", "x");
  const std::string missing = absl::StrCat(::testing::TempDir(), "/nope.deb");
  const absl::Status status = Run({"file", "upload", "d", present, missing});
  EXPECT_THAT(status, Not(IsOk()));
  EXPECT_FALSE(IsUsageError(status));  // exit status 1
  EXPECT_EQ(status.message(), absl::StrCat("cannot read ", missing,
                                           ": No such file or directory"));
  EXPECT_THAT(server_.uploads, IsEmpty());
  EXPECT_TRUE(server_.jobs.empty());
  EXPECT_THAT(out_, IsEmpty());
}

TEST_F(FileCommandsTest, DirectoryIsNotAFileToUpload) {
  const absl::Status status =
      Run({"file", "upload", "d", ::testing::TempDir()});
  EXPECT_THAT(status.message(), HasSubstr("Is a directory"));
  EXPECT_THAT(server_.uploads, IsEmpty());
}

TEST_F(FileCommandsTest, UploadNeedsAFile) {
  const absl::Status status = Run({"file", "upload", "d"});
  EXPECT_TRUE(IsUsageError(status));
  EXPECT_THAT(status.message(), HasSubstr("missing argument FILE\n"));
}

TEST_F(FileCommandsTest, UploadOfTwoFilesWithOneNameSendsNothing) {
  std::filesystem::create_directories(::testing::TempDir() + "/a");
  std::filesystem::create_directories(::testing::TempDir() + "/b");
  const std::string a = WriteFile("a/x.deb", "a");
  const std::string b = WriteFile("b/x.deb", "b");
  const absl::Status status = Run({"file", "upload", "d", a, b});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(status.message(),
              HasSubstr("two files would be stored as x.deb"));
  EXPECT_THAT(server_.calls, IsEmpty());
}

TEST_F(FileCommandsTest, UploadServerErrorNamesItsCode) {
  server_.error = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                               "file is larger than 1024 bytes");
  const absl::Status status =
      Run({"file", "upload", "d", WriteFile("a.deb", "abc")});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(status.message(),
            absl::StrCat("cannot upload ", ::testing::TempDir(),
                         "/a.deb: RESOURCE_EXHAUSTED: file is larger than "
                         "1024 bytes"));
  EXPECT_THAT(out_, IsEmpty());
}

TEST_F(FileCommandsTest, UploadFailedJobIsAnError) {
  server_.end_state = v1::FAILED;
  server_.end_code = static_cast<int>(absl::StatusCode::kInvalidArgument);
  server_.end_message = "bad filename";
  const absl::Status status =
      Run({"file", "upload", "d", WriteFile("a.deb", "abc")});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(status.message(),
            absl::StrCat("cannot upload ", ::testing::TempDir(),
                         "/a.deb: bad filename"));
}

TEST_F(FileCommandsTest, AsyncPrintsJobIds) {
  Options options;
  options.async = true;
  ASSERT_THAT(Run({"file", "upload", "d", WriteFile("a.deb", "a"),
                   WriteFile("b.deb", "b")},
                  options),
              IsOk());
  EXPECT_EQ(out_, "1\n");  // one upload, one job
  ASSERT_THAT(Run({"file", "delete", "d"}, options), IsOk());
  EXPECT_EQ(out_, "2\n");
  EXPECT_EQ(server_.wait_calls, 0);
}

TEST_F(FileCommandsTest, ListDirectories) {
  v1::UploadDirectory a;
  a.set_name("a");
  a.set_file_count(2);
  a.set_total_size(10);
  v1::UploadDirectory b;
  b.set_name("b");
  server_.upload_directories = {a, b};
  // Pages of one: the listing follows the token to the last page.
  server_.page_limit = 1;
  ASSERT_THAT(Run({"file", "list"}), IsOk());
  EXPECT_EQ(out_, "a\nb\n");
  EXPECT_EQ(std::count(server_.calls.begin(), server_.calls.end(),
                       "ListUploadDirectories"),
            2);
  EXPECT_THAT(server_.list_upload_files_requests, IsEmpty());

  Options options;
  options.json = true;
  ASSERT_THAT(Run({"file", "list"}, options), IsOk());
  EXPECT_EQ(out_,
            "{\"directories\":[{\"name\":\"a\",\"file_count\":\"2\","
            "\"total_size\":\"10\"},{\"name\":\"b\"}]}\n");
}

TEST_F(FileCommandsTest, ListFiles) {
  v1::UploadFile x;
  x.set_directory("d");
  x.set_filename("x_1.0_amd64.deb");
  x.set_size(3);
  x.set_sha256("ab");
  v1::UploadFile y;
  y.set_directory("d");
  y.set_filename("y.dsc");
  server_.upload_files = {x, y};
  v1::UploadFile z = y;
  z.set_filename("z.tar.xz");
  server_.upload_files = {x, y, z};
  // Pages of two: the listing follows the token to the last page.
  server_.page_limit = 2;
  ASSERT_THAT(Run({"file", "list", "d"}), IsOk());
  EXPECT_EQ(out_, "x_1.0_amd64.deb\ny.dsc\nz.tar.xz\n");
  ASSERT_EQ(server_.list_upload_files_requests.size(), 2);
  EXPECT_EQ(server_.list_upload_files_requests[0].directory(), "d");
  EXPECT_EQ(server_.list_upload_files_requests[1].page_token(), "2");
  server_.upload_files = {x, y};

  Options options;
  options.json = true;
  ASSERT_THAT(Run({"file", "list", "d"}, options), IsOk());
  EXPECT_EQ(out_,
            "{\"files\":[{\"directory\":\"d\",\"filename\":\"x_1.0_amd64.deb\","
            "\"size\":\"3\",\"sha256\":\"ab\"},{\"directory\":\"d\","
            "\"filename\":\"y.dsc\"}]}\n");
}

TEST_F(FileCommandsTest, ListEmptyPrintsNothing) {
  ASSERT_THAT(Run({"file", "list"}), IsOk());
  EXPECT_THAT(out_, IsEmpty());
}

TEST_F(FileCommandsTest, DeleteFile) {
  ASSERT_THAT(Run({"file", "delete", "d", "x.deb"}), IsOk());
  ASSERT_EQ(server_.delete_upload_requests.size(), 1);
  const v1::DeleteUploadRequest& request = server_.delete_upload_requests[0];
  EXPECT_EQ(request.directory(), "d");
  EXPECT_EQ(request.filename(), "x.deb");
  EXPECT_FALSE(request.request_id().empty());
  EXPECT_GT(server_.wait_calls, 0);
  EXPECT_EQ(out_, "Deleted x.deb from d.\n");
}

TEST_F(FileCommandsTest, DeleteDirectory) {
  ASSERT_THAT(Run({"file", "delete", "d"}), IsOk());
  ASSERT_EQ(server_.delete_upload_requests.size(), 1);
  EXPECT_EQ(server_.delete_upload_requests[0].directory(), "d");
  EXPECT_EQ(server_.delete_upload_requests[0].filename(), "");
  EXPECT_EQ(out_, "Deleted directory d.\n");
}

TEST_F(FileCommandsTest, DeleteWithEmptyFileIsAUsageError) {
  const absl::Status status = Run({"file", "delete", "d", ""});
  EXPECT_TRUE(IsUsageError(status));
  EXPECT_THAT(server_.delete_upload_requests, IsEmpty());
}

TEST_F(FileCommandsTest, DeleteTakesAtMostOneFile) {
  const absl::Status status = Run({"file", "delete", "d", "a", "b"});
  EXPECT_TRUE(IsUsageError(status));
  EXPECT_THAT(status.message(), HasSubstr("unexpected argument \"b\""));
  EXPECT_THAT(status.message(),
              HasSubstr("Usage: debrepo file delete DIR [FILE]"));
}

}  // namespace
}  // namespace debrepo::cli
