#include "tests/mirror_archive.h"

#include <fnmatch.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "deb/testing/commands.h"
#include "deb/testing/files.h"
#include "deb/testing/gpg_keys.h"
#include "gtest/gtest.h"

namespace debrepo::testing {
namespace {

namespace fs = std::filesystem;
using ::debrepo::deb::testing::BuildNativeSource;
using ::debrepo::deb::testing::Gpg;
using ::debrepo::deb::testing::RunOk;
using ::debrepo::deb::testing::Shell;
using ::debrepo::deb::testing::WriteFile;

// The archive is served under this path, as Debian's is under /debian.
constexpr char kArchivePath[] = "debian";

bool IsFlat(const MirrorArchiveOptions& options) {
  return absl::EndsWith(options.distribution, "/");
}

// JsonString quotes `text` for JSON (the rules hold paths and URLs).
std::string JsonString(const std::string& text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

const char* ActionName(ServerRule::Action action) {
  switch (action) {
    case ServerRule::Action::kNotFound:
      return "not_found";
    case ServerRule::Action::kRedirect:
      return "redirect";
    case ServerRule::Action::kStall:
      return "stall";
    case ServerRule::Action::kTruncate:
      return "truncate";
    case ServerRule::Action::kCorrupt:
      return "corrupt";
    case ServerRule::Action::kAppend:
      return "append";
    case ServerRule::Action::kSlow:
      return "slow";
  }
  return "";
}

}  // namespace

std::string RandomPayload(size_t size, int seed) {
  std::mt19937 random(seed);
  std::string payload(size, '\0');
  for (char& c : payload) c = static_cast<char>(random());
  return payload;
}

MirrorArchive::MirrorArchive(MirrorArchiveOptions options)
    : options_(std::move(options)) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir_template =
      absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/mirror-archive-XXXXXX");
  EXPECT_NE(mkdtemp(dir_template.data()), nullptr);
  dir_ = dir_template;
  root_ = dir_ + "/www";
  rules_path_ = dir_ + "/rules.json";
  for (const std::string& component : options_.components) {
    for (const char* kind : {"deb", "udeb", "source"}) {
      fs::create_directories(
          absl::StrCat(pool_dir(), "/", component, "/", kind));
    }
  }
  fs::create_directories(dist_dir());
  SetRules({});
  signers_ = std::make_unique<TestSigners>(
      std::vector<std::string>{"archive-trusted", "archive-untrusted"});

  absl::StatusOr<std::unique_ptr<fetch::HostileHttpServer>> server =
      fetch::HostileHttpServer::StartWithRules(root_, rules_path_);
  EXPECT_TRUE(server.ok()) << "the archive's server did not start: "
                           << server.status();
  if (server.ok()) server_ = *std::move(server);
}

MirrorArchive::~MirrorArchive() {
  server_.reset();  // SIGKILL
  signers_.reset();
  fs::remove_all(dir_);
}

std::string MirrorArchive::url() const {
  return server_ != nullptr ? server_->Url(absl::StrCat("/", kArchivePath))
                            : "http://127.0.0.1:1/server-did-not-start";
}

std::string MirrorArchive::pool_dir() const {
  // A flat repository's files are named relative to its directory.
  if (IsFlat(options_)) return dist_dir() + "/pool";
  return absl::StrCat(root_, "/", kArchivePath, "/pool");
}

std::string MirrorArchive::dist_dir() const {
  const std::string archive = absl::StrCat(root_, "/", kArchivePath);
  if (IsFlat(options_)) {
    std::string dir =
        fs::path(absl::StrCat(archive, "/", options_.distribution))
            .lexically_normal()
            .string();
    while (absl::EndsWith(dir, "/")) dir.pop_back();
    return dir;
  }
  return absl::StrCat(archive, "/dists/", options_.distribution);
}

void MirrorArchive::Add(const ArchiveBinary& binary) {
  std::string control = binary.extra_control;
  if (binary.udeb) absl::StrAppend(&control, "Package-Type: udeb\n");
  const std::string built =
      BuildDebFile(binary.name, binary.version, binary.architecture,
                   binary.payload, control);
  const std::string file =
      absl::StrCat(binary.name, "_", binary.version, "_", binary.architecture,
                   binary.udeb ? ".udeb" : ".deb");
  fs::copy_file(built,
                absl::StrCat(pool_dir(), "/", binary.component, "/",
                             binary.udeb ? "udeb" : "deb", "/", file),
                fs::copy_options::overwrite_existing);
}

void MirrorArchive::Add(const ArchiveSource& source) {
  const fs::path dir =
      absl::StrCat(pool_dir(), "/", source.component, "/source/", source.name);
  fs::create_directories(dir);
  BuildNativeSource(dir, source.name,
                    "Maintainer: T <t@example.org>\nSection: misc\n"
                    "Priority: optional\n");
}

void MirrorArchive::Remove(const std::string& name) {
  for (const std::string& component : options_.components) {
    const fs::path pool = absl::StrCat(pool_dir(), "/", component);
    for (const char* kind : {"deb", "udeb"}) {
      for (const fs::directory_entry& entry :
           fs::directory_iterator(pool / kind)) {
        if (absl::StartsWith(entry.path().filename().string(), name + "_")) {
          fs::remove(entry.path());
        }
      }
    }
    fs::remove_all(pool / "source" / name);
  }
}

void MirrorArchive::AddStandardPackages() {
  for (const char* arch : {"amd64", "arm64"}) {
    Add(ArchiveBinary{.name = "hello",
                      .architecture = arch,
                      .extra_control = "Depends: libhello (>= 1.0)\n"});
    Add(ArchiveBinary{.name = "libhello", .architecture = arch});
  }
  Add(ArchiveBinary{.name = "hello-doc", .architecture = "all"});
  Add(ArchiveBinary{.name = "orphan"});
  Add(ArchiveBinary{.name = "hello-udeb", .udeb = true});
  Add(ArchiveSource{.name = "hello"});
  Add(ArchiveBinary{.component = "contrib",
                    .name = "extra",
                    .extra_control = "Depends: hello\n"});
}

void MirrorArchive::WriteCompressed(const std::string& path,
                                    const std::string& text) {
  for (const char* extension : {"", ".gz", ".xz"}) {
    fs::remove(path + extension);
  }
  WriteFile(path, text);
  for (const std::string& compression : options_.compressions) {
    if (compression == "gz") {
      RunOk({"gzip", "-9nk", path});
    } else if (compression == "xz") {
      RunOk({"xz", "-k", path});
    }
  }
  if (std::find(options_.compressions.begin(), options_.compressions.end(),
                "") == options_.compressions.end()) {
    fs::remove(path);
  }
}

void MirrorArchive::WriteIndices() {
  const std::string archive = absl::StrCat(root_, "/", kArchivePath);
  if (IsFlat(options_)) {
    // One Packages for all architectures and components (no udebs), one
    // Sources; file names relative to the archive's root, as apt reads
    // them.
    std::string relative_dist =
        fs::path(dist_dir()).lexically_relative(archive).string();
    relative_dist = relative_dist == "." ? "" : relative_dist + "/";
    std::string packages, sources;
    for (const std::string& component : options_.components) {
      const std::string pool = absl::StrCat(relative_dist, "pool/", component);
      absl::StrAppend(&packages,
                      Shell(archive, absl::StrCat("apt-ftparchive packages ",
                                                  pool, "/deb")));
      absl::StrAppend(
          &sources, Shell(archive, absl::StrCat("apt-ftparchive sources ", pool,
                                                "/source")));
    }
    WriteCompressed(dist_dir() + "/Packages", packages);
    WriteCompressed(dist_dir() + "/Sources", sources);
    return;
  }
  for (const std::string& component : options_.components) {
    const std::string pool = absl::StrCat("pool/", component);
    const std::string out = absl::StrCat(dist_dir(), "/", component);
    for (const std::string& arch : options_.architectures) {
      WriteCompressed(
          absl::StrCat(out, "/binary-", arch, "/Packages"),
          Shell(archive, absl::StrCat("apt-ftparchive --arch ", arch,
                                      " packages ", pool, "/deb")));
      WriteCompressed(
          absl::StrCat(out, "/debian-installer/binary-", arch, "/Packages"),
          Shell(archive, absl::StrCat("apt-ftparchive --arch ", arch,
                                      " packages ", pool, "/udeb")));
    }
    WriteCompressed(out + "/source/Sources",
                    Shell(archive, absl::StrCat("apt-ftparchive sources ", pool,
                                                "/source")));
  }
}

void MirrorArchive::WriteRelease() {
  for (const char* name : {"Release", "InRelease", "Release.gpg"}) {
    fs::remove(absl::StrCat(dist_dir(), "/", name));
  }
  std::vector<std::string> fields = {"Origin=Test", "Label=Test"};
  if (!IsFlat(options_)) {
    fields.push_back("Suite=" + options_.distribution);
    fields.push_back(
        absl::StrCat("Components=", absl::StrJoin(options_.components, " ")));
  }
  fields.push_back("Codename=" + options_.codename);
  fields.push_back(absl::StrCat("Architectures=",
                                absl::StrJoin(options_.architectures, " ")));
  // Run inside the directory: apt-ftparchive names the files relative to
  // the directory it is given.
  std::string command = "apt-ftparchive";
  for (const std::string& field : fields) {
    absl::StrAppend(&command, " -o 'APT::FTPArchive::Release::", field, "'");
  }
  const std::string release =
      Shell(dist_dir(), absl::StrCat(command, " release ."));
  WriteFile(dist_dir() + "/Release", release);
}

std::string MirrorArchive::SignerName(ArchiveSigner signer) const {
  return signer == ArchiveSigner::kTrusted ? "archive-trusted"
                                           : "archive-untrusted";
}

std::string MirrorArchive::Fingerprint(ArchiveSigner signer) const {
  const std::string listing =
      Gpg(signers_->home(), {"--with-colons", "--fingerprint",
                             "<" + SignerName(signer) + "@example.org>"});
  for (absl::string_view line : absl::StrSplit(listing, '\n')) {
    if (absl::StartsWith(line, "fpr:")) {
      std::vector<std::string> fields = absl::StrSplit(line, ':');
      if (fields.size() > 9) return fields[9];
    }
  }
  ADD_FAILURE() << "no fingerprint for " << SignerName(signer) << ": "
                << listing;
  return "";
}

std::string MirrorArchive::Keyring(ArchiveSigner signer, bool armored) const {
  std::vector<std::string> args;
  if (armored) args.push_back("--armor");
  args.insert(args.end(), {"--export", Fingerprint(signer)});
  return Gpg(signers_->home(), args);
}

void MirrorArchive::Sign(const std::vector<ArchiveSigner>& signers) {
  const std::string release = dist_dir() + "/Release";
  for (const char* name : {"InRelease", "Release.gpg"}) {
    fs::remove(absl::StrCat(dist_dir(), "/", name));
  }
  if (signers.empty()) return;
  std::vector<std::string> users;
  for (ArchiveSigner signer : signers) {
    users.insert(users.end(), {"--local-user", Fingerprint(signer)});
  }
  std::vector<std::string> clearsign = users;
  clearsign.insert(clearsign.end(),
                   {"--digest-algo", "SHA256", "--clearsign", "--output",
                    dist_dir() + "/InRelease", release});
  Gpg(signers_->home(), clearsign);
  std::vector<std::string> detach = users;
  detach.insert(detach.end(),
                {"--digest-algo", "SHA256", "--armor", "--detach-sign",
                 "--output", dist_dir() + "/Release.gpg", release});
  Gpg(signers_->home(), detach);
}

void MirrorArchive::Publish(const std::vector<ArchiveSigner>& signers) {
  WriteIndices();
  WriteRelease();
  Sign(signers);
}

void MirrorArchive::SetIndex(const std::string& index_path,
                             const std::string& text,
                             const std::vector<ArchiveSigner>& signers) {
  WriteCompressed(absl::StrCat(dist_dir(), "/", index_path), text);
  WriteRelease();
  Sign(signers);
}

void MirrorArchive::SetRelease(const std::string& text,
                               const std::vector<ArchiveSigner>& signers) {
  WriteFile(dist_dir() + "/Release", text);
  Sign(signers);
}

void MirrorArchive::SetRules(const std::vector<ServerRule>& rules) {
  std::vector<std::string> objects;
  for (const ServerRule& rule : rules) {
    objects.push_back(absl::StrCat(
        "{\"path\": ", JsonString(rule.path), ", \"action\": \"",
        ActionName(rule.action), "\", \"after_bytes\": ", rule.after_bytes,
        ", \"extra_bytes\": ", rule.extra_bytes, ", \"bytes_per_second\": ",
        rule.bytes_per_second, ", \"location\": ", JsonString(rule.location),
        ", \"times\": ", rule.times, "}"));
  }
  // Written whole and renamed: the server reads it at any moment.
  WriteFile(rules_path_ + ".tmp",
            absl::StrCat("[", absl::StrJoin(objects, ",\n"), "]\n"));
  fs::rename(rules_path_ + ".tmp", rules_path_);
}

std::vector<ServedRequest> MirrorArchive::Requests() const {
  return server_ != nullptr ? server_->Requests()
                            : std::vector<ServedRequest>();
}

void MirrorArchive::ClearRequests() {
  if (server_ != nullptr) server_->ClearRequests();
}

int MirrorArchive::CountRequests(const std::string& pattern) const {
  int count = 0;
  for (const ServedRequest& request : Requests()) {
    if (fnmatch(pattern.c_str(), request.path.c_str(), 0) == 0) ++count;
  }
  return count;
}

}  // namespace debrepo::testing
