// Checksums through OpenSSL's EVP interface.
#include "deb/checksums.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace debrepo::deb {

struct ChecksumCalculator::Digests {
  // In the order of the Checksums fields; null for a digest not computed.
  EVP_MD_CTX* contexts[4] = {};
};

ChecksumCalculator::ChecksumCalculator(DigestSet digests)
    : digests_(new Digests) {
  const EVP_MD* kinds[4] = {EVP_md5(), EVP_sha1(), EVP_sha256(), EVP_sha512()};
  constexpr int kSha256 = 2;
  for (int i = 0; i < 4; ++i) {
    if (digests == DigestSet::kSha256Only && i != kSha256) continue;
    digests_->contexts[i] = EVP_MD_CTX_new();
    EVP_DigestInit_ex(digests_->contexts[i], kinds[i], nullptr);
  }
}

ChecksumCalculator::~ChecksumCalculator() {
  for (EVP_MD_CTX* context : digests_->contexts) EVP_MD_CTX_free(context);
}

void ChecksumCalculator::Update(absl::string_view data) {
  size_ += data.size();
  for (EVP_MD_CTX* context : digests_->contexts) {
    if (context != nullptr) EVP_DigestUpdate(context, data.data(), data.size());
  }
}

Checksums ChecksumCalculator::Finish() {
  std::string hex[4];
  for (int i = 0; i < 4; ++i) {
    if (digests_->contexts[i] == nullptr) continue;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(digests_->contexts[i], digest, &length);
    hex[i] = absl::BytesToHexString(
        absl::string_view(reinterpret_cast<const char*>(digest), length));
  }
  return Checksums{size_, std::move(hex[0]), std::move(hex[1]),
                   std::move(hex[2]), std::move(hex[3])};
}

absl::StatusOr<Checksums> ChecksumFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  ChecksumCalculator calculator;
  char buffer[1 << 16];
  while (in) {
    in.read(buffer, sizeof(buffer));
    calculator.Update(
        absl::string_view(buffer, static_cast<size_t>(in.gcount())));
  }
  if (in.bad())
    return absl::DataLossError(absl::StrCat("error reading ", path));
  return calculator.Finish();
}

}  // namespace debrepo::deb
