#include "worker/admin/cleanup_job.h"

#include <fstream>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "storage/cleanup_store.h"
#include "worker/repo/bounded_lists.h"

namespace debrepo::worker {
namespace {

// Files in the attempt's staging directory. The list of unreferenced blobs
// starts with the cutoff (microseconds since the epoch) and then has one
// "<sha256> <size>" line per blob, in ascending order.
constexpr char kUnreferencedBlobs[] = "unreferenced-blobs";
constexpr char kReferencedBeforeCommit[] = "referenced-before-commit";
constexpr char kReferencedAfterCommit[] = "referenced-after-commit";

absl::Status FileError(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(
      absl::StrCat("cannot ", what, " ", path,
                   "; check the staging directory's disk and permissions"));
}

// WriteReferencedBlobs writes the digests `referrers` refer to, one a line
// in ascending order, to `path`: on disk rather than in memory, however
// many files the store holds.
absl::Status WriteReferencedBlobs(JobContext& context,
                                  storage::BlobReferrers referrers,
                                  const std::string& path) {
  return context.Read([&](storage::Transaction& tx) -> absl::Status {
    std::ofstream out(path, std::ios::trunc);
    RETURN_IF_ERROR(storage::ForEachReferencedBlob(
        tx, referrers, [&](absl::string_view sha256) {
          out << sha256 << '\n';
          return absl::OkStatus();
        }));
    out.close();
    if (!out) return FileError("write", path);
    return absl::OkStatus();
  });
}

// SortedDigests answers "is this digest listed?" for digests asked in
// ascending order, reading a file of ascending digests once.
class SortedDigests {
 public:
  explicit SortedDigests(const std::string& path) : in_(path) { Advance(); }

  bool ok() const { return !in_.bad(); }

  // Contains is whether `digest`, not less than the last one asked for, is
  // listed.
  bool Contains(absl::string_view digest) {
    while (!done_ && current_ < digest) Advance();
    return !done_ && current_ == digest;
  }

 private:
  void Advance() { done_ = !std::getline(in_, current_); }

  std::ifstream in_;
  std::string current_;
  bool done_ = false;
};

}  // namespace

absl::StatusOr<PreparedCleanup> CleanupJob::Prepare(
    const v1::CleanupArgs& /*args*/, JobContext& context) const {
  ASSIGN_OR_RETURN(const std::string staging, context.StagingDir());
  const absl::Time cutoff = absl::Now() - grace_period_;
  const std::string referenced_path =
      absl::StrCat(staging, "/", kReferencedBeforeCommit);
  RETURN_IF_ERROR(WriteReferencedBlobs(
      context, storage::BlobReferrers::kHeldPackages, referenced_path));
  SortedDigests referenced(referenced_path);
  const std::string list_path = absl::StrCat(staging, "/", kUnreferencedBlobs);
  std::ofstream list(list_path, std::ios::trunc);
  list << absl::ToUnixMicros(cutoff) << '\n';
  PreparedCleanup prepared;
  int64_t young = 0;
  RETURN_IF_ERROR(blobs_.ForEachBlob(
      [&](const blobstore::StoredBlob& blob) -> absl::Status {
        if (context.Interrupted()) {
          return absl::CancelledError("the worker is stopping");
        }
        if (referenced.Contains(blob.sha256)) return absl::OkStatus();
        if (blob.write_time >= cutoff) {
          ++young;
          return absl::OkStatus();
        }
        list << blob.sha256 << ' ' << blob.size << '\n';
        ++prepared.blob_count;
        prepared.blob_bytes += static_cast<int64_t>(blob.size);
        return absl::OkStatus();
      }));
  list.close();
  if (!list || !referenced.ok()) return FileError("write", list_path);
  context.Log(absl::StrCat(
      prepared.blob_count, " unreferenced files (", prepared.blob_bytes,
      " bytes) written before ", absl::FormatTime(cutoff), "; ", young,
      " more written since are kept for the grace period of ",
      absl::FormatDuration(grace_period_)));
  return prepared;
}

absl::StatusOr<v1::JobResult> CleanupJob::Apply(const v1::CleanupArgs& args,
                                                const PreparedCleanup& prepared,
                                                storage::Transaction& tx,
                                                JobContext& /*context*/) const {
  storage::DeletedPackages deleted;
  auto delete_packages = [&](storage::Transaction& t) -> absl::Status {
    ASSIGN_OR_RETURN(deleted,
                     storage::DeleteUnheldPackages(t, kMaxKeysInResult));
    return absl::OkStatus();
  };
  if (args.dry_run()) {
    RETURN_IF_ERROR(storage::WithRollback(tx, delete_packages));
  } else {
    RETURN_IF_ERROR(delete_packages(tx));
  }
  v1::JobResult result;
  v1::CleanupResult& cleanup = *result.mutable_cleanup();
  for (std::string& key : deleted.keys) {
    cleanup.add_deleted_packages(std::move(key));
  }
  cleanup.set_deleted_package_count(deleted.count);
  cleanup.set_deleted_file_count(prepared.blob_count);
  cleanup.set_deleted_bytes(prepared.blob_bytes);
  cleanup.set_dry_run(args.dry_run());
  return result;
}

absl::Status CleanupJob::AfterCommit(const v1::CleanupArgs& /*args*/,
                                     const v1::JobResult& /*committed*/,
                                     JobContext& context) const {
  ASSIGN_OR_RETURN(const std::string staging, context.StagingDir());
  const std::string list_path = absl::StrCat(staging, "/", kUnreferencedBlobs);
  std::ifstream list(list_path);
  std::string line;
  int64_t cutoff_micros = 0;
  if (!std::getline(list, line) || !absl::SimpleAtoi(line, &cutoff_micros)) {
    // Deleting nothing is always safe; retrying could not bring it back.
    context.Log(absl::StrCat("the list of unreferenced files ", list_path,
                             " is missing or damaged: no files deleted; run "
                             "the cleanup again"));
    return absl::OkStatus();
  }
  const absl::Time cutoff = absl::FromUnixMicros(cutoff_micros);
  // What refers to a blob now wins over what the long phase saw.
  const std::string referenced_path =
      absl::StrCat(staging, "/", kReferencedAfterCommit);
  RETURN_IF_ERROR(WriteReferencedBlobs(
      context, storage::BlobReferrers::kAllPackages, referenced_path));
  SortedDigests referenced(referenced_path);
  int64_t deleted = 0, kept = 0;
  while (std::getline(list, line)) {
    const std::pair<absl::string_view, absl::string_view> blob =
        absl::StrSplit(line, ' ');
    if (referenced.Contains(blob.first)) {
      ++kept;
      continue;
    }
    ASSIGN_OR_RETURN(const bool gone,
                     blobs_.DeleteUnlessWrittenSince(blob.first, cutoff));
    gone ? ++deleted : ++kept;
  }
  if (list.bad() || !referenced.ok()) return FileError("read", list_path);
  context.Log(absl::StrCat("deleted ", deleted, " unreferenced files; kept ",
                           kept, " referred to or written again since"));
  return absl::OkStatus();
}

}  // namespace debrepo::worker
