// What every benchmark's main() reads before it starts: the database to
// run against and the sizes to run at.
#ifndef DEBREPO_TESTS_BENCH_BENCH_SETUP_H_
#define DEBREPO_TESTS_BENCH_BENCH_SETUP_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace debrepo::testing {

// BenchDatabaseUrl returns DEBREPO_BENCH_DATABASE_URL (a superuser DSN;
// `tools/dev bench` sets it to a throw-away cluster), or, when it is
// unset, says so on stderr in `program`'s name and returns nullopt.
std::optional<std::string> BenchDatabaseUrl(absl::string_view program);

// ParseInts returns the integers of a comma-separated list such as
// "1000,10000,63440", skipping parts that are not integers.
std::vector<int> ParseInts(absl::string_view list);

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_BENCH_BENCH_SETUP_H_
