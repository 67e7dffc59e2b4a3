#include "worker/publish/update_publication_job.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/util/field_mask_util.h"
#include "storage/publication_store.h"

namespace debrepo::worker {
namespace {

using google::protobuf::util::FieldMaskUtil;

v1::PublicationRef RefOfUpdate(const v1::UpdatePublicationArgs& update) {
  return storage::MakePublicationRef(update.storage(), update.prefix(),
                                     update.distribution());
}

// The components with their sources, without output-only counts.
std::vector<std::string> SourcesOf(
    const google::protobuf::RepeatedPtrField<v1::PublishedComponent>&
        components) {
  std::vector<std::string> sources;
  for (const v1::PublishedComponent& component : components) {
    sources.push_back(absl::StrCat(component.component(), "=",
                                   component.snapshot(), "/",
                                   component.repo()));
  }
  return sources;
}

}  // namespace

absl::StatusOr<v1::Publication> UpdatePublicationJob::Prepare(
    const v1::UpdatePublicationArgs& update, JobContext& context) const {
  storage::StoredPublication stored;
  RETURN_IF_ERROR(context.Read([&](storage::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(stored, storage::LoadPublication(tx, RefOfUpdate(update)));
    return absl::OkStatus();
  }));
  // The job holds shared the repos the server saw; another source since
  // (dropped and published again) may be changing under it.
  if (SourcesOf(stored.publication.components()) !=
      SourcesOf(update.settings().components())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "publication ",
        storage::PublicationName(update.storage(), update.prefix(),
                                 update.distribution()),
        " was published from other sources since this update was asked "
        "for; update it again"));
  }
  v1::Publication next = std::move(stored.publication);
  google::protobuf::FieldMask mask;
  for (const std::string& field : update.fields()) mask.add_paths(field);
  FieldMaskUtil::MergeOptions options;
  options.set_replace_repeated_fields(true);
  FieldMaskUtil::MergeMessageTo(update.settings(), mask, options, &next);
  return trees_.Stage(next, context);
}

absl::StatusOr<v1::JobResult> UpdatePublicationJob::Apply(
    const v1::UpdatePublicationArgs& update, const v1::Publication& staged,
    storage::Transaction& tx, JobContext& context) const {
  RETURN_IF_ERROR(storage::LoadPublication(tx, RefOfUpdate(update)).status());
  v1::JobResult result;
  ASSIGN_OR_RETURN(*result.mutable_publication(),
                   storage::SavePublication(tx, staged, context.job_id()));
  return result;
}

absl::Status UpdatePublicationJob::AfterCommit(
    const v1::UpdatePublicationArgs& update, const v1::JobResult& committed,
    JobContext& context) const {
  return trees_.PutInPlace(RefOfUpdate(update), context);
}

}  // namespace debrepo::worker
