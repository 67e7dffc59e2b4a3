#include "tests/bench/bulk_upload.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

namespace debrepo::testing {

int UploadInBatches(Stack& stack, const std::string& directory,
                    const std::vector<FileToUpload>& files, int clients,
                    size_t batch) {
  batch = std::max<size_t>(1, batch);
  std::atomic<size_t> next{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> uploaders;
  for (int c = 0; c < std::max(1, clients); ++c) {
    uploaders.emplace_back([&] {
      for (size_t first = next.fetch_add(batch); first < files.size();
           first = next.fetch_add(batch)) {
        const std::vector<FileToUpload> some(
            files.begin() + first,
            files.begin() + std::min(first + batch, files.size()));
        v1::Job job;
        const grpc::Status rpc =
            UploadFiles(stack, directory, some, &job, /*chunk=*/1 << 20);
        const Result uploaded = Await(stack, rpc, job);
        if (uploaded.code != absl::StatusCode::kOk) {
          std::fprintf(stderr, "upload failed: %s\n", uploaded.message.c_str());
          ++failures;
        }
      }
    });
  }
  for (std::thread& uploader : uploaders) uploader.join();
  return failures;
}

Result AddUploadedToRepo(Stack& stack, const std::string& repo,
                         const std::string& directory) {
  v1::AddFromUploadRequest add;
  add.set_name(repo);
  add.set_directory(directory);
  v1::Job job;
  const grpc::Status rpc =
      stack.repos().AddFromUpload(Deadline(absl::Seconds(30)).get(), add, &job);
  return Await(stack, rpc, job);
}

}  // namespace debrepo::testing
