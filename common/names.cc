#include "common/names.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace debrepo {
namespace {

// DescribeByte names `c` for a message: "a space", "a tab", "the
// character 'x'" when printable, else "the byte 0xNN".
std::string DescribeByte(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  if (c == ' ') return "a space";
  if (c == '\t') return "a tab";
  if (absl::ascii_isprint(u)) {
    return absl::StrCat("the character '", std::string(1, c), "'");
  }
  return absl::StrCat("the byte 0x", absl::Hex(u, absl::kZeroPad2));
}

constexpr size_t kMaxNameLength = 100;

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
         c == '_' || c == '-' || c == '+' || c == '~';
}

// Describes what is wrong with `name`, or returns "" when it is valid.
std::string NameProblem(absl::string_view name) {
  if (name.empty()) return "is empty";
  if (name.size() > kMaxNameLength) {
    return absl::StrCat("is ", name.size(), " characters long (at most ",
                        kMaxNameLength, ")");
  }
  if (!absl::ascii_isalnum(static_cast<unsigned char>(name[0]))) {
    return "must start with a letter or digit";
  }
  for (char c : name) {
    if (!IsNameChar(c)) return absl::StrCat("contains ", DescribeByte(c));
  }
  return "";
}

absl::Status Invalid(absl::string_view what, absl::string_view name,
                     absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(
      what, " name \"", absl::CHexEscape(name.substr(0, 120)), "\" ", problem,
      "; use 1 to 100 ASCII letters, digits, '.', '_', '-', '+' or '~', "
      "starting with a letter or digit"));
}

}  // namespace

absl::Status ValidateResourceName(absl::string_view what,
                                  absl::string_view name) {
  std::string problem = NameProblem(name);
  if (!problem.empty()) return Invalid(what, name, problem);
  return absl::OkStatus();
}

absl::Status ValidateDistribution(absl::string_view distribution) {
  if (distribution.empty()) return absl::OkStatus();
  for (absl::string_view part : absl::StrSplit(distribution, '/')) {
    std::string problem = NameProblem(part);
    if (!problem.empty()) {
      return Invalid("distribution", distribution,
                     absl::StrCat("has a part that ", problem,
                                  " (parts are separated by '/')"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidatePublishPrefix(absl::string_view prefix) {
  constexpr size_t kMaxPrefixLength = 200;
  constexpr size_t kMaxPrefixSegments = 10;
  if (prefix == ".") return absl::OkStatus();
  auto invalid = [&](absl::string_view problem) {
    return absl::InvalidArgumentError(absl::StrCat(
        "prefix \"", absl::CHexEscape(prefix.substr(0, 120)), "\" ", problem,
        "; use \".\" or up to ", kMaxPrefixSegments,
        " parts separated by '/', each of ASCII letters, digits, '.', '_', "
        "'-', '+' or '~' starting with a letter or digit, at most ",
        kMaxPrefixLength, " characters in all"));
  };
  if (prefix.size() > kMaxPrefixLength) {
    return invalid(absl::StrCat("is ", prefix.size(), " characters long"));
  }
  const std::vector<absl::string_view> segments = absl::StrSplit(prefix, '/');
  if (segments.size() > kMaxPrefixSegments) {
    return invalid(absl::StrCat("has ", segments.size(), " parts"));
  }
  for (absl::string_view segment : segments) {
    std::string problem = NameProblem(segment);
    if (!problem.empty()) {
      return invalid(absl::StrCat("has a part that ", problem));
    }
    // Another prefix's dists/ or pool/ would hold it, and pruning that
    // pool would delete its files.
    if (segment == "dists" || segment == "pool") {
      return invalid(absl::StrCat("has a part named \"", segment,
                                  "\", which the archive layout uses"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidatePublishedDistribution(absl::string_view distribution) {
  return ValidateResourceName("distribution", distribution);
}

absl::Status ValidatePublishStorage(absl::string_view storage) {
  constexpr absl::string_view kFilesystem = "filesystem:";
  if (!absl::StartsWith(storage, kFilesystem)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "storage \"", absl::CHexEscape(storage.substr(0, 120)),
        "\" is not \"filesystem:<name>\" (the workers' --publish_storage "
        "names; \"filesystem:default\" is --publish_root)"));
  }
  return ValidateResourceName("storage", storage.substr(kFilesystem.size()));
}

absl::Status ValidateComponent(absl::string_view component) {
  if (component.empty()) return absl::OkStatus();
  return ValidateResourceName("component", component);
}

absl::Status ValidatePackageKey(absl::string_view key) {
  constexpr size_t kMaxPackageKeyLength = 600;
  if (!key.empty() && key.size() <= kMaxPackageKeyLength && key[0] == 'P') {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", absl::CHexEscape(key.substr(0, 120)),
      "\" is not a package key, \"P<arch> <name> <version> <hash>\"; "
      "`debrepo package search` lists them"));
}

absl::Status ValidateFileName(absl::string_view name) {
  constexpr size_t kMaxFileNameLength = 255;
  std::string problem;
  if (name.empty()) {
    problem = "is empty";
  } else if (name.size() > kMaxFileNameLength) {
    problem = absl::StrCat("is ", name.size(), " characters long (at most ",
                           kMaxFileNameLength, ")");
  } else if (name[0] == '.') {
    problem = "starts with '.'";
  } else {
    for (char c : name) {
      const unsigned char u = static_cast<unsigned char>(c);
      if (u <= ' ' || u >= 0x7f || c == '/' || c == '\\') {
        problem = absl::StrCat("contains ", DescribeByte(c));
        break;
      }
    }
  }
  if (problem.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "file name \"", absl::CHexEscape(name.substr(0, 120)), "\" ", problem,
      "; use 1 to 255 printable ASCII characters without spaces, '/' or "
      "'\\', not starting with '.'"));
}

}  // namespace debrepo
