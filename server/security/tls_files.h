// PEM files for TLS, read and checked when the server starts, so that a
// missing, unreadable or invalid file is an error naming it instead of a
// port that fails to listen. No gRPC here: the service turns the PEM text
// into credentials.
#ifndef NEWSMETA_SERVER_SECURITY_TLS_FILES_H_
#define NEWSMETA_SERVER_SECURITY_TLS_FILES_H_

#include <string>

#include "absl/status/statusor.h"

namespace newsmeta {

// A file given by the operator: its path (empty: not given) and how errors
// name it, e.g. the flag that gave it ("--tls_cert").
struct PemFile {
  std::string path;
  std::string label;
};

struct TlsFiles {
  PemFile cert;  // the server's certificate chain, leaf first
  PemFile key;   // its private key (unencrypted)
  // CA certificates that sign client certificates; given: clients must
  // present a certificate they sign (mutual TLS).
  PemFile client_ca;
};

// The checked contents of TlsFiles.
struct TlsPem {
  std::string cert_chain;
  std::string private_key;
  std::string client_ca;  // empty: no client certificates asked for
};

// Reads and checks the files: the certificate and the key are both given,
// each is readable PEM (an encrypted key is refused), the key belongs to
// the leaf certificate, and the client CA file, when given, holds at least
// one certificate. The error (INVALID_ARGUMENT, or the read error's code)
// names the label and path of the file at fault.
absl::StatusOr<TlsPem> LoadTlsFiles(const TlsFiles& files);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_SECURITY_TLS_FILES_H_
