#include "cli/job_progress.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/human_bytes.h"

namespace debrepo::cli {

namespace v1 = ::debrepo::v1;

std::string ProgressCounts(const v1::JobProgress& progress) {
  std::vector<std::string> counts;
  // Once files are counted, indices that are all read say nothing more.
  const bool indices_done =
      progress.indices_done() >= progress.indices_total() &&
      progress.files_total() > 0;
  if (progress.indices_total() > 0 && !indices_done) {
    counts.push_back(absl::StrCat("indices ", progress.indices_done(), "/",
                                  progress.indices_total()));
  }
  if (progress.files_total() > 0) {
    counts.push_back(absl::StrCat("files ", progress.files_done(), "/",
                                  progress.files_total()));
  }
  if (progress.bytes_total() > 0) {
    counts.push_back(absl::StrCat(HumanBytes(progress.bytes_done()), "/",
                                  HumanBytes(progress.bytes_total())));
  }
  const std::string phase =
      progress.phase().empty() ? "running" : progress.phase();
  if (counts.empty()) return phase;
  return absl::StrCat(phase, ": ", absl::StrJoin(counts, ", "));
}

std::optional<double> ProgressFraction(const v1::JobProgress& progress) {
  const auto fraction = [](int64_t done, int64_t total) {
    return std::clamp(static_cast<double>(done) / total, 0.0, 1.0);
  };
  if (progress.bytes_total() > 0) {
    return fraction(progress.bytes_done(), progress.bytes_total());
  }
  if (progress.files_total() > 0) {
    return fraction(progress.files_done(), progress.files_total());
  }
  if (progress.indices_total() > 0) {
    return fraction(progress.indices_done(), progress.indices_total());
  }
  return std::nullopt;
}

std::string ProgressBar(double fraction, int width) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  const int filled = static_cast<int>(std::floor(fraction * width));
  std::string bar(width, ' ');
  std::fill(bar.begin(), bar.begin() + filled, '=');
  // The head shows where the bar is going while it is not full.
  if (filled < width && filled > 0) bar[filled - 1] = '>';
  return absl::StrFormat("[%s] %3d%%", bar,
                         static_cast<int>(std::floor(fraction * 100)));
}

std::string ProgressSummary(const v1::JobProgress& progress) {
  std::string summary = ProgressCounts(progress);
  if (const std::optional<double> fraction = ProgressFraction(progress)) {
    absl::StrAppend(&summary, " (",
                    static_cast<int>(std::floor(*fraction * 100)), "%)");
  }
  return summary;
}

}  // namespace debrepo::cli
