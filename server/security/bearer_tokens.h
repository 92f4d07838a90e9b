// Bearer-token access: a set of tokens read from a file (as a Kubernetes
// Secret mounts it), re-read when the file changes, and the check of a
// call's `authorization` header against it. No gRPC here; tokens are kept
// only as SHA-256 digests, compared in constant time, and never appear in
// errors.
#ifndef NEWSMETA_SERVER_SECURITY_BEARER_TOKENS_H_
#define NEWSMETA_SERVER_SECURITY_BEARER_TOKENS_H_

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace newsmeta {

// ErrorInfo reasons of UNAUTHENTICATED errors.
inline constexpr absl::string_view kMissingTokenReason = "MISSING_TOKEN";
inline constexpr absl::string_view kInvalidTokenReason = "INVALID_TOKEN";

// An immutable set of tokens, held as SHA-256 digests.
class TokenSet {
 public:
  // Parses a tokens file: one token per line; surrounding spaces, tabs and
  // CR are ignored, and so are blank lines and lines starting with `#`. A
  // token is printable ASCII without spaces (RFC 6750's token68 and more).
  // INVALID_ARGUMENT naming the line (never its text) for a bad line, and
  // when there is no token at all.
  static absl::StatusOr<TokenSet> Parse(absl::string_view text);

  // True when `token` is in the set. Takes the same time whichever token
  // matches and whatever the lengths: digests of fixed length are compared
  // with CRYPTO_memcmp, every one of them.
  bool Contains(absl::string_view token) const;

  size_t size() const { return digests_.size(); }
  bool operator==(const TokenSet& other) const {
    return digests_ == other.digests_;
  }

 private:
  using Digest = std::array<unsigned char, 32>;
  static Digest DigestOf(absl::string_view token);
  std::vector<Digest> digests_;  // sorted, no repeats
};

// UNAUTHENTICATED unless `authorization` (the header's value; nullopt when
// the call has none) is "Bearer <token>" (scheme case-insensitive) with a
// token of `tokens`: reason MISSING_TOKEN without a bearer token,
// INVALID_TOKEN for one not in the set.
absl::Status CheckBearerToken(const TokenSet& tokens,
                              std::optional<absl::string_view> authorization);

struct TokenFileOptions {
  std::string path;
  // How often the file is looked at (stat of the path, following links;
  // re-read when its identity, size or modification time changed).
  absl::Duration poll_interval = absl::Seconds(1);
};

// What a look at the tokens file found, reported when the file changed.
struct TokenFileReload {
  // OK: `tokens` were loaded and are used from now on. Otherwise why the
  // file was refused; the previous tokens stay in use.
  absl::Status status;
  size_t tokens = 0;
};

// The tokens of a file, kept up to date by a thread that polls it. Polling
// (rather than inotify) also sees a Kubernetes Secret update, which swaps
// the `..data` link the file's path goes through.
class TokenFile {
 public:
  // Called from the polling thread when the file changed, whatever came of
  // it.
  using OnReload = std::function<void(const TokenFileReload&)>;

  // Reads the file; an error (naming the path) when it cannot be read or
  // holds no token.
  static absl::StatusOr<std::unique_ptr<TokenFile>> Start(
      TokenFileOptions options, OnReload on_reload);

  // Stops polling; no callback runs after it returns.
  ~TokenFile();
  TokenFile(const TokenFile&) = delete;
  TokenFile& operator=(const TokenFile&) = delete;

  // CheckBearerToken against the current tokens. Thread-safe, lock-free.
  absl::Status Check(std::optional<absl::string_view> authorization) const;

  size_t size() const;

 private:
  // Identity of the file the path leads to, as stat(2) sees it.
  struct FileStamp {
    bool exists = false;
    unsigned long long device = 0, inode = 0;
    long long size = 0, mtime_ns = 0, ctime_ns = 0;
    bool operator==(const FileStamp& other) const;
  };
  static FileStamp Stamp(const std::string& path);
  static absl::StatusOr<TokenSet> Read(const std::string& path);

  TokenFile(TokenFileOptions options, OnReload on_reload,
            std::shared_ptr<const TokenSet> tokens, FileStamp stamp);
  void Poll();

  const TokenFileOptions options_;
  const OnReload on_reload_;
  std::shared_ptr<const TokenSet> tokens_;  // atomic_load / atomic_store
  FileStamp stamp_;                         // the polling thread's
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_SECURITY_BEARER_TOKENS_H_
