#include "worker/repo/import_from_mirror_job.h"

#include <utility>

#include "common/status_macros.h"
#include "deb/query.h"
#include "storage/mirror_store.h"
#include "storage/repo_store.h"
#include "worker/repo/package_copy.h"

namespace debrepo::worker {
namespace {

CopySource MirrorSource(const v1::ImportFromMirrorArgs& import) {
  return {.kind = CopySource::Kind::kMirror, .name = import.mirror()};
}

}  // namespace

absl::StatusOr<PreparedCopy> ImportFromMirrorJob::Prepare(
    const v1::ImportFromMirrorArgs& import, JobContext& context) const {
  if (import.no_deps()) return PreparedCopy();
  ASSIGN_OR_RETURN(std::vector<std::string> keys,
                   ResolveWithDependencies(
                       context, MirrorSource(import), import.query(),
                       std::vector<std::string>(import.architectures().begin(),
                                                import.architectures().end())));
  return PreparedCopy{.closure = std::move(keys)};
}

absl::StatusOr<v1::JobResult> ImportFromMirrorJob::Apply(
    const v1::ImportFromMirrorArgs& import, const PreparedCopy& prepared,
    storage::Transaction& tx, JobContext& /*context*/) const {
  RETURN_IF_ERROR(storage::LoadMirror(tx, import.mirror()).status());
  RETURN_IF_ERROR(storage::LoadRepo(tx, import.repo()).status());
  std::vector<std::string> keys;
  if (prepared.closure.has_value()) {
    // Resolved in the long phase; the mirror has been locked since.
    keys = *prepared.closure;
  } else {
    ASSIGN_OR_RETURN(const deb::Query query, deb::Query::Parse(import.query()));
    ASSIGN_OR_RETURN(keys, SelectSourceKeys(tx, MirrorSource(import), query));
  }
  return CopyIntoRepo(tx, import.repo(), keys, import.dry_run());
}

}  // namespace debrepo::worker
