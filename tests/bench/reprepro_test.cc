#include "tests/bench/reprepro.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "deb/control.h"
#include "gtest/gtest.h"
#include "tests/bench/generated_debs.h"

namespace debrepo::testing {
namespace {

std::string NewDirectory(const std::string& name) {
  const std::string directory =
      std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  std::filesystem::create_directories(directory);
  return directory;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(RepreproTest, ExportsTheIncludedPackages) {
  const std::string files = NewDirectory("files");
  const std::vector<deb::Paragraph> controls = RealControls(3);
  ASSERT_EQ(controls.size(), 3u) << "no apt Packages index on this machine";
  for (size_t i = 0; i < controls.size(); ++i) {
    std::ofstream(files + "/p" + std::to_string(i) + ".deb")
        << MakeDeb(controls[i]);
  }
  const std::string base = NewDirectory("base");
  Reprepro reprepro(base, {"amd64"});
  ASSERT_TRUE(reprepro.IncludeDebs(files).ok());
  std::filesystem::remove(reprepro.DistDir() + "/main/binary-amd64/Packages");

  absl::StatusOr<TimedRun> exported = reprepro.Export();
  ASSERT_TRUE(exported.ok()) << exported.status();
  EXPECT_EQ(exported->exit_code, 0) << exported->output;
  EXPECT_GT(exported->peak_rss_kb, 0);
  const std::string packages =
      ReadFile(reprepro.DistDir() + "/main/binary-amd64/Packages");
  int stanzas = 0;
  for (absl::string_view line : absl::StrSplit(packages, '\n')) {
    if (absl::StartsWith(line, "Package: ")) ++stanzas;
  }
  EXPECT_EQ(stanzas, 3) << packages;
  EXPECT_TRUE(std::filesystem::exists(reprepro.DistDir() +
                                      "/main/binary-amd64/Packages.gz"));
}

}  // namespace
}  // namespace debrepo::testing
