#include "worker/repo/add_from_upload_job.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "common/parallel_for.h"
#include "common/status_macros.h"
#include "worker/repo/package_import.h"

namespace debrepo::worker {
namespace {

// How many binary packages Prepare reads at once. Reading a small package
// is opening its blob, inflating its members and hashing it four ways,
// which spreads over the cores: one thread took 5 s for 63,440 packages
// (docs/benchmarks.md).
constexpr size_t kReadThreads = 4;
// How many files' packages Prepare holds in memory at most before the
// spool takes them.
constexpr size_t kReadWindow = 256;

}  // namespace

absl::StatusOr<PreparedImport> AddFromUploadJob::Prepare(
    const v1::AddFromUploadArgs& add, JobContext& context) const {
  ASSIGN_OR_RETURN(std::vector<v1::UploadFile> files,
                   ListUploadDirectory(context, add.directory()));
  const UploadFilesByName by_name = IndexByName(files);
  ASSIGN_OR_RETURN(PreparedImport prepared, PreparedImport::Create());
  // Files a source package is made of are taken with its .dsc.
  absl::flat_hash_set<std::string> taken;
  for (const v1::UploadFile& file : files) {
    if (!IsSourcePackageFile(file.filename())) continue;
    absl::StatusOr<UploadedPackage> source =
        ReadSourcePackage(blobs_, file, by_name);
    if (!source.ok()) {
      prepared.SetAside(file.filename(), source.status().message());
      continue;
    }
    for (const v1::UploadFile& part : source->files) {
      taken.insert(part.filename());
    }
    RETURN_IF_ERROR(prepared.Add(*source));
  }
  // The binary packages are read kReadThreads at once, a window of
  // kReadWindow files at a time (what is held in memory before the spool
  // takes it), and spooled in the directory's order, as one by one.
  std::vector<absl::StatusOr<UploadedPackage>> window(kReadWindow);
  for (size_t start = 0; start < files.size(); start += kReadWindow) {
    const absl::Span<const v1::UploadFile> batch =
        absl::MakeConstSpan(files).subspan(start, kReadWindow);
    ParallelFor(batch.size(), kReadThreads, [&](size_t i) {
      if (!taken.contains(batch[i].filename()) &&
          IsBinaryPackageFile(batch[i].filename())) {
        window[i] = ReadBinaryPackage(blobs_, batch[i]);
      }
    });
    for (size_t i = 0; i < batch.size(); ++i) {
      const v1::UploadFile& file = batch[i];
      if (taken.contains(file.filename()) ||
          IsSourcePackageFile(file.filename())) {
        continue;
      }
      if (!IsBinaryPackageFile(file.filename())) {
        prepared.SetAside(
            file.filename(),
            absl::EndsWith(file.filename(), ".changes")
                ? "is a .changes file; include it with IncludeChanges "
                  "(`debrepo repo include`)"
                : "is not a package file (.deb, .udeb, or .dsc with the "
                  "files it lists)");
        continue;
      }
      const absl::StatusOr<UploadedPackage>& binary = window[i];
      if (!binary.ok()) {
        prepared.SetAside(file.filename(), binary.status().message());
        continue;
      }
      RETURN_IF_ERROR(prepared.Add(*binary));
    }
  }
  context.Log(absl::StrCat("read ", prepared.packages.size(), " packages, ",
                           prepared.failed.size(), " files set aside"));
  return prepared;
}

absl::StatusOr<v1::JobResult> AddFromUploadJob::Apply(
    const v1::AddFromUploadArgs& add, const PreparedImport& prepared,
    storage::Transaction& tx, JobContext& /*context*/) const {
  return ImportPrepared(tx, prepared, add.name(), add.directory(),
                        add.force_replace(), add.no_remove_files());
}

}  // namespace debrepo::worker
