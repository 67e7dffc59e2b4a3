// JobSpec: what a job is called and which resources it holds, derived from
// its arguments alone so that servers and workers always agree.
#ifndef DEBREPO_JOBS_JOB_SPEC_H_
#define DEBREPO_JOBS_JOB_SPEC_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/debrepo/v1/jobs.pb.h"

namespace debrepo::jobs {

// Job kinds, as stored in the jobs table and shown to users.
inline constexpr absl::string_view kNoopKind = "noop";
inline constexpr absl::string_view kCreateRepoKind = "repo.create";
inline constexpr absl::string_view kUpdateRepoKind = "repo.update";
inline constexpr absl::string_view kDeleteRepoKind = "repo.delete";
inline constexpr absl::string_view kAddUploadFileKind = "upload.add_file";
inline constexpr absl::string_view kAddUploadFilesKind = "upload.add_files";
inline constexpr absl::string_view kDeleteUploadKind = "upload.delete";
inline constexpr absl::string_view kAddFromUploadKind = "repo.add_from_upload";
inline constexpr absl::string_view kRemovePackagesKind = "repo.remove_packages";
inline constexpr absl::string_view kCopyPackagesKind = "repo.copy_packages";
inline constexpr absl::string_view kMovePackagesKind = "repo.move_packages";
inline constexpr absl::string_view kIncludeChangesKind = "repo.include_changes";
inline constexpr absl::string_view kAddPackagesKind = "repo.add_packages";

// The most files one upload.add_files job records (and one Files.Upload
// stream carries): its arguments stay around 100 KB in the jobs table, and
// batches this large already make the per-job cost negligible.
inline constexpr int kMaxUploadFilesPerJob = 1000;

// The key every job holds shared, and garbage collection exclusively.
inline constexpr absl::string_view kGcKey = "gc";

// RepoKey is the resource key of a local repo: "repo/<name>".
std::string RepoKey(absl::string_view name);

// UploadKey is the resource key of an upload directory: "upload/<name>".
std::string UploadKey(absl::string_view directory);

// JobSpec is a job ready to submit.
struct JobSpec {
  std::string kind;
  v1::JobArgs args;
  // Sorted, without duplicates; a key never appears in both lists.
  std::vector<std::string> exclusive_keys;
  std::vector<std::string> shared_keys;
};

// MakeJobSpec names the job kind for `args` and computes its resource keys
// (DESIGN.md, "Resource keys per operation"). INVALID_ARGUMENT when `args`
// holds no operation.
absl::StatusOr<JobSpec> MakeJobSpec(v1::JobArgs args);

// KindOf returns the job kind for `args`, or "" when none is set.
absl::string_view KindOf(const v1::JobArgs& args);

}  // namespace debrepo::jobs

#endif  // DEBREPO_JOBS_JOB_SPEC_H_
