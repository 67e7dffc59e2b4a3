#include "jobs/mirror_update.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "deb/package_key.h"
#include "deb/query.h"

namespace debrepo::jobs {
namespace {

constexpr size_t kMaxUrlLength = 2000;
constexpr size_t kMaxDistributionLength = 200;
// As a sync accepts from a Release (mirror/release.h).
constexpr int kMaxComponents = 1000;
constexpr size_t kMaxFilterLength = 10000;

absl::Status InvalidUrl(absl::string_view url, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(
      "archive_url \"", absl::CHexEscape(url.substr(0, 200)), "\" ", problem,
      "; give the archive's root as http://host/path or https://host/path "
      "(e.g. http://deb.debian.org/debian)"));
}

absl::Status ValidateArchiveUrl(absl::string_view url) {
  if (url.size() > kMaxUrlLength) {
    return InvalidUrl(
        url, absl::StrCat("is ", url.size(), " characters long (at most ",
                          kMaxUrlLength, ")"));
  }
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "http://") &&
      !absl::ConsumePrefix(&rest, "https://")) {
    return InvalidUrl(url, "is not http:// or https://");
  }
  for (char c : url) {
    if (absl::ascii_iscntrl(static_cast<unsigned char>(c)) || c == ' ') {
      return InvalidUrl(url, "holds a space or control character");
    }
  }
  if (absl::StrContains(url, "?") || absl::StrContains(url, "#")) {
    return InvalidUrl(url, "has a query or fragment");
  }
  const absl::string_view authority = rest.substr(0, rest.find('/'));
  if (absl::StrContains(authority, "@")) {
    return InvalidUrl(url, "holds a user name or password");
  }
  if (authority.empty() || authority[0] == ':') {
    return InvalidUrl(url, "names no host");
  }
  return absl::OkStatus();
}

absl::Status ValidateMirrorDistribution(absl::string_view distribution) {
  auto invalid = [&](absl::string_view problem) {
    return absl::InvalidArgumentError(absl::StrCat(
        "distribution \"", absl::CHexEscape(distribution.substr(0, 200)), "\" ",
        problem,
        "; name a distribution (e.g. \"bookworm\") or, for a flat "
        "repository, a path ending in '/' (e.g. \"./\")"));
  };
  if (distribution.empty()) return invalid("is empty");
  if (distribution.size() > kMaxDistributionLength) {
    return invalid(absl::StrCat("is ", distribution.size(),
                                " characters long (at most ",
                                kMaxDistributionLength, ")"));
  }
  if (!IsFlatDistribution(distribution)) {
    return ValidateDistribution(distribution);
  }
  // A path relative to the archive's root: "./", "sub/dir/".
  const std::vector<absl::string_view> segments =
      absl::StrSplit(distribution.substr(0, distribution.size() - 1), '/');
  for (absl::string_view segment : segments) {
    if (segment == ".") continue;
    if (segment.empty() || segment == "..") {
      return invalid("has an empty or \"..\" part (or starts with '/')");
    }
    for (char c : segment) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
          c != '_' && c != '-' && c != '+' && c != '~') {
        return invalid(
            absl::StrCat("contains ", absl::CHexEscape(std::string(1, c))));
      }
    }
  }
  return absl::OkStatus();
}

// Checks a list of names, each with `validate`, for duplicates and size.
template <typename Validate>
absl::Status ValidateNames(
    absl::string_view what,
    const google::protobuf::RepeatedPtrField<std::string>& names, int max,
    Validate validate) {
  if (names.size() > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(names.size(), " ", what, " named; name at most ", max));
  }
  absl::flat_hash_set<absl::string_view> seen;
  for (const std::string& name : names) {
    RETURN_IF_ERROR(validate(name));
    if (!seen.insert(name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " names \"", name, "\" twice"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

v1::Mirror MirrorInputFields(const v1::Mirror& mirror) {
  v1::Mirror input;
  input.set_name(mirror.name());
  input.set_archive_url(mirror.archive_url());
  input.set_distribution(mirror.distribution());
  *input.mutable_components() = mirror.components();
  *input.mutable_architectures() = mirror.architectures();
  input.set_with_sources(mirror.with_sources());
  input.set_with_udebs(mirror.with_udebs());
  input.set_filter(mirror.filter());
  input.set_filter_with_deps(mirror.filter_with_deps());
  input.set_keyring(mirror.keyring());
  input.set_ignore_signatures(mirror.ignore_signatures());
  input.set_download_limit(mirror.download_limit());
  return input;
}

bool IsFlatDistribution(absl::string_view distribution) {
  return absl::EndsWith(distribution, "/");
}

absl::Status ValidateMirrorSettings(const v1::Mirror& mirror) {
  RETURN_IF_ERROR(ValidateResourceName("mirror", mirror.name()));
  RETURN_IF_ERROR(ValidateArchiveUrl(mirror.archive_url()));
  RETURN_IF_ERROR(ValidateMirrorDistribution(mirror.distribution()));
  if (IsFlatDistribution(mirror.distribution()) &&
      !mirror.components().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "distribution \"", mirror.distribution(),
        "\" is a flat repository, which has no components; name none"));
  }
  RETURN_IF_ERROR(
      ValidateNames("components", mirror.components(), kMaxComponents,
                    [](absl::string_view component) {
                      return ValidateResourceName("component", component);
                    }));
  RETURN_IF_ERROR(ValidateNames(
      "architectures", mirror.architectures(), kMaxMirrorArchitectures,
      [](absl::string_view architecture) -> absl::Status {
        RETURN_IF_ERROR(deb::ValidateArchitecture(architecture));
        if (architecture == "all" || architecture == "source") {
          return absl::InvalidArgumentError(absl::StrCat(
              "architectures names \"", architecture,
              "\": packages of architecture all are always mirrored, and "
              "source packages with with_sources"));
        }
        return absl::OkStatus();
      }));
  if (mirror.filter().size() > kMaxFilterLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("filter is ", mirror.filter().size(),
                     " characters long; use at most ", kMaxFilterLength));
  }
  if (!mirror.filter().empty()) {
    RETURN_IF_ERROR(deb::Query::Parse(mirror.filter()).status());
  }
  if (mirror.keyring().size() > kMaxMirrorKeyringBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("keyring is ", mirror.keyring().size(),
                     " bytes; give at most ", kMaxMirrorKeyringBytes,
                     " (export only the keys that sign the archive)"));
  }
  if (mirror.keyring().empty() && !mirror.ignore_signatures()) {
    return absl::InvalidArgumentError(
        "give the keyring whose keys sign the archive's Release (e.g. "
        "/usr/share/keyrings/debian-archive-keyring.gpg), or set "
        "ignore_signatures to trust it unverified");
  }
  if (mirror.download_limit() < 0) {
    return absl::InvalidArgumentError(
        "download_limit is negative; give bytes per second, 0 for no limit");
  }
  return absl::OkStatus();
}

bool IsUpdatableMirrorField(absl::string_view field) {
  for (absl::string_view updatable :
       {"name", "archive_url", "distribution", "components", "architectures",
        "with_sources", "with_udebs", "filter", "filter_with_deps", "keyring",
        "ignore_signatures", "download_limit"}) {
    if (field == updatable) return true;
  }
  return false;
}

void ApplyMirrorUpdate(const v1::UpdateMirrorArgs& update, v1::Mirror& mirror) {
  const v1::Mirror& from = update.mirror();
  for (const std::string& field : update.fields()) {
    if (field == "name") {
      mirror.set_name(from.name());
    } else if (field == "archive_url") {
      mirror.set_archive_url(from.archive_url());
    } else if (field == "distribution") {
      mirror.set_distribution(from.distribution());
    } else if (field == "components") {
      *mirror.mutable_components() = from.components();
    } else if (field == "architectures") {
      *mirror.mutable_architectures() = from.architectures();
    } else if (field == "with_sources") {
      mirror.set_with_sources(from.with_sources());
    } else if (field == "with_udebs") {
      mirror.set_with_udebs(from.with_udebs());
    } else if (field == "filter") {
      mirror.set_filter(from.filter());
    } else if (field == "filter_with_deps") {
      mirror.set_filter_with_deps(from.filter_with_deps());
    } else if (field == "keyring") {
      mirror.set_keyring(from.keyring());
      *mirror.mutable_keyring_fingerprints() = from.keyring_fingerprints();
    } else if (field == "ignore_signatures") {
      mirror.set_ignore_signatures(from.ignore_signatures());
    } else if (field == "download_limit") {
      mirror.set_download_limit(from.download_limit());
    }
  }
}

}  // namespace debrepo::jobs
