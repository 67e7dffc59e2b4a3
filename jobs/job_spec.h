// JobSpec: a job ready to submit (its kind, arguments and resource keys),
// and the resource keys that kinds share.
#ifndef DEBREPO_JOBS_JOB_SPEC_H_
#define DEBREPO_JOBS_JOB_SPEC_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "proto/debrepo/v1/jobs.pb.h"

namespace debrepo::jobs {

// The most files one upload.add_files job records (and one Files.Upload
// stream carries): its arguments stay around 100 KB in the jobs table, and
// batches this large already make the per-job cost negligible.
inline constexpr int kMaxUploadFilesPerJob = 1000;

// The most snapshots one merge reads (and so the keys its job holds).
inline constexpr int kMaxMergeSources = 100;

// The key every job holds shared, and garbage collection exclusively.
inline constexpr absl::string_view kGcKey = "gc";

// RepoKey is the resource key of a local repo: "repo/<name>".
std::string RepoKey(absl::string_view name);

// UploadKey is the resource key of an upload directory: "upload/<name>".
std::string UploadKey(absl::string_view directory);

// SnapshotKey is the resource key of a snapshot: "snapshot/<name>".
std::string SnapshotKey(absl::string_view name);

// MirrorKey is the resource key of a mirror: "mirror/<name>".
std::string MirrorKey(absl::string_view name);

// PublishedKey is the resource key of a published distribution:
// "published/<storage>/<prefix>/<distribution>" (storage and prefix
// normalised: "filesystem:default", ".").
std::string PublishedKey(absl::string_view storage, absl::string_view prefix,
                         absl::string_view distribution);

// Requirement is a fail-fast check of a job kind that the job's own insert
// makes (JobStore::Submit): a named resource that must exist, or must not,
// for the job to be worth queuing. A job refused by one is answered with
// the NOT_FOUND or ALREADY_EXISTS that the job itself would end with.
// Checked as a condition of the insert, it costs no round trip of its own
// (measured in docs/benchmarks.md, "The fail-fast check in the submit").
struct Requirement {
  enum class Resource { kRepo };
  Resource resource;
  std::string name;
  // True: the resource must exist (NOT_FOUND otherwise); false: it must
  // not (ALREADY_EXISTS otherwise).
  bool exists;
};

// JobSpec is a job ready to submit; MakeJobSpec (jobs/job_kinds.h) makes
// one from a job's arguments.
struct JobSpec {
  std::string kind;
  v1::JobArgs args;
  // Sorted, without duplicates; a key never appears in both lists.
  std::vector<std::string> exclusive_keys;
  std::vector<std::string> shared_keys;
  // Checked in this order; the first unmet one is the answer.
  std::vector<Requirement> requirements;
};

}  // namespace debrepo::jobs

#endif  // DEBREPO_JOBS_JOB_SPEC_H_
