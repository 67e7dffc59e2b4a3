// What the side-by-side benchmarks collect for one tool in one operation
// over all runs, and how a table cell shows it.
#ifndef DEBREPO_TESTS_BENCH_BENCH_TABLE_H_
#define DEBREPO_TESTS_BENCH_BENCH_TABLE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tests/bench/snapshot_operations.h"
#include "tests/bench/timed_command.h"

namespace debrepo::testing {

// Column is what one tool did in one operation over all runs.
struct Column {
  std::vector<double> seconds;             // of the timed runs
  std::map<std::string, int64_t> peak_kb;  // of the memory run, by process
  int64_t count = -1;                      // the last run's
  absl::Status status;                     // the first failure
};

// MeasuredRun is the Measured of a command run of another tool whose peak
// is process `process`'s: its time and peak, and INTERNAL naming `command`
// with the start of its output when it did not exit 0.
Measured MeasuredRun(const absl::StatusOr<TimedRun>& run,
                     absl::string_view process, absl::string_view command);

// AddTime adds a timed run's time and count.
void AddTime(const Measured& measured, Column& column);

// AddPeak adds the memory run's peaks.
void AddPeak(const Measured& measured, Column& column);

// Median returns the median of `values`, which must not be empty.
double Median(std::vector<double> values);

// Seconds shows the median time, or the first failure's code.
std::string Seconds(const Column& column);

// Ratio shows median(ours) / median(theirs) with two decimals, or "-".
std::string Ratio(const Column& ours, const Column& theirs);

// PeakMb shows each process's peak in MiB ("server 40, worker 120").
std::string PeakMb(const Column& column);

// Alternate calls `ours` and `theirs` `runs` times each, `ours` first in
// even runs and second in odd ones, so that neither tool always finds the
// input files in the page cache.
void Alternate(int runs, const std::function<void()>& ours,
               const std::function<void()>& theirs);

// PrintFailures writes "  <row> (<tool>): <first failure>" to stderr for
// each of `columns` (tool, column) that failed.
void PrintFailures(
    absl::string_view row,
    const std::vector<std::pair<absl::string_view, const Column*>>& columns);

// Count shows the last run's count.
std::string Count(const Column& column);

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_BENCH_BENCH_TABLE_H_
