#include "common/storable_text.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_format.h"

namespace debrepo {
namespace {

// SequenceLength returns the length of the well-formed UTF-8 sequence at
// text[i] other than NUL, or 0 when there is none.
size_t SequenceLength(absl::string_view text, size_t i) {
  const unsigned char c = static_cast<unsigned char>(text[i]);
  if (c == 0) return 0;
  if (c < 0x80) return 1;
  size_t length;
  // The range of the second byte; later ones are always 0x80..0xBF.
  unsigned char low = 0x80, high = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    length = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    length = 3;
    if (c == 0xE0) low = 0xA0;
    if (c == 0xED) high = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    length = 4;
    if (c == 0xF0) low = 0x90;
    if (c == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t j = 1; j < length; ++j) {
    const unsigned char next = static_cast<unsigned char>(text[i + j]);
    if (j == 1 ? (next < low || next > high) : (next >> 6) != 0x2) return 0;
  }
  return length;
}

// kHighBits has the top bit of each byte of a word.
constexpr uint64_t kHighBits = 0x8080808080808080;

// IsPlainAscii8 is whether the 8 bytes at `at` are ASCII without NUL: the
// whole of most control data, checked a word at a time (a mirror sync
// checks 50 MB of stanzas).
bool IsPlainAscii8(const char* at) {
  uint64_t word;
  std::memcpy(&word, at, sizeof(word));
  // With no high bit set, (word - 0x01..01) & ~word sets a byte's high
  // bit exactly when the byte is zero.
  return (word & kHighBits) == 0 &&
         ((word - 0x0101010101010101) & ~word & kHighBits) == 0;
}

}  // namespace

bool IsStorableText(absl::string_view text) {
  for (size_t i = 0; i < text.size();) {
    if (i + 8 <= text.size() && IsPlainAscii8(text.data() + i)) {
      i += 8;
      continue;
    }
    const size_t length = SequenceLength(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::string StorableText(absl::string_view text) {
  std::string storable;
  storable.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t length = SequenceLength(text, i);
    if (length == 0) {
      absl::StrAppendFormat(&storable, "\\x%02x",
                            static_cast<unsigned char>(text[i]));
      ++i;
      continue;
    }
    storable.append(text.data() + i, length);
    i += length;
  }
  return storable;
}

}  // namespace debrepo
