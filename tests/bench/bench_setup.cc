#include "tests/bench/bench_setup.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace debrepo::testing {

std::optional<std::string> BenchDatabaseUrl(absl::string_view program) {
  const char* url = std::getenv("DEBREPO_BENCH_DATABASE_URL");
  if (url == nullptr) {
    std::fprintf(stderr,
                 "%.*s: set DEBREPO_BENCH_DATABASE_URL to a superuser DSN, or "
                 "run `tools/dev bench`\n",
                 static_cast<int>(program.size()), program.data());
    return std::nullopt;
  }
  return std::string(url);
}

std::vector<int> ParseInts(absl::string_view list) {
  std::vector<int> values;
  for (absl::string_view part : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    int value = 0;
    if (absl::SimpleAtoi(part, &value)) values.push_back(value);
  }
  return values;
}

}  // namespace debrepo::testing
