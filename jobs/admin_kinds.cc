#include "jobs/admin_kinds.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "jobs/job_spec.h"

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

const JobKind<v1::CleanupArgs> kCleanup = {
    .name = "gc",
    .args_case = v1::JobArgs::kCleanup,
    .args = &v1::JobArgs::cleanup,
    .keys =
        [](const v1::CleanupArgs&, ResourceKeys& keys) {
          keys.exclusive.push_back(std::string(kGcKey));
          return absl::OkStatus();
        },
};

}  // namespace debrepo::jobs
