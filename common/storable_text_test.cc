#include "common/storable_text.h"

#include <string>

#include "gtest/gtest.h"

namespace debrepo {
namespace {

TEST(IsStorableTextTest, AcceptsWellFormedUtf8WithoutNul) {
  EXPECT_TRUE(IsStorableText(""));
  EXPECT_TRUE(IsStorableText("Description: plain ASCII\n"));
  EXPECT_TRUE(IsStorableText("Maintainer: Jérôme ☃ 𝄞"));
  EXPECT_FALSE(IsStorableText(std::string("a\0b", 3)));
  EXPECT_FALSE(IsStorableText("Latin-1 \xe9t\xe9"));
  EXPECT_FALSE(IsStorableText("\xc0\xaf"));          // Overlong '/'.
  EXPECT_FALSE(IsStorableText("\xed\xa0\x80"));      // A surrogate.
  EXPECT_FALSE(IsStorableText("\xf4\x90\x80\x80"));  // Past U+10FFFF.
  EXPECT_FALSE(IsStorableText("\xe2\x98"));          // Cut short.
}

TEST(IsStorableTextTest, FindsABadByteAnywhereInLongText) {
  // Each position of a word checked at once, and the bytes after it.
  const std::string ascii(40, 'a');
  EXPECT_TRUE(IsStorableText(ascii));
  for (size_t i = 0; i < ascii.size(); ++i) {
    std::string text = ascii;
    text[i] = '\0';
    EXPECT_FALSE(IsStorableText(text)) << i;
    text[i] = '\xe9';
    EXPECT_FALSE(IsStorableText(text)) << i;
    text[i] = '\x7f';
    EXPECT_TRUE(IsStorableText(text)) << i;
    text.replace(i, 1, "\xc3\xa9");
    EXPECT_TRUE(IsStorableText(text)) << i;
  }
}

TEST(StorableTextTest, EscapesWhatIsNotStorable) {
  EXPECT_EQ(StorableText("Maintainer: Jérôme ☃ 𝄞"), "Maintainer: Jérôme ☃ 𝄞");
  EXPECT_EQ(StorableText(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(StorableText("Latin-1 \xe9t\xe9"), "Latin-1 \\xe9t\\xe9");
  EXPECT_EQ(StorableText("\xe2\x98"), "\\xe2\\x98");
  EXPECT_EQ(StorableText("\xc0\xaf/"), "\\xc0\\xaf/");
  for (const std::string text :
       {std::string("\xed\xa0\x80 \xf4\x90\x80\x80 \0", 11)}) {
    EXPECT_TRUE(IsStorableText(StorableText(text)));
  }
}

}  // namespace
}  // namespace debrepo
