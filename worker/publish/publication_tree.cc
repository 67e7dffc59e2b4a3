#include "worker/publish/publication_tree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/file_sync.h"
#include "common/parallel_for.h"
#include "common/status_macros.h"
#include "deb/checksums.h"
#include "deb/package_key.h"
#include "publish/distribution_writer.h"
#include "publish/signer.h"
#include "storage/job_maintenance.h"
#include "storage/package_contents.h"
#include "storage/publication_store.h"
#include "worker/publish/file_errors.h"
#include "worker/publish/pool_directories.h"
#include "worker/publish/pool_path_check.h"
#include "worker/staging_sweep.h"

namespace debrepo::worker {
namespace {

namespace fs = std::filesystem;

// Packages read from the database at once while a tree is written.
constexpr int kPackageBatch = 1000;
// Batches read ahead of the one being written: enough that the reading
// thread rarely waits, few enough to bound memory (a batch of real
// packages is about 1 MB).
constexpr size_t kBatchesAhead = 2;
// Threads that make a pool's directories and links: each mkdir or link is
// mostly the kernel's work (ext4 allocating an inode or a directory
// block), which a second core shares. Each thread takes kPoolChunk
// entries at a time: consecutive ones mostly share a source package's
// directory, whose lock two threads would otherwise take turns at.
constexpr size_t kPoolThreads = 2;
constexpr size_t kPoolChunk = 256;
// The file in a dists/<dist> directory naming the job that wrote it.
constexpr char kGenerationFile[] = ".debrepo-generation";

// Where one publication's files are on this worker.
struct TreePaths {
  fs::path prefix_dir;
  fs::path live;
  fs::path job_staging;
  fs::path attempt_staging;
  fs::path staged;
};

absl::StatusOr<TreePaths> PathsOf(const PublishConfig& config,
                                  const v1::PublicationRef& ref,
                                  const JobContext& context) {
  ASSIGN_OR_RETURN(const std::string root,
                   PublishRootOf(config, ref.storage()));
  TreePaths paths;
  paths.prefix_dir =
      ref.prefix() == "." ? fs::path(root) : fs::path(root) / ref.prefix();
  paths.live = paths.prefix_dir / "dists" / ref.distribution();
  paths.job_staging = fs::path(root) / ".debrepo-staging" /
                      absl::StrCat("job-", context.job_id());
  paths.attempt_staging =
      paths.job_staging / absl::StrCat("attempt-", context.attempt());
  paths.staged = paths.attempt_staging / "tree";
  return paths;
}

absl::StatusOr<std::vector<deb::Compression>> CompressionsOf(
    const v1::Publication& publication) {
  std::vector<deb::Compression> compressions;
  for (int compression : publication.compressions()) {
    switch (compression) {
      case v1::GZIP:
        compressions.push_back(deb::Compression::kGzip);
        break;
      case v1::XZ:
        compressions.push_back(deb::Compression::kXz);
        break;
      case v1::BZIP2:
        compressions.push_back(deb::Compression::kBzip2);
        break;
      default:
        return absl::UnimplementedError(
            absl::StrCat("this worker cannot write ",
                         v1::IndexCompression_Name(
                             static_cast<v1::IndexCompression>(compression)),
                         " indices"));
    }
  }
  return compressions;
}

publish::IndexedPackage IndexedOf(const storage::PublishedPackage& package) {
  publish::IndexedPackage indexed;
  indexed.name = package.name;
  indexed.architecture = package.architecture;
  indexed.kind = package.package_type == "udeb" ? publish::PackageKind::kUdeb
                 : package.package_type == "source"
                     ? publish::PackageKind::kSource
                     : publish::PackageKind::kDeb;
  indexed.stanza = package.stanza;
  indexed.source = package.source;
  for (const v1::PackageFile& file : package.files) {
    publish::PublishedFile& published = indexed.files.emplace_back();
    published.name = file.name();
    published.checksums = {.size = static_cast<uint64_t>(file.size()),
                           .md5 = file.md5(),
                           .sha1 = file.sha1(),
                           .sha256 = file.sha256(),
                           .sha512 = file.sha512()};
  }
  return indexed;
}

// ReadBatch is one batch of a component's packages.
struct ReadBatch {
  // The component's index in the publication.
  int component = 0;
  std::vector<storage::PublishedPackage> packages;
};

// BatchPipe hands batches of packages from the thread reading them to the
// thread writing the tree, kBatchesAhead at most in between: PostgreSQL's
// work and the parsing of its rows overlap the formatting of stanzas
// (measured at 63,440 packages: reading took as long as formatting).
class BatchPipe {
 public:
  // Put waits for room and queues `batch`; false once the writer gave up
  // (Abandon), when the reader should stop.
  bool Put(ReadBatch batch) {
    absl::MutexLock lock(&mu_);
    auto room = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return abandoned_ || batches_.size() < kBatchesAhead;
    };
    mu_.Await(absl::Condition(&room));
    if (abandoned_) return false;
    batches_.push_back(std::move(batch));
    return true;
  }

  // Close ends the stream with the reader's outcome.
  void Close(absl::Status status) {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    status_ = std::move(status);
  }

  // Take waits for the next batch; nullopt once the reader closed the pipe
  // and every batch was taken (then status() is the reader's outcome).
  std::optional<ReadBatch> Take() {
    absl::MutexLock lock(&mu_);
    auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return closed_ || !batches_.empty();
    };
    mu_.Await(absl::Condition(&ready));
    if (batches_.empty()) return std::nullopt;
    ReadBatch batch = std::move(batches_.front());
    batches_.pop_front();
    return batch;
  }

  // Abandon tells the reader to stop: the writer failed.
  void Abandon() {
    absl::MutexLock lock(&mu_);
    abandoned_ = true;
    batches_.clear();
  }

  // status is the reader's outcome once it closed the pipe.
  absl::Status status() {
    absl::MutexLock lock(&mu_);
    return status_;
  }

 private:
  absl::Mutex mu_;
  std::deque<ReadBatch> batches_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool abandoned_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

// The architectures of the packages of `publication`'s sources, "all" left
// out (its packages go into every binary-<arch> index).
absl::StatusOr<std::vector<std::string>> PackageArchitectures(
    const v1::Publication& publication, JobContext& context) {
  std::set<std::string> architectures;
  RETURN_IF_ERROR(context.Read([&](storage::Transaction& tx) -> absl::Status {
    for (const v1::PublishedComponent& component : publication.components()) {
      ASSIGN_OR_RETURN(storage::SourceArchitectures read,
                       storage::ReadSourceArchitectures(tx, component));
      architectures.insert(read.architectures.begin(),
                           read.architectures.end());
    }
    return absl::OkStatus();
  }));
  architectures.erase("all");
  if (architectures.empty()) {
    return absl::FailedPreconditionError(
        "the sources hold no packages of a specific architecture (or none "
        "at all), so there is no architecture to publish; name them with "
        "-architectures (e.g. amd64)");
  }
  return std::vector<std::string>(architectures.begin(), architectures.end());
}

// WriteContents feeds the Contents indices of `publication` to `writer`,
// reading each component's packages in a transaction of its own on `db`:
// run beside the listing of the packages (on another thread and another
// connection), so that PostgreSQL's sorting of the paths and their
// compression overlap the Packages indices' (after them, they took 0.43 s
// of a switch's 4.1 s at 63,440 packages). Stops, CANCELLED, once `stop`
// is set.
absl::Status WriteContents(storage::Database& db,
                           const v1::Publication& publication,
                           publish::DistributionWriter& writer,
                           const std::atomic<bool>& stop) {
  return storage::ReadApart(
      db, "reading the packages' file lists",
      [&](storage::Transaction& tx) -> absl::Status {
        for (const v1::PublishedComponent& component :
             publication.components()) {
          ASSIGN_OR_RETURN(storage::SourcePackageIds packages,
                           storage::ReadSourcePackageIds(tx, component));
          storage::ContentsQuery query{.package_ids = std::move(packages.ids)};
          for (const std::string& architecture : publication.architectures()) {
            for (const bool udeb : {false, true}) {
              if (udeb && !packages.udebs) continue;
              deb::ContentsWriter* index =
                  writer.Contents(component.component(), architecture, udeb);
              if (index == nullptr) continue;  // skipped, or not binary
              query.architecture = architecture;
              query.udeb = udeb;
              RETURN_IF_ERROR(storage::StreamContents(
                  tx, query,
                  [&](absl::string_view path, absl::string_view package) {
                    if (stop.load()) {
                      return absl::CancelledError("the tree is not written");
                    }
                    return index->Add(path, package);
                  }));
            }
          }
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<std::unique_ptr<publish::Signer>> SignerFor(
    const PublishConfig& config, const v1::Publication& publication) {
  if (publication.skip_signing()) return nullptr;
  publish::SigningKey key = config.signing_key;
  if (!publication.gpg_key().empty()) key.key_id = publication.gpg_key();
  return publish::Signer::Create(key);
}

// The id of the job whose tree is at `dist_dir`, or 0.
int64_t GenerationAt(const fs::path& dist_dir) {
  int64_t generation = 0;
  std::string text;
  std::ifstream(dist_dir / kGenerationFile) >> text;
  if (!absl::SimpleAtoi(text, &generation)) return 0;
  return generation;
}

// HoldsBlob is true when the file at `path` is the blob at `blob`, whose
// SHA-256 is `sha256`: a link to it, or, on another file system, a copy
// of the same size and SHA-256.
absl::StatusOr<bool> HoldsBlob(const fs::path& path, const fs::path& blob,
                               absl::string_view sha256) {
  struct stat placed;
  struct stat original;
  if (stat(path.c_str(), &placed) != 0) return ErrnoError("cannot read", path);
  if (stat(blob.c_str(), &original) != 0) {
    return ErrnoError("cannot read", blob);
  }
  if (placed.st_dev == original.st_dev) {
    return placed.st_ino == original.st_ino;
  }
  if (placed.st_size != original.st_size) return false;
  ASSIGN_OR_RETURN(const deb::Checksums checksums,
                   deb::ChecksumFile(path.string()));
  return checksums.sha256 == sha256;
}

// Places the blob at `blob` (SHA-256 `sha256`) at `to` in the pool: a hard
// link, or a copy when they are on different file systems. A file already
// at `to` is kept when it holds the blob, and replaced when it does not:
// another build of a package with the same file name, published after the
// old one left every publication of the prefix (whose index lists the new
// build's hashes, so keeping the old bytes fails apt's hash check).
absl::Status PlaceInPool(const fs::path& blob, absl::string_view sha256,
                         const fs::path& to) {
  std::error_code error;
  // Its directory is there already unless this is its source package's
  // first file in the pool and the long phase did not make it
  // (PoolDirectoryMaker): linking first saves a stat of it per file.
  int linked = link(blob.c_str(), to.c_str());
  if (linked != 0 && errno == ENOENT) {
    RETURN_IF_ERROR(MakeDirectory(to.parent_path()).status());
    linked = link(blob.c_str(), to.c_str());
    // With its directory there, ENOENT can only mean the blob is gone.
    if (linked != 0 && errno == ENOENT) {
      return ErrnoError(
          "a package's file is missing from the blob store (re-add the "
          "package or restore the blob store); looked at",
          blob);
    }
  }
  if (linked == 0) return absl::OkStatus();
  if (errno == EEXIST) {
    ASSIGN_OR_RETURN(const bool holds, HoldsBlob(to, blob, sha256));
    if (holds) return absl::OkStatus();
  } else if (errno != EXDEV) {
    return ErrnoError("cannot link", to);
  }
  // Linked or copied under a temporary name in the same directory and
  // renamed over `to`, so readers find the old file or the whole new one,
  // never a partial one or none.
  const fs::path partial = absl::StrCat(to.string(), ".partial-", getpid());
  fs::remove(partial, error);  // a crashed attempt's
  if (link(blob.c_str(), partial.c_str()) != 0) {
    if (errno != EXDEV) return ErrnoError("cannot link", partial);
    fs::copy_file(blob, partial, fs::copy_options::overwrite_existing, error);
    if (error) return FileError("cannot copy to", partial, error);
  }
  fs::rename(partial, to, error);
  if (error) return FileError("cannot rename", partial, error);
  return absl::OkStatus();
}

// Makes the files of the `staged` tree newer, in whole seconds, than the
// `live` tree's Release. Web servers compare If-Modified-Since at one
// second's resolution: a tree put in place within the second the old one
// was written would be answered "304 Not Modified", and apt would keep the
// old indices until the tree changes again.
absl::Status KeepLastModifiedIncreasing(const fs::path& live,
                                        const fs::path& staged) {
  struct stat old_release;
  struct stat new_release;
  if (stat((live / "Release").c_str(), &old_release) != 0 ||
      stat((staged / "Release").c_str(), &new_release) != 0 ||
      new_release.st_mtim.tv_sec > old_release.st_mtim.tv_sec) {
    return absl::OkStatus();
  }
  const struct timespec times[2] = {{old_release.st_mtim.tv_sec + 1, 0},
                                    {old_release.st_mtim.tv_sec + 1, 0}};
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(staged, error);
       !error && it != fs::recursive_directory_iterator();
       it.increment(error)) {
    if (it->is_regular_file() &&
        utimensat(AT_FDCWD, it->path().c_str(), times, 0) != 0) {
      return ErrnoError("cannot set the time of", it->path());
    }
  }
  if (error) return FileError("cannot read", staged, error);
  return absl::OkStatus();
}

// Deletes the files at `paths` (relative to `prefix_dir`, in its pool),
// then the directories of the pool they leave empty.
absl::Status RemoveFromPool(const fs::path& prefix_dir,
                            const std::vector<std::string>& paths,
                            JobContext& context) {
  std::vector<fs::path> directories;
  int64_t removed = 0;
  for (const std::string& path : paths) {
    const fs::path file = prefix_dir / path;
    if (unlink(file.c_str()) == 0) {
      ++removed;
    } else if (errno != ENOENT) {  // gone already in a replay
      return ErrnoError("cannot remove", file);
    }
    directories.push_back(file.parent_path());
  }
  RemoveEmptyDirectories(prefix_dir / "pool", directories);
  if (removed > 0) {
    context.Log(
        absl::StrCat("removed ", removed, " pool files no publication lists"));
  }
  return absl::OkStatus();
}

// Each component with its source, without output-only counts.
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

v1::PublicationRef RefOf(const v1::Publication& publication) {
  return storage::MakePublicationRef(
      publication.storage(), publication.prefix(), publication.distribution());
}

absl::StatusOr<v1::Publication> ReadPublished(const v1::PublicationRef& ref,
                                              JobContext& context) {
  v1::Publication publication;
  RETURN_IF_ERROR(context.Read([&](storage::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(storage::StoredPublication stored,
                     storage::LoadPublication(tx, ref));
    publication = std::move(stored.publication);
    return absl::OkStatus();
  }));
  return publication;
}

absl::StatusOr<v1::JobResult> RecordTree(storage::Transaction& tx,
                                         const v1::Publication& staged,
                                         JobContext& context) {
  v1::JobResult result;
  ASSIGN_OR_RETURN(*result.mutable_publication(),
                   storage::SavePublication(tx, staged, context.job_id()));
  ASSIGN_OR_RETURN(
      const std::vector<std::string> conflicts,
      storage::ConflictingPoolFiles(tx, staged.storage(), staged.prefix(),
                                    context.job_id()));
  if (!conflicts.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the pool of prefix ", staged.prefix(), " on ", staged.storage(),
        " would hold different files of the same name (component/source/"
        "file): ",
        absl::StrJoin(conflicts, ", "),
        "; publish these packages under another prefix, or drop the "
        "publication listing the other build first"));
  }
  return result;
}

absl::Status CheckSourcesUnchanged(
    const v1::Publication& published,
    const google::protobuf::RepeatedPtrField<v1::PublishedComponent>& asked) {
  if (SourcesOf(published.components()) == SourcesOf(asked)) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "the sources of publication ",
      storage::PublicationName(published.storage(), published.prefix(),
                               published.distribution()),
      " changed since this job was asked for (published again, or a "
      "snapshot or repo renamed); retry"));
}

absl::StatusOr<v1::JobResult> RecordRewrittenTree(
    storage::Transaction& tx, const v1::Publication& staged,
    absl::FunctionRef<absl::Status(const v1::Publication&)> check_sources,
    JobContext& context) {
  ASSIGN_OR_RETURN(const storage::StoredPublication published,
                   storage::LoadPublication(tx, RefOf(staged)));
  RETURN_IF_ERROR(check_sources(published.publication));
  return RecordTree(tx, staged, context);
}

absl::StatusOr<v1::Publication> PublicationTrees::Stage(
    const v1::Publication& publication, JobContext& context,
    const ListedSource& listed) const {
  ASSIGN_OR_RETURN(const TreePaths paths,
                   PathsOf(config_, RefOf(publication), context));
  v1::Publication resolved = publication;
  if (resolved.architectures().empty()) {
    ASSIGN_OR_RETURN(std::vector<std::string> architectures,
                     PackageArchitectures(resolved, context));
    for (std::string& architecture : architectures) {
      resolved.add_architectures(std::move(architecture));
    }
  }
  ASSIGN_OR_RETURN(const std::unique_ptr<publish::Signer> signer,
                   SignerFor(config_, resolved));
  publish::DistributionOptions options;
  options.directory = paths.staged.string();
  deb::ReleaseInfo& release = options.release;
  release.origin = resolved.origin();
  release.label = resolved.label();
  release.suite =
      resolved.suite().empty() ? resolved.distribution() : resolved.suite();
  release.codename = resolved.codename().empty() ? resolved.distribution()
                                                 : resolved.codename();
  release.date = absl::Now();
  release.acquire_by_hash = resolved.acquire_by_hash();
  release.architectures.assign(resolved.architectures().begin(),
                               resolved.architectures().end());
  for (const v1::PublishedComponent& component : resolved.components()) {
    release.components.push_back(component.component());
  }
  release.not_automatic = resolved.not_automatic();
  release.but_automatic_upgrades = resolved.but_automatic_upgrades();
  ASSIGN_OR_RETURN(options.compressions, CompressionsOf(resolved));
  options.contents = !resolved.skip_contents();
  options.threads = std::max(1, config_.compression_threads);
  // Its by-hash files stay reachable from the new tree (under this job's
  // lock, nothing else replaces it meanwhile).
  options.previous_directory = paths.live.string();

  // No attempt of this job committed (or the step after the commit would
  // run instead), so whatever an earlier attempt staged is garbage.
  std::error_code error;
  fs::remove_all(paths.job_staging, error);
  // What jobs that have ended left (a job whose transaction failed after
  // its long phase staged a tree, or whose attempt died before a later one
  // failed). Best effort; the next publish tries again.
  (void)RemoveStagingOfEndedJobs(
      paths.job_staging.parent_path().string(),
      [&context](const std::vector<int64_t>& ids)
          -> absl::StatusOr<std::vector<int64_t>> {
        std::vector<int64_t> ended;
        RETURN_IF_ERROR(context.Read([&](storage::Transaction& tx) {
          ASSIGN_OR_RETURN(ended, storage::EndedJobs(tx, ids));
          return absl::OkStatus();
        }));
        return ended;
      });
  fs::create_directories(paths.attempt_staging, error);
  if (error) return FileError("cannot create", paths.attempt_staging, error);
  absl::Status written = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::unique_ptr<publish::DistributionWriter> writer,
                     publish::DistributionWriter::Create(options));
    int64_t count = 0;
    // When each step ended, for the log: where a slow publish spends its
    // time (reading, compressing, syncing) depends on the machine.
    const absl::Time start = absl::Now();
    std::atomic<bool> stop_contents{false};
    absl::Status contents_written;
    absl::Time contents_listed = start;
    std::thread contents([&] {
      if (options.contents) {
        contents_written = WriteContents(db_, resolved, *writer, stop_contents);
      }
      contents_listed = absl::Now();
    });
    BatchPipe pipe;
    // The job's session is this thread's alone until it is joined.
    std::thread reader([&] {
      pipe.Close(context.Read([&](storage::Transaction& tx) -> absl::Status {
        for (int i = 0; i < resolved.components_size(); ++i) {
          RETURN_IF_ERROR(storage::ForEachSourcePackage(
              tx, resolved.components(i), kPackageBatch,
              [&](std::vector<storage::PublishedPackage>& batch)
                  -> absl::Status {
                if (context.Interrupted()) {
                  return absl::CancelledError("the worker is stopping");
                }
                if (!pipe.Put({.component = i, .packages = std::move(batch)})) {
                  return absl::CancelledError("the tree is not written");
                }
                return absl::OkStatus();
              }));
        }
        return absl::OkStatus();
      }));
    });
    // How long this thread waited for the reader: the rest of the listing
    // is formatting and waiting for the compressors' budget, which tells
    // which side a slow listing waits on.
    absl::Duration waiting_for_reader;
    PoolPathCheck pool_paths;
    absl::Status added = [&]() -> absl::Status {
      while (true) {
        const absl::Time taking = absl::Now();
        std::optional<ReadBatch> batch = pipe.Take();
        waiting_for_reader += absl::Now() - taking;
        if (!batch.has_value()) break;
        const v1::PublishedComponent& component =
            resolved.components(batch->component);
        for (const storage::PublishedPackage& package : batch->packages) {
          for (const v1::PackageFile& file : package.files) {
            pool_paths.Add(component.component(), package.source, file.name(),
                           file.sha256());
          }
          if (listed) listed(component.component(), package.source);
          RETURN_IF_ERROR(
              writer->Add(component.component(), IndexedOf(package)));
        }
        count += static_cast<int64_t>(batch->packages.size());
      }
      return pool_paths.Result(storage::PublicationName(
          resolved.storage(), resolved.prefix(), resolved.distribution()));
    }();
    if (!added.ok()) pipe.Abandon();
    reader.join();
    const absl::Time packages_listed = absl::Now();
    if (!added.ok() || !pipe.status().ok()) stop_contents.store(true);
    contents.join();
    RETURN_IF_ERROR(added);
    RETURN_IF_ERROR(pipe.status());
    RETURN_IF_ERROR(contents_written);
    const absl::Time both_listed = absl::Now();
    RETURN_IF_ERROR(writer->Finish(signer.get()));
    const absl::Time finished = absl::Now();
    std::ofstream generation(paths.staged / kGenerationFile);
    generation << context.job_id() << "\n";
    generation.close();
    if (!generation) {
      return ErrnoError("cannot write", paths.staged / kGenerationFile);
    }
    // Durable before the transaction records it: after a power loss the
    // tree put in place must not hold files the crash emptied. This tree's
    // files and the directories leading to it only: syncfs(2) would also
    // wait for every other writer of the file system (up to 0.9 s here
    // while other work wrote to the disk).
    if (SyncTree(paths.staged.string()) != 0) {
      return ErrnoError("cannot sync", paths.staged);
    }
    for (const fs::path& directory :
         {paths.attempt_staging, paths.job_staging,
          paths.job_staging.parent_path(),
          paths.job_staging.parent_path().parent_path()}) {
      if (SyncPath(directory.string()) != 0) {
        return ErrnoError("cannot sync", directory);
      }
    }
    const absl::Time synced = absl::Now();
    auto seconds = [](absl::Duration duration) {
      return absl::StrFormat("%.2f s", absl::ToDoubleSeconds(duration));
    };
    context.Log(absl::StrCat(
        "wrote the indices of ", count, " packages in ",
        seconds(synced - start), " (packages read and listed in ",
        seconds(packages_listed - start), " of which waiting for the database ",
        seconds(waiting_for_reader), ", Contents beside them in ",
        seconds(contents_listed - start), ", waited for after them ",
        seconds(both_listed - packages_listed),
        ", compression finished and signed in ",
        seconds(finished - both_listed), ", synced in ",
        seconds(synced - finished), ")"));
    return absl::OkStatus();
  }();
  if (!written.ok()) fs::remove_all(paths.attempt_staging, error);
  if (!written.ok()) return written;
  return resolved;
}

absl::StatusOr<v1::Publication> PublicationTrees::StageWithPoolDirectories(
    const v1::Publication& publication, JobContext& context) const {
  absl::StatusOr<TreePaths> paths =
      PathsOf(config_, RefOf(publication), context);
  if (!paths.ok()) return Stage(publication, context);  // which says why
  const absl::Time start = absl::Now();
  PoolDirectoryMaker directories(paths->prefix_dir, kPoolThreads, kPoolChunk);
  absl::StatusOr<v1::Publication> staged =
      Stage(publication, context,
            [&](absl::string_view component, absl::string_view source) {
              directories.Add(component, source);
            });
  absl::StatusOr<int64_t> made = directories.Finish(/*abandon=*/!staged.ok());
  if (made.ok()) {
    context.Log(absl::StrCat("made ", *made, " pool directories in ",
                             absl::FormatDuration(absl::Now() - start)));
  } else {
    // The after-commit step makes what is missing.
    context.Log(absl::StrCat("made no pool directories ahead: ",
                             made.status().ToString()));
  }
  return staged;
}

absl::Status PublicationTrees::WithPool(
    const v1::PublicationRef& ref, const std::string& prefix_directory,
    JobContext& context,
    const std::function<absl::Status()>& switch_tree) const {
  const fs::path prefix_dir(prefix_directory);
  const absl::Time locking = absl::Now();
  return storage::WithPoolLock(
      db_, ref.storage(), ref.prefix(), context.job_id(),
      [&](const storage::PoolChanges& changes) -> absl::Status {
        const absl::Time start = absl::Now();
        context.Log(absl::StrCat("took the pool lock and read the changes in ",
                                 absl::FormatDuration(start - locking)));
        RETURN_IF_ERROR(ParallelForInChunks(
            changes.added.size(), kPoolThreads, kPoolChunk,
            [&](size_t i) -> absl::Status {
              const storage::PoolFile& file = changes.added[i];
              // Refused here too: a stored package the import did not
              // check must not place a file outside the pool.
              ASSIGN_OR_RETURN(
                  const std::string path,
                  deb::PoolPath(file.component, file.source, file.name));
              ASSIGN_OR_RETURN(const std::string blob,
                               blobs_.LocalPath(file.sha256));
              return PlaceInPool(blob, file.sha256, prefix_dir / path);
            }));
        context.Log(absl::StrCat("placed ", changes.added.size(),
                                 " pool files in ",
                                 absl::FormatDuration(absl::Now() - start)));
        RETURN_IF_ERROR(switch_tree());
        absl::SleepFor(config_.test_stall_before_prune);
        std::vector<std::string> unlisted;
        for (const storage::PoolFile& file : changes.unlisted) {
          ASSIGN_OR_RETURN(
              unlisted.emplace_back(),
              deb::PoolPath(file.component, file.source, file.name));
        }
        return RemoveFromPool(prefix_dir, unlisted, context);
      });
}

absl::Status PublicationTrees::PutInPlace(const v1::PublicationRef& ref,
                                          JobContext& context) const {
  ASSIGN_OR_RETURN(const TreePaths paths, PathsOf(config_, ref, context));
  RETURN_IF_ERROR(
      WithPool(ref, paths.prefix_dir.string(), context, [&]() -> absl::Status {
        if (GenerationAt(paths.live) == context.job_id()) {
          context.Log("the tree was in place already");
          return absl::OkStatus();
        }
        std::error_code error;
        if (!fs::exists(paths.staged, error)) {
          return absl::DataLossError(absl::StrCat(
              "the staged tree ", paths.staged.string(),
              " is gone and dists/ does not hold it; publish again (update)"));
        }
        fs::create_directories(paths.live.parent_path(), error);
        if (error)
          return FileError("cannot create", paths.live.parent_path(), error);
        // One rename: apt sees the old tree or the new one, never a mix. The
        // old one ends up at the staged path, removed with the staging.
        const bool exchange = fs::exists(paths.live, error);
        if (exchange) {
          RETURN_IF_ERROR(KeepLastModifiedIncreasing(paths.live, paths.staged));
        }
        if (renameat2(AT_FDCWD, paths.staged.c_str(), AT_FDCWD,
                      paths.live.c_str(),
                      exchange ? RENAME_EXCHANGE : RENAME_NOREPLACE) != 0) {
          return ErrnoError("cannot put in place", paths.live);
        }
        // The switch is durable before the job shows as ended.
        const absl::Time sync_start = absl::Now();
        if (SyncFilesystem(paths.live.string()) != 0) {
          return ErrnoError("cannot sync", paths.live);
        }
        context.Log(
            absl::StrCat("put ", paths.live.string(), " in place (synced in ",
                         absl::FormatDuration(absl::Now() - sync_start), ")"));
        return absl::OkStatus();
      }));
  std::error_code error;
  fs::remove_all(paths.job_staging, error);
  return absl::OkStatus();
}

absl::Status PublicationTrees::TakeDown(const v1::PublicationRef& ref,
                                        JobContext& context) const {
  ASSIGN_OR_RETURN(const TreePaths paths, PathsOf(config_, ref, context));
  RETURN_IF_ERROR(
      WithPool(ref, paths.prefix_dir.string(), context, [&]() -> absl::Status {
        std::error_code error;
        if (!fs::exists(paths.live, error)) return absl::OkStatus();
        // Moved away in one rename, so apt never reads a half-deleted tree.
        fs::create_directories(paths.attempt_staging, error);
        if (error)
          return FileError("cannot create", paths.attempt_staging, error);
        fs::rename(paths.live, paths.attempt_staging / "removed", error);
        if (error) return FileError("cannot move away", paths.live, error);
        context.Log(absl::StrCat("removed ", paths.live.string()));
        return absl::OkStatus();
      }));
  std::error_code error;
  fs::remove_all(paths.job_staging, error);
  return absl::OkStatus();
}

}  // namespace debrepo::worker
