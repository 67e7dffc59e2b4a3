#include "blobstore/blob_store.h"

#include "absl/strings/ascii.h"

namespace debrepo::blobstore {

bool IsSha256Hex(absl::string_view digest) {
  if (digest.size() != 64) return false;
  for (char c : digest) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) &&
        !(c >= 'a' && c <= 'f')) {
      return false;
    }
  }
  return true;
}

}  // namespace debrepo::blobstore
