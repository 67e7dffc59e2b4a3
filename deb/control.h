// deb822 control data: the paragraph format of Packages, Sources, Release,
// .dsc, .changes and DEBIAN/control files (Debian Policy §5.1).
//
// A Paragraph keeps its fields in input order and looks them up without
// regard to case, as dpkg and apt do. Values are stored as written (minus the
// whitespace around the first line), so a multi-line value keeps its
// continuation lines verbatim, each after a '\n' and still starting with its
// space or tab: writing a paragraph back reproduces the input. DecodeMultiline
// and EncodeMultiline convert to and from plain text with the " ." convention.
#ifndef DEBREPO_DEB_CONTROL_H_
#define DEBREPO_DEB_CONTROL_H_

#include <cstdint>
#include <deque>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"

namespace debrepo::deb {

// FieldNamesEqual compares field names as dpkg and apt do, without regard
// to ASCII case. Inline: parsing compares each field's name with every
// earlier one's (duplicates are refused), and index reading with the few it
// reads, so a call into absl::EqualsIgnoreCase for each was a tenth of a
// mirror sync's parsing.
inline bool FieldNamesEqual(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (absl::ascii_tolower(static_cast<unsigned char>(a[i])) !=
        absl::ascii_tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Field is one "Name: value" entry of a paragraph.
struct Field {
  std::string name;
  std::string value;
};

// Paragraph is an ordered set of fields with case-insensitive names.
class Paragraph {
 public:
  Paragraph() = default;

  // Get returns the value of field `name` (any case), or nullopt.
  std::optional<absl::string_view> Get(absl::string_view name) const;

  // GetOrEmpty returns the value of field `name`, or "" when it is absent.
  absl::string_view GetOrEmpty(absl::string_view name) const;

  // Has reports whether field `name` is present.
  bool Has(absl::string_view name) const { return Find(name) != nullptr; }

  // Set replaces the value of `name` in place, keeping its position and
  // spelling, or appends the field when it is absent. The name must be a
  // valid field name and every line of the value after the first must be a
  // continuation line (start with a space or tab and not be blank), so no
  // value can add fields or paragraphs when written; else INVALID_ARGUMENT
  // and the paragraph is unchanged. Use EncodeMultiline for plain text.
  absl::Status Set(absl::string_view name, absl::string_view value);

  // Remove deletes field `name`; it reports whether the field was present.
  bool Remove(absl::string_view name);

  // Clear removes every field.
  void Clear() { fields_.clear(); }

  // fields returns the fields in order.
  const std::vector<Field>& fields() const { return fields_; }
  bool empty() const { return fields_.empty(); }
  size_t size() const { return fields_.size(); }

  // AppendTo writes the paragraph in deb822 syntax, one line per field line,
  // without the blank line that separates paragraphs. Since fields come
  // from the parser or from Set, both of which validate them, the output
  // parses back to the same fields.
  void AppendTo(std::string* out) const;

  // ToString returns the paragraph as AppendTo writes it.
  std::string ToString() const;

  friend bool operator==(const Paragraph& a, const Paragraph& b);

 private:
  friend class ParagraphReader;

  const Field* Find(absl::string_view name) const;
  Field* Find(absl::string_view name);

  std::vector<Field> fields_;
};

// FieldView is one field of a ParagraphView.
struct FieldView {
  absl::string_view name;
  absl::string_view value;
};

// ParagraphView is a paragraph read without copying it: the same fields a
// Paragraph read from the same text would have, as views into the reader's
// input. It is valid while that input is (for a stream, until the reader's
// next call); reading the next paragraph into it reuses its memory, so a
// whole index can be read without an allocation per field.
class ParagraphView {
 public:
  // fields returns the fields in order; names and values as a Paragraph
  // would hold them.
  const std::vector<FieldView>& fields() const { return fields_; }

  // Get and GetOrEmpty look a field up as Paragraph's do.
  std::optional<absl::string_view> Get(absl::string_view name) const;
  absl::string_view GetOrEmpty(absl::string_view name) const;

  // text is the paragraph's lines as the input has them, from the start of
  // its first line to the end of its last: ParseParagraph(text()) returns
  // the same fields.
  absl::string_view text() const { return text_; }

 private:
  friend class ParagraphReader;

  std::vector<FieldView> fields_;
  // The values that are not one span of the input (continuation lines
  // whose trailing space was dropped), joined; rare.
  std::deque<std::string> joined_;
  absl::string_view text_;
};

// ParagraphReader reads paragraphs one at a time from a buffer or a stream,
// so that a whole index never has to be held as parsed objects. Paragraphs
// are separated by lines that are empty or hold only spaces and tabs.
// Errors are INVALID_ARGUMENT and name the offending line number.
class ParagraphReader {
 public:
  // kDefaultMaxParagraphBytes bounds one paragraph, so a hostile input
  // without blank lines cannot exhaust memory (stream) or build a huge
  // Paragraph (buffer).
  static constexpr size_t kDefaultMaxParagraphBytes = 64 << 20;

  // kMaxFieldsPerParagraph bounds the fields of one paragraph (real ones
  // have a few dozen); more is INVALID_ARGUMENT.
  static constexpr size_t kMaxFieldsPerParagraph = 10000;

  // Reads from `buffer`, which must outlive the reader.
  explicit ParagraphReader(
      absl::string_view buffer,
      size_t max_paragraph_bytes = kDefaultMaxParagraphBytes);

  // Reads from `in`, which must outlive the reader, in chunks.
  explicit ParagraphReader(
      std::istream* in, size_t max_paragraph_bytes = kDefaultMaxParagraphBytes);

  // Next reads the next paragraph into `*paragraph`. It returns true when a
  // paragraph was read, false at the end of the input.
  absl::StatusOr<bool> Next(Paragraph* paragraph);

  // Next reads the next paragraph into `*view`, as Next of a Paragraph with
  // the same errors, without copying its fields.
  absl::StatusOr<bool> Next(ParagraphView* view);

  // line returns the 1-based number of the next line to be read.
  int64_t line() const { return line_ + 1; }

 private:
  enum class Step { kParagraph, kEnd, kNeedMore };

  // Builder is a ParagraphBuilder or a ParagraphViewBuilder (control.cc):
  // what a paragraph's fields are read into.
  template <typename Builder>
  absl::StatusOr<Step> ParseParagraph(Builder& paragraph);
  template <typename Target>
  absl::StatusOr<bool> NextInto(Target* target);
  absl::Status Refill();

  std::istream* in_ = nullptr;
  size_t max_paragraph_bytes_ = kDefaultMaxParagraphBytes;
  std::string storage_;     // Stream mode: bytes read but not yet parsed.
  absl::string_view data_;  // The unparsed input.
  bool eof_ = true;
  int64_t line_ = 0;  // Lines consumed so far.
};

// ParseParagraphs parses every paragraph of `text`.
absl::StatusOr<std::vector<Paragraph>> ParseParagraphs(absl::string_view text);

// ParseParagraph parses `text`, which must hold exactly one paragraph
// (surrounding blank lines are allowed), e.g. a DEBIAN/control file.
absl::StatusOr<Paragraph> ParseParagraph(absl::string_view text);

// ValidateField checks what Paragraph::Set requires of a field.
absl::Status ValidateField(absl::string_view name, absl::string_view value);

// FormatParagraphs writes paragraphs separated by blank lines.
std::string FormatParagraphs(const std::vector<Paragraph>& paragraphs);

// DecodeMultiline turns a stored value into text: continuation lines lose
// their first space or tab and a line holding only "." becomes empty.
std::string DecodeMultiline(absl::string_view value);

// EncodeMultiline is the inverse of DecodeMultiline: every line after the
// first gets a leading space and empty lines become " .".
std::string EncodeMultiline(absl::string_view text);

}  // namespace debrepo::deb

#endif  // DEBREPO_DEB_CONTROL_H_
