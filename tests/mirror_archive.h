// A Debian archive for mirror tests: built in a temporary directory with
// dpkg-deb, dpkg-source and apt-ftparchive, signed with gpg by one or both of
// two keys (the trusted keyring holds only one of them), served on loopback
// by fetch/hostile_http_server (with rules), which can also play a hostile
// upstream (stalls, truncated or wrong bytes, redirects, missing files).
#ifndef DEBREPO_TESTS_MIRROR_ARCHIVE_H_
#define DEBREPO_TESTS_MIRROR_ARCHIVE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fetch/hostile_http_server.h"
#include "tests/harness.h"

namespace debrepo::testing {

// ArchiveBinary is a binary package (.deb, or .udeb) of a MirrorArchive.
struct ArchiveBinary {
  std::string component = "main";
  std::string name;
  std::string version = "1.0";
  // A real architecture or "all" (listed in every binary-<arch> index).
  std::string architecture = "amd64";
  // More control lines, e.g. "Depends: libfoo\n".
  std::string extra_control;
  // A udeb, listed in <component>/debian-installer/binary-<arch>.
  bool udeb = false;
  // Goes into a file the package installs: another payload, another .deb.
  std::string payload = "payload";
};

// RandomPayload is `size` bytes that compression cannot shrink (the same
// for the same `seed`), so that an ArchiveBinary with it as payload is a
// .deb of about that size.
std::string RandomPayload(size_t size, int seed);

// ArchiveSource is a "3.0 (native)" source package `name` 1.0 (building
// binary "`name`-bin") of a MirrorArchive.
struct ArchiveSource {
  std::string component = "main";
  std::string name;
};

// ArchiveSigner names the two keys of a MirrorArchive.
enum class ArchiveSigner { kTrusted, kUntrusted };

// ServerRule makes the archive's server misbehave for the requests whose
// URL path matches `path` (an fnmatch pattern: "*/Packages.xz",
// "/debian/pool/*"). The first matching rule with requests left applies.
struct ServerRule {
  enum class Action {
    kNotFound,  // 404
    kRedirect,  // 302 to `location`
    kStall,     // the headers and `after_bytes` bytes, then silence
    kTruncate,  // the whole length announced, `after_bytes` sent, closed
    kCorrupt,   // the byte at `after_bytes` flipped, length unchanged
    kAppend,    // `extra_bytes` zero bytes more than the file has
    kSlow,      // the file at `bytes_per_second`
  };
  std::string path;
  Action action = Action::kNotFound;
  int64_t after_bytes = 0;
  int64_t extra_bytes = 1;
  int64_t bytes_per_second = 1024;
  std::string location;
  // How many requests the rule applies to; -1: all.
  int times = -1;
};

// ServedRequest is one request the archive's server answered; its path is
// the URL path, e.g. "/debian/pool/main/deb/hello_1.0_amd64.deb".
using ServedRequest = fetch::LoggedRequest;

// MirrorArchiveOptions shape a MirrorArchive.
struct MirrorArchiveOptions {
  // The distribution a mirror names: "stable" (dists/stable/...), or, for a
  // flat repository, a path ending in '/' ("./", "flat/"): Release,
  // indices and pool in that directory, file names in the indices relative
  // to url(), as apt reads them.
  std::string distribution = "stable";
  std::string codename = "bookworm";
  // Listed in the Release; indices are written for each.
  std::vector<std::string> components = {"main", "contrib"};
  std::vector<std::string> architectures = {"amd64", "arm64"};
  // The forms of each index written and listed: "" (plain), "gz", "xz".
  std::vector<std::string> compressions = {"", "gz", "xz"};
};

// MirrorArchive is a signed Debian archive served over loopback HTTP. Add
// packages, Publish, point a mirror at url() and distribution(); change
// the packages and Publish again for an incremental re-sync. Failures of
// the tools it runs are test failures. Not thread-safe (the server is).
class MirrorArchive {
 public:
  explicit MirrorArchive(MirrorArchiveOptions options = {});
  // Stops the server and removes the archive and the keys.
  ~MirrorArchive();
  MirrorArchive(const MirrorArchive&) = delete;
  MirrorArchive& operator=(const MirrorArchive&) = delete;

  // Add builds a package into the pool (replacing one of the same file
  // name); it is listed from the next Publish.
  void Add(const ArchiveBinary& binary);
  void Add(const ArchiveSource& source);
  // Remove takes the binaries and sources called `name` out of the pool.
  void Remove(const std::string& name);
  // AddStandardPackages adds the archive most tests use:
  //   main:    hello 1.0 (amd64, arm64; Depends: libhello), libhello 1.0
  //            (amd64, arm64), hello-doc 1.0 (all), orphan 1.0 (amd64),
  //            udeb hello-udeb 1.0 (amd64), source hello;
  //   contrib: extra 1.0 (amd64; Depends: hello).
  // That is, per architecture amd64 / arm64: main 4 / 3 binaries, contrib
  // 1 / 0, udebs 1 / 0, sources 1.
  void AddStandardPackages();

  // Publish writes every index from the pool (each in the configured
  // compressions), the Release (apt-ftparchive release) and signs it as
  // InRelease and Release.gpg by `signers` (none: unsigned).
  void Publish(const std::vector<ArchiveSigner>& signers = {
                   ArchiveSigner::kTrusted});
  // SetIndex replaces the index at `index_path` (relative to the
  // distribution, without extension: "main/binary-amd64/Packages") with
  // `text`, in each configured compression; then Release and signatures
  // are made again by `signers`. For hostile index contents.
  void SetIndex(const std::string& index_path, const std::string& text,
                const std::vector<ArchiveSigner>& signers = {
                    ArchiveSigner::kTrusted});
  // SetRelease replaces the Release with `text` and signs it by `signers`
  // (for Releases apt-ftparchive would not write).
  void SetRelease(const std::string& text,
                  const std::vector<ArchiveSigner>& signers = {
                      ArchiveSigner::kTrusted});

  // url is the archive's base URL (a mirror's archive_url), e.g.
  // "http://127.0.0.1:40000/debian".
  std::string url() const;
  // distribution is what a mirror of this archive names as distribution.
  const std::string& distribution() const { return options_.distribution; }
  // dist_dir is the local directory holding Release and the indices.
  std::string dist_dir() const;
  // pool_dir is the local directory of the packages:
  // <pool_dir>/<component>/{deb,udeb,source}.
  std::string pool_dir() const;
  // root is the local directory served as url().
  const std::string& root() const { return root_; }
  // Keyring returns `signer`'s public key alone, binary (as gpg --export
  // writes) or ASCII-armoured.
  std::string Keyring(ArchiveSigner signer, bool armored = false) const;
  // Fingerprint returns `signer`'s key's fingerprint (upper-case hex).
  std::string Fingerprint(ArchiveSigner signer) const;

  // SetRules replaces the server's misbehaviour rules (none: serve all).
  void SetRules(const std::vector<ServerRule>& rules);
  // Requests returns what the server answered since the last ClearRequests.
  std::vector<ServedRequest> Requests() const;
  void ClearRequests();
  // CountRequests counts requests whose path matches `pattern` (fnmatch).
  int CountRequests(const std::string& pattern) const;

 private:
  void WriteIndices();
  void WriteCompressed(const std::string& path, const std::string& text);
  void WriteRelease();
  void Sign(const std::vector<ArchiveSigner>& signers);
  std::string SignerName(ArchiveSigner signer) const;

  MirrorArchiveOptions options_;
  std::string dir_;   // everything: build, archive, server files
  std::string root_;  // served: dir_/www
  std::string rules_path_;
  std::unique_ptr<TestSigners> signers_;
  std::unique_ptr<fetch::HostileHttpServer> server_;
};

}  // namespace debrepo::testing

#endif  // DEBREPO_TESTS_MIRROR_ARCHIVE_H_
