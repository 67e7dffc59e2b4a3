#include "mirror/index_package.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "common/storable_text.h"
#include "deb/checksums.h"
#include "deb/package_key.h"
#include "deb/relation.h"
#include "deb/upload_control.h"
#include "mirror/release.h"

namespace debrepo::mirror {
namespace {

// kArchiveFields are a Packages stanza's fields that say where and what the
// file is in the archive, not what the package is.
constexpr absl::string_view kArchiveFields[] = {"Filename", "Size",   "MD5sum",
                                                "SHA1",     "SHA256", "SHA512"};

// kFileListFields are a Sources stanza's file lists.
constexpr absl::string_view kFileListFields[] = {
    "Files", "Checksums-Sha1", "Checksums-Sha256", "Checksums-Sha512"};

// StanzaName is what an error names a stanza by: its Package, Version and
// Architecture ("" when absent).
struct StanzaName {
  absl::string_view package, version, architecture;
};

// NameOf returns the name of `stanza`.
StanzaName NameOf(const deb::Paragraph& stanza) {
  return {.package = stanza.GetOrEmpty("Package"),
          .version = stanza.GetOrEmpty("Version"),
          .architecture = stanza.GetOrEmpty("Architecture")};
}

// BadStanza returns the error for the stanza named `stanza` whose `problem`
// the archive has.
absl::Status BadStanza(const StanzaName& stanza, absl::string_view problem) {
  return absl::FailedPreconditionError(absl::StrCat(
      "index stanza \"", absl::CHexEscape(stanza.package), " ",
      absl::CHexEscape(stanza.version), " ",
      absl::CHexEscape(stanza.architecture), "\": ", problem,
      "; the archive's index is broken or hostile: tell its maintainers"));
}

// Digest returns `value`, the field `name`, as a lower-case hex digest of
// `length` digits, "" when absent; `required` makes absence an error.
absl::StatusOr<std::string> Digest(const StanzaName& stanza,
                                   absl::string_view name,
                                   std::optional<absl::string_view> value,
                                   size_t length, bool required) {
  if (!value.has_value() && !required) return std::string();
  const absl::string_view text = absl::StripAsciiWhitespace(value.value_or(""));
  if (text.size() != length ||
      !std::all_of(text.begin(), text.end(), absl::ascii_isxdigit)) {
    return BadStanza(
        stanza,
        absl::StrCat(value.has_value() ? "invalid " : "no ", name, " field"));
  }
  // Checked first and lowered in place: one copy, no call per digest.
  std::string digest(text);
  for (char& c : digest) c = absl::ascii_tolower(static_cast<unsigned char>(c));
  return digest;
}

// CheckArchivePath checks that `path`, a file's path in the archive, is
// safe to use under the archive's URL.
absl::Status CheckArchivePath(const StanzaName& stanza,
                              absl::string_view path) {
  if (IsSafeArchivePath(path)) return absl::OkStatus();
  return BadStanza(stanza,
                   absl::StrCat("unsafe file path \"", absl::CHexEscape(path),
                                "\" (absolute, \"..\", an empty segment "
                                "or a control character)"));
}

// PackagesFields are the fields of a Packages stanza ReadPackagesStanza
// reads, found in one pass over its fields (a Paragraph::Get searches them
// all, and these are eleven of about twenty: in perf, those searches and
// the text check's comparisons were a large share of a filtered sync's
// parsing thread).
struct PackagesFields {
  std::optional<absl::string_view> package, version, architecture, source,
      provides, size, md5sum, sha1, sha256, sha512, filename;
  // not_text names the first field that is not UTF-8 text, Filename aside.
  std::optional<absl::string_view> not_text;

  StanzaName name() const {
    return {.package = package.value_or(""),
            .version = version.value_or(""),
            .architecture = architecture.value_or("")};
  }
};

// FindPackagesFields returns the fields among `fields` (a Paragraph's or a
// ParagraphView's) that PackagesFields holds. `all_text` says they are all
// UTF-8 text already.
template <typename Fields>
PackagesFields FindPackagesFields(const Fields& fields, bool all_text) {
  using Slot = std::optional<absl::string_view> PackagesFields::*;
  static constexpr std::pair<absl::string_view, Slot> kSlots[] = {
      {"Package", &PackagesFields::package},
      {"Version", &PackagesFields::version},
      {"Architecture", &PackagesFields::architecture},
      {"Source", &PackagesFields::source},
      {"Provides", &PackagesFields::provides},
      {"Size", &PackagesFields::size},
      {"MD5sum", &PackagesFields::md5sum},
      {"SHA1", &PackagesFields::sha1},
      {"SHA256", &PackagesFields::sha256},
      {"SHA512", &PackagesFields::sha512},
      {"Filename", &PackagesFields::filename}};
  PackagesFields found;
  for (const auto& field : fields) {
    Slot slot = nullptr;
    for (const auto& [name, candidate] : kSlots) {
      if (deb::FieldNamesEqual(field.name, name)) {
        slot = candidate;
        found.*slot = field.value;
        break;
      }
    }
    // The archive's fields are not stored, so need not be text; but those
    // other than Filename are checked as a size and digests before the
    // text is (an invalid one is refused as such), so only Filename is
    // left out here.
    if (!all_text && !found.not_text.has_value() &&
        slot != &PackagesFields::filename &&
        (!IsStorableText(field.name) || !IsStorableText(field.value))) {
      found.not_text = field.name;
    }
  }
  return found;
}

// NotTextError is the error for `field` of `stanza`, not UTF-8 text.
absl::Status NotTextError(const StanzaName& stanza, absl::string_view field) {
  return BadStanza(stanza,
                   absl::StrCat("its field ", field, " is not UTF-8 text"));
}

// CheckStorableText checks that the fields of `control` are UTF-8 text,
// field by field: the stanza's text is never needed whole.
absl::Status CheckStorableText(const StanzaName& stanza,
                               const deb::Paragraph& control) {
  for (const deb::Field& field : control.fields()) {
    if (!IsStorableText(field.name) || !IsStorableText(field.value)) {
      return NotTextError(stanza, field.name);
    }
  }
  return absl::OkStatus();
}

// KeyOf returns the key of the package `stanza` describes, with `files`.
absl::StatusOr<std::string> KeyOf(const StanzaName& stanza,
                                  absl::string_view architecture,
                                  absl::string_view name,
                                  absl::string_view version,
                                  std::vector<deb::PackageFile> files) {
  absl::StatusOr<std::string> key = deb::PackageKey(
      architecture, name, version, deb::FilesHash(std::move(files)));
  if (!key.ok()) return BadStanza(stanza, key.status().message());
  return key;
}

// PackagesFileName is Debian's name for the file of `read`, under which it
// is stored, as an upload is.
std::string PackagesFileName(const IndexedBinary& read) {
  return deb::PackageFileName(read.name, read.version, read.architecture,
                              read.package_type);
}

// WithoutLine returns a file list value without the line naming `file`.
std::string WithoutLine(absl::string_view value, absl::string_view file) {
  std::vector<absl::string_view> kept;
  for (absl::string_view line : absl::StrSplit(value, '\n')) {
    std::vector<absl::string_view> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (!words.empty() && words.back() == file) continue;
    kept.push_back(line);
  }
  return absl::StrJoin(kept, "\n");
}

}  // namespace

bool ReadsArchiveFields(const deb::Query& filter) {
  std::vector<const deb::QueryNode*> pending = {&filter.root()};
  while (!pending.empty()) {
    const deb::QueryNode& node = *pending.back();
    pending.pop_back();
    if (node.kind == deb::QueryNode::Kind::kField &&
        std::any_of(std::begin(kArchiveFields), std::end(kArchiveFields),
                    [&](absl::string_view name) {
                      return absl::EqualsIgnoreCase(node.field, name);
                    })) {
      return true;
    }
    for (const deb::QueryNode& child : node.children) pending.push_back(&child);
  }
  return false;
}

namespace {

// ReadPackagesFields is ReadPackagesStanza of a stanza whose fields
// FindPackagesFields found as `fields`.
absl::StatusOr<IndexedBinary> ReadPackagesFields(const PackagesFields& fields,
                                                 IndexKind kind) {
  const StanzaName stanza = fields.name();
  IndexedBinary read;
  read.name = fields.package.value_or("");
  read.version = fields.version.value_or("");
  read.architecture = fields.architecture.value_or("");
  read.package_type = kind == IndexKind::kInstallerPackages ? "udeb" : "deb";
  if (fields.source.has_value()) {
    if (absl::Status valid = deb::ValidateSourceField(*fields.source);
        !valid.ok()) {
      return BadStanza(stanza, valid.message());
    }
  }
  if (fields.provides.has_value()) {
    absl::StatusOr<std::vector<std::string>> names =
        deb::RelationNames(*fields.provides);
    if (!names.ok()) {
      return BadStanza(
          stanza, absl::StrCat("invalid Provides: ", names.status().message()));
    }
    read.provides = *std::move(names);
  }
  deb::Checksums& checksums = read.checksums;
  absl::string_view size = absl::StripAsciiWhitespace(fields.size.value_or(""));
  if (size.empty() || !absl::ascii_isdigit(size[0]) ||
      !absl::SimpleAtoi(size, &checksums.size) ||
      checksums.size > static_cast<uint64_t>(INT64_MAX)) {
    return BadStanza(stanza, "no valid Size field");
  }
  ASSIGN_OR_RETURN(checksums.md5,
                   Digest(stanza, "MD5sum", fields.md5sum, 32, false));
  ASSIGN_OR_RETURN(checksums.sha1,
                   Digest(stanza, "SHA1", fields.sha1, 40, false));
  ASSIGN_OR_RETURN(checksums.sha256,
                   Digest(stanza, "SHA256", fields.sha256, 64, true));
  ASSIGN_OR_RETURN(checksums.sha512,
                   Digest(stanza, "SHA512", fields.sha512, 128, false));
  if (!fields.filename.has_value()) {
    return BadStanza(stanza, "no Filename field");
  }
  read.archive_path = *fields.filename;
  RETURN_IF_ERROR(CheckArchivePath(stanza, read.archive_path));
  if (fields.not_text.has_value()) {
    return NotTextError(stanza, *fields.not_text);
  }
  // Keyed under Debian's name for its file, as an upload is.
  ASSIGN_OR_RETURN(read.key,
                   KeyOf(stanza, read.architecture, read.name, read.version,
                         {{PackagesFileName(read), checksums}}));
  return read;
}

}  // namespace

absl::StatusOr<IndexedBinary> ReadPackagesStanza(const deb::Paragraph& stanza,
                                                 IndexKind kind) {
  return ReadPackagesFields(FindPackagesFields(stanza.fields(), false), kind);
}

absl::StatusOr<IndexedBinary> ReadPackagesStanza(
    const deb::ParagraphView& stanza, IndexKind kind) {
  // Names and values are pieces of the text cut at ASCII bytes: when it is
  // all text, so are they, and one pass over it beats one per field (most
  // of a field's cost was its tail bytes, checked one at a time).
  return ReadPackagesFields(
      FindPackagesFields(stanza.fields(), IsStorableText(stanza.text())), kind);
}

absl::StatusOr<MirroredPackage> PackageFromPackagesStanza(
    const deb::Paragraph& stanza, IndexKind kind) {
  ASSIGN_OR_RETURN(IndexedBinary read, ReadPackagesStanza(stanza, kind));
  MirroredPackage mirrored;
  storage::NewPackage& package = mirrored.package;
  package.name = std::string(read.name);
  package.version = std::string(read.version);
  package.architecture = std::string(read.architecture);
  package.package_type = std::string(read.package_type);
  package.source = std::string(deb::SourceName(stanza));
  package.provides = std::move(read.provides);
  mirrored.archive_paths.emplace_back(read.archive_path);
  package.control = stanza;
  for (absl::string_view field : kArchiveFields) package.control.Remove(field);
  package.files.push_back(
      storage::PackageFileOf(PackagesFileName(read), read.checksums));
  package.key = std::move(read.key);
  return mirrored;
}

absl::StatusOr<MirroredPackage> PackageFromSourcesStanza(
    const deb::Paragraph& paragraph) {
  const StanzaName stanza = NameOf(paragraph);
  // The .dsc's own paragraph, with the .dsc still in its file lists so that
  // ParseDsc checks and reads every file's digests.
  deb::Paragraph dsc_paragraph;
  for (const deb::Field& field : paragraph.fields()) {
    if (absl::EqualsIgnoreCase(field.name, "Directory")) continue;
    absl::Status set = dsc_paragraph.Set(
        absl::EqualsIgnoreCase(field.name, "Package") ? "Source" : field.name,
        field.value);
    if (!set.ok()) return BadStanza(stanza, set.message());
  }
  absl::StatusOr<deb::UploadControl> listed =
      deb::ParseDsc(dsc_paragraph.ToString());
  if (!listed.ok()) return BadStanza(stanza, listed.status().message());
  std::vector<const deb::ListedFile*> dscs;
  for (const deb::ListedFile& file : listed->files) {
    if (absl::EndsWith(file.name, ".dsc")) dscs.push_back(&file);
  }
  if (dscs.size() != 1) {
    return BadStanza(stanza, absl::StrCat("its files hold ", dscs.size(),
                                          " .dsc files, not one"));
  }
  const deb::ListedFile& dsc = *dscs[0];
  std::optional<absl::string_view> directory = paragraph.Get("Directory");
  if (!directory.has_value()) return BadStanza(stanza, "no Directory field");
  // Some third-party archives write "Directory: pool/main/h/hello/".
  absl::ConsumeSuffix(&*directory, "/");

  MirroredPackage mirrored;
  storage::NewPackage& package = mirrored.package;
  package.name = listed->source;
  package.version = std::string(paragraph.GetOrEmpty("Version"));
  package.architecture = "source";
  package.source = listed->source;
  package.package_type = "source";
  // The .dsc first, under Debian's name for it, as an upload stores it.
  std::vector<deb::PackageFile> files = {
      {deb::PackageFileName(package.name, package.version, "source", "dsc"),
       dsc.checksums}};
  mirrored.archive_paths.push_back(absl::StrCat(*directory, "/", dsc.name));
  for (const deb::ListedFile& file : listed->files) {
    if (&file == &dsc) continue;
    files.push_back({file.name, file.checksums});
    mirrored.archive_paths.push_back(absl::StrCat(*directory, "/", file.name));
  }
  package.control = std::move(dsc_paragraph);
  for (absl::string_view field : kFileListFields) {
    if (std::optional<absl::string_view> value = package.control.Get(field)) {
      RETURN_IF_ERROR(
          package.control.Set(field, WithoutLine(*value, dsc.name)));
    }
  }
  for (const std::string& path : mirrored.archive_paths) {
    RETURN_IF_ERROR(CheckArchivePath(stanza, path));
  }
  RETURN_IF_ERROR(CheckStorableText(stanza, package.control));
  for (const deb::PackageFile& file : files) {
    package.files.push_back(storage::PackageFileOf(file.name, file.checksums));
  }
  ASSIGN_OR_RETURN(package.key,
                   KeyOf(stanza, package.architecture, package.name,
                         package.version, std::move(files)));
  return mirrored;
}

}  // namespace debrepo::mirror
