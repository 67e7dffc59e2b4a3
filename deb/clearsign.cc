// Line-based parsing of the clear-signed message framework.
#include "deb/clearsign.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace debrepo::deb {
namespace {

constexpr absl::string_view kHeader = "-----BEGIN PGP SIGNED MESSAGE-----";
constexpr absl::string_view kSignatureBegin = "-----BEGIN PGP SIGNATURE-----";
constexpr absl::string_view kSignatureEnd = "-----END PGP SIGNATURE-----";

absl::Status Invalid(size_t line, absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("clear-signed message, line ", line, ": ", problem));
}

}  // namespace

bool IsClearSigned(absl::string_view message) {
  return absl::StartsWith(absl::StripLeadingAsciiWhitespace(message), kHeader);
}

absl::StatusOr<ClearSigned> SplitClearSigned(absl::string_view message) {
  std::vector<absl::string_view> lines = absl::StrSplit(message, '\n');
  // Lines end in "\n" or "\r\n"; stray carriage returns before that are
  // dropped too, so that JoinClearSigned's output splits to the same parts.
  for (absl::string_view& line : lines) {
    while (absl::ConsumeSuffix(&line, "\r")) {
    }
  }
  size_t i = 0;
  while (i < lines.size() && absl::StripAsciiWhitespace(lines[i]).empty()) ++i;
  if (i == lines.size() || lines[i] != kHeader) {
    return Invalid(i + 1, "expected \"-----BEGIN PGP SIGNED MESSAGE-----\"");
  }
  ClearSigned result;
  // Armor headers ("Hash: SHA256") end at the first empty line.
  for (++i; i < lines.size() && !lines[i].empty(); ++i) {
    if (!absl::StrContains(lines[i], ": "))
      return Invalid(i + 1, "bad armor header");
    absl::StrAppend(&result.armor_headers, lines[i], "\n");
  }
  if (i == lines.size())
    return Invalid(i, "message ends inside the armor headers");
  for (++i; i < lines.size() && lines[i] != kSignatureBegin; ++i) {
    absl::string_view line = lines[i];
    if (absl::StartsWith(line, "-")) {
      if (!absl::ConsumePrefix(&line, "- ")) {
        return Invalid(i + 1, "unescaped line starting with '-'");
      }
    }
    // The signature does not cover trailing blanks (RFC 4880 §7.1; gpg also
    // ignores carriage returns there): keep only what it covers.
    while (!line.empty() && absl::string_view(" \t\r").find(line.back()) !=
                                absl::string_view::npos) {
      line.remove_suffix(1);
    }
    absl::StrAppend(&result.text, line, "\n");
  }
  if (i == lines.size()) return Invalid(i, "no signature block");
  size_t begin = i;
  for (; i < lines.size() && lines[i] != kSignatureEnd; ++i) {
    absl::StrAppend(&result.signature, lines[i], "\n");
  }
  if (i == lines.size())
    return Invalid(begin + 1, "signature block is not terminated");
  absl::StrAppend(&result.signature, lines[i], "\n");
  for (++i; i < lines.size(); ++i) {
    if (!absl::StripAsciiWhitespace(lines[i]).empty()) {
      return Invalid(i + 1, "text after the signature");
    }
  }
  return result;
}

std::string JoinClearSigned(const ClearSigned& message) {
  std::string out = absl::StrCat(kHeader, "\n", message.armor_headers, "\n");
  absl::string_view text = message.text;
  // The line end before the signature is not signed; text ends in one.
  absl::ConsumeSuffix(&text, "\n");
  if (!message.text.empty()) {
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      if (absl::StartsWith(line, "-")) out.append("- ");
      absl::StrAppend(&out, line, "\n");
    }
  }
  out.append(message.signature);
  return out;
}

}  // namespace debrepo::deb
