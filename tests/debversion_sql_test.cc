// The SQL function debversion_cmp, which package queries use, orders
// versions exactly like the C++ library (itself tested against dpkg), over
// every version in a real Packages index and dpkg's tricky cases.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "deb/control.h"
#include "deb/testing/apt_lists.h"
#include "deb/version.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/test_database.h"

namespace debrepo::testing {
namespace {

int Sign(int x) { return (x > 0) - (x < 0); }

TEST(DebversionSqlTest, AgreesWithTheLibraryOnRealAndTrickyVersions) {
  TestDatabase db(TestDatabase::Schema::kMigrated);

  std::vector<std::string> versions = {
      "1.0",     "1.0-0",       "0:1.0", "1.0~rc1", "1.0~~",   "1.0~",
      "1.0+b1",  "1.0a",        "1.0.1", "1:0.1",   "2:1.0-1", "1.0-1~bpo12+1",
      "10",      "9",           "1.01",  "1.001",   "1.0-1.1", "1.0-1a",
      "7.0p1-1", "3.0.0~alpha", "0.0.0"};
  absl::StatusOr<std::string> index = deb::testing::FindAptPackagesIndex();
  ASSERT_TRUE(index.ok()) << index.status();
  absl::StatusOr<std::string> text = deb::testing::ReadDecompressedFile(*index);
  ASSERT_TRUE(text.ok()) << text.status();
  deb::ParagraphReader reader(*text);
  deb::Paragraph paragraph;
  while (true) {
    absl::StatusOr<bool> more = reader.Next(&paragraph);
    ASSERT_TRUE(more.ok()) << more.status();
    if (!*more) break;
    if (auto version = paragraph.Get("Version")) {
      versions.emplace_back(*version);
    }
  }
  ASSERT_GT(versions.size(), 10000u);

  // Pairs: neighbours in sorted order (the close calls) and random ones.
  std::vector<deb::Version> parsed;
  for (const std::string& text : versions) {
    absl::StatusOr<deb::Version> version = deb::Version::Parse(text);
    ASSERT_TRUE(version.ok()) << text;
    parsed.push_back(*version);
  }
  std::vector<size_t> order(versions.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t x, size_t y) { return parsed[x] < parsed[y]; });
  std::vector<std::string> left, right;
  std::vector<int> expected;
  auto add_pair = [&](size_t x, size_t y) {
    left.push_back(versions[x]);
    right.push_back(versions[y]);
    const auto cmp = parsed[x] <=> parsed[y];
    expected.push_back(cmp < 0 ? -1 : cmp > 0 ? 1 : 0);
  };
  for (size_t i = 0; i + 1 < order.size(); i += 7) {
    add_pair(order[i], order[i + 1]);
    add_pair(order[i + 1], order[i]);
  }
  absl::BitGen random;
  for (int i = 0; i < 5000; ++i) {
    add_pair(absl::Uniform<size_t>(random, 0, versions.size()),
             absl::Uniform<size_t>(random, 0, versions.size()));
  }

  pqxx::connection connection(db.url());
  pqxx::result rows =
      pqxx::nontransaction(connection)
          .exec_params(
              "SELECT sign(debversion_cmp(a, b))::int FROM "
              "unnest(string_to_array($1, E'\\n'), "
              "string_to_array($2, E'\\n')) WITH ORDINALITY "
              "AS t(a, b, n) ORDER BY n",
              absl::StrJoin(left, "\n"), absl::StrJoin(right, "\n"));
  ASSERT_EQ(rows.size(), expected.size());
  int mismatches = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (Sign(rows[i][0].as<int>()) != expected[i] && ++mismatches <= 10) {
      ADD_FAILURE() << left[i] << " vs " << right[i] << ": SQL says "
                    << rows[i][0].as<int>() << ", the library " << expected[i];
    }
  }
  EXPECT_EQ(mismatches, 0) << "of " << rows.size() << " pairs";
}

TEST(DebversionSqlTest, TextThatIsNotAVersionComparesAsNull) {
  TestDatabase db(TestDatabase::Schema::kMigrated);
  pqxx::connection connection(db.url());
  pqxx::nontransaction tx(connection);
  // Each is something deb::Version::Parse refuses; none may raise an error.
  for (const std::string invalid :
       {"python3:any", "libc6 (>= 2.36)", "99999999999:1", "a1.0", "1.0-", "-1",
        ":1", "1:", "1.0:abc", "1.0-1:2", "1.0-a_b", "", "1.0 1"}) {
    ASSERT_FALSE(deb::Version::Parse(invalid).ok()) << invalid;
    EXPECT_TRUE(tx.exec_params1("SELECT debversion_cmp($1, '1.0')", invalid)[0]
                    .is_null())
        << invalid;
    EXPECT_TRUE(tx.exec_params1("SELECT debversion_cmp('1.0', $1)", invalid)[0]
                    .is_null())
        << invalid;
  }
  for (const std::string valid :
       {"1:1.0-1", "2147483647:1", "1.0--1", "1:1:b"}) {
    ASSERT_TRUE(deb::Version::Parse(valid).ok()) << valid;
    EXPECT_FALSE(
        tx.exec_params1("SELECT debversion_cmp($1, '1.0')", valid)[0].is_null())
        << valid;
  }
}

}  // namespace
}  // namespace debrepo::testing
