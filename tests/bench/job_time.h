// How long a job ran by the server's account, for benchmarks that time a
// CLI process and want the job's own share of it.
#ifndef DEBREPO_TESTS_BENCH_JOB_TIME_H_
#define DEBREPO_TESTS_BENCH_JOB_TIME_H_

#include "absl/strings/string_view.h"
#include "tests/bench/snapshot_operations.h"
#include "tests/harness.h"

namespace debrepo::testing {

// JobTime returns the time from start to end of the one job of `kind` in
// `stack`; INTERNAL when there is not exactly one.
Measured JobTime(Stack& stack, absl::string_view kind);

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_BENCH_JOB_TIME_H_
