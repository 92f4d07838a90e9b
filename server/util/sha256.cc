#include "util/sha256.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "absl/strings/escaping.h"

namespace newsmeta {
namespace {

std::string ToHex(const unsigned char (&digest)[SHA256_DIGEST_LENGTH]) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

}  // namespace

std::string Sha256Hex(absl::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest);
  return ToHex(digest);
}

Sha256Digest Sha256Of(absl::string_view data) {
  static_assert(sizeof(Sha256Digest) == SHA256_DIGEST_LENGTH);
  Sha256Digest digest;
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest.data());
  return digest;
}

struct Sha256Hasher::State {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  ~State() { EVP_MD_CTX_free(context); }
};

Sha256Hasher::Sha256Hasher() : state_(std::make_unique<State>()) {
  EVP_DigestInit_ex(state_->context, EVP_sha256(), nullptr);
}

Sha256Hasher::~Sha256Hasher() = default;

void Sha256Hasher::Update(absl::string_view data) {
  EVP_DigestUpdate(state_->context, data.data(), data.size());
}

std::string Sha256Hasher::HexDigest() {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  EVP_DigestFinal_ex(state_->context, digest, nullptr);
  return ToHex(digest);
}

std::string Sha256Hasher::HexDigestSoFar() const {
  Sha256Hasher copy;
  EVP_MD_CTX_copy_ex(copy.state_->context, state_->context);
  return copy.HexDigest();
}

}  // namespace newsmeta
