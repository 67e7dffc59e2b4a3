// Package keys and pool paths.
#include "deb/package_key.h"

#include <algorithm>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "deb/version.h"

namespace debrepo::deb {
namespace {

constexpr uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

void Fnv1a(uint64_t& hash, absl::string_view bytes) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= kFnvPrime;
  }
}

// CheckPlainName accepts `part` as one component of a pool path.
absl::Status CheckPlainName(absl::string_view what, absl::string_view part) {
  const bool plain =
      !part.empty() && part != "." && part != ".." &&
      std::none_of(part.begin(), part.end(), [](char c) {
        return c == '/' || absl::ascii_iscntrl(c) || absl::ascii_isspace(c);
      });
  if (!plain) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid ", what, " \"", absl::CHexEscape(part), "\" for a pool path"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string FilesHash(std::vector<PackageFile> files) {
  std::sort(files.begin(), files.end(),
            [](const PackageFile& a, const PackageFile& b) {
              return a.name < b.name;
            });
  uint64_t hash = kFnvOffsetBasis;
  for (const PackageFile& file : files) {
    Fnv1a(hash, file.name);
    char size[8];
    for (int i = 0; i < 8; ++i) {
      size[i] = static_cast<char>(file.checksums.size >> (56 - 8 * i));
    }
    Fnv1a(hash, absl::string_view(size, sizeof(size)));
    Fnv1a(hash, file.checksums.md5);
    Fnv1a(hash, file.checksums.sha1);
    Fnv1a(hash, file.checksums.sha256);
  }
  return absl::StrFormat("%08x", hash);
}

absl::Status ValidatePackageName(absl::string_view name) {
  auto allowed = [](char c) {
    return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'z') || c == '+' ||
           c == '-' || c == '.';
  };
  if (name.size() < 2 || !absl::ascii_isalnum(name[0]) ||
      !std::all_of(name.begin(), name.end(), allowed)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid package name \"", absl::CHexEscape(name),
        "\": want two or more of a-z 0-9 + - ., starting with a-z or 0-9"));
  }
  return absl::OkStatus();
}

absl::Status ValidateArchitecture(absl::string_view architecture) {
  auto allowed = [](char c) {
    return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'z') || c == '-';
  };
  if (architecture.empty() || architecture.size() > kMaxArchitectureLength ||
      !std::all_of(architecture.begin(), architecture.end(), allowed)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid architecture \"",
        absl::CHexEscape(architecture.substr(0, kMaxArchitectureLength)),
        architecture.size() > kMaxArchitectureLength ? "...\"" : "\"",
        ": want one word of a-z 0-9 - (at most ", kMaxArchitectureLength,
        " characters), e.g. amd64"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> PackageKey(absl::string_view architecture,
                                       absl::string_view name,
                                       absl::string_view version,
                                       absl::string_view files_hash) {
  if (absl::Status s = ValidateArchitecture(architecture); !s.ok()) return s;
  if (absl::Status s = ValidatePackageName(name); !s.ok()) return s;
  if (absl::Status s = Version::Parse(version).status(); !s.ok()) return s;
  if (version != absl::StripAsciiWhitespace(version)) {
    return absl::InvalidArgumentError("version has surrounding whitespace");
  }
  if (files_hash.empty() ||
      !std::all_of(files_hash.begin(), files_hash.end(), [](char c) {
        return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
      })) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid files hash \"", absl::CHexEscape(files_hash), "\""));
  }
  return absl::StrCat("P", architecture, " ", name, " ", version, " ",
                      files_hash);
}

absl::string_view StripSourceVersion(absl::string_view source_field) {
  return absl::StripAsciiWhitespace(
      source_field.substr(0, source_field.find('(')));
}

absl::Status ValidateSourceField(absl::string_view source_field) {
  if (absl::Status s = ValidatePackageName(StripSourceVersion(source_field));
      !s.ok()) {
    return s;
  }
  const size_t open = source_field.find('(');
  if (open == absl::string_view::npos) return absl::OkStatus();
  absl::string_view version =
      absl::StripAsciiWhitespace(source_field.substr(open));
  if (!absl::ConsumePrefix(&version, "(") ||
      !absl::ConsumeSuffix(&version, ")")) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid source \"", absl::CHexEscape(source_field),
                     "\": want \"name\" or \"name (version)\""));
  }
  return Version::Parse(version).status();
}

namespace {

template <typename Stanza>
absl::string_view SourceNameOf(const Stanza& binary) {
  absl::string_view source = StripSourceVersion(binary.GetOrEmpty("Source"));
  return source.empty() ? binary.GetOrEmpty("Package") : source;
}

}  // namespace

absl::string_view SourceName(const Paragraph& binary) {
  return SourceNameOf(binary);
}

absl::string_view SourceName(const ParagraphView& binary) {
  return SourceNameOf(binary);
}

std::string PackageFileName(absl::string_view name, absl::string_view version,
                            absl::string_view architecture,
                            absl::string_view extension) {
  // The epoch is the digits before the first ':', when there are some.
  const size_t colon = version.find(':');
  if (colon != absl::string_view::npos && colon > 0 &&
      std::all_of(version.begin(), version.begin() + colon,
                  [](char c) { return absl::ascii_isdigit(c); })) {
    version.remove_prefix(colon + 1);
  }
  if (architecture == "source") {
    return absl::StrCat(name, "_", version, ".", extension);
  }
  return absl::StrCat(name, "_", version, "_", architecture, ".", extension);
}

absl::string_view PoolPrefix(absl::string_view source) {
  if (absl::StartsWith(source, "lib") && source.size() > 3)
    return source.substr(0, 4);
  return source.substr(0, 1);
}

absl::StatusOr<std::string> PoolDirectory(absl::string_view component,
                                          absl::string_view source) {
  if (absl::Status s = CheckPlainName("component", component); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckPlainName("source name", source); !s.ok()) {
    return s;
  }
  return absl::StrCat("pool/", component, "/", PoolPrefix(source), "/", source);
}

absl::StatusOr<std::string> PoolPath(absl::string_view component,
                                     absl::string_view source,
                                     absl::string_view file) {
  absl::StatusOr<std::string> directory = PoolDirectory(component, source);
  if (!directory.ok()) return directory.status();
  if (absl::Status s = CheckPlainName("file name", file); !s.ok()) return s;
  return absl::StrCat(*directory, "/", file);
}

}  // namespace debrepo::deb
