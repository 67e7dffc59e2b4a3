#include "worker/staging_sweep.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"

namespace debrepo::worker {

absl::StatusOr<int> RemoveStagingOfEndedJobs(
    const std::string& staging_root, const EndedJobsReader& ended_jobs) {
  namespace fs = std::filesystem;
  std::vector<int64_t> ids;
  std::error_code error;
  for (auto it = fs::directory_iterator(staging_root, error);
       !error && it != fs::directory_iterator(); it.increment(error)) {
    int64_t id = 0;
    const std::string filename = it->path().filename().string();
    absl::string_view name = filename;
    if (absl::ConsumePrefix(&name, "job-") && absl::SimpleAtoi(name, &id)) {
      ids.push_back(id);
    }
  }
  if (ids.empty()) return 0;
  ASSIGN_OR_RETURN(const std::vector<int64_t> ended, ended_jobs(ids));
  int removed = 0;
  for (int64_t id : ended) {
    fs::remove_all(fs::path(staging_root) / absl::StrCat("job-", id), error);
    if (!error) ++removed;
  }
  return removed;
}

}  // namespace debrepo::worker
