#include "mirror/release.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "common/storable_text.h"
#include "deb/clearsign.h"
#include "deb/control.h"
#include "deb/gpgv_verifier.h"
#include "deb/internal/scratch_dir.h"
#include "deb/package_key.h"
#include "mirror/keyring.h"

namespace debrepo::mirror {
namespace {

using ::debrepo::deb::internal::ScratchDir;

// Hostile returns the FAILED_PRECONDITION a Release the archive got wrong
// fails with.
absl::Status Hostile(absl::string_view what) {
  return absl::FailedPreconditionError(
      absl::StrCat("the archive's Release ", what,
                   "; check the mirror's URL and distribution, or tell the "
                   "archive's maintainers"));
}

bool IsLowerHex(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isdigit(c) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

// ParseFiles parses the lines of a SHA256 field, " <sha256> <size> <path>"
// each (the first line of the value is empty).
absl::Status ParseFiles(absl::string_view value, Release& release) {
  for (absl::string_view line : absl::StrSplit(value, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    if (release.files.size() >= kMaxReleaseFiles) {
      return Hostile(absl::StrCat("lists more than ", kMaxReleaseFiles,
                                  " files, more than debrepo mirrors"));
    }
    std::vector<absl::string_view> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    ReleaseIndexFile file;
    std::string hash = words.empty() ? "" : absl::AsciiStrToLower(words[0]);
    if (words.size() != 3 || hash.size() != 64 || !IsLowerHex(hash) ||
        !absl::SimpleAtoi(words[1], &file.size) || file.size < 0) {
      return Hostile(absl::StrCat("has a malformed SHA256 line \"",
                                  absl::CHexEscape(line), "\""));
    }
    if (!IsSafeArchivePath(words[2])) {
      return Hostile(absl::StrCat("lists an unsafe path \"",
                                  absl::CHexEscape(words[2]), "\""));
    }
    file.path = std::string(words[2]);
    file.sha256 = std::move(hash);
    release.AddFile(std::move(file));
  }
  return absl::OkStatus();
}

// NotVerified turns a verifier's refusal into the sync's error: the
// archive or the keyring is at fault, not the request.
absl::Status NotVerified(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kInvalidArgument &&
      status.code() != absl::StatusCode::kFailedPrecondition) {
    return status;
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "the archive's Release does not verify with the mirror's keyring (",
      status.message(),
      "); give the mirror the archive's signing keys (--keyring), or "
      "ignore_signatures if the network is trusted"));
}

// WithVerifier runs `check` with a GpgvVerifier over the binary form of
// `keyring`, written to a scratch directory for the call, and turns a
// refusal into the sync's error.
absl::Status WithVerifier(
    absl::string_view keyring,
    const std::function<absl::Status(const deb::GpgvVerifier&)>& check) {
  ScratchDir dir;
  if (dir.path().empty()) {
    return absl::InternalError("cannot make a directory for the keyring");
  }
  absl::StatusOr<std::string> path = WriteBinaryKeyring(keyring, dir.path());
  if (!path.ok()) return NotVerified(path.status());
  ASSIGN_OR_RETURN(deb::GpgvVerifier verifier,
                   deb::GpgvVerifier::Create({*path}));
  return NotVerified(check(verifier));
}

// CheckSize fails a Release file (`what`) larger than kMaxReleaseBytes.
absl::Status CheckSize(absl::string_view what, absl::string_view bytes) {
  if (static_cast<int64_t>(bytes.size()) <= kMaxReleaseBytes) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "the archive's ", what, " is larger than ", kMaxReleaseBytes >> 20,
      " MiB, more than debrepo reads; check the mirror's URL"));
}

// RecordedField returns the field `name` of `paragraph` ("" when absent),
// which the sync stores and shows: FAILED_PRECONDITION unless it is
// storable text without control characters, of at most
// kMaxReleaseFieldBytes.
absl::StatusOr<std::string> RecordedField(const deb::Paragraph& paragraph,
                                          absl::string_view name) {
  absl::string_view value = paragraph.GetOrEmpty(name);
  const bool control = std::any_of(value.begin(), value.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (value.size() > kMaxReleaseFieldBytes || control ||
      !IsStorableText(value)) {
    return Hostile(absl::StrCat(
        "has a ", name, " field that is not a line of UTF-8 text of at most ",
        kMaxReleaseFieldBytes, " bytes (\"",
        absl::CHexEscape(value.substr(0, kMaxReleaseFieldBytes)), "\")"));
  }
  return std::string(value);
}

// ReleaseTime returns the field `name` of `paragraph` as a time, nullopt
// when absent.
absl::StatusOr<std::optional<absl::Time>> ReleaseTime(
    const deb::Paragraph& paragraph, absl::string_view name) {
  std::optional<absl::string_view> value = paragraph.Get(name);
  if (!value.has_value()) return std::nullopt;
  absl::StatusOr<absl::Time> time = ParseReleaseTime(*value);
  if (!time.ok()) {
    return Hostile(absl::StrCat("has a ", name, " field that is not a date (",
                                time.status().message(), ")"));
  }
  return *time;
}

// ShowTime formats a Release's time for a message, as apt writes it.
std::string ShowTime(absl::Time time) {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S UTC", time,
                          absl::UTCTimeZone());
}

}  // namespace

void Release::AddFile(ReleaseIndexFile file) {
  file_by_path_.try_emplace(file.path, files.size());
  files.push_back(std::move(file));
}

const ReleaseIndexFile* Release::FindFile(absl::string_view path) const {
  auto it = file_by_path_.find(path);
  return it == file_by_path_.end() ? nullptr : &files[it->second];
}

absl::StatusOr<absl::Time> ParseReleaseTime(absl::string_view text) {
  absl::string_view date = absl::StripAsciiWhitespace(text);
  // The day name carries nothing the date does not.
  if (size_t comma = date.find(','); comma != absl::string_view::npos) {
    date = absl::StripLeadingAsciiWhitespace(date.substr(comma + 1));
  }
  std::string numeric(date);
  for (absl::string_view zone : {" UTC", " GMT", " Z"}) {
    if (absl::EndsWith(date, zone)) {
      numeric =
          absl::StrCat(date.substr(0, date.size() - zone.size()), " +0000");
      break;
    }
  }
  absl::Time time;
  std::string error;
  if (!absl::ParseTime("%d %b %Y %H:%M:%S %z", numeric, &time, &error)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", absl::CHexEscape(text.substr(0, kMaxReleaseFieldBytes)),
        "\" is not a date like \"Sat, 10 Jun 2023 08:52:07 UTC\""));
  }
  return time;
}

absl::Status CheckReleaseFreshness(const Release& release,
                                   absl::string_view recorded_date,
                                   absl::Time now) {
  if (release.valid_until.has_value() && *release.valid_until < now) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the archive's Release expired on ", ShowTime(*release.valid_until),
        " (its Valid-Until); the archive or a proxy serves a stale Release: "
        "sync again when the archive has been updated"));
  }
  if (recorded_date.empty() || !release.date_time.has_value()) {
    return absl::OkStatus();
  }
  absl::StatusOr<absl::Time> recorded = ParseReleaseTime(recorded_date);
  if (recorded.ok() && *release.date_time < *recorded) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the archive's Release is dated ", ShowTime(*release.date_time),
        ", older than the one the mirror last synced (", ShowTime(*recorded),
        "); the archive or a proxy serves an old Release: sync again when "
        "the archive has been updated"));
  }
  return absl::OkStatus();
}

bool IsSafeArchivePath(absl::string_view path) {
  if (path.empty() || path[0] == '/') return false;
  for (char c : path) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  for (absl::string_view segment : absl::StrSplit(path, '/')) {
    if (segment.empty() || segment == "..") return false;
  }
  return true;
}

absl::StatusOr<Release> ParseRelease(absl::string_view text) {
  RETURN_IF_ERROR(CheckSize("Release", text));
  absl::StatusOr<deb::Paragraph> paragraph = deb::ParseParagraph(text);
  if (!paragraph.ok()) {
    return Hostile(
        absl::StrCat("does not parse (", paragraph.status().message(), ")"));
  }
  Release release;
  ASSIGN_OR_RETURN(release.date, RecordedField(*paragraph, "Date"));
  ASSIGN_OR_RETURN(release.suite, RecordedField(*paragraph, "Suite"));
  ASSIGN_OR_RETURN(release.codename, RecordedField(*paragraph, "Codename"));
  ASSIGN_OR_RETURN(release.date_time, ReleaseTime(*paragraph, "Date"));
  ASSIGN_OR_RETURN(release.valid_until, ReleaseTime(*paragraph, "Valid-Until"));
  release.acquire_by_hash =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(
          paragraph->GetOrEmpty("Acquire-By-Hash"))) == "yes";
  for (absl::string_view index :
       absl::StrSplit(paragraph->GetOrEmpty("No-Support-for-Architecture-all"),
                      absl::ByAnyChar(" \t\n"), absl::SkipEmpty())) {
    if (index == "Packages") release.all_in_architecture_indices = true;
  }
  for (absl::string_view component :
       absl::StrSplit(paragraph->GetOrEmpty("Components"),
                      absl::ByAnyChar(" \t\n"), absl::SkipEmpty())) {
    if (release.components.size() >= kMaxReleaseComponents) {
      return Hostile(absl::StrCat("lists more than ", kMaxReleaseComponents,
                                  " components, more than debrepo mirrors"));
    }
    if (!IsSafeArchivePath(component)) {
      return Hostile(absl::StrCat("lists an unsafe component \"",
                                  absl::CHexEscape(component), "\""));
    }
    release.components.emplace_back(component);
  }
  for (absl::string_view architecture :
       absl::StrSplit(paragraph->GetOrEmpty("Architectures"),
                      absl::ByAnyChar(" \t\n"), absl::SkipEmpty())) {
    if (release.architectures.size() >= kMaxReleaseArchitectures) {
      return Hostile(absl::StrCat("lists more than ", kMaxReleaseArchitectures,
                                  " architectures, more than debrepo mirrors"));
    }
    if (!deb::ValidateArchitecture(architecture).ok()) {
      return Hostile(absl::StrCat("lists an invalid architecture \"",
                                  absl::CHexEscape(architecture), "\""));
    }
    release.architectures.emplace_back(architecture);
  }
  std::optional<absl::string_view> sha256 = paragraph->Get("SHA256");
  if (!sha256.has_value()) {
    return Hostile(
        "has no SHA256 field (apt accepts no weaker checksums either)");
  }
  RETURN_IF_ERROR(ParseFiles(*sha256, release));
  return release;
}

absl::StatusOr<std::string> VerifyInRelease(absl::string_view in_release,
                                            absl::string_view keyring) {
  RETURN_IF_ERROR(CheckSize("InRelease", in_release));
  std::string text;
  RETURN_IF_ERROR(WithVerifier(keyring, [&](const deb::GpgvVerifier& verifier) {
    absl::StatusOr<deb::VerifiedMessage> verified =
        verifier.VerifyClearSignedByAnyKey(in_release);
    if (!verified.ok()) return verified.status();
    text = std::move(verified->text);
    return absl::OkStatus();
  }));
  return text;
}

absl::StatusOr<std::string> VerifyDetachedRelease(absl::string_view release,
                                                  absl::string_view signature,
                                                  absl::string_view keyring) {
  RETURN_IF_ERROR(CheckSize("Release", release));
  RETURN_IF_ERROR(CheckSize("Release.gpg", signature));
  RETURN_IF_ERROR(WithVerifier(keyring, [&](const deb::GpgvVerifier& verifier) {
    return verifier.VerifyDetachedByAnyKey(release, signature).status();
  }));
  return std::string(release);
}

absl::StatusOr<std::string> UnverifiedInReleaseText(
    absl::string_view in_release) {
  RETURN_IF_ERROR(CheckSize("InRelease", in_release));
  absl::StatusOr<deb::ClearSigned> split = deb::SplitClearSigned(in_release);
  if (!split.ok()) {
    return Hostile(absl::StrCat("(InRelease) is not a clear-signed message (",
                                split.status().message(), ")"));
  }
  return std::move(split->text);
}

}  // namespace debrepo::mirror
