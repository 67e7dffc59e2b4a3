#include "tests/bench/bench_table.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace debrepo::testing {

Measured MeasuredRun(const absl::StatusOr<TimedRun>& run,
                     absl::string_view process, absl::string_view command) {
  Measured measured;
  if (!run.ok()) {
    measured.status = run.status();
    return measured;
  }
  measured.seconds = run->seconds;
  measured.peak_kb = {{std::string(process), run->peak_rss_kb}};
  if (run->exit_code != 0) {
    measured.status =
        absl::InternalError(absl::StrCat(command, " exited ", run->exit_code,
                                         ": ", run->output.substr(0, 2000)));
  }
  return measured;
}

void AddTime(const Measured& measured, Column& column) {
  if (!measured.status.ok()) {
    if (column.status.ok()) column.status = measured.status;
    return;
  }
  column.seconds.push_back(measured.seconds);
  column.count = measured.count;
}

void AddPeak(const Measured& measured, Column& column) {
  if (!measured.status.ok()) {
    if (column.status.ok()) column.status = measured.status;
    return;
  }
  for (const auto& [process, kb] : measured.peak_kb) {
    column.peak_kb[process] = kb;
  }
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

std::string Seconds(const Column& column) {
  if (column.seconds.empty()) {
    return absl::StrCat("failed: ",
                        absl::StatusCodeToString(column.status.code()));
  }
  return absl::StrFormat("%.3f", Median(column.seconds));
}

std::string Ratio(const Column& ours, const Column& theirs) {
  if (ours.seconds.empty() || theirs.seconds.empty()) return "-";
  return absl::StrFormat("%.2f", Median(ours.seconds) / Median(theirs.seconds));
}

std::string PeakMb(const Column& column) {
  if (column.seconds.empty()) return "-";
  std::vector<std::string> parts;
  for (const auto& [process, kb] : column.peak_kb) {
    parts.push_back(absl::StrCat(process, " ", kb / 1024));
  }
  return absl::StrJoin(parts, ", ");
}

void Alternate(int runs, const std::function<void()>& ours,
               const std::function<void()>& theirs) {
  for (int run = 0; run < runs; ++run) {
    if (run % 2 == 0) {
      ours();
      theirs();
    } else {
      theirs();
      ours();
    }
  }
}

void PrintFailures(
    absl::string_view row,
    const std::vector<std::pair<absl::string_view, const Column*>>& columns) {
  for (const auto& [tool, column] : columns) {
    if (!column->status.ok()) {
      std::fprintf(stderr, "  %s (%s): %s\n", std::string(row).c_str(),
                   std::string(tool).c_str(),
                   column->status.ToString().c_str());
    }
  }
}

std::string Count(const Column& column) {
  return column.seconds.empty() ? "-" : absl::StrCat(column.count);
}

}  // namespace debrepo::testing
