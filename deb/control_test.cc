// deb822 parsing and writing, down to a byte-exact round trip of a real index.
#include "deb/control.h"

#include <sstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_matchers.h"
#include "deb/testing/apt_lists.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace debrepo::deb {
namespace {

using ::debrepo::testing::IsOk;
using ::debrepo::testing::IsOkAndHolds;
using ::debrepo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;

// InvalidWith(substring) matches an INVALID_ARGUMENT status (or StatusOr)
// whose message contains `substring`.
MATCHER_P(InvalidWith, substring, "") {
  absl::Status status = ::debrepo::testing::GetStatus(arg);
  return status.code() == absl::StatusCode::kInvalidArgument &&
         absl::StrContains(status.message(), substring);
}

constexpr absl::string_view kStanza =
    "Package: hello\n"
    "Version: 2.10-3\n"
    "Architecture: amd64\n"
    "Depends: libc6 (>= 2.34)\n"
    "Description: example package based on GNU hello\n"
    " The GNU hello program produces a familiar, friendly greeting.\n"
    " .\n"
    "  Indented line kept verbatim.\n"
    "\tTab continuation.\n";

std::vector<std::string> Names(const Paragraph& p) {
  std::vector<std::string> names;
  for (const Field& f : p.fields()) names.push_back(f.name);
  return names;
}

TEST(ParagraphTest, ParsesAndWritesBackExactly) {
  absl::StatusOr<Paragraph> p = ParseParagraph(kStanza);
  ASSERT_THAT(p, IsOk());
  EXPECT_THAT(Names(*p), ElementsAre("Package", "Version", "Architecture",
                                     "Depends", "Description"));
  EXPECT_EQ(p->ToString(), kStanza);
}

TEST(ParagraphTest, LooksUpFieldsIgnoringCase) {
  Paragraph p = *ParseParagraph(kStanza);
  EXPECT_THAT(p.Get("package"), Optional(absl::string_view("hello")));
  EXPECT_THAT(p.Get("DEPENDS"), Optional(absl::string_view("libc6 (>= 2.34)")));
  EXPECT_EQ(p.Get("Recommends"), std::nullopt);
  EXPECT_EQ(p.GetOrEmpty("Recommends"), "");
}

TEST(ParagraphTest, SetReplacesInPlaceAndAppendsNewFields) {
  Paragraph p = *ParseParagraph(kStanza);
  EXPECT_THAT(p.Set("version", "2.10-4"), IsOk());
  EXPECT_THAT(p.Set("Section", "devel"), IsOk());
  EXPECT_TRUE(p.Remove("DEPENDS"));
  EXPECT_FALSE(p.Remove("Depends"));
  EXPECT_THAT(Names(p), ElementsAre("Package", "Version", "Architecture",
                                    "Description", "Section"));
  EXPECT_EQ(p.GetOrEmpty("Version"), "2.10-4");
}

// A value cannot add fields or paragraphs to what AppendTo writes.
TEST(ParagraphTest, SetRejectsValuesThatWouldInjectFieldsOrParagraphs) {
  Paragraph p = *ParseParagraph(kStanza);
  std::string before = p.ToString();
  for (const char* value :
       {"x\nInjected: yes", "x\n\nPackage: evil", "x\n \nPackage: evil",
        "x\n\t\nB: c", "x\n", "x\n \t"}) {
    EXPECT_THAT(p.Set("Description", value), InvalidWith("continuation"))
        << value;
    EXPECT_THAT(p.Set("X-New", value), InvalidWith("continuation")) << value;
  }
  EXPECT_THAT(p.Set("Bad Name", "x"), InvalidWith("invalid field name"));
  EXPECT_THAT(p.Set("A:B", "x"), InvalidWith("invalid field name"));
  EXPECT_THAT(p.Set("", "x"), InvalidWith("invalid field name"));
  EXPECT_EQ(p.ToString(), before);
  // Continuation lines, and EncodeMultiline's output, are fine and round
  // trip.
  EXPECT_THAT(p.Set("Description", "x\n y\n .\n\tz"), IsOk());
  EXPECT_THAT(p.Set("X-Text", EncodeMultiline("a\n\nInjected: no\n")), IsOk());
  EXPECT_THAT(p.Set("Files", "\n abc 1 f"), IsOk());
  absl::StatusOr<Paragraph> reparsed = ParseParagraph(p.ToString());
  ASSERT_THAT(reparsed, IsOk());
  EXPECT_EQ(*reparsed, p);
}

TEST(ParagraphTest, DecodesAndEncodesMultilineValues) {
  Paragraph p = *ParseParagraph(kStanza);
  std::string text = DecodeMultiline(p.GetOrEmpty("Description"));
  EXPECT_EQ(text,
            "example package based on GNU hello\n"
            "The GNU hello program produces a familiar, friendly greeting.\n"
            "\n"
            " Indented line kept verbatim.\n"
            "Tab continuation.");
  EXPECT_EQ(EncodeMultiline("synopsis\nline\n\nlast"),
            "synopsis\n line\n .\n last");
  EXPECT_EQ(DecodeMultiline(EncodeMultiline("a\n\n b\n")), "a\n\n b\n");
}

TEST(ParagraphTest, KeepsValuesWithEmptyFirstLine) {
  constexpr absl::string_view kRelease =
      "Origin: Debian\n"
      "MD5Sum:\n"
      " 0123 100 main/binary-amd64/Packages\n"
      " 4567 200 main/binary-amd64/Packages.gz\n";
  absl::StatusOr<Paragraph> p = ParseParagraph(kRelease);
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->GetOrEmpty("MD5Sum"),
            "\n 0123 100 main/binary-amd64/Packages\n"
            " 4567 200 main/binary-amd64/Packages.gz");
  EXPECT_EQ(p->ToString(), kRelease);
}

TEST(ParagraphTest, StripsSurroundingWhitespaceOfFirstLine) {
  absl::StatusOr<Paragraph> p = ParseParagraph("Package:   foo  \t\n");
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->GetOrEmpty("Package"), "foo");
}

struct BadInput {
  std::string text;
  std::string message;
};

class MalformedTest : public ::testing::TestWithParam<BadInput> {};

TEST_P(MalformedTest, IsRejectedNamingTheLine) {
  absl::StatusOr<std::vector<Paragraph>> result =
      ParseParagraphs(GetParam().text);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr(GetParam().message));
  // Read as views, the same error.
  ParagraphReader reader(GetParam().text);
  ParagraphView view;
  absl::StatusOr<bool> next;
  do {
    next = reader.Next(&view);
  } while (next.ok() && *next);
  EXPECT_EQ(next.status(), result.status());
}

INSTANTIATE_TEST_SUITE_P(
    ControlErrors, MalformedTest,
    ::testing::Values(
        BadInput{" leading continuation\n",
                 "line 1: continuation line outside of a field"},
        BadInput{"Package: a\n\n continuation after blank\n",
                 "line 3: continuation line outside"},
        BadInput{"Package: a\nVersion: 1\nno colon here\n", "line 3: expected"},
        BadInput{"Package: a\npackage: b\n", "line 2: duplicate field"},
        BadInput{": empty name\n", "line 1: invalid field name"},
        BadInput{"Bad Name: x\n", "line 1: invalid field name"},
        BadInput{"-Name: x\n", "line 1: invalid field name"}));

TEST(ParseParagraphTest, RejectsMoreThanOneParagraph) {
  EXPECT_THAT(ParseParagraph("A: 1\n\nB: 2\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseParagraph("\n \n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseParagraphsTest, AcceptsWhitespaceOnlySeparatorsAndMissingNewline) {
  absl::StatusOr<std::vector<Paragraph>> ps =
      ParseParagraphs("\n\nA: 1\n \t\n\nB: 2\nC: 3");
  ASSERT_THAT(ps, IsOk());
  ASSERT_EQ(ps->size(), 2);
  EXPECT_EQ((*ps)[1].GetOrEmpty("C"), "3");
}

TEST(ParagraphReaderTest, StreamAndBufferReadersAgree) {
  std::string text;
  for (int i = 0; i < 20000; ++i) {
    absl::StrAppend(&text, "Package: p", i, "\nVersion: 1.", i,
                    "\nDescription: d\n long line ", std::string(i % 97, 'x'),
                    "\n .\n end\n\n");
  }
  std::istringstream in(text);
  ParagraphReader stream_reader(&in);
  ParagraphReader buffer_reader(text);
  Paragraph a, b;
  int count = 0;
  while (true) {
    absl::StatusOr<bool> more_a = stream_reader.Next(&a);
    absl::StatusOr<bool> more_b = buffer_reader.Next(&b);
    ASSERT_THAT(more_a, IsOk());
    ASSERT_THAT(more_b, IsOk());
    ASSERT_EQ(*more_a, *more_b);
    if (!*more_a) break;
    ASSERT_EQ(a, b);
    ++count;
  }
  EXPECT_EQ(count, 20000);
}

TEST(ParagraphReaderTest, ReportsAbsoluteLineNumbersFromStreams) {
  std::string text;
  for (int i = 0; i < 50000; ++i) absl::StrAppend(&text, "A: ", i, "\n\n");
  text += "broken\n";  // Line 100001.
  std::istringstream in(text);
  ParagraphReader reader(&in);
  Paragraph p;
  absl::StatusOr<bool> more;
  while ((more = reader.Next(&p)).ok() && *more) {
  }
  EXPECT_THAT(more, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(more.status().message()), HasSubstr("line 100001:"));
}

TEST(ParagraphReaderTest, BoundsParagraphSizeOnStreams) {
  std::string text = "Description: x\n";
  for (int i = 0; i < 100000; ++i) text += " more text on a long line\n";
  std::istringstream in(text);
  ParagraphReader reader(&in, /*max_paragraph_bytes=*/1 << 20);
  Paragraph p;
  EXPECT_THAT(reader.Next(&p), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParagraphReaderTest, BoundsParagraphSizeOnBuffers) {
  std::string text = "A: " + std::string(5000, 'x') + "\n";
  ParagraphReader reader(text, 1000);
  Paragraph p;
  EXPECT_THAT(reader.Next(&p), InvalidWith("exceeds 1000 bytes"));
  ParagraphReader fits(text, 10000);
  EXPECT_THAT(fits.Next(&p), IsOk());
}

TEST(ParagraphReaderTest, BoundsFieldsPerParagraph) {
  std::string text;
  for (size_t i = 0; i <= ParagraphReader::kMaxFieldsPerParagraph; ++i) {
    absl::StrAppend(&text, "F", i, ": v\n");
  }
  EXPECT_THAT(ParseParagraph(text),
              InvalidWith("line 10001: paragraph has more than 10000 "
                          "fields"));
  // Below the cap, duplicates past the linear search are still found,
  // whatever their case.
  std::string many;
  for (int i = 0; i < 5000; ++i) absl::StrAppend(&many, "Field-", i, ": v\n");
  EXPECT_THAT(ParseParagraph(many), IsOk());
  EXPECT_THAT(ParseParagraph(many + "FIELD-4999: w\n"),
              InvalidWith("line 5001: duplicate field"));
  EXPECT_THAT(ParseParagraph(many + "field-3: w\n"),
              InvalidWith("duplicate field \"field-3\""));
}

// ExpectViewsMatchParagraphs checks that reading `text` as views gives the
// fields reading it as Paragraphs does, and texts that parse back to them.
void ExpectViewsMatchParagraphs(absl::string_view text) {
  ParagraphReader paragraph_reader(text);
  ParagraphReader view_reader(text);
  Paragraph paragraph;
  ParagraphView view;
  for (int number = 1;; ++number) {
    SCOPED_TRACE(number);
    absl::StatusOr<bool> viewed = view_reader.Next(&view);
    ASSERT_THAT(viewed, IsOk());
    ASSERT_THAT(paragraph_reader.Next(&paragraph), IsOkAndHolds(*viewed));
    EXPECT_EQ(view_reader.line(), paragraph_reader.line());
    if (!*viewed) {
      EXPECT_GT(number, 1) << "no paragraph";
      return;
    }
    ASSERT_EQ(view.fields().size(), paragraph.fields().size());
    for (size_t i = 0; i < view.fields().size(); ++i) {
      EXPECT_EQ(view.fields()[i].name, paragraph.fields()[i].name);
      EXPECT_EQ(view.fields()[i].value, paragraph.fields()[i].value);
    }
    EXPECT_THAT(ParseParagraph(view.text()), IsOkAndHolds(paragraph));
  }
}

TEST(ParagraphViewTest, HasTheFieldsOfAParagraph) {
  ExpectViewsMatchParagraphs(
      "\n \t\nPackage: a  \nDescription:   short \t\n long, \n .\n"
      " trailing\t\r\n end\nFiles:\n x 1\n y 2\r\n\n"
      "Package: b\nEmpty:\nDepends: c,\n d\n \nPackage: c\r\nX: y");
}

TEST(ParagraphViewTest, JoinsAValueOfManyPiecesAsAParagraphDoes) {
  // Every continuation line ends in whitespace, which is dropped, so the
  // value is not one span of the input: each line is a piece of its own.
  std::string text = "Package: a\nDescription: first \n";
  for (int i = 0; i < 2000; ++i) absl::StrAppend(&text, " line ", i, " \t\n");
  absl::StrAppend(&text, "Version: 1\n\nPackage: b\nX: y \n z \n");
  ExpectViewsMatchParagraphs(text);
}

TEST(ParagraphViewTest, HasTheFieldsOfTheRealPackagesIndex) {
  absl::StatusOr<std::string> path = testing::FindAptPackagesIndex();
  ASSERT_THAT(path, IsOk());
  absl::StatusOr<std::string> index = testing::ReadDecompressedFile(*path);
  ASSERT_THAT(index, IsOk());
  ExpectViewsMatchParagraphs(*index);
}

// The real archive index is canonical deb822, so parsing and writing it back
// must reproduce every byte, except trailing whitespace, which dpkg drops
// (a few Description lines in bookworm have it).
TEST(ParagraphReaderTest, RoundTripsTheRealPackagesIndex) {
  absl::StatusOr<std::string> path = testing::FindAptPackagesIndex();
  ASSERT_THAT(path, IsOk());
  absl::StatusOr<std::string> index = testing::ReadDecompressedFile(*path);
  ASSERT_THAT(index, IsOk());
  absl::StatusOr<std::vector<Paragraph>> paragraphs = ParseParagraphs(*index);
  ASSERT_THAT(paragraphs, IsOk());
  EXPECT_GT(paragraphs->size(), 1000);
  std::string expected;
  for (absl::string_view line : absl::StrSplit(*index, '\n')) {
    absl::StrAppend(&expected, absl::StripTrailingAsciiWhitespace(line), "\n");
  }
  expected.pop_back();  // StrSplit yields an empty piece after the last '\n'.
  std::string written = FormatParagraphs(*paragraphs) + "\n";
  EXPECT_TRUE(written == expected) << "round trip differs from " << *path;
}

}  // namespace
}  // namespace debrepo::deb
