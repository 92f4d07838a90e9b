#include "security/tls_files.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "util/small_file.h"

namespace newsmeta {
namespace {

// PEM files of certificates and keys are a few kilobytes; this bounds what
// a wrong path (a log, a device) makes the server read.
constexpr int64_t kMaxPemBytes = 1 << 20;

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;

std::string Name(const PemFile& file) {
  return absl::StrCat(file.label, " ", file.path);
}

// The reason OpenSSL gave for its last error, if any, and a clear queue.
std::string OpenSslReason() {
  const unsigned long error = ERR_peek_last_error();
  const char* reason = error == 0 ? nullptr : ERR_reason_error_string(error);
  ERR_clear_error();
  return reason == nullptr ? "" : absl::StrCat(" (", reason, ")");
}

absl::StatusOr<std::string> ReadPem(const PemFile& file) {
  if (file.path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(file.label, " is missing"));
  }
  absl::StatusOr<std::string> text = ReadSmallFile(file.path, kMaxPemBytes);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat(file.label, " ", text.status().message()));
  }
  return text;
}

Bio MemoryBio(const std::string& text) {
  return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// The certificates in `text`, in order; an error when there is none.
absl::StatusOr<std::vector<Cert>> ParseCertificates(const PemFile& file,
                                                    const std::string& text) {
  std::vector<Cert> certs;
  Bio bio = MemoryBio(text);
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certs.emplace_back(cert);
  }
  // The loop ends with a "no start line" error at the end of the input.
  const std::string reason = OpenSslReason();
  if (certs.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        Name(file), ": no PEM certificate (-----BEGIN CERTIFICATE-----)",
        reason));
  }
  return certs;
}

// Never asks for a passphrase (OpenSSL's default would prompt on the
// terminal): an encrypted key fails to load.
int NoPassphrase(char* /*buffer*/, int /*size*/, int /*rwflag*/,
                 void* /*user*/) {
  return -1;
}

absl::StatusOr<Key> ParsePrivateKey(const PemFile& file,
                                    const std::string& text) {
  Bio bio = MemoryBio(text);
  Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (key == nullptr) {
    const bool encrypted = text.find("ENCRYPTED") != std::string::npos;
    return absl::InvalidArgumentError(absl::StrCat(
        Name(file),
        encrypted ? ": the private key is encrypted; give it unencrypted"
                  : ": no PEM private key (-----BEGIN PRIVATE KEY-----)",
        OpenSslReason()));
  }
  return key;
}

}  // namespace

absl::StatusOr<TlsPem> LoadTlsFiles(const TlsFiles& files) {
  if (files.cert.path.empty() != files.key.path.empty() ||
      files.cert.path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        files.cert.label, " and ", files.key.label, " must be given together",
        files.client_ca.path.empty()
            ? ""
            : absl::StrCat(" (", files.client_ca.label, " needs them)")));
  }
  TlsPem pem;
  absl::StatusOr<std::string> cert_text = ReadPem(files.cert);
  if (!cert_text.ok()) return cert_text.status();
  absl::StatusOr<std::vector<Cert>> certs =
      ParseCertificates(files.cert, *cert_text);
  if (!certs.ok()) return certs.status();
  absl::StatusOr<std::string> key_text = ReadPem(files.key);
  if (!key_text.ok()) return key_text.status();
  absl::StatusOr<Key> key = ParsePrivateKey(files.key, *key_text);
  if (!key.ok()) return key.status();
  if (X509_check_private_key(certs->front().get(), key->get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat(Name(files.key), ": the key does not belong to the ",
                     "first certificate of ", Name(files.cert)));
  }
  pem.cert_chain = *std::move(cert_text);
  pem.private_key = *std::move(key_text);
  if (!files.client_ca.path.empty()) {
    absl::StatusOr<std::string> ca_text = ReadPem(files.client_ca);
    if (!ca_text.ok()) return ca_text.status();
    absl::StatusOr<std::vector<Cert>> cas =
        ParseCertificates(files.client_ca, *ca_text);
    if (!cas.ok()) return cas.status();
    pem.client_ca = *std::move(ca_text);
  }
  return pem;
}

}  // namespace newsmeta
