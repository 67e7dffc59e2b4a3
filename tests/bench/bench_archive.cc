#include "tests/bench/bench_archive.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "deb/checksums.h"
#include "deb/compressed_writer.h"
#include "deb/compression_pool.h"
#include "deb/control.h"
#include "deb/testing/apt_lists.h"

namespace debrepo::testing {
namespace {

// Debian 12's apt list of the largest index is bookworm main amd64; the
// written Release says so whatever the machine's list is.
constexpr char kDistribution[] = "bookworm";
constexpr char kComponent[] = "main";
constexpr char kArchitecture[] = "amd64";

// Writes the file `stanza` names under `root` (once per Filename) and
// points the stanza's size and checksums at it.
absl::Status GenerateFile(const std::string& root, deb::Paragraph& stanza,
                          int64_t& files) {
  const std::string filename(stanza.GetOrEmpty("Filename"));
  if (filename.empty() || absl::StrContains(filename, "..") ||
      filename.front() == '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "stanza of ", stanza.GetOrEmpty("Package"), " has no usable Filename"));
  }
  const std::string contents =
      absl::StrCat("debrepo mirror benchmark file ", filename, "\n");
  const std::filesystem::path path = std::filesystem::path(root) / filename;
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    std::filesystem::create_directories(path.parent_path(), error);
    std::ofstream out(path, std::ios::binary);
    out << contents;
    if (!out.good()) {
      return absl::InternalError(absl::StrCat("cannot write ", path.string()));
    }
    ++files;
  }
  deb::ChecksumCalculator calculator;
  calculator.Update(contents);
  const deb::Checksums checksums = calculator.Finish();
  RETURN_IF_ERROR(stanza.Set("Size", absl::StrCat(checksums.size)));
  RETURN_IF_ERROR(stanza.Set("MD5sum", checksums.md5));
  if (stanza.Has("SHA1")) RETURN_IF_ERROR(stanza.Set("SHA1", checksums.sha1));
  RETURN_IF_ERROR(stanza.Set("SHA256", checksums.sha256));
  return absl::OkStatus();
}

// Runs a shell command; INTERNAL naming `what` when it fails.
absl::Status Run(const std::string& command, absl::string_view what) {
  if (RunQuietly(command) != 0) {
    return absl::InternalError(absl::StrCat(what, " failed: ", command));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<BenchArchive> WriteBenchArchive(const std::string& directory,
                                               TestSigners& signers,
                                               const std::string& signer) {
  ASSIGN_OR_RETURN(const std::string index_path,
                   deb::testing::FindAptPackagesIndex());
  ASSIGN_OR_RETURN(const std::string index,
                   deb::testing::ReadDecompressedFile(index_path));
  BenchArchive archive;
  archive.root = directory + "/archive";
  archive.distribution = kDistribution;
  archive.component = kComponent;
  archive.architecture = kArchitecture;
  archive.keyring_path = directory + "/archive-keyring.gpg";
  const std::string dist_dir =
      absl::StrCat(archive.root, "/dists/", kDistribution);
  const std::string index_dir =
      absl::StrCat(dist_dir, "/", kComponent, "/binary-", kArchitecture);
  std::error_code error;
  std::filesystem::create_directories(index_dir, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot create ", index_dir, ": ", error.message()));
  }

  {
    // Two threads: gzip and xz of each chunk compress side by side.
    deb::CompressionPool pool(2, 64 << 20);
    ASSIGN_OR_RETURN(std::unique_ptr<deb::CompressedWriter> writer,
                     deb::CompressedWriter::Create(
                         index_dir + "/Packages",
                         {deb::Compression::kNone, deb::Compression::kGzip,
                          deb::Compression::kXz},
                         &pool));
    deb::ParagraphReader reader(index);
    deb::Paragraph stanza;
    std::string text;
    while (true) {
      ASSIGN_OR_RETURN(const bool read, reader.Next(&stanza));
      if (!read) break;
      RETURN_IF_ERROR(GenerateFile(archive.root, stanza, archive.files));
      text.clear();
      if (archive.stanzas > 0) text.push_back('\n');
      stanza.AppendTo(&text);
      RETURN_IF_ERROR(writer->Write(text));
      ++archive.stanzas;
    }
    RETURN_IF_ERROR(writer->Finish().status());
  }

  // The Release is written beside the directory it describes, so that it
  // does not list itself.
  RETURN_IF_ERROR(
      Run(absl::StrCat(
              "cd ", dist_dir,
              " && apt-ftparchive"
              " -o APT::FTPArchive::Release::Origin=debrepo-bench"
              " -o APT::FTPArchive::Release::Label=debrepo-bench"
              " -o APT::FTPArchive::Release::Suite=stable"
              " -o APT::FTPArchive::Release::Codename=",
              kDistribution,
              " -o APT::FTPArchive::Release::Architectures=", kArchitecture,
              " -o APT::FTPArchive::Release::Components=", kComponent,
              " release . > ../Release.new && mv ../Release.new Release"),
          "apt-ftparchive release"));
  std::filesystem::remove(index_dir + "/Packages", error);
  std::filesystem::copy_file(dist_dir + "/Release", dist_dir + "/InRelease",
                             error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot copy the Release: ", error.message()));
  }
  signers.ClearSign(dist_dir + "/InRelease", signer);
  if (!absl::StartsWith(ReadFile(dist_dir + "/InRelease"),
                        "-----BEGIN PGP SIGNED MESSAGE-----")) {
    return absl::InternalError("gpg did not sign the InRelease");
  }
  signers.ExportKeyring(signer, archive.keyring_path);
  if (ReadFile(archive.keyring_path).empty()) {
    return absl::InternalError("gpg did not export the signing key");
  }
  return archive;
}

}  // namespace debrepo::testing
