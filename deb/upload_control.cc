// Parsing of the file lists in .dsc and .changes files.
#include "deb/upload_control.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "deb/clearsign.h"
#include "deb/package_key.h"

namespace debrepo::deb {
namespace {

enum class Kind { kDsc, kChanges };

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

bool IsHex(absl::string_view s, size_t length) {
  return s.size() == length && std::all_of(s.begin(), s.end(), [](char c) {
           return absl::ascii_isxdigit(c) && !absl::ascii_isupper(c);
         });
}

absl::Status CheckFileName(absl::string_view field, absl::string_view name) {
  if (name.empty() || name == "." || name == ".." ||
      name.find('/') != absl::string_view::npos ||
      name.find('\0') != absl::string_view::npos) {
    return Invalid(field, absl::StrCat("unsafe file name \"",
                                       absl::CHexEscape(name), "\""));
  }
  return absl::OkStatus();
}

// FileLines splits a file list field into the words of each line.
std::vector<std::vector<absl::string_view>> FileLines(absl::string_view value) {
  std::vector<std::vector<absl::string_view>> lines;
  for (absl::string_view line :
       absl::StrSplit(value, '\n', absl::SkipWhitespace())) {
    lines.push_back(
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty()));
  }
  return lines;
}

absl::StatusOr<uint64_t> ParseSize(absl::string_view field,
                                   absl::string_view text) {
  uint64_t size = 0;
  if (!absl::SimpleAtoi(text, &size) || text.empty() ||
      !absl::ascii_isdigit(text[0])) {
    return Invalid(field,
                   absl::StrCat("bad size \"", absl::CHexEscape(text), "\""));
  }
  return size;
}

absl::StatusOr<UploadControl> Parse(absl::string_view text, Kind kind) {
  std::string unwrapped;
  if (IsClearSigned(text)) {
    ASSIGN_OR_RETURN(ClearSigned message, SplitClearSigned(text));
    unwrapped = std::move(message.text);
    text = unwrapped;
  }
  ASSIGN_OR_RETURN(Paragraph paragraph, ParseParagraph(text));
  std::vector<const char*> required = {"Format", "Source", "Version", "Files"};
  if (kind == Kind::kChanges) {
    required.insert(required.end(), {"Architecture", "Distribution"});
  }
  for (const char* field : required) {
    if (!paragraph.Has(field))
      return Invalid(field, "required field is missing");
  }
  // A .changes for a binNMU writes "Source: name (version)".
  if (absl::Status valid = ValidateSourceField(paragraph.GetOrEmpty("Source"));
      !valid.ok()) {
    return Invalid("Source", valid.message());
  }
  absl::string_view source = StripSourceVersion(paragraph.GetOrEmpty("Source"));
  ASSIGN_OR_RETURN(Version version,
                   Version::Parse(paragraph.GetOrEmpty("Version")));
  UploadControl control{
      Paragraph(), std::string(source), std::move(version), {}};

  size_t files_words = kind == Kind::kChanges ? 5 : 3;
  absl::flat_hash_map<std::string, size_t> by_name;
  for (const auto& words : FileLines(paragraph.GetOrEmpty("Files"))) {
    if (words.size() != files_words) {
      return Invalid("Files",
                     absl::StrCat("expected ", files_words, " words per line"));
    }
    ListedFile file;
    file.name = std::string(words.back());
    RETURN_IF_ERROR(CheckFileName("Files", file.name));
    if (!IsHex(words[0], 32)) return Invalid("Files", "bad MD5 digest");
    file.checksums.md5 = std::string(words[0]);
    ASSIGN_OR_RETURN(file.checksums.size, ParseSize("Files", words[1]));
    if (kind == Kind::kChanges) {
      file.section = std::string(words[2]);
      file.priority = std::string(words[3]);
    }
    if (!by_name.emplace(file.name, control.files.size()).second) {
      return Invalid("Files",
                     absl::StrCat("\"", file.name, "\" is listed twice"));
    }
    control.files.push_back(std::move(file));
  }
  if (control.files.empty()) return Invalid("Files", "lists no files");

  struct ChecksumField {
    const char* name;
    size_t hex_length;
    std::string Checksums::*digest;
  };
  for (const ChecksumField& field :
       {ChecksumField{"Checksums-Sha1", 40, &Checksums::sha1},
        ChecksumField{"Checksums-Sha256", 64, &Checksums::sha256},
        ChecksumField{"Checksums-Sha512", 128, &Checksums::sha512}}) {
    for (const auto& words : FileLines(paragraph.GetOrEmpty(field.name))) {
      if (words.size() != 3)
        return Invalid(field.name, "expected 3 words per line");
      if (!IsHex(words[0], field.hex_length))
        return Invalid(field.name, "bad digest");
      ASSIGN_OR_RETURN(uint64_t size, ParseSize(field.name, words[1]));
      auto it = by_name.find(words[2]);
      if (it == by_name.end()) {
        return Invalid(field.name,
                       absl::StrCat("\"", absl::CHexEscape(words[2]),
                                    "\" is not listed in Files"));
      }
      ListedFile& file = control.files[it->second];
      if (file.checksums.size != size) {
        return Invalid(field.name, absl::StrCat("size of \"", file.name,
                                                "\" differs from Files"));
      }
      if (!(file.checksums.*field.digest).empty()) {
        return Invalid(field.name,
                       absl::StrCat("\"", file.name, "\" is listed twice"));
      }
      file.checksums.*field.digest = std::string(words[0]);
    }
  }
  // SHA-256 is what the files are checked with (MD5 and SHA-1 are broken):
  // every file needs one.
  for (const ListedFile& file : control.files) {
    if (file.checksums.sha256.empty()) {
      return Invalid("Checksums-Sha256",
                     absl::StrCat("\"", file.name, "\" has no SHA-256"));
    }
  }
  control.paragraph = std::move(paragraph);
  return control;
}

}  // namespace

absl::StatusOr<UploadControl> ParseDsc(absl::string_view text) {
  return Parse(text, Kind::kDsc);
}

absl::StatusOr<UploadControl> ParseChanges(absl::string_view text) {
  return Parse(text, Kind::kChanges);
}

}  // namespace debrepo::deb
