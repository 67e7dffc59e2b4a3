// The metadata half of a mirror sync over the machine's real Packages index
// (bookworm main amd64 on Debian 12, about 63,000 stanzas), as the sync job
// runs it: the index compressed with gzip is read from disk in 64 KiB chunks
// into an IndexDecoder, each stanza becomes a MirroredPackage, goes through
// a PackageChoice and into a PackageSpool (with dependencies: the choice
// reads the stanza unconverted, as a view, the index's text goes into a
// StanzaSpool, and the chosen are converted into the PackageSpool after
// Take). Prints
// the time and the peak resident memory of each run (measured from a reset
// of the peak after the index was prepared), and the peak before Take. Build
// with -c opt. An argument names a gzip- or (ending in .xz) xz-compressed
// Packages index to read instead.
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "deb/checksums.h"
#include "deb/compressed_writer.h"
#include "deb/query.h"
#include "deb/testing/apt_lists.h"
#include "mirror/index_decoder.h"
#include "mirror/index_package.h"
#include "mirror/package_choice.h"
#include "mirror/stanza_spool.h"
#include "storage/package_spool.h"
#include "tests/bench/peak_memory.h"

namespace debrepo::mirror {
namespace {

// Run is one pass over the index.
struct Run {
  double seconds = 0, cpu_seconds = 0;
  int64_t stanzas = 0, spooled = 0, taken = 0, duplicates = 0;
  int64_t peak_kb = 0, start_kb = 0, before_take_kb = 0;
};

// CpuSeconds is the process's user and system time: on a machine others
// load too, a steadier measure than the wall clock.
double CpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

absl::StatusOr<Run> RunOnce(const std::string& path,
                            const ReleaseIndexFile& listed,
                            const deb::Query* filter, bool with_deps) {
  Run run;
  malloc_trim(0);
  testing::ResetPeakRss(getpid());
  run.start_kb = testing::PeakRssKb(getpid());
  auto start = std::chrono::steady_clock::now();
  const double start_cpu = CpuSeconds();
  absl::StatusOr<std::unique_ptr<storage::PackageSpool>> spool =
      storage::PackageSpool::Create();
  if (!spool.ok()) return spool.status();
  PackageChoice choice(filter, with_deps, {"amd64"});
  // As the sync job: with dependencies, stanzas wait as text until Take.
  std::unique_ptr<StanzaSpool> stanzas;
  std::vector<StanzaSpool::Location> waiting;
  if (choice.decides_at_take()) {
    absl::StatusOr<std::unique_ptr<StanzaSpool>> created =
        StanzaSpool::Create();
    if (!created.ok()) return created.status();
    stanzas = *std::move(created);
  }
  auto convert = [&](const deb::Paragraph& stanza) -> absl::Status {
    ++run.stanzas;
    absl::StatusOr<MirroredPackage> package =
        PackageFromPackagesStanza(stanza, IndexKind::kPackages);
    if (!package.ok()) return package.status();
    absl::StatusOr<bool> spool_it = choice.Add(*package);
    if (!spool_it.ok()) return spool_it.status();
    if (!*spool_it) return absl::OkStatus();
    ++run.spooled;
    return (*spool)->Append(package->package);
  };
  // The choice reads the stanza unconverted, as a view; the text goes into
  // the stanza spool whole.
  auto choose = [&](const deb::ParagraphView& stanza,
                    int64_t offset) -> absl::Status {
    ++run.stanzas;
    absl::StatusOr<IndexedBinary> read =
        ReadPackagesStanza(stanza, IndexKind::kPackages);
    if (!read.ok()) return read.status();
    absl::StatusOr<bool> spool_it = choice.Add(*read, stanza);
    if (!spool_it.ok()) return spool_it.status();
    if (!*spool_it) return absl::OkStatus();
    ++run.spooled;
    waiting.push_back({.offset = offset,
                       .length = static_cast<uint32_t>(stanza.text().size())});
    return absl::OkStatus();
  };
  auto spool_text = [&](absl::string_view text) {
    return stanzas->Append(text).status();
  };
  absl::StatusOr<std::unique_ptr<IndexDecoder>> decoder =
      stanzas == nullptr
          ? IndexDecoder::Create(listed, listed.path, convert)
          : IndexDecoder::Create(listed, listed.path, choose, spool_text);
  if (!decoder.ok()) return decoder.status();
  std::ifstream in(path, std::ios::binary);
  std::string chunk(64 << 10, '\0');
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    absl::Status fed = (*decoder)->Feed(
        absl::string_view(chunk.data(), static_cast<size_t>(in.gcount())));
    if (!fed.ok()) return fed;
  }
  if (absl::Status finished = (*decoder)->Finish(); !finished.ok()) {
    return finished;
  }
  run.before_take_kb = testing::PeakRssKb(getpid());
  absl::StatusOr<std::vector<bool>> take = choice.Take();
  if (!take.ok()) return take.status();
  run.taken = std::count(take->begin(), take->end(), true);
  for (size_t i = 0; stanzas != nullptr && i < waiting.size(); ++i) {
    if (!(*take)[i]) continue;
    absl::StatusOr<deb::Paragraph> stanza = stanzas->Read(waiting[i]);
    if (!stanza.ok()) return stanza.status();
    absl::StatusOr<MirroredPackage> package =
        PackageFromPackagesStanza(*stanza, IndexKind::kPackages);
    if (!package.ok()) return package.status();
    if (absl::Status appended = (*spool)->Append(package->package);
        !appended.ok()) {
      return appended;
    }
  }
  run.duplicates = choice.duplicates();
  run.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  run.cpu_seconds = CpuSeconds() - start_cpu;
  run.peak_kb = testing::PeakRssKb(getpid());
  return run;
}

// PrepareIndex writes the machine's Packages index compressed with gzip
// (the form a sync reads first) into `dir` and returns how a Release would
// list it.
absl::StatusOr<ReleaseIndexFile> PrepareIndex(const std::string& dir) {
  absl::StatusOr<std::string> apt_list = deb::testing::FindAptPackagesIndex();
  if (!apt_list.ok()) return apt_list.status();
  absl::StatusOr<std::string> text =
      deb::testing::ReadDecompressedFile(*apt_list);
  if (!text.ok()) return text.status();
  absl::PrintF("Index: %s (%.1f MB uncompressed)\n", *apt_list,
               text->size() / 1e6);
  auto writer = deb::CompressedWriter::Create(dir + "/Packages",
                                              {deb::Compression::kGzip});
  if (!writer.ok()) return writer.status();
  if (absl::Status written = (*writer)->Write(*text); !written.ok()) {
    return written;
  }
  absl::StatusOr<std::vector<deb::WrittenFile>> written = (*writer)->Finish();
  if (!written.ok()) return written.status();
  return ReleaseIndexFile{"main/binary-amd64/Packages.gz",
                          static_cast<int64_t>((*written)[0].checksums.size),
                          (*written)[0].checksums.sha256};
}

int Main(int argc, char** argv) {
  char dir_template[] = "/tmp/debrepo-mirror-bench-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  std::string path = dir + "/Packages.gz";
  absl::StatusOr<ReleaseIndexFile> listed;
  if (argc > 1) {
    path = argv[1];
    absl::StatusOr<deb::Checksums> checksums = deb::ChecksumFile(path);
    if (checksums.ok()) {
      // Decompressed by its extension, as the sync does.
      listed = ReleaseIndexFile{
          absl::StrCat("main/binary-amd64/Packages",
                       absl::EndsWith(path, ".xz") ? ".xz" : ".gz"),
          static_cast<int64_t>(checksums->size), checksums->sha256};
    } else {
      listed = checksums.status();
    }
  } else {
    listed = PrepareIndex(dir);
  }
  if (!listed.ok()) {
    absl::FPrintF(stderr, "%s\n", listed.status().ToString());
    return 1;
  }
  absl::PrintF("As %s: %.1f MB\n\n", listed->path, listed->size / 1e6);

  deb::Query six = *deb::Query::Parse(
      "nginx | curl | openssh-server | postgresql-15 | python3 | git");
  absl::PrintF("| %-32s | %7s | %7s | %7s | %6s | %5s | %9s | %9s | %9s |\n",
               "run", "seconds", "CPU s", "stanzas", "taken", "dups",
               "start MB", "peak MB", "< Take MB");
  absl::PrintF("|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n", std::string(34, '-'),
               std::string(9, '-'), std::string(9, '-'), std::string(9, '-'),
               std::string(8, '-'), std::string(7, '-'), std::string(11, '-'),
               std::string(11, '-'), std::string(11, '-'));
  struct Case {
    const char* name;
    const deb::Query* filter;
    bool with_deps;
  };
  for (const Case& c : {Case{"six packages with dependencies", &six, true},
                        Case{"no filter", nullptr, false}}) {
    for (int i = 0; i < 2; ++i) {
      absl::StatusOr<Run> run = RunOnce(path, *listed, c.filter, c.with_deps);
      if (!run.ok()) {
        absl::FPrintF(stderr, "%s\n", run.status().ToString());
        return 1;
      }
      absl::PrintF(
          "| %-32s | %7.2f | %7.2f | %7d | %6d | %5d | %9.1f | %9.1f | %9.1f "
          "|\n",
          c.name, run->seconds, run->cpu_seconds, run->stanzas, run->taken,
          run->duplicates, run->start_kb / 1024.0, run->peak_kb / 1024.0,
          run->before_take_kb / 1024.0);
    }
  }
  if (argc <= 1) unlink(path.c_str());
  rmdir(dir.c_str());
  return 0;
}

}  // namespace
}  // namespace debrepo::mirror

int main(int argc, char** argv) { return debrepo::mirror::Main(argc, argv); }
