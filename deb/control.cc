// Parsing and writing of deb822 paragraphs.
#include "deb/control.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace debrepo::deb {
namespace {

// Bytes requested from a stream per read; the buffer doubles when a
// paragraph does not fit.
constexpr size_t kReadChunk = 256 << 10;

bool IsFieldSpace(char c) { return c == ' ' || c == '\t'; }

bool IsBlankLine(absl::string_view line) {
  return std::all_of(line.begin(), line.end(),
                     [](char c) { return IsFieldSpace(c) || c == '\r'; });
}

absl::string_view StripTrailingSpace(absl::string_view s) {
  while (!s.empty() && (IsFieldSpace(s.back()) || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

absl::string_view StripLeadingSpace(absl::string_view s) {
  while (!s.empty() && IsFieldSpace(s.front())) s.remove_prefix(1);
  return s;
}

// Paragraphs with more fields than kLinearFieldSearch check for duplicates
// with a hash set.
constexpr size_t kLinearFieldSearch = 32;

absl::Status LineError(int64_t line, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", message));
}

// Field names are printable ASCII without spaces or colons and may not start
// with '#' or '-' (Debian Policy §5.1).
bool IsValidFieldName(absl::string_view name) {
  if (name.empty() || name[0] == '#' || name[0] == '-') return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return c > ' ' && c < 127 && c != ':'; });
}

}  // namespace

const Field* Paragraph::Find(absl::string_view name) const {
  for (const Field& field : fields_) {
    if (FieldNamesEqual(field.name, name)) return &field;
  }
  return nullptr;
}

Field* Paragraph::Find(absl::string_view name) {
  return const_cast<Field*>(std::as_const(*this).Find(name));
}

std::optional<absl::string_view> Paragraph::Get(absl::string_view name) const {
  const Field* field = Find(name);
  if (field == nullptr) return std::nullopt;
  return absl::string_view(field->value);
}

absl::string_view Paragraph::GetOrEmpty(absl::string_view name) const {
  const Field* field = Find(name);
  return field == nullptr ? absl::string_view() : field->value;
}

std::optional<absl::string_view> ParagraphView::Get(
    absl::string_view name) const {
  for (const FieldView& field : fields_) {
    if (FieldNamesEqual(field.name, name)) return field.value;
  }
  return std::nullopt;
}

absl::string_view ParagraphView::GetOrEmpty(absl::string_view name) const {
  return Get(name).value_or(absl::string_view());
}

absl::Status ValidateField(absl::string_view name, absl::string_view value) {
  if (!IsValidFieldName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid field name \"", absl::CHexEscape(name), "\""));
  }
  bool first = true;
  for (absl::string_view line : absl::StrSplit(value, '\n')) {
    if (!first &&
        (line.empty() || !IsFieldSpace(line[0]) || IsBlankLine(line))) {
      return absl::InvalidArgumentError(
          absl::StrCat("value of field ", name,
                       " has a line that is not a continuation "
                       "line (it would start a new field or paragraph): \"",
                       absl::CHexEscape(line), "\""));
    }
    first = false;
  }
  return absl::OkStatus();
}

absl::Status Paragraph::Set(absl::string_view name, absl::string_view value) {
  if (absl::Status s = ValidateField(name, value); !s.ok()) return s;
  if (Field* field = Find(name); field != nullptr) {
    field->value = std::string(value);
    return absl::OkStatus();
  }
  fields_.push_back(Field{std::string(name), std::string(value)});
  return absl::OkStatus();
}

bool Paragraph::Remove(absl::string_view name) {
  auto it = std::find_if(fields_.begin(), fields_.end(), [&](const Field& f) {
    return FieldNamesEqual(f.name, name);
  });
  if (it == fields_.end()) return false;
  fields_.erase(it);
  return true;
}

void Paragraph::AppendTo(std::string* out) const {
  for (const Field& field : fields_) {
    out->append(field.name);
    // A value whose first line is empty (e.g. "Files:") starts with '\n'.
    out->append(field.value.empty() || field.value[0] == '\n' ? ":" : ": ");
    out->append(field.value);
    out->push_back('\n');
  }
}

std::string Paragraph::ToString() const {
  std::string out;
  AppendTo(&out);
  return out;
}

bool operator==(const Paragraph& a, const Paragraph& b) {
  return std::equal(a.fields_.begin(), a.fields_.end(), b.fields_.begin(),
                    b.fields_.end(), [](const Field& x, const Field& y) {
                      return x.name == y.name && x.value == y.value;
                    });
}

ParagraphReader::ParagraphReader(absl::string_view buffer,
                                 size_t max_paragraph_bytes)
    : max_paragraph_bytes_(max_paragraph_bytes), data_(buffer) {}

ParagraphReader::ParagraphReader(std::istream* in, size_t max_paragraph_bytes)
    : in_(in), max_paragraph_bytes_(max_paragraph_bytes), eof_(false) {}

absl::Status ParagraphReader::Refill() {
  if (data_.size() >= max_paragraph_bytes_) {
    return LineError(line_ + 1, absl::StrCat("paragraph exceeds ",
                                             max_paragraph_bytes_, " bytes"));
  }
  // Drop what was consumed, then read at least as much as is buffered so a
  // long paragraph costs amortised linear time.
  storage_.erase(0, storage_.size() - data_.size());
  size_t want = std::max(kReadChunk, storage_.size());
  size_t old_size = storage_.size();
  storage_.resize(old_size + want);
  in_->read(storage_.data() + old_size, static_cast<std::streamsize>(want));
  size_t got = static_cast<size_t>(in_->gcount());
  storage_.resize(old_size + got);
  if (in_->bad()) return absl::DataLossError("read error on control stream");
  if (got == 0 || in_->eof()) eof_ = true;
  data_ = storage_;
  return absl::OkStatus();
}

namespace {

// ParagraphBuilder reads a paragraph's fields into a Paragraph, copying
// them.
class ParagraphBuilder {
 public:
  explicit ParagraphBuilder(std::vector<Field>& fields) : fields_(fields) {}
  void Clear() { fields_.clear(); }
  size_t size() const { return fields_.size(); }
  absl::string_view name(size_t i) const { return fields_[i].name; }
  void AddField(absl::string_view name) {
    fields_.push_back(Field{std::string(name), std::string()});
  }
  // AppendToValue appends `span` of the input to the last field's value.
  void AppendToValue(absl::string_view span) {
    fields_.back().value.append(span.data(), span.size());
  }
  void SetText(absl::string_view) {}

 private:
  std::vector<Field>& fields_;
};

// ParagraphViewBuilder reads a paragraph's fields into a ParagraphView's
// members: views of the input, a value joined only when it is not one span
// of it.
class ParagraphViewBuilder {
 public:
  ParagraphViewBuilder(std::vector<FieldView>& fields,
                       std::deque<std::string>& joined, absl::string_view& text)
      : fields_(fields), joined_(joined), text_(text) {}
  void Clear() {
    fields_.clear();
    if (!joined_.empty()) joined_.clear();
    text_ = absl::string_view();
  }
  size_t size() const { return fields_.size(); }
  absl::string_view name(size_t i) const { return fields_[i].name; }
  void AddField(absl::string_view name) {
    fields_.push_back(FieldView{name, absl::string_view()});
  }
  void AppendToValue(absl::string_view span) {
    absl::string_view& value = fields_.back().value;
    if (span.empty()) return;
    if (value.empty()) {
      value = span;
      return;
    }
    // The second piece copies the value into a string of its own and later
    // pieces append to it: one copy per field, so a hostile field of many
    // pieces (continuation lines ending in whitespace) costs linear time
    // and memory, not a new joined copy per piece.
    if (joined_.empty() || value.data() != joined_.back().data()) {
      joined_.emplace_back(value);
    }
    joined_.back().append(span.data(), span.size());
    value = joined_.back();
  }
  void SetText(absl::string_view text) { text_ = text; }

 private:
  std::vector<FieldView>& fields_;
  std::deque<std::string>& joined_;
  absl::string_view& text_;
};

}  // namespace

template <typename Builder>
absl::StatusOr<ParagraphReader::Step> ParagraphReader::ParseParagraph(
    Builder& paragraph) {
  paragraph.Clear();
  absl::string_view rest = data_;
  int64_t line = line_;
  bool in_field = false;
  // The current field's value is copied from the input only when the field
  // ends: while its continuation lines follow each other unchanged (no
  // trailing whitespace to drop), the value is one span of the input, and
  // one copy beats an append per line (a view needs no copy at all).
  const char* span_begin = nullptr;
  const char* span_end = nullptr;
  absl::flat_hash_set<std::string> seen;
  const char* paragraph_begin = rest.data();
  const char* paragraph_end = rest.data();
  auto flush_span = [&] {
    if (span_begin != nullptr) {
      paragraph.AppendToValue(
          absl::string_view(span_begin, span_end - span_begin));
    }
    span_begin = nullptr;
  };
  while (true) {
    // memchr may not be passed the null data() of an empty view.
    const char* newline = rest.empty() ? nullptr
                                       : static_cast<const char*>(std::memchr(
                                             rest.data(), '\n', rest.size()));
    if (newline == nullptr && !eof_) return Step::kNeedMore;
    if (rest.empty()) break;  // End of input.
    size_t length = newline == nullptr ? rest.size() : newline - rest.data();
    absl::string_view text = rest.substr(0, length);
    rest.remove_prefix(newline == nullptr ? length : length + 1);
    ++line;
    if (IsBlankLine(text)) {
      if (paragraph.size() == 0) {
        // Separator lines before a paragraph are consumed with it.
        continue;
      }
      break;
    }
    if (paragraph.size() == 0) paragraph_begin = text.data();
    paragraph_end = text.data() + text.size();
    if (static_cast<size_t>(paragraph_end - paragraph_begin) >
        max_paragraph_bytes_) {
      return LineError(line, absl::StrCat("paragraph exceeds ",
                                          max_paragraph_bytes_, " bytes"));
    }
    if (IsFieldSpace(text[0])) {
      if (!in_field) {
        return LineError(line, "continuation line outside of a field");
      }
      absl::string_view continuation = StripTrailingSpace(text);
      // The byte before a continuation line is the '\n' that ends the
      // previous line, which belongs in the value.
      if (span_begin == nullptr || span_end != text.data() - 1) {
        flush_span();
        span_begin = text.data() - 1;
      }
      span_end = continuation.data() + continuation.size();
      continue;
    }
    size_t colon = text.find(':');
    if (colon == absl::string_view::npos) {
      return LineError(line, "expected \"Field: value\" but found no colon");
    }
    absl::string_view name = text.substr(0, colon);
    if (!IsValidFieldName(name)) {
      return LineError(line, absl::StrCat("invalid field name \"",
                                          absl::CEscape(name), "\""));
    }
    if (paragraph.size() >= kMaxFieldsPerParagraph) {
      return LineError(line, absl::StrCat("paragraph has more than ",
                                          kMaxFieldsPerParagraph, " fields"));
    }
    // Small paragraphs (all real ones) are searched linearly; past
    // kLinearFieldSearch fields a set of lower-cased names keeps the
    // duplicate check linear overall on hostile input.
    bool duplicate = false;
    if (paragraph.size() < kLinearFieldSearch) {
      for (size_t i = 0; i < paragraph.size() && !duplicate; ++i) {
        duplicate = FieldNamesEqual(paragraph.name(i), name);
      }
    } else {
      if (seen.empty()) {
        for (size_t i = 0; i < paragraph.size(); ++i) {
          seen.insert(absl::AsciiStrToLower(paragraph.name(i)));
        }
      }
      duplicate = !seen.insert(absl::AsciiStrToLower(name)).second;
    }
    if (duplicate) {
      return LineError(line, absl::StrCat("duplicate field \"", name, "\""));
    }
    if (in_field) flush_span();
    absl::string_view value =
        StripTrailingSpace(StripLeadingSpace(text.substr(colon + 1)));
    paragraph.AddField(name);
    in_field = true;
    span_begin = value.data();
    span_end = value.data() + value.size();
  }
  if (in_field) flush_span();
  paragraph.SetText(
      absl::string_view(paragraph_begin, paragraph_end - paragraph_begin));
  data_ = rest;
  line_ = line;
  return paragraph.size() == 0 ? Step::kEnd : Step::kParagraph;
}

template <typename Target>
absl::StatusOr<bool> ParagraphReader::NextInto(Target* target) {
  while (true) {
    absl::StatusOr<Step> step = ParseParagraph(*target);
    if (!step.ok()) return step.status();
    switch (*step) {
      case Step::kParagraph:
        return true;
      case Step::kEnd:
        return false;
      case Step::kNeedMore:
        if (absl::Status status = Refill(); !status.ok()) return status;
        break;
    }
  }
}

absl::StatusOr<bool> ParagraphReader::Next(Paragraph* paragraph) {
  ParagraphBuilder builder(paragraph->fields_);
  return NextInto(&builder);
}

absl::StatusOr<bool> ParagraphReader::Next(ParagraphView* view) {
  ParagraphViewBuilder builder(view->fields_, view->joined_, view->text_);
  return NextInto(&builder);
}

absl::StatusOr<std::vector<Paragraph>> ParseParagraphs(absl::string_view text) {
  ParagraphReader reader(text);
  std::vector<Paragraph> paragraphs;
  Paragraph paragraph;
  while (true) {
    absl::StatusOr<bool> more = reader.Next(&paragraph);
    if (!more.ok()) return more.status();
    if (!*more) return paragraphs;
    paragraphs.push_back(std::move(paragraph));
  }
}

absl::StatusOr<Paragraph> ParseParagraph(absl::string_view text) {
  ParagraphReader reader(text);
  Paragraph paragraph;
  absl::StatusOr<bool> found = reader.Next(&paragraph);
  if (!found.ok()) return found.status();
  if (!*found) return absl::InvalidArgumentError("no control paragraph found");
  int64_t second_start = reader.line();
  Paragraph extra;
  absl::StatusOr<bool> more = reader.Next(&extra);
  if (!more.ok()) return more.status();
  if (*more) {
    return LineError(second_start,
                     "expected a single paragraph but found another");
  }
  return paragraph;
}

std::string FormatParagraphs(const std::vector<Paragraph>& paragraphs) {
  std::string out;
  for (size_t i = 0; i < paragraphs.size(); ++i) {
    if (i > 0) out.push_back('\n');
    paragraphs[i].AppendTo(&out);
  }
  return out;
}

std::string DecodeMultiline(absl::string_view value) {
  std::string text;
  bool first = true;
  for (absl::string_view line : absl::StrSplit(value, '\n')) {
    if (!first) {
      text.push_back('\n');
      if (!line.empty()) line.remove_prefix(1);
      if (line == ".") line = "";
    }
    first = false;
    text.append(line.data(), line.size());
  }
  return text;
}

std::string EncodeMultiline(absl::string_view text) {
  std::string value;
  bool first = true;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!first) {
      value.append(line.empty() ? "\n ." : "\n ");
      if (!line.empty()) value.append(line.data(), line.size());
    } else {
      value.append(line.data(), line.size());
    }
    first = false;
  }
  return value;
}

}  // namespace debrepo::deb
