#include "common/logging.h"

#include <cstdio>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace debrepo {

void LogLine(LogSeverity severity, absl::string_view message) {
  const char* tag = severity == LogSeverity::kInfo      ? "I"
                    : severity == LogSeverity::kWarning ? "W"
                                                        : "E";
  std::string line =
      absl::StrCat(tag,
                   absl::FormatTime(" %Y-%m-%dT%H:%M:%E3SZ ", absl::Now(),
                                    absl::UTCTimeZone()),
                   message, "\n");
  // One write per line keeps lines from different threads whole.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace debrepo
