// Minimal logging to stderr (Abseil 20220623 has no absl/log).
#ifndef DEBREPO_COMMON_LOGGING_H_
#define DEBREPO_COMMON_LOGGING_H_

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace debrepo {

enum class LogSeverity { kInfo, kWarning, kError };

// LogLine writes one timestamped line to stderr; safe from any thread.
void LogLine(LogSeverity severity, absl::string_view message);

// LogInfo, LogWarning and LogError concatenate their arguments like
// absl::StrCat and log them.
template <typename... Args>
void LogInfo(const Args&... args) {
  LogLine(LogSeverity::kInfo, absl::StrCat(args...));
}
template <typename... Args>
void LogWarning(const Args&... args) {
  LogLine(LogSeverity::kWarning, absl::StrCat(args...));
}
template <typename... Args>
void LogError(const Args&... args) {
  LogLine(LogSeverity::kError, absl::StrCat(args...));
}

}  // namespace debrepo

#endif  // DEBREPO_COMMON_LOGGING_H_
