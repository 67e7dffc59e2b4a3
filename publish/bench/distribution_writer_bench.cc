// Benchmark of the tree writer on the machine's real Packages index
// (bookworm main amd64: amd64 and all packages): the whole dists/ tree with
// the outputs of aptly's default publish (Packages, .gz, .bz2; no Contents
// here), with gzip only, and with our default (.gz, .xz), on 1 and 2
// threads. Each run is a child process, so its peak memory and CPU time are
// its own; on a machine shared with other work, CPU time says more than
// the wall clock.
// Prints a Markdown table. Build with -c opt:
//   bazel run -c opt //publish/bench:distribution_writer_bench [WORD]
// With WORD, only the rows whose outputs name it run (e.g. "aptly"), to
// profile one of them.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "deb/control.h"
#include "deb/testing/apt_lists.h"
#include "publish/distribution_writer.h"

namespace debrepo::publish {
namespace {

// Packages turns the index's stanzas into what the database hands the
// writer: the control fields, and the file's name and checksums apart.
std::vector<IndexedPackage> Packages(absl::string_view index) {
  std::vector<IndexedPackage> packages;
  deb::ParagraphReader reader(index);
  deb::Paragraph p;
  while (*reader.Next(&p)) {
    IndexedPackage package;
    package.name = std::string(p.GetOrEmpty("Package"));
    package.architecture = std::string(p.GetOrEmpty("Architecture"));
    absl::string_view source = p.GetOrEmpty("Source");
    package.source = std::string(source.substr(0, source.find(' ')));
    if (package.source.empty()) package.source = package.name;
    PublishedFile file;
    std::string filename(p.GetOrEmpty("Filename"));
    file.name = filename.substr(filename.rfind('/') + 1);
    (void)absl::SimpleAtoi(p.GetOrEmpty("Size"), &file.checksums.size);
    file.checksums.md5 = std::string(p.GetOrEmpty("MD5sum"));
    file.checksums.sha1 = std::string(p.GetOrEmpty("SHA1"));
    file.checksums.sha256 = std::string(p.GetOrEmpty("SHA256"));
    file.checksums.sha512 = std::string(p.GetOrEmpty("SHA512"));
    for (const char* name :
         {"Filename", "Size", "MD5sum", "SHA1", "SHA256", "SHA512"}) {
      p.Remove(name);
    }
    package.stanza = p.ToString();
    package.files.push_back(std::move(file));
    packages.push_back(std::move(package));
  }
  return packages;
}

// Touch reads every package's stanza, as Publish does, and writes nothing.
int Touch(const std::vector<IndexedPackage>& packages) {
  size_t bytes = 0;
  for (const IndexedPackage& package : packages) bytes += package.stanza.size();
  return bytes == 0 ? 1 : 0;
}

// Publish writes one tree and returns 0 on success (in the child).
int Publish(const std::vector<IndexedPackage>& packages,
            const std::string& directory,
            std::vector<deb::Compression> compressions, int threads) {
  DistributionOptions options;
  options.directory = directory;
  options.release.origin = "bench";
  options.release.suite = "bench";
  options.release.date = absl::Now();
  options.release.architectures = {"amd64"};
  options.release.components = {"main"};
  options.compressions = std::move(compressions);
  options.threads = threads;
  auto writer = DistributionWriter::Create(options);
  if (!writer.ok()) {
    absl::FPrintF(stderr, "%s\n", writer.status().ToString());
    return 1;
  }
  for (const IndexedPackage& package : packages) {
    if (absl::Status s = (*writer)->Add("main", package); !s.ok()) {
      absl::FPrintF(stderr, "%s: %s\n", package.name, s.ToString());
      return 1;
    }
  }
  if (absl::Status s = (*writer)->Finish(nullptr); !s.ok()) {
    absl::FPrintF(stderr, "%s\n", s.ToString());
    return 1;
  }
  return 0;
}

int Main(absl::string_view only) {
  absl::StatusOr<std::string> path = deb::testing::FindAptPackagesIndex();
  if (!path.ok()) {
    absl::FPrintF(stderr, "%s\n", path.status().ToString());
    return 1;
  }
  absl::StatusOr<std::string> index = deb::testing::ReadDecompressedFile(*path);
  if (!index.ok()) {
    absl::FPrintF(stderr, "%s\n", index.status().ToString());
    return 1;
  }
  std::vector<IndexedPackage> packages = Packages(*index);
  absl::PrintF("Index: %s (%.1f MB, %d packages)\n\n", *path,
               index->size() / 1e6, packages.size());
  absl::PrintF("| %-28s | %7s | %7s | %7s | %8s |\n", "outputs", "threads",
               "seconds", "CPU s", "peak MB");
  absl::PrintF("|%s|%s|%s|%s|%s|\n", std::string(30, '-'), std::string(9, '-'),
               std::string(9, '-'), std::string(9, '-'), std::string(10, '-'));
  char dir_template[] = "/tmp/debrepo-publish-bench-XXXXXX";
  std::string dir = mkdtemp(dir_template);
  using deb::Compression;
  struct Case {
    const char* name;
    std::vector<Compression> compressions;
    std::vector<int> threads = {1, 2};
    // Only read the input: what it alone costs a child, the baseline of
    // the peak memory column.
    bool input_only = false;
  };
  int run = 0;
  for (const Case& c :
       {Case{"input only (no tree)", {}, {1}, true}, Case{"Packages", {}, {1}},
        Case{"Packages .gz", {Compression::kGzip}},
        Case{"Packages .gz .bz2 (aptly's)",
             {Compression::kGzip, Compression::kBzip2}},
        Case{"Packages .gz .xz (default)",
             {Compression::kGzip, Compression::kXz}}}) {
    if (!absl::StrContains(c.name, only)) continue;
    for (int threads : c.threads) {
      std::string directory = absl::StrFormat("%s/dists/run-%d", dir, ++run);
      auto start = std::chrono::steady_clock::now();
      pid_t child = fork();
      if (child == 0) {
        _exit(c.input_only
                  ? Touch(packages)
                  : Publish(packages, directory, c.compressions, threads));
      }
      int status = 0;
      struct rusage usage {};
      wait4(child, &status, 0, &usage);
      double seconds = std::chrono::duration<double>(
                           std::chrono::steady_clock::now() - start)
                           .count();
      double cpu = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
                   (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
      absl::PrintF("| %-28s | %7d | %7.2f | %7.2f | %8.0f |%s\n", c.name,
                   threads, seconds, cpu, usage.ru_maxrss / 1024.0,
                   status == 0 ? "" : " FAILED");
      std::filesystem::remove_all(directory);
    }
  }
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace debrepo::publish

int main(int argc, char** argv) {
  return debrepo::publish::Main(argc > 1 ? argv[1] : "");
}
