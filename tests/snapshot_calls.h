// Snapshot calls through gRPC for integration tests: each submits through
// server `server` of a Stack and waits for the job, like the repo helpers
// of tests/harness.h.
#ifndef DEBREPO_TESTS_SNAPSHOT_CALLS_H_
#define DEBREPO_TESTS_SNAPSHOT_CALLS_H_

#include <string>
#include <vector>

#include "tests/harness.h"

namespace debrepo::testing {

// CreateSnapshotFromRepo snapshots repo `repo` as `name`.
Result CreateSnapshotFromRepo(Stack& stack, const std::string& name,
                              const std::string& repo, int server = 0);

// CreateSnapshotFromKeys makes snapshot `name` of the packages with `keys`.
Result CreateSnapshotFromKeys(Stack& stack, const std::string& name,
                              const std::vector<std::string>& keys,
                              int server = 0);

// CreateEmptySnapshot makes an empty snapshot `name` described as
// `description`.
Result CreateEmptySnapshot(Stack& stack, const std::string& name,
                           const std::string& description = "", int server = 0);

// RenameSnapshot renames snapshot `from` to `to`.
Result RenameSnapshot(Stack& stack, const std::string& from,
                      const std::string& to, int server = 0);

// DeleteSnapshot drops snapshot `name`.
Result DeleteSnapshot(Stack& stack, const std::string& name, bool force,
                      int server = 0);

// SnapshotKeys lists the keys of snapshot `name`'s packages matching
// `query`, page by page; a failed call fails the test.
std::vector<std::string> SnapshotKeys(Stack& stack, const std::string& name,
                                      const std::string& query = "",
                                      int server = 0);

// AddPackagesToRepo adds stored packages to repo `repo` by key.
Result AddPackagesToRepo(Stack& stack, const std::string& repo,
                         const std::vector<std::string>& keys, int server = 0);

// RemovePackagesFromRepo removes the packages with `keys` from repo `repo`.
Result RemovePackagesFromRepo(Stack& stack, const std::string& repo,
                              const std::vector<std::string>& keys,
                              int server = 0);

// PackageSpec is a package to build: its name, version, architecture,
// further control lines ("Depends: x\n"), and the payload that tells
// builds of one version apart (name and version when empty).
struct PackageSpec {
  std::string name;
  std::string version = "1.0";
  std::string architecture = "amd64";
  std::string extra_control;
  std::string payload;
};

// UploadFilesToRepo uploads `files` (package files) to directory
// `directory`, adds them to repo `repo`, and returns their keys (empty
// when a step failed, which also fails the test).
std::vector<std::string> UploadFilesToRepo(
    Stack& stack, const std::string& repo, const std::string& directory,
    const std::vector<FileToUpload>& files);

// UploadPackageSpecs builds `specs`, uploads them to directory
// `directory`, adds them to repo `repo`, and returns their keys (empty
// when a step failed, which also fails the test).
std::vector<std::string> UploadPackageSpecs(
    Stack& stack, const std::string& repo, const std::string& directory,
    const std::vector<PackageSpec>& specs);

// UploadPackages builds a package of each name (version 1.0, amd64, its
// name and `build` as payload: another `build` is another build of it),
// uploads them to directory `directory`, adds them to repo `repo`, and
// returns their keys (empty when a step failed, which also fails the
// test).
std::vector<std::string> UploadPackages(Stack& stack, const std::string& repo,
                                        const std::string& directory,
                                        const std::vector<std::string>& names,
                                        const std::string& build = "");

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_SNAPSHOT_CALLS_H_
