#include "worker/publish/update_publication_job.h"

#include <string>

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

}  // namespace

absl::StatusOr<v1::Publication> UpdatePublicationJob::Prepare(
    const v1::UpdatePublicationArgs& update, JobContext& context) const {
  ASSIGN_OR_RETURN(v1::Publication next,
                   ReadPublished(RefOfUpdate(update), context));
  // The job holds shared the sources the server saw; another source since
  // (published again, a rename) may be changing under it.
  RETURN_IF_ERROR(CheckSourcesUnchanged(next, update.settings().components()));
  google::protobuf::FieldMask mask;
  for (const std::string& field : update.fields()) mask.add_paths(field);
  FieldMaskUtil::MergeOptions options;
  options.set_replace_repeated_fields(true);
  FieldMaskUtil::MergeMessageTo(update.settings(), mask, options, &next);
  return trees_.StageWithPoolDirectories(next, context);
}

absl::StatusOr<v1::JobResult> UpdatePublicationJob::Apply(
    const v1::UpdatePublicationArgs& update, const v1::Publication& staged,
    storage::Transaction& tx, JobContext& context) const {
  return RecordRewrittenTree(
      tx, staged,
      [&](const v1::Publication& published) {
        return CheckSourcesUnchanged(published, update.settings().components());
      },
      context);
}

absl::Status UpdatePublicationJob::AfterCommit(
    const v1::UpdatePublicationArgs& update, const v1::JobResult& committed,
    JobContext& context) const {
  return trees_.PutInPlace(RefOfUpdate(update), context);
}

}  // namespace debrepo::worker
