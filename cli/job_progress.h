// How the CLI shows a running job's progress (Job.progress): a bar on a
// terminal, plain lines in logs, a line of `task show`.
#ifndef DEBREPO_CLI_JOB_PROGRESS_H_
#define DEBREPO_CLI_JOB_PROGRESS_H_

#include <optional>
#include <string>

#include "proto/debrepo/v1/jobs.pb.h"

namespace debrepo::cli {

// ProgressCounts returns the counts of `progress` after its phase, as a
// person reads them: "reading indices: indices 1/3", "downloading: files
// 120/500, 1.20 MiB/4.56 MiB". Counts whose total is not known yet (0) are
// left out, and indices all read once files are counted; just the phase
// when no count is left.
std::string ProgressCounts(const debrepo::v1::JobProgress& progress);

// ProgressFraction returns how much of the work `progress` counts is done,
// from 0 to 1: by bytes when their total is known (downloads take the
// time), else by files, else by indices; nullopt when no total is known.
std::optional<double> ProgressFraction(
    const debrepo::v1::JobProgress& progress);

// ProgressBar returns `fraction` (0 to 1, clamped) as a bar `width`
// characters wide inside brackets, then the percentage:
// "[=========>          ]  45%".
std::string ProgressBar(double fraction, int width);

// ProgressSummary returns ProgressCounts followed by the percentage in
// parentheses when ProgressFraction knows it: "downloading: files 1/4
// (25%)". Plain progress lines and `task show` print it.
std::string ProgressSummary(const debrepo::v1::JobProgress& progress);

}  // namespace debrepo::cli

#endif  // DEBREPO_CLI_JOB_PROGRESS_H_
