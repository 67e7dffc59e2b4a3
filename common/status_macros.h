// Status helpers missing from Abseil 20220623: early-return macros for
// absl::Status and absl::StatusOr.
#ifndef DEBREPO_COMMON_STATUS_MACROS_H_
#define DEBREPO_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define DEBREPO_STATUS_CONCAT_INNER_(a, b) a##b
#define DEBREPO_STATUS_CONCAT_(a, b) DEBREPO_STATUS_CONCAT_INNER_(a, b)

// RETURN_IF_ERROR returns the status of `expr` from the enclosing function
// when it is not OK.
#define RETURN_IF_ERROR(expr)                           \
  do {                                                  \
    if (absl::Status status_ = (expr); !status_.ok()) { \
      return status_;                                   \
    }                                                   \
  } while (false)

// ASSIGN_OR_RETURN(lhs, expr) evaluates the StatusOr `expr`; on error it
// returns the status, otherwise it moves the value into `lhs` (which may be
// a declaration, e.g. `auto x`).
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(DEBREPO_STATUS_CONCAT_(statusor_, __LINE__), lhs, expr)

#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                           \
  if (!statusor.ok()) {                             \
    return std::move(statusor).status();            \
  }                                                 \
  lhs = *std::move(statusor)

#endif  // DEBREPO_COMMON_STATUS_MACROS_H_
