// Small .deb files generated from the machine's real Packages index, so
// that benchmarks work on real names, versions and dependencies without
// downloading anything.
#ifndef DEBREPO_TESTS_BENCH_GENERATED_DEBS_H_
#define DEBREPO_TESTS_BENCH_GENERATED_DEBS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "deb/control.h"

namespace debrepo::testing {

// RealControls returns the first `count` stanzas of the machine's apt
// Packages index (deb::testing::FindAptPackagesIndex), trimmed to what a
// control file carries (no Filename, Size, checksums). Fewer when the index
// is shorter or missing.
std::vector<deb::Paragraph> RealControls(size_t count);

// MakeDeb returns a minimal valid .deb whose control file is `control` and
// whose data holds one file, /usr/share/doc/<Package>/copyright.
std::string MakeDeb(const deb::Paragraph& control);

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_BENCH_GENERATED_DEBS_H_
