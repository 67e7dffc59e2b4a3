#include "jobs/admin_kinds.h"

#include "absl/strings/str_cat.h"

namespace debrepo::jobs {

const JobKind<v1::NoopArgs> kNoop = {
    .name = "noop",
    .args_case = v1::JobArgs::kNoop,
    .args = &v1::JobArgs::noop,
    .keys =
        [](const v1::NoopArgs& noop, ResourceKeys& keys) {
          if (!noop.resource().empty()) {
            keys.exclusive.push_back(absl::StrCat("noop/", noop.resource()));
          }
          return absl::OkStatus();
        },
};

}  // namespace debrepo::jobs
