// Text that PostgreSQL's text and jsonb columns accept.
#ifndef DEBREPO_COMMON_STORABLE_TEXT_H_
#define DEBREPO_COMMON_STORABLE_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace debrepo {

// IsStorableText is true for UTF-8 without NUL bytes, as PostgreSQL's text
// and jsonb accept it: no overlong forms, surrogates or code points past
// U+10FFFF (RFC 3629's table of well-formed sequences).
bool IsStorableText(absl::string_view text);

// StorableText returns `text` with each NUL byte and each byte of an
// ill-formed UTF-8 sequence written as "\xNN": what a message quoting
// upstream bytes may say when it is stored (a job's failure, say).
std::string StorableText(absl::string_view text);

}  // namespace debrepo

#endif  // DEBREPO_COMMON_STORABLE_TEXT_H_
