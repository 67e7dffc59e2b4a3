// Filling a repo of a test Stack with many packages, as fast as the API
// allows: concurrent multi-file uploads, then one add.
#ifndef DEBREPO_TESTS_BENCH_BULK_UPLOAD_H_
#define DEBREPO_TESTS_BENCH_BULK_UPLOAD_H_

#include <cstddef>
#include <string>
#include <vector>

#include "tests/harness.h"

namespace debrepo::testing {

// UploadInBatches uploads `files` into the upload directory `directory`
// over `clients` concurrent Files.Upload streams of up to `batch` files
// each (one recording job per stream) and waits for every job. Returns how
// many uploads failed; each failure is reported on stderr.
int UploadInBatches(Stack& stack, const std::string& directory,
                    const std::vector<FileToUpload>& files, int clients,
                    size_t batch);

// AddUploadedToRepo adds the packages of the upload directory `directory`
// to the existing repo `repo` (Repos.AddFromUpload) and waits for the job.
Result AddUploadedToRepo(Stack& stack, const std::string& repo,
                         const std::string& directory);

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_BENCH_BULK_UPLOAD_H_
