// The fields of a repo that UpdateRepo may change, and applying them.
#ifndef DEBREPO_JOBS_REPO_UPDATE_H_
#define DEBREPO_JOBS_REPO_UPDATE_H_

#include "absl/strings/string_view.h"
#include "proto/debrepo/v1/jobs.pb.h"

namespace debrepo::jobs {

// IsUpdatableRepoField is true for the Repo fields an update may name:
// name (a rename), comment, default_distribution, default_component.
bool IsUpdatableRepoField(absl::string_view field);

// ApplyRepoUpdate copies onto `repo` the fields that `update` names, from
// update.repo().
void ApplyRepoUpdate(const v1::UpdateRepoArgs& update, v1::Repo& repo);

}  // namespace debrepo::jobs

#endif  // DEBREPO_JOBS_REPO_UPDATE_H_
