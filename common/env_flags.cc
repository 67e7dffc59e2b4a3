#include "common/env_flags.h"

#include <cstdlib>

#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"

namespace debrepo {

std::vector<char*> ParseFlagsWithEnvironment(
    int argc, char** argv, const std::vector<EnvFlag>& env_flags) {
  // Environment values go first so that explicit flags, parsed later, win.
  // The strings must outlive parsing; flags copy their values.
  static std::vector<std::string>* env_args = new std::vector<std::string>();
  for (const EnvFlag& env_flag : env_flags) {
    if (const char* value = std::getenv(env_flag.variable);
        value != nullptr && *value != '\0') {
      env_args->push_back(absl::StrCat("--", env_flag.flag, "=", value));
    }
  }
  std::vector<char*> args = {argv[0]};
  for (std::string& arg : *env_args) args.push_back(arg.data());
  for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
  return absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
}

}  // namespace debrepo
