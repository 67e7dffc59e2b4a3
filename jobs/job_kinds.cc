#include "jobs/job_kinds.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <utility>

#include "common/status_macros.h"
#include "jobs/admin_kinds.h"
#include "jobs/mirror_kinds.h"
#include "jobs/publish_kinds.h"
#include "jobs/repo_kinds.h"
#include "jobs/snapshot_kinds.h"
#include "jobs/upload_kinds.h"

namespace debrepo::jobs {
namespace {

void SortUnique(std::vector<std::string>& keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
}

JobKindRegistry ListAllJobKinds() {
  JobKindRegistry registry;
  registry.Add(kNoop);
  registry.Add(kCleanup);
  registry.Add(kCreateRepo);
  registry.Add(kUpdateRepo);
  registry.Add(kDeleteRepo);
  registry.Add(kAddFromUpload);
  registry.Add(kIncludeChanges);
  registry.Add(kAddPackages);
  registry.Add(kRemovePackages);
  registry.Add(kCopyPackages);
  registry.Add(kMovePackages);
  registry.Add(kImportFromMirror);
  registry.Add(kAddUploadFile);
  registry.Add(kAddUploadFiles);
  registry.Add(kDeleteUpload);
  registry.Add(kCreateSnapshot);
  registry.Add(kUpdateSnapshot);
  registry.Add(kDeleteSnapshot);
  registry.Add(kMergeSnapshots);
  registry.Add(kPullSnapshot);
  registry.Add(kFilterSnapshot);
  registry.Add(kCreatePublication);
  registry.Add(kUpdatePublication);
  registry.Add(kSwitchPublication);
  registry.Add(kDeletePublication);
  registry.Add(kCreateMirror);
  registry.Add(kUpdateMirror);
  registry.Add(kDeleteMirror);
  registry.Add(kSyncMirror);
  return registry;
}

}  // namespace

const RegisteredJobKind* JobKindRegistry::Find(const v1::JobArgs& args) const {
  for (const RegisteredJobKind& kind : kinds_) {
    if (kind.Selects(args)) return &kind;
  }
  return nullptr;
}

const JobKindRegistry& AllJobKinds() {
  static const JobKindRegistry* const registry =
      new JobKindRegistry(ListAllJobKinds());
  return *registry;
}

absl::string_view KindOf(const v1::JobArgs& args) {
  const RegisteredJobKind* kind = AllJobKinds().Find(args);
  return kind == nullptr ? "" : kind->name();
}

absl::StatusOr<JobSpec> MakeJobSpec(v1::JobArgs args) {
  const RegisteredJobKind* kind = AllJobKinds().Find(args);
  if (kind == nullptr) {
    return absl::InvalidArgumentError("the job names no operation");
  }
  ResourceKeys keys;
  RETURN_IF_ERROR(kind->AddKeys(args, keys));
  keys.shared.push_back(std::string(kGcKey));
  SortUnique(keys.exclusive);
  SortUnique(keys.shared);
  JobSpec spec;
  spec.kind = std::string(kind->name());
  kind->AddRequirements(args, spec.requirements);
  spec.exclusive_keys = std::move(keys.exclusive);
  // A key held exclusively is not also held shared.
  std::set_difference(keys.shared.begin(), keys.shared.end(),
                      spec.exclusive_keys.begin(), spec.exclusive_keys.end(),
                      std::back_inserter(spec.shared_keys));
  spec.args = std::move(args);
  return spec;
}

}  // namespace debrepo::jobs
