#include "tests/bench/snapshot_workload.h"

#include <filesystem>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "deb/control.h"
#include "tests/bench/generated_debs.h"

namespace debrepo::testing {
namespace {

// DebFile is the package of `control` as file "p<index><suffix>.deb".
FileToUpload DebFile(size_t index, const deb::Paragraph& control,
                     absl::string_view suffix = "") {
  std::string bytes = MakeDeb(control);
  std::string sha256 = Sha256Hex(bytes);
  return {absl::StrCat("p", index, suffix, ".deb"), std::move(bytes),
          std::move(sha256)};
}

}  // namespace

SnapshotWorkload MakeSnapshotWorkload(size_t count) {
  SnapshotWorkload workload;
  std::vector<std::string> changed_without_depends;
  const std::vector<deb::Paragraph> controls = RealControls(count);
  for (size_t i = 0; i < controls.size(); ++i) {
    workload.repo_a.push_back(DebFile(i, controls[i]));
    if (i % 10 != 9) {
      workload.repo_b.push_back(workload.repo_a.back());
      continue;
    }
    deb::Paragraph changed = controls[i];
    (void)changed.Set("Version",
                      absl::StrCat(changed.GetOrEmpty("Version"), "+bench1"));
    // A name of its own: aptly names pool files as they were added, and
    // refuses to publish two files of one name in one pool.
    workload.repo_b.push_back(DebFile(i, changed, "-bench1"));
    const std::string name(changed.GetOrEmpty("Package"));
    workload.changed_names.push_back(name);
    if (changed.GetOrEmpty("Depends").empty()) {
      changed_without_depends.push_back(name);
    } else if (workload.pull_names.size() < 100) {
      workload.pull_names.push_back(name);
    }
  }
  for (const std::string& name : changed_without_depends) {
    if (workload.pull_names.size() >= 100) break;
    workload.pull_names.push_back(name);
  }
  return workload;
}

absl::Status WriteFiles(const std::vector<FileToUpload>& files,
                        const std::string& directory) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("mkdir ", directory, ": ", error.message()));
  }
  for (const FileToUpload& file : files) {
    const std::string path = absl::StrCat(directory, "/", file.filename);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(file.bytes.data(),
              static_cast<std::streamsize>(file.bytes.size()));
    if (!out.good()) return absl::InternalError("cannot write " + path);
  }
  return absl::OkStatus();
}

}  // namespace debrepo::testing
