#include "worker/publish/switch_publication_job.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "storage/publication_store.h"

namespace debrepo::worker {
namespace {

v1::PublicationRef RefOfSwitch(const v1::SwitchPublicationArgs& switch_) {
  return storage::MakePublicationRef(switch_.storage(), switch_.prefix(),
                                     switch_.distribution());
}

// `published` with the components `switch_` names pointed at their new
// snapshots; FAILED_PRECONDITION for a component it does not have or
// publishes from a repo.
absl::StatusOr<v1::Publication> Switched(
    v1::Publication published, const v1::SwitchPublicationArgs& switch_) {
  const std::string name = storage::PublicationName(
      switch_.storage(), switch_.prefix(), switch_.distribution());
  for (const v1::PublishedComponent& wanted : switch_.components()) {
    auto components = published.mutable_components();
    auto it = std::find_if(components->begin(), components->end(),
                           [&](const v1::PublishedComponent& component) {
                             return component.component() == wanted.component();
                           });
    if (it == components->end()) {
      std::vector<std::string> names;
      for (const v1::PublishedComponent& component : *components) {
        names.push_back(component.component());
      }
      return absl::FailedPreconditionError(absl::StrCat(
          "publication ", name, " has no component ", wanted.component(),
          "; it has ", absl::StrJoin(names, ", ")));
    }
    if (it->source_case() != v1::PublishedComponent::kSnapshot) {
      return absl::FailedPreconditionError(absl::StrCat(
          "component ", wanted.component(), " of ", name,
          " is published from repo ", it->repo(),
          "; only snapshot components switch (publish update re-publishes "
          "a repo)"));
    }
    it->set_snapshot(wanted.snapshot());
  }
  return published;
}

// Fails FAILED_PRECONDITION when `switched` (`published` switched as
// `switch_` asks) has other sources than the publication the server saw
// switched so: the job holds only those.
absl::Status CheckSwitchedSources(const v1::Publication& switched,
                                  const v1::SwitchPublicationArgs& switch_) {
  v1::Publication asked = switched;
  *asked.mutable_components() = switch_.published_components();
  ASSIGN_OR_RETURN(const v1::Publication asked_switched,
                   Switched(std::move(asked), switch_));
  return CheckSourcesUnchanged(switched, asked_switched.components());
}

}  // namespace

absl::StatusOr<v1::Publication> SwitchPublicationJob::Prepare(
    const v1::SwitchPublicationArgs& switch_, JobContext& context) const {
  ASSIGN_OR_RETURN(v1::Publication published,
                   ReadPublished(RefOfSwitch(switch_), context));
  ASSIGN_OR_RETURN(const v1::Publication switched,
                   Switched(std::move(published), switch_));
  // The job holds shared the sources the server saw; another source since
  // (published again, a rename) may be changing under it.
  RETURN_IF_ERROR(CheckSwitchedSources(switched, switch_));
  return trees_.StageWithPoolDirectories(switched, context);
}

absl::StatusOr<v1::JobResult> SwitchPublicationJob::Apply(
    const v1::SwitchPublicationArgs& switch_, const v1::Publication& staged,
    storage::Transaction& tx, JobContext& context) const {
  return RecordRewrittenTree(
      tx, staged,
      [&](const v1::Publication& published) -> absl::Status {
        ASSIGN_OR_RETURN(const v1::Publication switched,
                         Switched(published, switch_));
        return CheckSwitchedSources(switched, switch_);
      },
      context);
}

absl::Status SwitchPublicationJob::AfterCommit(
    const v1::SwitchPublicationArgs& switch_, const v1::JobResult& committed,
    JobContext& context) const {
  return trees_.PutInPlace(RefOfSwitch(switch_), context);
}

}  // namespace debrepo::worker
