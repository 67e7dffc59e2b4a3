#include "worker/mirror/sync_mirror_job.h"

#include <functional>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "deb/query.h"
#include "fetch/downloader.h"
#include "fetch/http_fetch.h"
#include "jobs/mirror_update.h"
#include "mirror/index_decoder.h"
#include "mirror/index_package.h"
#include "mirror/index_plan.h"
#include "mirror/package_choice.h"
#include "mirror/release.h"
#include "mirror/stanza_spool.h"
#include "storage/package_store.h"

namespace debrepo::worker {
namespace {

// ArchiveFile is a file of a chosen package: where it is in the archive
// and what the index says it is.
struct ArchiveFile {
  std::string path;
  int64_t size = 0;
  std::string sha256;
};

// SpooledEntry is what the sync keeps in memory of a spooled package: its
// key and files (the stanza itself waits on disk). When the choice is made
// at its end (with dependencies), the package is converted and spooled only
// if chosen: until then its stanza waits in the stanza spool, at `stanza`
// (read from index number `index` of the plan), and its key and files are
// set once it is converted.
struct SpooledEntry {
  std::string key;
  std::vector<ArchiveFile> files;
  std::optional<mirror::StanzaSpool::Location> stanza;
  size_t index = 0;
};

// InIndex returns `status`, an error about a stanza of `index` (of
// `mirror`), naming the index.
absl::Status InIndex(const absl::Status& status,
                     const mirror::PlannedIndex& index,
                     const v1::Mirror& mirror) {
  if (status.ok()) return status;
  return absl::Status(
      status.code(),
      absl::StrCat(index.name, " of ", mirror::DistributionUrl(mirror), ": ",
                   status.message()));
}

// PackageFromStanza converts a stanza of `index`, which is of `mirror`.
absl::StatusOr<mirror::MirroredPackage> PackageFromStanza(
    const deb::Paragraph& stanza, const mirror::PlannedIndex& index,
    const v1::Mirror& mirror) {
  absl::StatusOr<mirror::MirroredPackage> package =
      index.kind == mirror::IndexKind::kSources
          ? mirror::PackageFromSourcesStanza(stanza)
          : mirror::PackageFromPackagesStanza(stanza, index.kind);
  if (!package.ok()) return InIndex(package.status(), index, mirror);
  return package;
}

// SetKeyAndFiles records in `entry` the key and files of `package`.
void SetKeyAndFiles(const mirror::MirroredPackage& package,
                    SpooledEntry& entry) {
  entry.key = package.package.key;
  for (size_t j = 0; j < package.package.files.size(); ++j) {
    const v1::PackageFile& file = package.package.files[j];
    entry.files.push_back({.path = package.archive_paths[j],
                           .size = file.size(),
                           .sha256 = file.sha256()});
  }
}

fetch::FetchOptions FetchOptionsFor(const MirrorSyncOptions& options,
                                    int64_t max_bytes) {
  return fetch::FetchOptions{
      .max_bytes = max_bytes,
      .connect_timeout = options.connect_timeout,
      .stall_timeout = options.stall_timeout,
      .max_tries = options.max_tries,
      .first_retry_delay = options.first_retry_delay,
  };
}

// FetchVerifiedRelease returns the text of the mirror's Release, its
// signature checked against the mirror's keyring unless it ignores
// signatures: InRelease, else Release with Release.gpg (apt's order).
absl::StatusOr<std::string> FetchVerifiedRelease(
    const v1::Mirror& mirror, const MirrorSyncOptions& options) {
  const fetch::FetchOptions limits =
      FetchOptionsFor(options, mirror::kMaxReleaseBytes);
  const std::string dist = mirror::DistributionUrl(mirror);
  absl::StatusOr<std::string> in_release =
      fetch::FetchToString(dist + "InRelease", limits);
  if (in_release.ok()) {
    absl::StatusOr<std::string> text =
        mirror.ignore_signatures()
            ? mirror::UnverifiedInReleaseText(*in_release)
            : mirror::VerifyInRelease(*in_release, mirror.keyring());
    if (!text.ok()) {
      return absl::Status(
          text.status().code(),
          absl::StrCat(dist, "InRelease: ", text.status().message()));
    }
    return text;
  }
  if (in_release.status().code() != absl::StatusCode::kNotFound) {
    return in_release.status();
  }
  absl::StatusOr<std::string> release =
      fetch::FetchToString(dist + "Release", limits);
  if (release.status().code() == absl::StatusCode::kNotFound) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the archive has neither ", dist, "InRelease nor ", dist,
        "Release; check the mirror's archive_url and distribution"));
  }
  if (!release.ok() || mirror.ignore_signatures()) return release;
  absl::StatusOr<std::string> signature =
      fetch::FetchToString(dist + "Release.gpg", limits);
  if (signature.status().code() == absl::StatusCode::kNotFound) {
    return absl::FailedPreconditionError(absl::StrCat(
        dist, "Release is not signed (there is no InRelease and no ",
        "Release.gpg); sync it with ignore_signatures if you trust it "
        "anyway"));
  }
  if (!signature.ok()) return signature.status();
  absl::StatusOr<std::string> text =
      mirror::VerifyDetachedRelease(*release, *signature, mirror.keyring());
  if (!text.ok()) {
    return absl::Status(
        text.status().code(),
        absl::StrCat(dist, "Release.gpg: ", text.status().message()));
  }
  return text;
}

// DecoderFactory returns the decoder of an index's form, read from `url`.
using DecoderFactory =
    std::function<absl::StatusOr<std::unique_ptr<mirror::IndexDecoder>>(
        const mirror::ReleaseIndexFile& form, std::string url)>;

// ReadIndex streams `index` from the archive into a decoder from
// `create_decoder`, trying its forms best first and falling back to the
// next when the archive does not have one (apt's way: Debian lists indices
// it does not serve). With Acquire-By-Hash, each form is tried by hash
// first.
absl::Status ReadIndex(const v1::Mirror& mirror, const mirror::Release& release,
                       const mirror::PlannedIndex& index,
                       const MirrorSyncOptions& options,
                       const DecoderFactory& create_decoder,
                       JobContext& context) {
  std::vector<std::string> tried;
  for (const mirror::ReleaseIndexFile& form : index.candidates) {
    std::vector<std::string> urls;
    if (release.acquire_by_hash) {
      urls.push_back(mirror::IndexUrl(mirror, form, /*by_hash=*/true));
    }
    urls.push_back(mirror::IndexUrl(mirror, form, /*by_hash=*/false));
    for (const std::string& url : urls) {
      ASSIGN_OR_RETURN(std::unique_ptr<mirror::IndexDecoder> decoder,
                       create_decoder(form, url));
      // One byte over the Size lets the decoder say the index is too long.
      absl::Status fetched =
          fetch::FetchStream(url, FetchOptionsFor(options, form.size + 1),
                             [&](absl::string_view chunk) {
                               // An index can take long: a cancel lands within
                               // it.
                               RETURN_IF_ERROR(context.StopRequested());
                               return decoder->Feed(chunk);
                             });
      if (fetched.code() == absl::StatusCode::kNotFound) {
        tried.push_back(url);
        continue;
      }
      RETURN_IF_ERROR(fetched);
      return decoder->Finish();
    }
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "the archive serves none of the forms of ", index.name,
      " that its Release lists (tried ", absl::StrJoin(tried, ", "),
      "); the archive is incomplete or being updated: sync again later"));
}

// SameSettings is whether two readings of a mirror have the same input
// fields (what a sync's choice depends on).
bool SameSettings(const v1::Mirror& a, const v1::Mirror& b) {
  auto settings = [](const v1::Mirror& mirror) {
    // The name is the one the sync loaded; the download limit does not
    // change what is chosen.
    v1::Mirror copy = jobs::MirrorInputFields(mirror);
    copy.clear_name();
    copy.clear_download_limit();
    return copy.SerializeAsString();
  };
  return settings(a) == settings(b);
}

}  // namespace

SyncMirrorJob::SyncMirrorJob(blobstore::BlobStore* blobs,
                             MirrorSyncOptions options)
    : blobs_(blobs), options_(std::move(options)) {}

absl::StatusOr<PreparedSync> SyncMirrorJob::Prepare(
    const v1::SyncMirrorArgs& sync, JobContext& context) const {
  PreparedSync prepared;
  RETURN_IF_ERROR(context.Read([&](storage::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(prepared.mirror, storage::LoadMirror(tx, sync.name()));
    return absl::OkStatus();
  }));
  const v1::Mirror& mirror = prepared.mirror;
  // Each phase's time goes to the job's log: where a slow sync spends it.
  const absl::Time started = absl::Now();
  v1::JobProgress progress;
  progress.set_phase("reading the Release");
  context.ReportProgress(progress);

  ASSIGN_OR_RETURN(const std::string release_text,
                   AsJobFailure(FetchVerifiedRelease(mirror, options_)));
  RETURN_IF_ERROR(context.StopRequested());
  absl::StatusOr<mirror::Release> parsed = mirror::ParseRelease(release_text);
  if (!parsed.ok()) {
    return absl::Status(parsed.status().code(),
                        absl::StrCat(mirror::DistributionUrl(mirror), ": ",
                                     parsed.status().message()));
  }
  const mirror::Release& release = *parsed;
  if (absl::Status fresh = mirror::CheckReleaseFreshness(
          release, mirror.release_date(), absl::Now());
      !fresh.ok()) {
    return absl::Status(
        fresh.code(),
        absl::StrCat(mirror::DistributionUrl(mirror), ": ", fresh.message()));
  }
  prepared.release = {.date = release.date,
                      .suite = release.suite,
                      .codename = release.codename};
  ASSIGN_OR_RETURN(const std::vector<mirror::PlannedIndex> plan,
                   mirror::PlanIndices(release, mirror));
  const absl::Time release_read_at = absl::Now();

  std::optional<deb::Query> filter;
  if (!mirror.filter().empty()) {
    ASSIGN_OR_RETURN(filter, deb::Query::Parse(mirror.filter()));
  }
  mirror::PackageChoice choice(
      filter.has_value() ? &*filter : nullptr, mirror.filter_with_deps(),
      {mirror.architectures().begin(), mirror.architectures().end()});
  ASSIGN_OR_RETURN(prepared.spool, storage::PackageSpool::Create());
  // With dependencies, every binary package may be chosen until Take, and
  // converting each into a spooled row cost a third of a filtered sync's
  // CPU for the few hundred of 63,000 that are kept: the stanzas wait as
  // text, and only the chosen are spooled.
  std::unique_ptr<mirror::StanzaSpool> stanzas;
  if (choice.decides_at_take()) {
    ASSIGN_OR_RETURN(stanzas, mirror::StanzaSpool::Create());
  }
  // Then a binary package is not even converted for the choice (its copy
  // and the allocations of its fields were most of the parsing thread's
  // time): the choice reads its stanza as it is, unless the filter reads
  // fields a converted package no longer has.
  const bool choose_from_stanzas =
      stanzas != nullptr && !mirror::ReadsArchiveFields(*filter);
  std::vector<SpooledEntry> entries;

  progress.set_phase("reading indices");
  progress.set_indices_total(static_cast<int64_t>(plan.size()));
  context.ReportProgress(progress);
  for (size_t i = 0; i < plan.size(); ++i) {
    const mirror::PlannedIndex& index = plan[i];
    RETURN_IF_ERROR(context.StopRequested());
    // The callbacks run on the decoder's parsing thread; nothing else
    // touches what they change until ReadIndex has returned.
    // wait_for_take records a stanza the choice may keep, as its text in
    // the stanza spool.
    auto wait_for_take = [&](const auto& stanza) -> absl::Status {
      SpooledEntry& entry = entries.emplace_back();
      ASSIGN_OR_RETURN(entry.stanza, stanzas->Append(stanza));
      entry.index = i;
      return absl::OkStatus();
    };
    DecoderFactory create_decoder;
    if (choose_from_stanzas && index.kind != mirror::IndexKind::kSources) {
      // Stanzas are read as views: only the fields the choice reads are
      // copied. The decoded text goes into the stanza spool whole, on the
      // decompressing thread (the parsing thread is the slower: writing a
      // stanza there at a time was a sixth of its time), and a stanza the
      // choice may keep is where the index's text put it.
      // A decoder's offsets count from where its own text starts in the
      // spool: taken when the decoder is created, so that a form that fell
      // back (to another compression) cannot shift them.
      auto on_stanza_at = [&](int64_t text_at) {
        return [&, text_at](const deb::ParagraphView& stanza,
                            int64_t offset) -> absl::Status {
          absl::StatusOr<mirror::IndexedBinary> binary =
              mirror::ReadPackagesStanza(stanza, index.kind);
          RETURN_IF_ERROR(InIndex(binary.status(), index, mirror));
          absl::StatusOr<bool> added = choice.Add(*binary, stanza);
          RETURN_IF_ERROR(InIndex(added.status(), index, mirror));
          if (!*added) return absl::OkStatus();
          entries.push_back(
              {.stanza =
                   mirror::StanzaSpool::Location{
                       .offset = text_at + offset,
                       .length = static_cast<uint32_t>(stanza.text().size())},
               .index = i});
          return absl::OkStatus();
        };
      };
      auto on_text = [&](absl::string_view text) {
        return stanzas->Append(text).status();
      };
      create_decoder = [on_stanza_at, on_text, spool = stanzas.get()](
                           const mirror::ReleaseIndexFile& form,
                           std::string url) {
        return mirror::IndexDecoder::Create(
            form, std::move(url), on_stanza_at(spool->size()), on_text);
      };
    } else {
      auto on_stanza = [&](const deb::Paragraph& stanza) -> absl::Status {
        ASSIGN_OR_RETURN(const mirror::MirroredPackage package,
                         PackageFromStanza(stanza, index, mirror));
        absl::StatusOr<bool> added = choice.Add(package);
        RETURN_IF_ERROR(InIndex(added.status(), index, mirror));
        if (!*added) return absl::OkStatus();
        if (stanzas != nullptr) return wait_for_take(stanza);
        SpooledEntry& entry = entries.emplace_back();
        RETURN_IF_ERROR(prepared.spool->Append(package.package));
        SetKeyAndFiles(package, entry);
        return absl::OkStatus();
      };
      create_decoder = [on_stanza](const mirror::ReleaseIndexFile& form,
                                   std::string url) {
        return mirror::IndexDecoder::Create(form, std::move(url), on_stanza);
      };
    }
    RETURN_IF_ERROR(AsJobFailure(
        ReadIndex(mirror, release, index, options_, create_decoder, context)));
    progress.set_indices_done(progress.indices_done() + 1);
    context.ReportProgress(progress);
  }
  const absl::Time indices_read_at = absl::Now();
  ASSIGN_OR_RETURN(const std::vector<bool> chosen, choice.Take());
  RETURN_IF_ERROR(context.StopRequested());
  prepared.duplicate_stanzas = choice.duplicates();
  prepared.take = chosen;
  if (stanzas != nullptr) {
    // Spool the chosen, in entry order: the spool holds only them.
    for (size_t i = 0; i < entries.size(); ++i) {
      if (!chosen[i]) continue;
      ASSIGN_OR_RETURN(const deb::Paragraph stanza,
                       stanzas->Read(*entries[i].stanza));
      ASSIGN_OR_RETURN(const mirror::MirroredPackage package,
                       AsJobFailure(PackageFromStanza(
                           stanza, plan[entries[i].index], mirror)));
      RETURN_IF_ERROR(prepared.spool->Append(package.package));
      SetKeyAndFiles(package, entries[i]);
    }
    stanzas.reset();
    prepared.take.assign(prepared.spool->size(), true);
  }

  std::vector<fetch::DownloadItem> downloads;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!chosen[i]) continue;
    prepared.keys.push_back(std::move(entries[i].key));
    for (const ArchiveFile& file : entries[i].files) {
      downloads.push_back({.url = mirror::ArchiveFileUrl(mirror, file.path),
                           .size = file.size,
                           .sha256 = file.sha256});
    }
  }
  entries.clear();
  const absl::Time chosen_at = absl::Now();
  context.Log(absl::StrCat(
      prepared.keys.size(), " packages chosen from ", plan.size(), " indices, ",
      downloads.size(), " files, in ",
      absl::FormatDuration(chosen_at - started), " (the Release ",
      absl::FormatDuration(release_read_at - started), ", the indices ",
      absl::FormatDuration(indices_read_at - release_read_at), ", the choice ",
      absl::FormatDuration(chosen_at - indices_read_at), ")"));

  ASSIGN_OR_RETURN(const std::string partial_dir, context.SharedStagingDir());
  progress.set_phase("downloading");
  context.ReportProgress(progress);
  const int64_t limit = sync.download_limit() > 0 ? sync.download_limit()
                                                  : mirror.download_limit();
  absl::StatusOr<fetch::DownloadReport> downloaded =
      AsJobFailure(fetch::DownloadToBlobStore(
          downloads, *blobs_,
          fetch::DownloadOptions{
              .concurrency = options_.download_concurrency,
              .max_tries = options_.max_tries,
              .bytes_per_second = limit,
              .connect_timeout = options_.connect_timeout,
              .stall_timeout = options_.stall_timeout,
              .first_retry_delay = options_.first_retry_delay,
              .partial_dir = partial_dir,
              .progress =
                  [&context, progress](const fetch::DownloadProgress& done) {
                    v1::JobProgress now = progress;
                    now.set_files_done(done.files_done);
                    now.set_files_total(done.files_total);
                    now.set_bytes_done(done.bytes_done);
                    now.set_bytes_total(done.bytes_total);
                    context.ReportProgress(now);
                  },
              .interrupted =
                  [&context] { return !context.StopRequested().ok(); },
          }));
  // Files downloaded before a cancel stay stored: a later sync reuses them.
  if (downloaded.status().code() == absl::StatusCode::kCancelled) {
    RETURN_IF_ERROR(context.StopRequested());
  }
  ASSIGN_OR_RETURN(const fetch::DownloadReport report, std::move(downloaded));
  prepared.downloaded_files = report.downloaded_files;
  prepared.downloaded_bytes = report.downloaded_bytes;
  prepared.reused_files = report.reused_files;
  context.Log(absl::StrCat("downloaded ", report.downloaded_files, " files (",
                           report.downloaded_bytes, " bytes), ",
                           report.reused_files, " already stored, in ",
                           absl::FormatDuration(absl::Now() - chosen_at)));
  return prepared;
}

absl::StatusOr<v1::JobResult> SyncMirrorJob::Apply(
    const v1::SyncMirrorArgs& sync, const PreparedSync& prepared,
    storage::Transaction& tx, JobContext& /*context*/) const {
  ASSIGN_OR_RETURN(const v1::Mirror current,
                   storage::LoadMirror(tx, sync.name()));
  // The sync has held the mirror's key since before Prepare read it, so an
  // edit cannot have slipped in; should one have, the packages chosen
  // under the old settings must not be recorded under the new ones.
  if (!SameSettings(current, prepared.mirror)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "mirror \"", sync.name(),
        "\" was edited while it synced; nothing was recorded: sync it "
        "again"));
  }
  RETURN_IF_ERROR(storage::InsertPackages(tx, *prepared.spool, prepared.take));
  ASSIGN_OR_RETURN(const storage::MirrorPackagesChange change,
                   storage::ReplaceMirrorPackages(
                       tx, sync.name(), prepared.keys, prepared.release));
  ASSIGN_OR_RETURN(v1::Mirror synced, storage::LoadMirror(tx, sync.name()));
  synced.clear_keyring();  // never returned
  v1::JobResult result;
  v1::SyncMirrorResult& done = *result.mutable_sync_mirror();
  *done.mutable_mirror() = std::move(synced);
  done.set_package_count(change.package_count);
  done.set_added_count(change.added_count);
  done.set_removed_count(change.removed_count);
  done.set_downloaded_files(prepared.downloaded_files);
  done.set_downloaded_bytes(prepared.downloaded_bytes);
  done.set_reused_files(prepared.reused_files);
  done.set_duplicate_stanzas(prepared.duplicate_stanzas);
  return result;
}

}  // namespace debrepo::worker
