// Fuzzes the relationship parser: the canonical form of whatever parses
// must parse to the same canonical form.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "deb/relation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<debrepo::deb::RelationList> list =
      debrepo::deb::ParseRelations(text);
  if (!list.ok()) return 0;
  std::string canonical = debrepo::deb::FormatRelations(*list);
  absl::StatusOr<debrepo::deb::RelationList> again =
      debrepo::deb::ParseRelations(canonical);
  if (!again.ok() || debrepo::deb::FormatRelations(*again) != canonical)
    abort();
  for (const auto& group : *list) {
    for (const auto& relation : group) (void)relation.AppliesTo("amd64");
  }
  return 0;
}
