// The tree is written in one pass: every index is open from Create (or, for
// debian-installer and Contents indices, from their first entry) and
// receives stanzas as packages are added, so no index is ever held in
// memory; the caller's thread formats stanzas while the pool's threads
// compress. Finish closes the indices, writes the per-architecture Release
// files, the by-hash links and then the top-level Release, which lists them
// all.
#include "publish/distribution_writer.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "common/status_macros.h"
#include "deb/compression_pool.h"
#include "deb/control.h"
#include "deb/internal/subprocess.h"
#include "deb/package_key.h"
#include "deb/upload_control.h"

namespace debrepo::publish {
namespace {

namespace fs = std::filesystem;

constexpr absl::string_view kSource = "source";
constexpr absl::string_view kAll = "all";

// kBufferedBytesPerThread bounds the written data waiting for compression.
constexpr size_t kBufferedBytesPerThread = size_t{4} << 20;

// HashSection is one checksum section of a Release file and its by-hash
// directory (apt names the directory after the section).
struct HashSection {
  absl::string_view name;
  std::string deb::Checksums::*digest;
};

constexpr HashSection kHashSections[] = {
    {"MD5Sum", &deb::Checksums::md5},
    {"SHA1", &deb::Checksums::sha1},
    {"SHA256", &deb::Checksums::sha256},
    {"SHA512", &deb::Checksums::sha512},
};

// ValidateSegment checks that `name` (a component or architecture) is one
// safe path segment, since it becomes a directory of the tree.
absl::Status ValidateSegment(absl::string_view what, absl::string_view name) {
  bool safe = !name.empty() && name != "." && name != ".." &&
              std::all_of(name.begin(), name.end(), [](char c) {
                return absl::ascii_isalnum(c) || c == '-' || c == '_' ||
                       c == '.' || c == '+' || c == '~';
              });
  if (!safe) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " \"", absl::CHexEscape(name),
                     "\" is not a plain name (letters, digits, \"-_.+~\")"));
  }
  return absl::OkStatus();
}

absl::Status StanzaError(const IndexedPackage& package,
                         const absl::Status& error) {
  return absl::InvalidArgumentError(
      absl::StrCat("the stanza of package ", package.name,
                   " does not parse: ", error.message()));
}

absl::Status WriteWholeFile(const fs::path& path, absl::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out) {
    return absl::InternalError(absl::StrCat("cannot write ", path.string()));
  }
  return absl::OkStatus();
}

// LinkByHash hard-links `file` as <dir of `path`>/by-hash/<section>/<digest>
// in `tree` (copying across filesystems); an existing link is kept, since
// the same digest is the same content.
absl::Status LinkByHash(const fs::path& tree, const std::string& path,
                        absl::string_view section, absl::string_view digest,
                        const fs::path& file) {
  if (digest.empty()) return absl::OkStatus();
  fs::path directory =
      tree / fs::path(path).parent_path() / "by-hash" / std::string(section);
  std::error_code error;
  fs::create_directories(directory, error);
  if (error) {
    return absl::InternalError(absl::StrCat(
        "cannot create ", directory.string(), ": ", error.message()));
  }
  fs::path link_path = directory / std::string(digest);
  if (link(file.c_str(), link_path.c_str()) == 0 || errno == EEXIST) {
    return absl::OkStatus();
  }
  if (errno == EXDEV &&
      fs::copy_file(file, link_path, fs::copy_options::skip_existing, error)) {
    return absl::OkStatus();
  }
  return absl::InternalError(absl::StrCat(
      "cannot link ", link_path.string(), " to ", file.string(), ": ",
      error ? error.message() : std::string(std::strerror(errno))));
}

// Index is one index file being written, in every requested variant.
struct Index {
  std::unique_ptr<deb::CompressedWriter> writer;
  // Set for Contents indices: formats lines into `writer`.
  std::unique_ptr<deb::ContentsWriter> contents;
};

class TreeWriter : public DistributionWriter {
 public:
  explicit TreeWriter(DistributionOptions options)
      : options_(std::move(options)),
        pool_(options_.threads, kBufferedBytesPerThread * options_.threads,
              // Debian's lbzip2 package: a third less CPU for .bz2
              // indices than libbz2 (deb/compressed_writer.cc).
              deb::internal::FindOnPath("lbzip2")) {
    variants_.push_back(deb::Compression::kNone);
    for (deb::Compression compression : options_.compressions) {
      if (std::find(variants_.begin(), variants_.end(), compression) ==
          variants_.end()) {
        variants_.push_back(compression);
      }
    }
    for (const std::string& arch : options_.release.architectures) {
      if (arch == kSource) {
        sources_ = true;
      } else if (arch != kAll) {
        binary_architectures_.push_back(arch);
      }
    }
  }

  // Open creates the directory and the indices every tree has.
  absl::Status Open() {
    absl::MutexLock lock(&indices_mu_);
    std::error_code error;
    fs::create_directories(fs::path(options_.directory).parent_path(), error);
    if (!fs::create_directory(options_.directory, error)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot create ", options_.directory, ": ",
          error ? error.message() : std::string("it exists already")));
    }
    for (const std::string& component : options_.release.components) {
      for (const std::string& arch : binary_architectures_) {
        RETURN_IF_ERROR(
            OpenIndex(absl::StrCat(component, "/binary-", arch, "/Packages"))
                .status());
      }
      if (sources_) {
        RETURN_IF_ERROR(
            OpenIndex(absl::StrCat(component, "/source/Sources")).status());
      }
    }
    return absl::OkStatus();
  }

  absl::Status Add(absl::string_view component,
                   const IndexedPackage& package) override {
    RETURN_IF_ERROR(CheckComponent(component));
    if (package.files.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("package ", package.name, " has no files"));
    }
    const std::string& source =
        package.source.empty() ? package.name : package.source;
    ASSIGN_OR_RETURN(const std::string directory,
                     deb::PoolDirectory(component, source));
    for (const PublishedFile& file : package.files) {
      RETURN_IF_ERROR(deb::PoolPath(component, source, file.name).status());
    }
    if (package.kind == PackageKind::kSource) {
      if (!sources_) return absl::OkStatus();
      absl::StatusOr<deb::UploadControl> dsc = deb::ParseDsc(package.stanza);
      if (!dsc.ok()) return StanzaError(package, dsc.status());
      // The blob store's checksums are complete; a .dsc rarely lists
      // SHA-512, which Checksums-Sha512 needs.
      dsc->files.clear();
      for (size_t i = 1; i < package.files.size(); ++i) {
        dsc->files.push_back(
            {package.files[i].name, package.files[i].checksums, "", ""});
      }
      ASSIGN_OR_RETURN(
          deb::Paragraph stanza,
          deb::SourcesStanza(*dsc, package.files[0].name,
                             package.files[0].checksums, directory));
      return Write(absl::StrCat(component, "/source/Sources"),
                   StanzaText(stanza));
    }
    if (package.files.size() != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("binary package ", package.name, " has ",
                       package.files.size(), " files; it must have one"));
    }
    absl::StatusOr<deb::Paragraph> control =
        deb::ParseParagraph(package.stanza);
    if (!control.ok()) return StanzaError(package, control.status());
    // Formatted once, though an "all" package goes into every index.
    std::string text;
    RETURN_IF_ERROR(deb::AppendPackagesStanza(
        *control, absl::StrCat(directory, "/", package.files[0].name),
        package.files[0].checksums, &text));
    text.push_back('\n');
    absl::string_view installer =
        package.kind == PackageKind::kUdeb ? "/debian-installer" : "";
    for (const std::string& arch : binary_architectures_) {
      if (package.architecture != kAll && package.architecture != arch) {
        continue;
      }
      RETURN_IF_ERROR(Write(
          absl::StrCat(component, installer, "/binary-", arch, "/Packages"),
          text));
    }
    return absl::OkStatus();
  }

  deb::ContentsWriter* Contents(absl::string_view component,
                                absl::string_view architecture,
                                bool udeb) override {
    if (!options_.contents || !CheckComponent(component).ok() ||
        std::find(binary_architectures_.begin(), binary_architectures_.end(),
                  architecture) == binary_architectures_.end()) {
      return nullptr;
    }
    std::string path = absl::StrCat(component, "/Contents-",
                                    udeb ? "udeb-" : "", architecture);
    absl::MutexLock lock(&indices_mu_);
    auto it = indices_.find(path);
    if (it == indices_.end()) {
      absl::StatusOr<Index*> index = OpenIndex(path, {deb::Compression::kGzip});
      if (!index.ok()) {
        // Reported by Finish, which must not publish a partial tree.
        deferred_error_.Update(index.status());
        return nullptr;
      }
      (*index)->contents =
          std::make_unique<deb::ContentsWriter>(*(*index)->writer);
      return (*index)->contents.get();
    }
    return it->second.contents.get();
  }

  absl::Status Finish(const Signer* signer) override {
    absl::MutexLock lock(&indices_mu_);
    RETURN_IF_ERROR(deferred_error_);
    // Every architecture gets a debian-installer index once one has udebs.
    for (const std::string& component : options_.release.components) {
      bool has_udebs = std::any_of(
          binary_architectures_.begin(), binary_architectures_.end(),
          [&](const std::string& arch) {
            return indices_.contains(InstallerIndexPath(component, arch));
          });
      for (const std::string& arch : binary_architectures_) {
        if (has_udebs &&
            !indices_.contains(InstallerIndexPath(component, arch))) {
          RETURN_IF_ERROR(
              OpenIndex(InstallerIndexPath(component, arch)).status());
        }
      }
    }
    std::vector<deb::ReleaseFileEntry> files;
    for (auto& [path, index] : indices_) {
      if (index.contents != nullptr) RETURN_IF_ERROR(index.contents->Finish());
      ASSIGN_OR_RETURN(std::vector<deb::WrittenFile> written,
                       index.writer->Finish());
      for (deb::WrittenFile& file : written) {
        files.push_back(
            {absl::StrCat(path, deb::CompressionSuffix(file.compression)),
             std::move(file.checksums)});
      }
    }
    indices_.clear();
    for (const std::string& component : options_.release.components) {
      for (const std::string& arch : binary_architectures_) {
        ASSIGN_OR_RETURN(deb::ReleaseFileEntry entry,
                         WriteIndexRelease(component, "binary-" + arch, arch));
        files.push_back(std::move(entry));
      }
      if (sources_) {
        ASSIGN_OR_RETURN(deb::ReleaseFileEntry entry,
                         WriteIndexRelease(component, "source", kSource));
        files.push_back(std::move(entry));
      }
    }
    deb::ReleaseInfo info = options_.release;
    info.architectures = binary_architectures_;
    fs::path directory(options_.directory);
    if (options_.release.acquire_by_hash) {
      for (const deb::ReleaseFileEntry& file : files) {
        for (const HashSection& section : kHashSections) {
          RETURN_IF_ERROR(LinkByHash(directory, file.path, section.name,
                                     file.checksums.*section.digest,
                                     directory / file.path));
        }
      }
      RETURN_IF_ERROR(LinkPreviousByHash());
    }
    ASSIGN_OR_RETURN(deb::Paragraph release,
                     deb::ReleaseParagraph(info, std::move(files)));
    std::string text = release.ToString();
    RETURN_IF_ERROR(WriteWholeFile(directory / "Release", text));
    if (signer == nullptr) return absl::OkStatus();
    ASSIGN_OR_RETURN(std::string in_release, signer->ClearSign(text));
    ASSIGN_OR_RETURN(std::string detached, signer->DetachSign(text));
    RETURN_IF_ERROR(WriteWholeFile(directory / "InRelease", in_release));
    return WriteWholeFile(directory / "Release.gpg", detached);
  }

 private:
  static std::string InstallerIndexPath(absl::string_view component,
                                        absl::string_view arch) {
    return absl::StrCat(component, "/debian-installer/binary-", arch,
                        "/Packages");
  }

  absl::Status CheckComponent(absl::string_view component) const {
    if (std::find(options_.release.components.begin(),
                  options_.release.components.end(),
                  component) == options_.release.components.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("component \"", component, "\" is not published here"));
    }
    return absl::OkStatus();
  }

  // OpenIndex starts the index at `path` (relative to the tree) in
  // `variants`, or in every configured variant when `variants` is empty.
  absl::StatusOr<Index*> OpenIndex(const std::string& path,
                                   std::vector<deb::Compression> variants = {})
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(indices_mu_) {
    fs::path full = fs::path(options_.directory) / path;
    std::error_code error;
    fs::create_directories(full.parent_path(), error);
    if (error) {
      return absl::InternalError(absl::StrCat("cannot create ",
                                              full.parent_path().string(), ": ",
                                              error.message()));
    }
    ASSIGN_OR_RETURN(
        std::unique_ptr<deb::CompressedWriter> writer,
        deb::CompressedWriter::Create(
            full.string(), variants.empty() ? variants_ : variants, &pool_));
    Index& index = indices_[path];
    index.writer = std::move(writer);
    return &index;
  }

  // StanzaText is `stanza` as an index lists it: its lines and a blank line.
  static std::string StanzaText(const deb::Paragraph& stanza) {
    std::string text = stanza.ToString();
    text.push_back('\n');
    return text;
  }

  // Write appends `text` to the index at `path`, opening it on first use.
  absl::Status Write(const std::string& path, absl::string_view text) {
    Index* index = nullptr;
    {
      absl::MutexLock lock(&indices_mu_);
      auto it = indices_.find(path);
      if (it != indices_.end()) {
        index = &it->second;
      } else {
        ASSIGN_OR_RETURN(index, OpenIndex(path));
      }
    }
    // Outside the lock: writing may wait for the compressors, and the
    // thread feeding the Contents indices must not wait for that too.
    return index->writer->Write(text);
  }

  // LinkPreviousByHash links the files the previous tree's Release lists
  // into this tree's by-hash directories, by the digests listed there.
  absl::Status LinkPreviousByHash() {
    if (options_.previous_directory.empty()) return absl::OkStatus();
    fs::path previous(options_.previous_directory);
    std::error_code error;
    if (!fs::exists(previous / "Release", error)) return absl::OkStatus();
    std::ifstream in(previous / "Release", std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    absl::StatusOr<deb::Paragraph> release = deb::ParseParagraph(text);
    if (!release.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the live Release file ", (previous / "Release").string(),
          " does not parse: ", release.status().message()));
    }
    for (const HashSection& section : kHashSections) {
      for (absl::string_view line :
           absl::StrSplit(release->GetOrEmpty(section.name), '\n',
                          absl::SkipWhitespace())) {
        std::vector<absl::string_view> words =
            absl::StrSplit(line, ' ', absl::SkipEmpty());
        // Only plain relative paths: the file came from our own tree, but
        // a path must not lead out of it whatever the file says.
        if (words.size() != 3 || words[2].empty() || words[2][0] == '/' ||
            absl::StrContains(words[2], "..")) {
          continue;
        }
        std::string path(words[2]);
        fs::path file = previous / path;
        if (!fs::is_regular_file(file, error)) continue;
        RETURN_IF_ERROR(
            LinkByHash(options_.directory, path, section.name, words[0], file));
      }
    }
    return absl::OkStatus();
  }

  // WriteIndexRelease writes `component`/`directory`/Release, the small
  // Release file apt-ftparchive and dak put next to each index, and returns
  // its entry for the top-level Release.
  absl::StatusOr<deb::ReleaseFileEntry> WriteIndexRelease(
      absl::string_view component, absl::string_view directory,
      absl::string_view architecture) {
    deb::Paragraph release;
    absl::Status status;
    auto set_if = [&](absl::string_view name, absl::string_view value) {
      if (!value.empty()) status.Update(release.Set(name, value));
    };
    set_if("Archive", options_.release.suite);
    set_if("Origin", options_.release.origin);
    set_if("Label", options_.release.label);
    if (options_.release.acquire_by_hash) set_if("Acquire-By-Hash", "yes");
    set_if("Component", component);
    set_if("Architecture", architecture);
    RETURN_IF_ERROR(status);
    std::string path = absl::StrCat(component, "/", directory, "/Release");
    std::string text = release.ToString();
    RETURN_IF_ERROR(WriteWholeFile(fs::path(options_.directory) / path, text));
    deb::ChecksumCalculator calculator;
    calculator.Update(text);
    return deb::ReleaseFileEntry{std::move(path), calculator.Finish()};
  }

  DistributionOptions options_;
  // Declared before indices_, so that it outlives their writers.
  deb::CompressionPool pool_;
  std::vector<deb::Compression> variants_;
  std::vector<std::string> binary_architectures_;
  bool sources_ = false;
  // Guards the map, not the indices: each is written by one thread (the
  // one adding packages, or the one feeding a Contents index).
  absl::Mutex indices_mu_;
  // Open indices by path relative to the tree, e.g.
  // "main/binary-amd64/Packages".
  std::map<std::string, Index> indices_ ABSL_GUARDED_BY(indices_mu_);
  absl::Status deferred_error_ ABSL_GUARDED_BY(indices_mu_);
};

}  // namespace

absl::StatusOr<std::unique_ptr<DistributionWriter>> DistributionWriter::Create(
    DistributionOptions options) {
  if (options.release.components.empty()) {
    return absl::InvalidArgumentError("a distribution needs a component");
  }
  if (options.release.architectures.empty()) {
    return absl::InvalidArgumentError("a distribution needs an architecture");
  }
  if (options.threads < 1) {
    return absl::InvalidArgumentError("compression threads must be at least 1");
  }
  for (const std::string& component : options.release.components) {
    RETURN_IF_ERROR(ValidateSegment("component", component));
  }
  for (const std::string& arch : options.release.architectures) {
    RETURN_IF_ERROR(ValidateSegment("architecture", arch));
  }
  auto writer = std::make_unique<TreeWriter>(std::move(options));
  RETURN_IF_ERROR(writer->Open());
  return writer;
}

}  // namespace debrepo::publish
