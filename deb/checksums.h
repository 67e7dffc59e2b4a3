// File checksums as Debian indices carry them: size, MD5, SHA-1, SHA-256
// and SHA-512, computed together in one pass over the bytes.
#ifndef DEBREPO_DEB_CHECKSUMS_H_
#define DEBREPO_DEB_CHECKSUMS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace debrepo::deb {

// Checksums holds a file's size and lowercase hex digests. A digest that a
// source did not list (e.g. SHA-512 in a .changes) is empty.
struct Checksums {
  uint64_t size = 0;
  std::string md5;
  std::string sha1;
  std::string sha256;
  std::string sha512;

  friend bool operator==(const Checksums&, const Checksums&) = default;
};

// DigestSet says which digests a ChecksumCalculator computes: all of
// Checksums', or only SHA-256 (what a Release lists an index by), which
// costs a fifth of all four.
enum class DigestSet { kAll, kSha256Only };

// ChecksumCalculator hashes a byte stream fed in pieces.
class ChecksumCalculator {
 public:
  explicit ChecksumCalculator(DigestSet digests = DigestSet::kAll);
  ~ChecksumCalculator();
  ChecksumCalculator(const ChecksumCalculator&) = delete;
  ChecksumCalculator& operator=(const ChecksumCalculator&) = delete;

  // Update adds `data` to every digest.
  void Update(absl::string_view data);

  // Finish returns the checksums of everything fed so far (the digests not
  // computed empty); the calculator must not be used afterwards.
  Checksums Finish();

 private:
  struct Digests;
  std::unique_ptr<Digests> digests_;
  uint64_t size_ = 0;
};

// ChecksumFile reads `path` once and returns its checksums.
absl::StatusOr<Checksums> ChecksumFile(const std::string& path);

}  // namespace debrepo::deb

#endif  // DEBREPO_DEB_CHECKSUMS_H_
