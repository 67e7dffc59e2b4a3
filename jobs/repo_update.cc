#include "jobs/repo_update.h"

#include <string>

namespace debrepo::jobs {

bool IsUpdatableRepoField(absl::string_view field) {
  return field == "name" || field == "comment" ||
         field == "default_distribution" || field == "default_component";
}

void ApplyRepoUpdate(const v1::UpdateRepoArgs& update, v1::Repo& repo) {
  for (const std::string& field : update.fields()) {
    if (field == "name") {
      repo.set_name(update.repo().name());
    } else if (field == "comment") {
      repo.set_comment(update.repo().comment());
    } else if (field == "default_distribution") {
      repo.set_default_distribution(update.repo().default_distribution());
    } else if (field == "default_component") {
      repo.set_default_component(update.repo().default_component());
    }
  }
}

}  // namespace debrepo::jobs
