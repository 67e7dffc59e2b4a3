// Upload directories end to end: streaming into the blob store, recording
// through jobs, multi-file uploads, hostile input, and concurrent uploaders.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
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

// CountBlobFiles counts the blobs and temporary files of the blob store at
// `blob_dir` (not its id file).
int CountBlobFiles(const std::string& blob_dir) {
  return CountFiles(blob_dir + "/sha256") + CountFiles(blob_dir + "/tmp");
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

  // ListFiles lists a directory's files, following the pages.
  std::vector<v1::UploadFile> ListFiles(const std::string& directory,
                                        int page_size = 0) {
    v1::ListUploadFilesRequest request;
    request.set_directory(directory);
    request.set_page_size(page_size);
    std::vector<v1::UploadFile> files;
    do {
      v1::ListUploadFilesResponse response;
      grpc::Status status = stack_.files().ListUploadFiles(
          Deadline(absl::Seconds(10)).get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      if (page_size > 0) {
        EXPECT_LE(response.files_size(), page_size);
      }
      files.insert(files.end(), response.files().begin(),
                   response.files().end());
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return files;
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
      absl::StrCat(stack_.blob_dir(), "/sha256/", sha.substr(0, 2), "/", sha)));

  // The same name again replaces the file.
  ASSERT_EQ(UploadAndWait("incoming", "hello_1.0_amd64.deb", "new bytes"),
            absl::StatusCode::kOk);
  files = ListFiles("incoming");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].sha256(), Sha256Hex("new bytes"));

  // Directories page by name, one a page here.
  ASSERT_EQ(UploadAndWait("another", "a.deb", "a"), absl::StatusCode::kOk);
  std::vector<v1::UploadDirectory> directories;
  v1::ListUploadDirectoriesRequest request;
  request.set_page_size(1);
  do {
    v1::ListUploadDirectoriesResponse page;
    ASSERT_TRUE(stack_.files()
                    .ListUploadDirectories(Deadline(absl::Seconds(10)).get(),
                                           request, &page)
                    .ok());
    ASSERT_LE(page.directories_size(), 1);
    directories.insert(directories.end(), page.directories().begin(),
                       page.directories().end());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  ASSERT_EQ(directories.size(), 2u);
  EXPECT_EQ(directories[0].name(), "another");
  EXPECT_EQ(directories[1].name(), "incoming");
  EXPECT_EQ(directories[1].file_count(), 1);
  EXPECT_EQ(directories[1].total_size(), 9);
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
  EXPECT_EQ(CountBlobFiles(stack_.blob_dir()), 0);
}

std::vector<FileToUpload> NumberedFiles(int count, const std::string& prefix) {
  std::vector<FileToUpload> files;
  for (int i = 0; i < count; ++i) {
    // Sizes from empty to several chunks.
    std::string bytes(static_cast<size_t>(i) * 997 % 20000,
                      static_cast<char>('a' + i % 26));
    bytes += absl::StrCat(prefix, i);
    files.push_back(
        {absl::StrCat(prefix, i, "_1.0_all.deb"), bytes, Sha256Hex(bytes)});
  }
  files.front().bytes.clear();
  files.front().sha256 = Sha256Hex("");
  return files;
}

TEST_F(FilesE2eTest, AMultiFileUploadIsRecordedByOneJob) {
  // A file of the same name is replaced, as by a one-file upload.
  ASSERT_EQ(UploadAndWait("incoming", "p3_1.0_all.deb", "old bytes"),
            absl::StatusCode::kOk);
  std::vector<FileToUpload> files = NumberedFiles(50, "p");
  files[7].sha256.clear();  // the checksum is optional per file
  v1::Job job;
  grpc::Status status = UploadFiles(stack_, "incoming", files, &job);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(job.kind(), "upload.add_files");
  Result recorded = Await(stack_, status, job);
  ASSERT_EQ(recorded.code, absl::StatusCode::kOk) << recorded.message;
  int64_t total_size = 0;
  for (const FileToUpload& file : files) total_size += file.bytes.size();
  EXPECT_EQ(recorded.job.result().add_upload_files().file_count(), 50);
  EXPECT_EQ(recorded.job.result().add_upload_files().total_size(), total_size);
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM jobs WHERE kind LIKE "
                           "'upload.%'"),
            "2");

  // Pages of 7: all 50, in name order, each once.
  std::vector<v1::UploadFile> listed = ListFiles("incoming", 7);
  ASSERT_EQ(listed.size(), files.size());
  EXPECT_TRUE(
      std::is_sorted(listed.begin(), listed.end(),
                     [](const v1::UploadFile& a, const v1::UploadFile& b) {
                       return a.filename() < b.filename();
                     }));
  std::map<std::string, const FileToUpload*> sent;
  for (const FileToUpload& file : files) sent[file.filename] = &file;
  for (const v1::UploadFile& file : listed) {
    ASSERT_TRUE(sent.count(file.filename())) << file.filename();
    const std::string sha = Sha256Hex(sent[file.filename()]->bytes);
    EXPECT_EQ(file.sha256(), sha) << file.filename();
    EXPECT_EQ(file.size(), sent[file.filename()]->bytes.size());
    EXPECT_TRUE(std::filesystem::exists(absl::StrCat(
        stack_.blob_dir(), "/sha256/", sha.substr(0, 2), "/", sha)))
        << file.filename();
  }
  EXPECT_EQ(CountFiles(stack_.blob_dir() + "/tmp"), 0);
}

TEST_F(FilesE2eTest, ABadFileAnywhereInAnUploadRefusesAllOfIt) {
  struct Case {
    std::string what;
    FileToUpload bad;
    grpc::StatusCode code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"hostile name",
       {"../../etc/passwd", "x", ""},
       grpc::StatusCode::INVALID_ARGUMENT,
       "file name"},
      {"checksum mismatch",
       {"damaged.deb", "bytes", std::string(64, 'a')},
       grpc::StatusCode::INVALID_ARGUMENT,
       "damaged.deb: the received bytes"},
      {"oversized",
       {"big.deb", std::string(150000, 'b'), ""},
       grpc::StatusCode::RESOURCE_EXHAUSTED,
       "big.deb: the file is larger than this server accepts"},
      {"a name twice",
       {"m1_1.0_all.deb", "again", ""},
       grpc::StatusCode::INVALID_ARGUMENT,
       "m1_1.0_all.deb comes twice"},
      {"bad checksum syntax",
       {"syntax.deb", "x", "ABC"},
       grpc::StatusCode::INVALID_ARGUMENT,
       "of syntax.deb is not a SHA-256"},
  };
  for (const Case& c : cases) {
    std::vector<FileToUpload> files = NumberedFiles(5, "m");
    files.insert(files.begin() + 3, c.bad);
    v1::Job job;
    grpc::Status status = UploadFiles(stack_, "incoming", files, &job);
    EXPECT_EQ(status.error_code(), c.code) << c.what;
    EXPECT_THAT(status.error_message(), HasSubstr(c.message)) << c.what;
    EXPECT_THAT(status.error_message(),
                HasSubstr("nothing of this upload was recorded"))
        << c.what;
  }

  // A file for another directory.
  {
    auto context = Deadline(absl::Seconds(10));
    v1::Job job;
    auto writer = stack_.files().Upload(context.get(), &job);
    for (const std::string directory : {"incoming", "elsewhere"}) {
      v1::UploadRequest header;
      header.mutable_header()->set_directory(directory);
      header.mutable_header()->set_filename(directory + ".deb");
      writer->Write(header);
      v1::UploadRequest part;
      part.set_chunk("bytes of " + directory);
      writer->Write(part);
    }
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("one directory"));
  }

  // One file more than an upload may carry.
  std::vector<FileToUpload> too_many;
  for (int i = 0; i <= 1000; ++i) {
    too_many.push_back({absl::StrCat("n", i, ".deb"), absl::StrCat(i), ""});
  }
  v1::Job job;
  grpc::Status status = UploadFiles(stack_, "incoming", too_many, &job);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("at most 1000 files"));

  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM upload_files"), "0");
  EXPECT_EQ(db_.QueryValue("SELECT count(*) FROM jobs"), "0");
  // Not even the good files before the bad one were stored.
  EXPECT_EQ(CountBlobFiles(stack_.blob_dir()), 0);
}

TEST_F(FilesE2eTest, AnAddFromTheDirectorySeesAllOfAnUploadOrNone) {
  stack_.StartServer();
  stack_.StartWorker();
  std::vector<FileToUpload> debs;
  for (int i = 0; i < 20; ++i) {
    const std::string name = absl::StrCat("bulk", i);
    std::string bytes = BuildDeb(name, "1.0", "all");
    debs.push_back({name + "_1.0_all.deb", bytes, Sha256Hex(bytes)});
  }
  const std::string first = BuildDeb("first", "1.0", "all");
  for (int round = 0; round < 6; ++round) {
    const std::string repo = absl::StrCat("r", round);
    const std::string directory = absl::StrCat("d", round);
    ASSERT_EQ(CreateRepo(stack_, repo).code, absl::StatusCode::kOk);
    // One file already there, so the add is never refused before it runs.
    ASSERT_EQ(UploadAndWait(directory, "first_1.0_all.deb", first),
              absl::StatusCode::kOk);
    Result uploaded;
    std::thread uploader([&] {
      v1::Job job;
      grpc::Status rpc = UploadFiles(stack_, directory, debs, &job,
                                     /*chunk=*/4096, /*server=*/1);
      uploaded = Await(stack_, rpc, job, 1);
    });
    absl::SleepFor(absl::Milliseconds(round * 4));
    v1::AddFromUploadRequest request;
    request.set_name(repo);
    request.set_directory(directory);
    v1::Job job;
    grpc::Status rpc = stack_.repos().AddFromUpload(
        Deadline(absl::Seconds(30)).get(), request, &job);
    Result added = Await(stack_, rpc, job);
    uploader.join();
    ASSERT_EQ(uploaded.code, absl::StatusCode::kOk) << uploaded.message;
    ASSERT_EQ(added.code, absl::StatusCode::kOk) << added.message;
    // The add ran before the upload's job (and took the first file) or
    // after it (and took all 21): never part of the upload.
    const std::string members = db_.QueryValue(absl::StrCat(
        "SELECT count(*) FROM repo_packages WHERE repo_id = (SELECT id FROM "
        "repos WHERE name = '",
        repo, "')"));
    EXPECT_TRUE(members == "1" || members == "21") << members;
    EXPECT_EQ(db_.QueryValue(absl::StrCat(
                  "SELECT count(*) FROM upload_files WHERE directory = '",
                  directory, "'")),
              members == "1" ? "20" : "0");
  }
}

TEST_F(FilesE2eTest, JobListingsStayWithinWhatClientsAcceptAfterBulkUploads) {
  // Each job lists 1000 files of long names in its args (about 350 KB), so
  // 16 of them outgrow the 4 MiB a gRPC client accepts in one reply.
  constexpr int kUploads = 16;
  for (int u = 0; u < kUploads; ++u) {
    std::vector<FileToUpload> files;
    for (int i = 0; i < 1000; ++i) {
      files.push_back(
          {absl::StrCat(u, "_", i, "_", std::string(240, 'n')), "", ""});
    }
    v1::Job job;
    grpc::Status status = UploadFiles(stack_, "bulk", files, &job);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(Await(stack_, status, job).code, absl::StatusCode::kOk);
  }
  v1::ListJobsRequest request;
  request.set_page_size(1000);
  int listed = 0;
  int pages = 0;
  do {
    v1::ListJobsResponse response;
    grpc::Status status = stack_.jobs().ListJobs(
        Deadline(absl::Seconds(30)).get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    listed += response.jobs_size();
    ++pages;
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(listed, kUploads);
  EXPECT_GT(pages, 1);
  EXPECT_EQ(db_.QueryValue(
                "SELECT count(*) FROM upload_files WHERE directory = 'bulk'"),
            absl::StrCat(kUploads * 1000));
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
  EXPECT_THAT(status.error_message(),
              HasSubstr("upload directory \"d\" has no file \"missing.deb\""));
  request.set_directory("nowhere");
  status = stack_.files().DeleteUpload(Deadline(absl::Seconds(10)).get(),
                                       request, &job);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("does not exist"));
  request.set_directory("d");

  v1::ListUploadFilesRequest forged;
  forged.set_directory("d");
  forged.set_page_token("not a token");
  v1::ListUploadFilesResponse ignored;
  EXPECT_EQ(
      stack_.files()
          .ListUploadFiles(Deadline(absl::Seconds(10)).get(), forged, &ignored)
          .error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);

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
  EXPECT_EQ(
      stack_.files()
          .ListUploadFiles(Deadline(absl::Seconds(10)).get(), list, &response)
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
