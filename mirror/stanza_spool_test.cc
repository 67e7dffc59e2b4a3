#include "mirror/stanza_spool.h"

#include <vector>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::mirror {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::IsOkAndHolds;
using ::debrepo::testing::StatusIs;

deb::Paragraph Parsed(absl::string_view text) {
  absl::StatusOr<deb::Paragraph> paragraph = deb::ParseParagraph(text);
  EXPECT_THAT(paragraph, IsOk());
  return paragraph.value_or(deb::Paragraph());
}

TEST(StanzaSpoolTest, ReadsBackEachStanzaAsAppended) {
  absl::StatusOr<std::unique_ptr<StanzaSpool>> spool = StanzaSpool::Create();
  ASSERT_THAT(spool, IsOk());
  const std::vector<deb::Paragraph> stanzas = {
      Parsed("Package: hello\nVersion: 1.0\nArchitecture: amd64\n"),
      Parsed("Package: multi\nDescription: short\n long line\n .\n more\n"
             "Files:\n 0123 10 a.dsc\n"),
      Parsed("Package: last\nversion: 2:1.0~rc1\n"),
  };
  std::vector<StanzaSpool::Location> at;
  for (const deb::Paragraph& stanza : stanzas) {
    absl::StatusOr<StanzaSpool::Location> location = (*spool)->Append(stanza);
    ASSERT_THAT(location, IsOk());
    at.push_back(*location);
  }
  // Out of order, and appending again after reading.
  for (int i : {2, 0, 1}) {
    absl::StatusOr<deb::Paragraph> read = (*spool)->Read(at[i]);
    ASSERT_THAT(read, IsOk());
    EXPECT_EQ(*read, stanzas[i]) << i;
  }
  absl::StatusOr<StanzaSpool::Location> more = (*spool)->Append(stanzas[1]);
  ASSERT_THAT(more, IsOk());
  EXPECT_EQ(more->offset, at[2].offset + at[2].length);
  absl::StatusOr<deb::Paragraph> again = (*spool)->Read(*more);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, stanzas[1]);
  EXPECT_EQ((*spool)->Read(at[0])->GetOrEmpty("Package"), "hello");
}

// A view's text, appended as it is (trailing space and all), reads back as
// the stanza it is.
TEST(StanzaSpoolTest, ReadsBackAViewsText) {
  absl::StatusOr<std::unique_ptr<StanzaSpool>> spool = StanzaSpool::Create();
  ASSERT_THAT(spool, IsOk());
  const std::string text =
      "\nPackage: a \nDescription: short\n long \n .\n end\n\nPackage: b\n";
  deb::ParagraphReader reader(text);
  deb::ParagraphView view;
  std::vector<StanzaSpool::Location> at;
  while (*reader.Next(&view)) {
    absl::StatusOr<StanzaSpool::Location> location =
        (*spool)->Append(view.text());
    ASSERT_THAT(location, IsOk());
    at.push_back(*location);
  }
  ASSERT_EQ(at.size(), 2);
  EXPECT_THAT((*spool)->Read(at[0]),
              IsOkAndHolds(Parsed("Package: a\nDescription: short\n"
                                  " long\n .\n end\n")));
  EXPECT_THAT((*spool)->Read(at[1]), IsOkAndHolds(Parsed("Package: b")));
}

TEST(StanzaSpoolTest, RefusesALocationPastItsEnd) {
  absl::StatusOr<std::unique_ptr<StanzaSpool>> spool = StanzaSpool::Create();
  ASSERT_THAT(spool, IsOk());
  absl::StatusOr<StanzaSpool::Location> at =
      (*spool)->Append(Parsed("Package: hello\n"));
  ASSERT_THAT(at, IsOk());
  EXPECT_THAT((*spool)->Read({.offset = at->offset + 1, .length = at->length}),
              StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT((*spool)->Read({.offset = -1, .length = 1}),
              StatusIs(absl::StatusCode::kOutOfRange));
}

}  // namespace
}  // namespace debrepo::mirror
