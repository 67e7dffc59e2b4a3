// storage/package_contents against PostgreSQL: file lists stored by
// InsertPackages (the add jobs' path) and streamed back as Contents pairs.
#include "storage/package_contents.h"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "storage/package_spool.h"
#include "storage/package_store.h"
#include "storage/transaction.h"
#include "tests/test_database.h"

namespace debrepo::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

using Entries = std::vector<std::pair<std::string, std::string>>;

class PackageContentsTest : public ::testing::Test {
 protected:
  PackageContentsTest()
      : database_(TestDatabase::Schema::kMigrated),
        connection_(database_.url()) {}

  // Spools a package named `name` of `architecture` and `type` with
  // `paths` and Section `section` (none when empty).
  void Spool(const std::string& name, const std::string& architecture,
             const std::string& type, const std::string& section,
             std::vector<std::string> paths) {
    storage::NewPackage package;
    package.key = "P" + architecture + " " + name + " 1 h";
    package.name = name;
    package.version = "1";
    package.architecture = architecture;
    package.source = name;
    package.package_type = type;
    ASSERT_TRUE(package.control.Set("Package", name).ok());
    if (!section.empty()) {
      ASSERT_TRUE(package.control.Set("Section", section).ok());
    }
    package.paths = std::move(paths);
    ASSERT_TRUE(spool_->Append(package).ok());
  }

  // Stores the spooled packages as an add job does; returns id by name.
  std::map<std::string, int64_t> Store() {
    EXPECT_TRUE(database_
                    .InTransaction([&](storage::Transaction& tx) {
                      return storage::InsertPackages(
                          tx, *spool_, std::vector<bool>(spool_->size(), true));
                    })
                    .ok());
    std::map<std::string, int64_t> ids;
    pqxx::work read(connection_);
    for (const pqxx::row& row : read.exec("SELECT name, id FROM packages")) {
      ids[row[0].c_str()] = row[1].as<int64_t>();
    }
    return ids;
  }

  // Streams the Contents pairs of `ids` for `architecture`.
  Entries Stream(const std::vector<int64_t>& ids,
                 const std::string& architecture, bool udeb = false) {
    Entries entries;
    absl::Status status =
        database_.InTransaction([&](storage::Transaction& tx) {
          return storage::StreamContents(
              tx, {ids, architecture, udeb},
              [&](absl::string_view path, absl::string_view name) {
                entries.emplace_back(std::string(path), std::string(name));
                return absl::OkStatus();
              });
        });
    EXPECT_TRUE(status.ok()) << status;
    return entries;
  }

  TestDatabase database_;
  pqxx::connection connection_;
  std::unique_ptr<storage::PackageSpool> spool_ =
      *storage::PackageSpool::Create();
};

TEST_F(PackageContentsTest, SortsByPathInByteOrderWithAllPackages) {
  Spool("tool", "amd64", "deb", "utils", {"usr/bin/tool", "usr/lib/Z.so"});
  Spool("data", "all", "deb", "", {"usr/lib/a.so", "usr/share/data"});
  Spool("other", "i386", "deb", "utils", {"usr/bin/other"});
  // Byte order: "Z" < "a" < "é" (0xC3).
  Spool("accent", "amd64", "deb", "non-free/text", {"usr/lib/\xc3\xa9"});
  std::map<std::string, int64_t> ids = Store();

  EXPECT_THAT(
      Stream({ids["tool"], ids["data"], ids["other"], ids["accent"]}, "amd64"),
      ElementsAre(Pair("usr/bin/tool", "utils/tool"),
                  Pair("usr/lib/Z.so", "utils/tool"),
                  Pair("usr/lib/a.so", "data"),
                  Pair("usr/lib/\xc3\xa9", "non-free/text/accent"),
                  Pair("usr/share/data", "data")));
  // "all" counts for i386 too; amd64's package does not.
  EXPECT_THAT(Stream({ids["tool"], ids["data"], ids["other"]}, "i386"),
              ElementsAre(Pair("usr/bin/other", "utils/other"),
                          Pair("usr/lib/a.so", "data"),
                          Pair("usr/share/data", "data")));
}

TEST_F(PackageContentsTest, OnlyTheGivenPackagesOfTheGivenType) {
  Spool("one", "amd64", "deb", "", {"bin/one"});
  Spool("two", "amd64", "deb", "", {"bin/two"});
  Spool("installer", "amd64", "udeb", "debian-installer", {"bin/installer"});
  Spool("one-src", "source", "source", "", {});
  Spool("empty", "amd64", "deb", "metapackages", {});
  std::map<std::string, int64_t> ids = Store();

  EXPECT_THAT(
      Stream({ids["two"], ids["installer"], ids["one-src"], ids["empty"]},
             "amd64"),
      ElementsAre(Pair("bin/two", "two")));
  EXPECT_THAT(Stream({ids["one"], ids["installer"]}, "amd64", /*udeb=*/true),
              ElementsAre(Pair("bin/installer", "debian-installer/installer")));
  EXPECT_THAT(Stream({}, "amd64"), IsEmpty());
  // A source package has no file list at all; an empty binary one has one.
  pqxx::work tx(connection_);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM package_contents")[0].as<int>(), 4);
}

TEST_F(PackageContentsTest, SamePathInSeveralPackagesSortsByName) {
  Spool("b", "amd64", "deb", "x", {"etc/shared"});
  Spool("a", "all", "deb", "x", {"etc/shared"});
  std::map<std::string, int64_t> ids = Store();
  EXPECT_THAT(
      Stream({ids["a"], ids["b"]}, "amd64"),
      ElementsAre(Pair("etc/shared", "x/a"), Pair("etc/shared", "x/b")));
}

// The file list rows keep what the index needs of their packages, as
// contents_name (which filled the rows of before) makes it; a row without
// it, as a worker of the release before writes during a rolling upgrade,
// is read through its package, to the same entries.
TEST_F(PackageContentsTest, RowsWithoutTheirPackagesCopyReadThePackage) {
  Spool("tool", "amd64", "deb", "utils", {"usr/bin/tool"});
  Spool("data", "all", "deb", "", {"usr/share/data"});
  Spool("other", "i386", "deb", "utils", {"usr/bin/other"});
  Spool("installer", "amd64", "udeb", "debian-installer", {"bin/installer"});
  std::map<std::string, int64_t> ids = Store();
  const std::vector<int64_t> all = {ids["tool"], ids["data"], ids["other"],
                                    ids["installer"]};
  const Entries expected = {{"usr/bin/tool", "utils/tool"},
                            {"usr/share/data", "data"}};
  ASSERT_EQ(Stream(all, "amd64"), expected);
  {
    pqxx::work tx(connection_);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM package_contents c "
                       "JOIN packages p ON p.id = c.package_id "
                       "WHERE c.qualified_name = contents_name(p.fields, "
                       "p.name) AND c.architecture = p.architecture "
                       "AND c.package_type = p.package_type")[0]
                  .as<int>(),
              4);
    tx.exec0(
        "UPDATE package_contents SET qualified_name = NULL, "
        "architecture = NULL, package_type = NULL");
    tx.commit();
  }
  EXPECT_EQ(Stream(all, "amd64"), expected);
  EXPECT_THAT(Stream(all, "amd64", /*udeb=*/true),
              ElementsAre(Pair("bin/installer", "debian-installer/installer")));
}

TEST_F(PackageContentsTest, StreamsMoreThanOneBatchAndStopsOnSinkError) {
  std::vector<std::string> paths;
  for (int i = 0; i < 12000; ++i) {
    paths.push_back(absl::StrCat("usr/share/big/", 100000 + i));
  }
  Spool("big", "amd64", "deb", "", paths);
  std::map<std::string, int64_t> ids = Store();
  Entries entries = Stream({ids["big"]}, "amd64");
  ASSERT_EQ(entries.size(), 12000u);
  EXPECT_EQ(entries.front().first, "usr/share/big/100000");
  EXPECT_EQ(entries.back().first, "usr/share/big/111999");

  // A failing sink stops the stream with its error, and the transaction
  // can stream again (the cursor is closed).
  int calls = 0, again = 0;
  EXPECT_TRUE(database_
                  .InTransaction([&](storage::Transaction& tx) {
                    absl::Status stopped = storage::StreamContents(
                        tx, {{ids["big"]}, "amd64"},
                        [&](absl::string_view, absl::string_view) {
                          return ++calls == 7 ? absl::DataLossError("disk full")
                                              : absl::OkStatus();
                        });
                    EXPECT_EQ(stopped, absl::DataLossError("disk full"));
                    return storage::StreamContents(
                        tx, {{ids["big"]}, "amd64"},
                        [&](absl::string_view, absl::string_view) {
                          ++again;
                          return absl::OkStatus();
                        });
                  })
                  .ok());
  EXPECT_EQ(calls, 7);
  EXPECT_EQ(again, 12000);
}

TEST_F(PackageContentsTest, AddingAgainRecordsOnlyMissingFileLists) {
  // Stored before file lists were recorded: a package row alone.
  {
    pqxx::work tx(connection_);
    tx.exec0(
        "WITH pair AS (INSERT INTO package_pairs (name, architecture) "
        "VALUES ('old', 'amd64') RETURNING id) "
        "INSERT INTO packages (key, name, version, architecture, source, "
        "package_type, provides, stanza, fields, files, file_fields, pair_id) "
        "SELECT 'Pamd64 old 1 h', 'old', '1', 'amd64', 'old', 'deb', '{}', "
        "'', '{}', '[]', '', id FROM pair");
    tx.commit();
  }
  Spool("kept", "amd64", "deb", "", {"bin/kept"});
  std::map<std::string, int64_t> ids = Store();
  // Both again, with other lists: the missing one is recorded, the
  // recorded one kept (a package's files never change).
  spool_ = *storage::PackageSpool::Create();
  Spool("old", "amd64", "deb", "", {"bin/old"});
  Spool("kept", "amd64", "deb", "", {"bin/changed"});
  ids = Store();
  EXPECT_THAT(Stream({ids["old"], ids["kept"]}, "amd64"),
              ElementsAre(Pair("bin/kept", "kept"), Pair("bin/old", "old")));
}

}  // namespace
}  // namespace debrepo::testing
