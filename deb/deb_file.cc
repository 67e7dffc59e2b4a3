// The ar container is parsed here (it is trivial, and parsing it ourselves
// lets every byte pass through the checksum calculator exactly once); the
// tar members are handed to libarchive through a callback that reads only
// the member's bytes from the same stream.
#include "deb/deb_file.h"

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "deb/package_key.h"
#include "deb/version.h"

namespace debrepo::deb {
namespace {

constexpr absl::string_view kArMagic = "!<arch>\n";
constexpr size_t kArHeaderSize = 60;

absl::Status Invalid(absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("invalid .deb: ", message));
}

// HashingReader reads the package stream, hashing every byte it returns.
class HashingReader {
 public:
  explicit HashingReader(std::istream& in) : in_(in) {}

  // Read reads up to `size` bytes; fewer only at the end of the stream.
  size_t Read(char* buffer, size_t size) {
    in_.read(buffer, static_cast<std::streamsize>(size));
    size_t got = static_cast<size_t>(in_.gcount());
    calculator_.Update(absl::string_view(buffer, got));
    return got;
  }

  // Skip reads and hashes `size` bytes; false if the stream ends first.
  bool Skip(uint64_t size) {
    char buffer[1 << 16];
    while (size > 0) {
      size_t want = size < sizeof(buffer) ? size : sizeof(buffer);
      size_t got = Read(buffer, want);
      if (got == 0) return false;
      size -= got;
    }
    return true;
  }

  Checksums Finish() { return calculator_.Finish(); }

 private:
  std::istream& in_;
  ChecksumCalculator calculator_;
};

struct ArMember {
  std::string name;
  uint64_t size = 0;
};

// ReadArHeader reads the next member header; NOT_FOUND means the archive
// ended cleanly before it.
absl::StatusOr<ArMember> ReadArHeader(HashingReader& reader) {
  char header[kArHeaderSize];
  size_t got = reader.Read(header, kArHeaderSize);
  if (got == 0) return absl::NotFoundError("end of archive");
  if (got != kArHeaderSize) return Invalid("truncated ar member header");
  if (header[58] != '`' || header[59] != '\n') {
    return Invalid("corrupt ar member header");
  }
  ArMember member;
  member.name = std::string(
      absl::StripTrailingAsciiWhitespace(absl::string_view(header, 16)));
  // GNU ar ends names with '/'.
  if (absl::EndsWith(member.name, "/")) member.name.pop_back();
  absl::string_view size_field =
      absl::StripAsciiWhitespace(absl::string_view(header + 48, 10));
  if (!absl::SimpleAtoi(size_field, &member.size)) {
    return Invalid(absl::StrCat("bad size in ar header of \"",
                                absl::CHexEscape(member.name), "\""));
  }
  return member;
}

// MemberSource feeds one ar member's bytes to libarchive.
struct MemberSource {
  HashingReader* reader;
  uint64_t remaining;
  char buffer[1 << 16];
};

la_ssize_t ReadMember(archive*, void* data, const void** out) {
  auto* source = static_cast<MemberSource*>(data);
  size_t want = source->remaining < sizeof(source->buffer)
                    ? static_cast<size_t>(source->remaining)
                    : sizeof(source->buffer);
  size_t got = source->reader->Read(source->buffer, want);
  source->remaining -= got;
  *out = source->buffer;
  return static_cast<la_ssize_t>(got);
}

using ArchivePtr = std::unique_ptr<archive, decltype(&archive_read_free)>;

// UncompressedBudget counts the bytes the tar members of one package
// decompress to against DebLimits::max_uncompressed_bytes.
struct UncompressedBudget {
  uint64_t limit;
  uint64_t used_by_finished_members = 0;
};

// TarMember is an open libarchive reader over one ar member.
class TarMember {
 public:
  TarMember(HashingReader& reader, const ArMember& member,
            UncompressedBudget& budget)
      : archive_(archive_read_new(), archive_read_free),
        source_{&reader, member.size, {}},
        name_(member.name),
        budget_(budget) {}

  absl::Status Open() {
    archive_read_support_filter_gzip(archive_.get());
    archive_read_support_filter_xz(archive_.get());
    archive_read_support_filter_zstd(archive_.get());
    archive_read_support_filter_bzip2(archive_.get());
    archive_read_support_filter_lzma(archive_.get());
    archive_read_support_format_tar(archive_.get());
    if (archive_read_open(archive_.get(), &source_, nullptr, ReadMember,
                          nullptr) != ARCHIVE_OK) {
      return Error();
    }
    return absl::OkStatus();
  }

  // NextHeader returns the next entry, nullptr at the end of the tar.
  absl::StatusOr<archive_entry*> NextHeader() {
    archive_entry* entry = nullptr;
    int r = archive_read_next_header(archive_.get(), &entry);
    if (r == ARCHIVE_EOF) return nullptr;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return Error();
    // What was decompressed so far, plus the data of this entry, which
    // the next call would decompress to skip it: checked before that work.
    la_int64_t position = archive_filter_bytes(archive_.get(), 0);
    la_int64_t size = archive_entry_size(entry);
    uint64_t used = budget_.used_by_finished_members +
                    static_cast<uint64_t>(position > 0 ? position : 0);
    uint64_t data = static_cast<uint64_t>(size > 0 ? size : 0);
    if (used > budget_.limit || data > budget_.limit - used) {
      return Invalid(absl::StrCat(name_, ": package decompresses to more than ",
                                  budget_.limit, " bytes"));
    }
    return entry;
  }

  // ReadData reads the current entry's data, failing beyond `limit` bytes.
  absl::StatusOr<std::string> ReadData(uint64_t limit) {
    std::string data;
    char buffer[1 << 16];
    while (true) {
      la_ssize_t n = archive_read_data(archive_.get(), buffer, sizeof(buffer));
      if (n < 0) return Error();
      if (n == 0) return data;
      if (data.size() + static_cast<size_t>(n) > limit) {
        return Invalid(
            absl::StrCat(name_, ": control file exceeds ", limit, " bytes"));
      }
      data.append(buffer, static_cast<size_t>(n));
    }
  }

  // Finish hashes the member's bytes libarchive left unread (tar padding)
  // so the stream is positioned after the member.
  absl::Status Finish() {
    la_int64_t position = archive_filter_bytes(archive_.get(), 0);
    budget_.used_by_finished_members +=
        static_cast<uint64_t>(position > 0 ? position : 0);
    archive_read_close(archive_.get());
    if (!source_.reader->Skip(source_.remaining)) {
      return Invalid(absl::StrCat("truncated member ", name_));
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Error() {
    const char* message = archive_error_string(archive_.get());
    return Invalid(
        absl::StrCat(name_, ": ", message ? message : "unreadable tar"));
  }

  ArchivePtr archive_;
  MemberSource source_;
  std::string name_;
  UncompressedBudget& budget_;
};

// SafePath strips "./" and rejects paths that could escape the root or
// that hold control characters (a newline would forge Contents lines).
// `path` may be null (libarchive's answer for an undecodable name).
absl::StatusOr<std::string> SafePath(const char* raw_path,
                                     const DebLimits& limits) {
  if (raw_path == nullptr) return Invalid("tar entry without a path name");
  absl::string_view path = raw_path;
  if (path.size() > limits.max_path_length) {
    return Invalid(
        absl::StrCat("path longer than ", limits.max_path_length, " bytes"));
  }
  absl::ConsumePrefix(&path, "./");
  if (absl::StartsWith(path, "/")) {
    return Invalid(
        absl::StrCat("absolute path \"", absl::CHexEscape(path), "\""));
  }
  for (char c : path) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Invalid(absl::StrCat("path \"", absl::CHexEscape(path),
                                  "\" holds a control character"));
    }
  }
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part == "..") {
      return Invalid(absl::StrCat("path \"", absl::CHexEscape(path),
                                  "\" escapes the root"));
    }
  }
  return std::string(path);
}

absl::StatusOr<Paragraph> ReadControlMember(HashingReader& reader,
                                            const ArMember& member,
                                            const DebLimits& limits,
                                            UncompressedBudget& budget) {
  TarMember tar(reader, member, budget);
  RETURN_IF_ERROR(tar.Open());
  std::optional<Paragraph> control;
  size_t entries = 0;
  while (true) {
    ASSIGN_OR_RETURN(archive_entry * entry, tar.NextHeader());
    if (entry == nullptr) break;
    if (++entries > limits.max_paths) {
      return Invalid(absl::StrCat(member.name, " has more than ",
                                  limits.max_paths, " entries"));
    }
    if (archive_entry_pathname(entry) == nullptr) {
      return Invalid(absl::StrCat(member.name, ": entry without a path name"));
    }
    absl::string_view name = archive_entry_pathname(entry);
    absl::ConsumePrefix(&name, "./");
    if (name != "control" || archive_entry_filetype(entry) != AE_IFREG)
      continue;
    if (control.has_value()) return Invalid("two control files");
    ASSIGN_OR_RETURN(std::string text, tar.ReadData(limits.max_control_bytes));
    absl::StatusOr<Paragraph> paragraph = ParseParagraph(text);
    if (!paragraph.ok()) {
      return Invalid(
          absl::StrCat("DEBIAN/control: ", paragraph.status().message()));
    }
    control = *std::move(paragraph);
  }
  RETURN_IF_ERROR(tar.Finish());
  if (!control.has_value())
    return Invalid(absl::StrCat(member.name, " has no control file"));
  for (const char* field : {"Package", "Version", "Architecture"}) {
    if (control->GetOrEmpty(field).empty()) {
      return Invalid(absl::StrCat("control file lacks the ", field, " field"));
    }
  }
  if (absl::Status s = Version::Parse(control->GetOrEmpty("Version")).status();
      !s.ok()) {
    return Invalid(s.message());
  }
  if (absl::Status s = ValidatePackageName(control->GetOrEmpty("Package"));
      !s.ok()) {
    return Invalid(s.message());
  }
  if (absl::Status s =
          ValidateArchitecture(control->GetOrEmpty("Architecture"));
      !s.ok()) {
    return Invalid(s.message());
  }
  // The source name becomes the package's pool directory.
  if (std::optional<absl::string_view> source = control->Get("Source")) {
    if (absl::Status s = ValidateSourceField(*source); !s.ok()) {
      return Invalid(absl::StrCat("Source field: ", s.message()));
    }
  }
  return *std::move(control);
}

absl::StatusOr<std::vector<std::string>> ReadDataMember(
    HashingReader& reader, const ArMember& member, const DebLimits& limits,
    UncompressedBudget& budget) {
  TarMember tar(reader, member, budget);
  RETURN_IF_ERROR(tar.Open());
  std::vector<std::string> paths;
  size_t entries = 0;
  uint64_t path_bytes = 0;
  while (true) {
    ASSIGN_OR_RETURN(archive_entry * entry, tar.NextHeader());
    if (entry == nullptr) break;
    if (++entries > limits.max_paths) {
      return Invalid(absl::StrCat("data.tar has more than ", limits.max_paths,
                                  " entries"));
    }
    ASSIGN_OR_RETURN(std::string path,
                     SafePath(archive_entry_pathname(entry), limits));
    if (const char* target = archive_entry_hardlink(entry); target != nullptr) {
      RETURN_IF_ERROR(SafePath(target, limits).status());
    }
    if (archive_entry_filetype(entry) != AE_IFDIR && !path.empty()) {
      path_bytes += path.size();
      if (path_bytes > limits.max_path_bytes) {
        return Invalid(absl::StrCat("data.tar paths exceed ",
                                    limits.max_path_bytes, " bytes"));
      }
      paths.push_back(std::move(path));
    }
  }
  RETURN_IF_ERROR(tar.Finish());
  return paths;
}

}  // namespace

absl::StatusOr<DebFile> ReadDeb(std::istream& in, const DebLimits& limits) {
  HashingReader reader(in);
  char magic[kArMagic.size()];
  if (reader.Read(magic, sizeof(magic)) != sizeof(magic) ||
      absl::string_view(magic, sizeof(magic)) != kArMagic) {
    return Invalid("not an ar archive");
  }
  DebFile deb;
  UncompressedBudget budget{limits.max_uncompressed_bytes};
  bool seen_binary = false, seen_control = false, seen_data = false;
  while (true) {
    absl::StatusOr<ArMember> member = ReadArHeader(reader);
    if (absl::IsNotFound(member.status())) break;
    if (!member.ok()) return member.status();
    if (!seen_binary) {
      // deb(5): the first member is debian-binary with a 2.x format version.
      char version[16];
      if (member->name != "debian-binary" || member->size > sizeof(version) ||
          reader.Read(version, member->size) != member->size ||
          !absl::StartsWith(absl::string_view(version, member->size), "2.")) {
        return Invalid("first member is not a debian-binary of format 2.x");
      }
      seen_binary = true;
    } else if (absl::StartsWith(member->name, "control.tar") && !seen_control) {
      ASSIGN_OR_RETURN(deb.control,
                       ReadControlMember(reader, *member, limits, budget));
      seen_control = true;
    } else if (absl::StartsWith(member->name, "data.tar") && seen_control &&
               !seen_data) {
      ASSIGN_OR_RETURN(deb.paths,
                       ReadDataMember(reader, *member, limits, budget));
      seen_data = true;
    } else if (absl::StartsWith(member->name, "_")) {
      // Members starting with '_' (e.g. signatures) are allowed and ignored.
      if (!reader.Skip(member->size)) return Invalid("truncated archive");
    } else {
      return Invalid(absl::StrCat("unexpected member \"",
                                  absl::CHexEscape(member->name), "\""));
    }
    // ar pads members to an even size.
    if (member->size % 2 == 1 && !reader.Skip(1)) {
      return Invalid("truncated archive");
    }
  }
  if (!seen_control) return Invalid("no control.tar member");
  if (!seen_data) return Invalid("no data.tar member");
  deb.checksums = reader.Finish();
  return deb;
}

absl::StatusOr<DebFile> ReadDebFile(const std::string& path,
                                    const DebLimits& limits) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  return ReadDeb(in, limits);
}

}  // namespace debrepo::deb
