#include "storage/package_file_fields.h"

#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace debrepo::storage {
namespace {

// A digest as a word of the text: "-" when there is none.
absl::string_view DigestWord(const std::string& digest) {
  return digest.empty() ? absl::string_view("-") : absl::string_view(digest);
}

std::string DigestOfWord(absl::string_view word) {
  return word == "-" ? std::string() : std::string(word);
}

}  // namespace

std::string PackageFileFields(const std::vector<v1::PackageFile>& files) {
  std::string text;
  for (const v1::PackageFile& file : files) {
    absl::StrAppend(&text, text.empty() ? "" : "\n", file.name(), " ",
                    file.size(), " ", DigestWord(file.md5()), " ",
                    DigestWord(file.sha1()), " ", DigestWord(file.sha256()),
                    " ", DigestWord(file.sha512()));
  }
  return text;
}

absl::Status ParsePackageFileFields(absl::string_view text,
                                    std::vector<v1::PackageFile>& files) {
  if (text.empty()) return absl::OkStatus();
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    const std::vector<absl::string_view> words = absl::StrSplit(line, ' ');
    int64_t size = 0;
    if (words.size() != 6 || words[0].empty() ||
        !absl::SimpleAtoi(words[1], &size)) {
      return absl::DataLossError(absl::StrCat(
          "a stored package file is not name, size and digests: \"", line,
          "\"; restore the packages table from a backup"));
    }
    v1::PackageFile& file = files.emplace_back();
    file.set_name(std::string(words[0]));
    file.set_size(size);
    file.set_md5(DigestOfWord(words[2]));
    file.set_sha1(DigestOfWord(words[3]));
    file.set_sha256(DigestOfWord(words[4]));
    file.set_sha512(DigestOfWord(words[5]));
  }
  return absl::OkStatus();
}

}  // namespace debrepo::storage
