// Flags with environment-variable equivalents.
#ifndef DEBREPO_COMMON_ENV_FLAGS_H_
#define DEBREPO_COMMON_ENV_FLAGS_H_

#include <string>
#include <utility>
#include <vector>

namespace debrepo {

// EnvFlag maps a flag name to the environment variable that sets it.
struct EnvFlag {
  const char* flag;
  const char* variable;
};

// ParseFlagsWithEnvironment parses absl flags from the command line, with
// each listed environment variable (when set) acting as a default that a
// command-line flag overrides. Returns the positional arguments, with
// argv[0] first.
std::vector<char*> ParseFlagsWithEnvironment(
    int argc, char** argv, const std::vector<EnvFlag>& env_flags);

}  // namespace debrepo

#endif  // DEBREPO_COMMON_ENV_FLAGS_H_
