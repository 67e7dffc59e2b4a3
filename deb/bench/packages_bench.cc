// Benchmark of the Debian formats library on the machine's real Packages
// index (bookworm main amd64 on Debian 12): parse, write back, compress.
// Prints a Markdown table. Build with -c opt.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "deb/compressed_writer.h"
#include "deb/control.h"
#include "deb/relation.h"
#include "deb/testing/apt_lists.h"
#include "deb/version.h"

namespace debrepo::deb {
namespace {

// BestOf runs `body` `runs` times and returns the fastest run in seconds:
// the least disturbed by other work on the machine.
double BestOf(int runs, const std::function<void()>& body) {
  double best = 1e30;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    body();
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    if (seconds < best) best = seconds;
  }
  return best;
}

void Row(const char* what, double seconds, size_t bytes, size_t items,
         const char* item_name, const std::string& note = "") {
  absl::PrintF("| %-30s | %8.3f | %8s | %18s | %s |\n", what, seconds,
               bytes == 0 ? "" : absl::StrFormat("%.1f", bytes / seconds / 1e6),
               items == 0
                   ? ""
                   : absl::StrFormat("%.0f %s/s", items / seconds, item_name),
               note);
}

int Main() {
  absl::StatusOr<std::string> path = testing::FindAptPackagesIndex();
  if (!path.ok()) {
    absl::FPrintF(stderr, "%s\n", path.status().ToString());
    return 1;
  }
  absl::StatusOr<std::string> index = testing::ReadDecompressedFile(*path);
  if (!index.ok()) {
    absl::FPrintF(stderr, "%s\n", index.status().ToString());
    return 1;
  }
  absl::PrintF("Index: %s (%.1f MB uncompressed)\n\n", *path,
               index->size() / 1e6);
  absl::PrintF("| %-30s | %8s | %8s | %18s | %s |\n", "operation", "seconds",
               "MB/s", "rate", "notes");
  absl::PrintF("|%s|%s|%s|%s|%s|\n", std::string(32, '-'), std::string(10, '-'),
               std::string(10, '-'), std::string(20, '-'), "---");

  std::vector<Paragraph> paragraphs;
  size_t stanzas = 0;
  double parse = BestOf(5, [&] {
    ParagraphReader reader(*index);
    Paragraph p;
    stanzas = 0;
    while (*reader.Next(&p)) ++stanzas;
  });
  Row("parse (streaming reader)", parse, index->size(), stanzas, "stanzas",
      absl::StrFormat("%d stanzas", stanzas));

  double parse_all = BestOf(3, [&] { paragraphs = *ParseParagraphs(*index); });
  Row("parse into vector<Paragraph>", parse_all, index->size(),
      paragraphs.size(), "stanzas");

  size_t relations = 0;
  double depends = BestOf(3, [&] {
    relations = 0;
    for (const Paragraph& p : paragraphs) {
      if (auto value = p.Get("Depends"))
        relations += ParseRelations(*value)->size();
    }
  });
  Row("parse every Depends field", depends, 0, relations, "groups");

  size_t versions = 0;
  double version = BestOf(3, [&] {
    versions = 0;
    for (const Paragraph& p : paragraphs) {
      versions += Version::Parse(p.GetOrEmpty("Version")).ok();
    }
  });
  Row("parse every Version", version, 0, versions, "versions");

  std::string written;
  double write = BestOf(3, [&] {
    written.clear();
    for (const Paragraph& p : paragraphs) {
      p.AppendTo(&written);
      written.push_back('\n');
    }
  });
  Row("write back", write, written.size(), paragraphs.size(), "stanzas");

  char dir_template[] = "/tmp/debrepo-bench-XXXXXX";
  std::string dir = mkdtemp(dir_template);
  for (auto [name, compression] :
       {std::pair{"write + gzip -6 (zlib)", Compression::kGzip},
        std::pair{"write + xz -1 (liblzma)", Compression::kXz},
        std::pair{"write + bzip2 -9 (libbz2)", Compression::kBzip2}}) {
    size_t compressed = 0;
    double seconds = BestOf(1, [&] {
      auto writer = CompressedWriter::Create(dir + "/Packages", {compression});
      (void)(*writer)->Write(written);
      compressed = (*(*writer)->Finish())[0].checksums.size;
    });
    Row(name, seconds, written.size(), 0, "",
        absl::StrFormat("%.1f MB -> %.1f MB", written.size() / 1e6,
                        compressed / 1e6));
    unlink((dir + "/Packages" + std::string(CompressionSuffix(compression)))
               .c_str());
  }
  rmdir(dir.c_str());
  return 0;
}

}  // namespace
}  // namespace debrepo::deb

int main() { return debrepo::deb::Main(); }
