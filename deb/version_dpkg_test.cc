// Differential test: our version ordering against `dpkg --compare-versions`
// over the versions of a real Packages index and generated edge cases.
#include <algorithm>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_matchers.h"
#include "deb/control.h"
#include "deb/internal/subprocess.h"
#include "deb/testing/apt_lists.h"
#include "deb/version.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::deb {
namespace {

using ::debrepo::deb::internal::CommandResult;
using ::debrepo::deb::internal::RunCommand;

using ::debrepo::testing::IsOk;

// Pairs checked per test; each costs one or two dpkg runs.
constexpr size_t kSampledPairs = 3000;

const char* Relation(int order) {
  return order < 0 ? "lt" : order == 0 ? "eq" : "gt";
}

// CheckAgainstDpkg asks dpkg for the relation of every pair, in one shell
// run, and fails for each pair where our comparison differs.
void CheckAgainstDpkg(
    const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string script;
  for (const auto& [a, b] : pairs) {
    // Valid versions contain no quote characters.
    absl::StrAppend(&script, "if dpkg --compare-versions '", a, "' lt '", b,
                    "'; then echo lt; elif dpkg --compare-versions '", a,
                    "' eq '", b, "'; then echo eq; else echo gt; fi\n");
  }
  absl::StatusOr<CommandResult> result = RunCommand({"sh", "-s"}, script);
  ASSERT_THAT(result, IsOk());
  ASSERT_EQ(result->exit_code, 0) << result->stderr_data;
  std::vector<std::string> answers =
      absl::StrSplit(result->stdout_data, '\n', absl::SkipEmpty());
  ASSERT_EQ(answers.size(), pairs.size()) << result->stderr_data;
  int disagreements = 0;
  for (size_t i = 0; i < pairs.size(); ++i) {
    absl::StatusOr<Version> a = Version::Parse(pairs[i].first);
    absl::StatusOr<Version> b = Version::Parse(pairs[i].second);
    ASSERT_THAT(a, IsOk());
    ASSERT_THAT(b, IsOk());
    int ours = (*a <=> *b) < 0 ? -1 : (*a == *b ? 0 : 1);
    if (answers[i] != Relation(ours) && ++disagreements <= 20) {
      ADD_FAILURE() << pairs[i].first << " vs " << pairs[i].second
                    << ": dpkg says " << answers[i] << ", we say "
                    << Relation(ours);
    }
  }
  EXPECT_EQ(disagreements, 0);
}

TEST(VersionDpkgTest, AgreesOnTheRealPackagesIndex) {
  absl::StatusOr<std::string> path = testing::FindAptPackagesIndex();
  ASSERT_THAT(path, IsOk());
  absl::StatusOr<std::string> index = testing::ReadDecompressedFile(*path);
  ASSERT_THAT(index, IsOk());
  absl::flat_hash_set<std::string> unique;
  ParagraphReader reader(*index);
  Paragraph paragraph;
  absl::StatusOr<bool> more;
  while ((more = reader.Next(&paragraph)).ok() && *more) {
    unique.insert(std::string(paragraph.GetOrEmpty("Version")));
  }
  ASSERT_THAT(more, IsOk());
  std::vector<Version> versions;
  for (const std::string& text : unique) {
    absl::StatusOr<Version> v = Version::Parse(text);
    ASSERT_THAT(v, IsOk());
    versions.push_back(*std::move(v));
  }
  ASSERT_GT(versions.size(), kSampledPairs);
  std::sort(versions.begin(), versions.end());

  // Adjacent pairs of the sorted list are where a wrong ordering shows;
  // random pairs catch gross errors across the whole range.
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t stride = versions.size() / kSampledPairs;
  for (size_t i = 0; i + 1 < versions.size(); i += stride) {
    pairs.emplace_back(versions[i].ToString(), versions[i + 1].ToString());
  }
  std::mt19937 rng(20240601);
  std::uniform_int_distribution<size_t> pick(0, versions.size() - 1);
  for (int i = 0; i < 500; ++i) {
    pairs.emplace_back(versions[pick(rng)].ToString(),
                       versions[pick(rng)].ToString());
  }
  CheckAgainstDpkg(pairs);
}

// RandomVersion builds a valid version from the characters that matter to
// the ordering: digits with leading zeros, letters of both cases, '~', '+',
// '.', '-' and epochs.
std::string RandomVersion(std::mt19937& rng) {
  static constexpr absl::string_view kUpstream = "0019aZz~~+..-";
  static constexpr absl::string_view kRevision = "0019aZ~+.";
  auto roll = [&](int n) { return static_cast<int>(rng() % n); };
  std::string v;
  if (roll(4) == 0) absl::StrAppend(&v, roll(3), ":");
  v.push_back("0123456789"[roll(10)]);
  for (int i = roll(6); i > 0; --i)
    v.push_back(kUpstream[roll(kUpstream.size())]);
  if (v.back() == '-' || roll(2) == 0) {
    if (v.back() != '-') v.push_back('-');
    for (int i = 1 + roll(4); i > 0; --i) {
      v.push_back(kRevision[roll(kRevision.size())]);
    }
  }
  return v;
}

TEST(VersionDpkgTest, AgreesOnGeneratedEdgeCases) {
  std::vector<std::pair<std::string, std::string>> pairs = {
      {"1.0~rc1", "1.0"}, {"1.0", "1.0-0"},  {"0:1.0", "1.0"},
      {"1.0a", "1.0+"},   {"1.0~~", "1.0~"}, {"1.002", "1.2"},
      {"1.0.", "1.0"},    {"1~", "1"},       {"1a", "1A"},
      {"1.0-1~", "1.0"},  {"10:1", "9:2"},   {"1.0-a", "1.0-A"},
  };
  std::mt19937 rng(7);
  for (int i = 0; i < 1500; ++i) {
    std::string a = RandomVersion(rng);
    // Mutating one character of `a` makes near-equal pairs, where ordering
    // bugs hide; half the pairs are unrelated.
    std::string b = RandomVersion(rng);
    if (i % 2 == 0 && b.size() <= a.size())
      b = a.substr(0, a.size() - 1) + b.back();
    if (Version::Parse(b).ok()) pairs.emplace_back(a, b);
  }
  CheckAgainstDpkg(pairs);
}

}  // namespace
}  // namespace debrepo::deb
