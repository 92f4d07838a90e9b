#include "util/multiset_hash.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "util/little_endian.h"
#include "util/sha256.h"

namespace newsmeta {
namespace {

// SHA-256 of `bytes` as four little-endian words. One context per thread,
// and the algorithm fetched once: OpenSSL 3's one-shot SHA256() fetches it
// on every call, which costs more than hashing a short article.
void DigestWords(absl::string_view bytes, uint64_t words[4]) {
  struct Context {
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(context); }
  };
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local Context local;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  EVP_DigestInit_ex(local.context, sha256, nullptr);
  EVP_DigestUpdate(local.context, bytes.data(), bytes.size());
  EVP_DigestFinal_ex(local.context, digest, nullptr);
  for (int i = 0; i < 4; ++i) {
    words[i] =
        LoadLittleEndian(reinterpret_cast<const char*>(digest) + 8 * i, 8);
  }
}

// Tags the final digest, so that it is not SHA-256 of some other data.
constexpr absl::string_view kDomainTag = "newsmeta multiset hash 1\n";

}  // namespace

void MultisetHash::Add(absl::string_view bytes) {
  uint64_t words[4];
  DigestWords(bytes, words);
  for (int i = 0; i < 4; ++i) lanes_[i] += words[i];
  ++count_;
}

void MultisetHash::Remove(absl::string_view bytes) {
  uint64_t words[4];
  DigestWords(bytes, words);
  for (int i = 0; i < 4; ++i) lanes_[i] -= words[i];
  --count_;
}

void MultisetHash::Add(const MultisetHash& other) {
  for (int i = 0; i < 4; ++i) lanes_[i] += other.lanes_[i];
  count_ += other.count_;
}

void MultisetHash::Remove(const MultisetHash& other) {
  for (int i = 0; i < 4; ++i) lanes_[i] -= other.lanes_[i];
  count_ -= other.count_;
}

std::string MultisetHash::Bytes() const {
  std::string bytes;
  bytes.reserve(kBytes);
  AppendLittleEndian(count_, 8, &bytes);
  for (const uint64_t lane : lanes_) AppendLittleEndian(lane, 8, &bytes);
  return bytes;
}

std::optional<MultisetHash> MultisetHash::FromBytes(absl::string_view bytes) {
  if (bytes.size() != kBytes) return std::nullopt;
  MultisetHash hash;
  hash.count_ = LoadLittleEndian(bytes.data(), 8);
  for (int i = 0; i < 4; ++i) {
    hash.lanes_[i] = LoadLittleEndian(bytes.data() + 8 + 8 * i, 8);
  }
  return hash;
}

std::string MultisetHash::HexDigest() const {
  return Sha256Hex(absl::StrCat(kDomainTag, Bytes()));
}

}  // namespace newsmeta
