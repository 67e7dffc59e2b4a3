// GoogleTest matchers for absl::Status and absl::StatusOr, which Abseil
// 20220623 does not ship.
#ifndef DEBREPO_COMMON_STATUS_MATCHERS_H_
#define DEBREPO_COMMON_STATUS_MATCHERS_H_

#include <ostream>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace debrepo::testing {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}

template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

// IsOk matches an OK absl::Status or absl::StatusOr.
MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  *result_listener << status;
  return status.ok();
}

// StatusIs(code) matches a Status or StatusOr with that canonical code.
MATCHER_P(StatusIs, code, "has status code " + absl::StatusCodeToString(code)) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << status;
  return status.code() == code;
}

// IsOkAndHolds(m) matches an OK StatusOr whose value matches `m`.
MATCHER_P(IsOkAndHolds, matcher, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(matcher, *arg, result_listener);
}

}  // namespace debrepo::testing

#endif  // DEBREPO_COMMON_STATUS_MATCHERS_H_
