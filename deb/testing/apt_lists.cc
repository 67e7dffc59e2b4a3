// apt keeps its lists compressed as apt downloaded them (lz4 on Debian 12);
// libarchive's "raw" format reads any of them.
#include "deb/testing/apt_lists.h"

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <memory>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace debrepo::deb::testing {

absl::StatusOr<std::string> FindAptPackagesIndex() {
  std::error_code error;
  std::string best;
  uintmax_t best_size = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator("/var/lib/apt/lists", error)) {
    std::string name = entry.path().filename().string();
    if (!absl::StrContains(name, "_binary-") ||
        !absl::StrContains(name, "_Packages")) {
      continue;
    }
    uintmax_t size = entry.file_size(error);
    if (!error && size > best_size) {
      best = entry.path().string();
      best_size = size;
    }
  }
  if (best.empty()) {
    return absl::NotFoundError(
        "no Packages index in /var/lib/apt/lists; run apt-get update");
  }
  return best;
}

absl::StatusOr<std::string> FindAptInRelease() {
  absl::StatusOr<std::string> index = FindAptPackagesIndex();
  if (!index.ok()) return index.status();
  // apt names lists by URL with '/' as '_': ..._dists_bookworm_main_binary-
  // amd64_Packages.lz4 beside ..._dists_bookworm_InRelease.
  size_t dists = index->find("_dists_");
  size_t distribution_end =
      dists == std::string::npos ? dists : index->find('_', dists + 7);
  if (distribution_end == std::string::npos) {
    return absl::NotFoundError(
        absl::StrCat("cannot tell the distribution of ", *index));
  }
  std::string path =
      absl::StrCat(index->substr(0, distribution_end), "_InRelease");
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return absl::NotFoundError(
        absl::StrCat("no ", path, "; run apt-get update"));
  }
  return path;
}

absl::StatusOr<std::string> ReadDecompressedFile(const std::string& path) {
  std::unique_ptr<archive, decltype(&archive_read_free)> reader(
      archive_read_new(), archive_read_free);
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_raw(reader.get());
  archive_entry* entry = nullptr;
  if (archive_read_open_filename(reader.get(), path.c_str(), 1 << 16) !=
          ARCHIVE_OK ||
      archive_read_next_header(reader.get(), &entry) != ARCHIVE_OK) {
    return absl::NotFoundError(absl::StrCat(
        "cannot read ", path, ": ", archive_error_string(reader.get())));
  }
  std::string contents;
  char buffer[1 << 16];
  while (true) {
    la_ssize_t n = archive_read_data(reader.get(), buffer, sizeof(buffer));
    if (n < 0) {
      return absl::DataLossError(
          absl::StrCat("cannot decompress ", path, ": ",
                       archive_error_string(reader.get())));
    }
    if (n == 0) return contents;
    contents.append(buffer, static_cast<size_t>(n));
  }
}

}  // namespace debrepo::deb::testing
