// Field orders come from apt (apt-pkg/tagfile-order.c), the reference for
// what apt-ftparchive writes; aptly writes the same fields in nearly the
// same order.
#include "deb/index_writer.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace debrepo::deb {
namespace {

constexpr absl::string_view kPackageOrder[] = {"Package",
                                               "Package-Type",
                                               "Architecture",
                                               "Subarchitecture",
                                               "Version",
                                               "Revision",
                                               "Package-Revision",
                                               "Package_Revision",
                                               "Kernel-Version",
                                               "Built-Using",
                                               "Static-Built-Using",
                                               "Built-For-Profiles",
                                               "Auto-Built-Package",
                                               "Multi-Arch",
                                               "Status",
                                               "Priority",
                                               "Class",
                                               "Build-Essential",
                                               "Protected",
                                               "Important",
                                               "Essential",
                                               "Installer-Menu-Item",
                                               "Section",
                                               "Source",
                                               "Origin",
                                               "Maintainer",
                                               "Original-Maintainer",
                                               "Bugs",
                                               "Config-Version",
                                               "Conffiles",
                                               "Triggers-Awaited",
                                               "Triggers-Pending",
                                               "Installed-Size",
                                               "Provides",
                                               "Pre-Depends",
                                               "Depends",
                                               "Recommends",
                                               "Recommended",
                                               "Suggests",
                                               "Optional",
                                               "Conflicts",
                                               "Breaks",
                                               "Replaces",
                                               "Enhances",
                                               "Filename",
                                               "MSDOS-Filename",
                                               "Size",
                                               "MD5sum",
                                               "MD5Sum",
                                               "SHA1",
                                               "SHA256",
                                               "SHA512",
                                               "Homepage",
                                               "Description",
                                               "Tag",
                                               "Task"};

constexpr absl::string_view kSourceOrder[] = {"Package",
                                              "Source",
                                              "Format",
                                              "Binary",
                                              "Architecture",
                                              "Version",
                                              "Priority",
                                              "Class",
                                              "Section",
                                              "Origin",
                                              "Maintainer",
                                              "Original-Maintainer",
                                              "Uploaders",
                                              "Dm-Upload-Allowed",
                                              "Standards-Version",
                                              "Build-Depends",
                                              "Build-Depends-Arch",
                                              "Build-Depends-Indep",
                                              "Build-Conflicts",
                                              "Build-Conflicts-Arch",
                                              "Build-Conflicts-Indep",
                                              "Testsuite",
                                              "Testsuite-Triggers",
                                              "Homepage",
                                              "Description",
                                              "Vcs-Browser",
                                              "Vcs-Browse",
                                              "Vcs-Arch",
                                              "Vcs-Bzr",
                                              "Vcs-Cvs",
                                              "Vcs-Darcs",
                                              "Vcs-Git",
                                              "Vcs-Hg",
                                              "Vcs-Mtn",
                                              "Vcs-Svn",
                                              "Directory",
                                              "Package-List",
                                              "Files",
                                              "Checksums-Md5",
                                              "Checksums-Sha1",
                                              "Checksums-Sha256",
                                              "Checksums-Sha512"};

// FieldRanks maps each lower-cased name of `order` to its first position.
template <size_t N>
absl::flat_hash_map<std::string, size_t> FieldRanks(
    const absl::string_view (&order)[N]) {
  absl::flat_hash_map<std::string, size_t> ranks;
  for (size_t i = 0; i < N; ++i)
    ranks.emplace(absl::AsciiStrToLower(order[i]), i);
  return ranks;
}

// Reorder returns `p` with the fields named in `order` (any case) first, in
// that order, and the others after them in their original order. `ranks`
// is FieldRanks(order): a lookup per field instead of comparing every field
// with every name of the order (a quarter of a publish's formatting time).
absl::StatusOr<Paragraph> Reorder(
    const Paragraph& p, const absl::flat_hash_map<std::string, size_t>& ranks) {
  const std::vector<Field>& fields = p.fields();
  std::vector<std::pair<size_t, const Field*>> ranked;
  ranked.reserve(fields.size());
  std::string lower;
  for (const Field& field : fields) {
    lower = absl::AsciiStrToLower(field.name);
    auto rank = ranks.find(lower);
    ranked.emplace_back(rank == ranks.end() ? ranks.size() : rank->second,
                        &field);
  }
  std::stable_sort(
      ranked.begin(), ranked.end(),
      [](const auto& a, const auto& b) { return a.first < b.first; });
  Paragraph out;
  absl::Status status;
  for (const auto& [rank, field] : ranked) {
    status.Update(out.Set(field->name, field->value));
  }
  if (!status.ok()) return status;
  return out;
}

// FileListValue writes a Files / Checksums-* value: an empty first line,
// then " digest size name" per file.
std::string FileListValue(
    const std::vector<std::pair<std::string, Checksums>>& files,
    std::string Checksums::*digest) {
  std::string value;
  for (const auto& [name, checksums] : files) {
    absl::StrAppend(&value, "\n ", checksums.*digest, " ", checksums.size, " ",
                    name);
  }
  return value;
}

}  // namespace

namespace {

// StanzaField is one field of a stanza being formatted, viewing its name
// and value where they are kept.
struct StanzaField {
  absl::string_view name;
  absl::string_view value;
};

// PackagesFields lists the fields of PackagesStanza in their order, viewing
// `control`, `filename`, `checksums` and `size` (the size as text, which
// the caller keeps). Builds no Paragraph: formatting every stanza of a
// 63,440-package publish through Paragraph copies and Sets (each a linear
// search) cost about as much as reading the packages from PostgreSQL.
absl::StatusOr<std::vector<StanzaField>> PackagesFields(
    const Paragraph& control, absl::string_view filename,
    const Checksums& checksums, absl::string_view size) {
  static const auto* const kPackageRanks =
      new absl::flat_hash_map<std::string, size_t>(FieldRanks(kPackageOrder));
  constexpr absl::string_view kReplaced[] = {"Filename", "Size",   "MD5sum",
                                             "SHA1",     "SHA256", "SHA512"};
  std::vector<std::pair<size_t, StanzaField>> ranked;
  ranked.reserve(control.size() + std::size(kReplaced));
  std::string lower;
  auto add = [&](absl::string_view name, absl::string_view value) {
    lower.assign(name.data(), name.size());
    absl::AsciiStrToLower(&lower);
    auto rank = kPackageRanks->find(lower);
    ranked.emplace_back(
        rank == kPackageRanks->end() ? kPackageRanks->size() : rank->second,
        StanzaField{name, value});
  };
  for (const Field& field : control.fields()) {
    if (std::none_of(std::begin(kReplaced), std::end(kReplaced),
                     [&](absl::string_view replaced) {
                       return absl::EqualsIgnoreCase(field.name, replaced);
                     })) {
      add(field.name, field.value);
    }
  }
  // A mirrored package has only the digests its archive listed (Debian's
  // list no SHA-1): an empty field would be a wrong digest to apt.
  const std::pair<absl::string_view, absl::string_view> added[] = {
      {"Filename", filename},       {"Size", size},
      {"MD5sum", checksums.md5},    {"SHA1", checksums.sha1},
      {"SHA256", checksums.sha256}, {"SHA512", checksums.sha512}};
  for (const auto& [name, value] : added) {
    if (value.empty() && name != "Filename" && name != "Size") continue;
    // The control fields were checked when parsed; these come from
    // elsewhere and must not inject fields either.
    if (absl::Status s = ValidateField(name, value); !s.ok()) return s;
    add(name, value);
  }
  std::stable_sort(
      ranked.begin(), ranked.end(),
      [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<StanzaField> fields;
  fields.reserve(ranked.size());
  for (const auto& [rank, field] : ranked) fields.push_back(field);
  return fields;
}

}  // namespace

absl::StatusOr<Paragraph> PackagesStanza(const Paragraph& control,
                                         absl::string_view filename,
                                         const Checksums& checksums) {
  const std::string size = absl::StrCat(checksums.size);
  absl::StatusOr<std::vector<StanzaField>> fields =
      PackagesFields(control, filename, checksums, size);
  if (!fields.ok()) return fields.status();
  Paragraph stanza;
  absl::Status status;
  for (const StanzaField& field : *fields) {
    status.Update(stanza.Set(field.name, field.value));
  }
  if (!status.ok()) return status;
  return stanza;
}

absl::Status AppendPackagesStanza(const Paragraph& control,
                                  absl::string_view filename,
                                  const Checksums& checksums,
                                  std::string* out) {
  const std::string size = absl::StrCat(checksums.size);
  absl::StatusOr<std::vector<StanzaField>> fields =
      PackagesFields(control, filename, checksums, size);
  if (!fields.ok()) return fields.status();
  for (const StanzaField& field : *fields) {
    // As Paragraph::AppendTo writes a field.
    absl::StrAppend(out, field.name,
                    field.value.empty() || field.value[0] == '\n' ? ":" : ": ",
                    field.value, "\n");
  }
  return absl::OkStatus();
}

absl::StatusOr<Paragraph> SourcesStanza(const UploadControl& dsc,
                                        absl::string_view dsc_name,
                                        const Checksums& dsc_checksums,
                                        absl::string_view directory) {
  Paragraph stanza;
  absl::Status status;
  for (const Field& field : dsc.paragraph.fields()) {
    if (absl::EqualsIgnoreCase(field.name, "Source")) {
      status.Update(stanza.Set("Package", field.value));
    } else if (!absl::EqualsIgnoreCase(field.name, "Files") &&
               !absl::StartsWithIgnoreCase(field.name, "Checksums-")) {
      status.Update(stanza.Set(field.name, field.value));
    }
  }
  status.Update(stanza.Set("Directory", directory));
  std::vector<std::pair<std::string, Checksums>> files = {
      {std::string(dsc_name), dsc_checksums}};
  for (const ListedFile& file : dsc.files)
    files.emplace_back(file.name, file.checksums);
  auto all_have = [&](std::string Checksums::*digest) {
    return std::all_of(files.begin(), files.end(), [&](const auto& f) {
      return !(f.second.*digest).empty();
    });
  };
  status.Update(stanza.Set("Files", FileListValue(files, &Checksums::md5)));
  if (all_have(&Checksums::sha1)) {
    status.Update(
        stanza.Set("Checksums-Sha1", FileListValue(files, &Checksums::sha1)));
  }
  // Unlike SHA-1 and SHA-512, SHA-256 is what apt checks source files with:
  // never leave it out.
  if (!all_have(&Checksums::sha256)) {
    return absl::InvalidArgumentError(
        "a source file has no SHA-256 for Checksums-Sha256");
  }
  status.Update(
      stanza.Set("Checksums-Sha256", FileListValue(files, &Checksums::sha256)));
  if (all_have(&Checksums::sha512)) {
    status.Update(stanza.Set("Checksums-Sha512",
                             FileListValue(files, &Checksums::sha512)));
  }
  if (!status.ok()) return status;
  static const auto* const kSourceRanks =
      new absl::flat_hash_map<std::string, size_t>(FieldRanks(kSourceOrder));
  return Reorder(stanza, *kSourceRanks);
}

absl::Status ContentsWriter::Add(absl::string_view path,
                                 absl::string_view package) {
  if (started_ && path == path_) {
    if (std::find(packages_.begin(), packages_.end(), package) ==
        packages_.end()) {
      packages_.emplace_back(package);
    }
    return absl::OkStatus();
  }
  if (started_ && path < absl::string_view(path_)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Contents paths are not sorted: \"", absl::CHexEscape(path),
        "\" after \"", absl::CHexEscape(path_), "\""));
  }
  if (started_) {
    if (absl::Status s = Flush(); !s.ok()) return s;
  }
  started_ = true;
  path_ = std::string(path);
  packages_.clear();
  packages_.emplace_back(package);
  return absl::OkStatus();
}

absl::Status ContentsWriter::Flush() {
  // apt-ftparchive aligns the package column at 60 with tabs, then spaces.
  constexpr size_t kColumn = 60;
  std::string line = path_;
  size_t column = path_.size();
  size_t target = std::max(kColumn, column + 1);
  while ((column / 8 + 1) * 8 < target) {
    line.push_back('\t');
    column = (column / 8 + 1) * 8;
  }
  line.append(target - column, ' ');
  absl::StrAppend(&line, absl::StrJoin(packages_, ","), "\n");
  return writer_.Write(line);
}

absl::Status ContentsWriter::Finish() {
  if (!started_) return absl::OkStatus();
  started_ = false;
  return Flush();
}

void ContentsIndex::Add(absl::string_view package,
                        const std::vector<std::string>& paths) {
  for (const std::string& path : paths) {
    std::vector<std::string>& packages = packages_by_path_[path];
    if (std::find(packages.begin(), packages.end(), package) ==
        packages.end()) {
      packages.emplace_back(package);
    }
  }
}

absl::Status ContentsIndex::WriteTo(CompressedWriter& writer) const {
  ContentsWriter contents(writer);
  for (const auto& [path, packages] : packages_by_path_) {
    for (const std::string& package : packages) {
      if (absl::Status s = contents.Add(path, package); !s.ok()) return s;
    }
  }
  return contents.Finish();
}

std::string FormatReleaseDate(absl::Time time) {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S UTC", time,
                          absl::UTCTimeZone());
}

absl::StatusOr<Paragraph> ReleaseParagraph(
    const ReleaseInfo& info, std::vector<ReleaseFileEntry> files) {
  Paragraph p;
  absl::Status status;
  auto set_if = [&](absl::string_view name, absl::string_view value) {
    if (!value.empty()) status.Update(p.Set(name, value));
  };
  // One-line fields: a continuation line would be read as part of them.
  for (absl::string_view value :
       {info.origin, info.label, info.suite, info.version, info.codename}) {
    if (absl::StrContains(value, '\n')) {
      return absl::InvalidArgumentError(absl::StrCat("Release field value \"",
                                                     absl::CHexEscape(value),
                                                     "\" holds a newline"));
    }
  }
  for (const std::vector<std::string>* words :
       {&info.architectures, &info.components}) {
    for (const std::string& word : *words) {
      if (word.empty() || word.find_first_of(" \t\n") != std::string::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("Release architecture or component \"",
                         absl::CHexEscape(word), "\" is not one word"));
      }
    }
  }
  set_if("Origin", info.origin);
  set_if("Label", info.label);
  set_if("Suite", info.suite);
  set_if("Version", info.version);
  set_if("Codename", info.codename);
  set_if("Date", FormatReleaseDate(info.date));
  if (info.valid_until.has_value()) {
    set_if("Valid-Until", FormatReleaseDate(*info.valid_until));
  }
  if (info.not_automatic) set_if("NotAutomatic", "yes");
  if (info.but_automatic_upgrades) set_if("ButAutomaticUpgrades", "yes");
  if (info.acquire_by_hash) set_if("Acquire-By-Hash", "yes");
  set_if("Architectures", absl::StrJoin(info.architectures, " "));
  set_if("Components", absl::StrJoin(info.components, " "));
  set_if("Description", info.description);
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  struct Section {
    const char* name;
    std::string Checksums::*digest;
  };
  for (const Section& section :
       {Section{"MD5Sum", &Checksums::md5}, Section{"SHA1", &Checksums::sha1},
        Section{"SHA256", &Checksums::sha256},
        Section{"SHA512", &Checksums::sha512}}) {
    std::string value;
    bool complete = !files.empty();
    for (const ReleaseFileEntry& file : files) {
      const std::string& digest = file.checksums.*section.digest;
      if (digest.empty()) complete = false;
      absl::StrAppend(&value, "\n ", digest, " ",
                      absl::StrFormat("%8d", file.checksums.size), " ",
                      file.path);
    }
    if (complete) set_if(section.name, value);
  }
  if (!status.ok()) return status;
  return p;
}

}  // namespace debrepo::deb
