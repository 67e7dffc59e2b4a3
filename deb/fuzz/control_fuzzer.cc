// Fuzzes the deb822 parser: whatever parses must write back and parse to
// the same paragraphs, and the stream reader must agree with the buffer one.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "deb/control.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::vector<debrepo::deb::Paragraph>> paragraphs =
      debrepo::deb::ParseParagraphs(text);
  std::istringstream in(text);
  debrepo::deb::ParagraphReader reader(&in, /*max_paragraph_bytes=*/1 << 20);
  debrepo::deb::Paragraph p;
  size_t streamed = 0;
  absl::StatusOr<bool> more;
  while ((more = reader.Next(&p)).ok() && *more) ++streamed;
  if (more.ok() != paragraphs.ok()) abort();
  if (!paragraphs.ok()) return 0;
  if (streamed != paragraphs->size()) abort();
  std::string written = debrepo::deb::FormatParagraphs(*paragraphs);
  absl::StatusOr<std::vector<debrepo::deb::Paragraph>> again =
      debrepo::deb::ParseParagraphs(written);
  if (!again.ok() || *again != *paragraphs) abort();
  for (const debrepo::deb::Paragraph& paragraph : *paragraphs) {
    for (const debrepo::deb::Field& field : paragraph.fields()) {
      std::string text = debrepo::deb::DecodeMultiline(field.value);
      (void)debrepo::deb::EncodeMultiline(text);
    }
  }
  return 0;
}
