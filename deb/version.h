// Debian package versions: [epoch:]upstream[-revision], parsed with dpkg's
// validity rules and ordered exactly as `dpkg --compare-versions` orders them
// (Debian Policy §5.6.12).
#ifndef DEBREPO_DEB_VERSION_H_
#define DEBREPO_DEB_VERSION_H_

#include <compare>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace debrepo::deb {

// Version is a parsed, valid Debian version.
class Version {
 public:
  // Parse accepts what dpkg accepts without warnings: surrounding spaces
  // and tabs are ignored (other whitespace, e.g. a newline, is rejected); the
  // epoch is a decimal number that fits in an int; the upstream part starts
  // with a digit and holds only alphanumerics and
  // ".+~-:"; the revision (after the last '-') is non-empty and holds only
  // alphanumerics and ".+~". Anything else is INVALID_ARGUMENT.
  static absl::StatusOr<Version> Parse(absl::string_view text);

  // epoch is 0 when the version has none.
  uint32_t epoch() const { return epoch_; }
  // upstream is the part between the epoch and the last '-'.
  const std::string& upstream() const { return upstream_; }
  // revision is "" when the version has none.
  const std::string& revision() const { return revision_; }

  // ToString returns the canonical spelling: the epoch only when non-zero or
  // written explicitly, as dpkg prints versions.
  std::string ToString() const;

  // Versions compare like dpkg. The ordering is weak: equal versions may
  // have different spellings ("1.0" == "0:1.0" == "1.0-0"), so equality
  // does not mean the same ToString().
  friend std::weak_ordering operator<=>(const Version& a, const Version& b);
  friend bool operator==(const Version& a, const Version& b) {
    return (a <=> b) == 0;
  }

 private:
  Version() = default;

  uint32_t epoch_ = 0;
  bool explicit_epoch_ = false;
  std::string upstream_;
  std::string revision_;
};

// CompareVersionParts compares two upstream parts or two revisions with
// dpkg's algorithm (verrevcmp): '~' sorts before everything, even the end
// of the string; letters sort before other characters; digit runs compare
// numerically. Returns <0, 0 or >0.
int CompareVersionParts(absl::string_view a, absl::string_view b);

}  // namespace debrepo::deb

#endif  // DEBREPO_DEB_VERSION_H_
