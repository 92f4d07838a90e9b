#include "security/bearer_tokens.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "util/errors.h"
#include "util/small_file.h"

namespace newsmeta {
namespace {

// A tokens file lists a handful of tokens; this bounds what a wrong path
// makes the server read.
constexpr int64_t kMaxTokensFileBytes = 1 << 20;

bool IsTokenChar(char c) { return c > ' ' && c < 0x7f; }

}  // namespace

TokenSet::Digest TokenSet::DigestOf(absl::string_view token) {
  Digest digest;
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(),
         digest.data());
  return digest;
}

absl::StatusOr<TokenSet> TokenSet::Parse(absl::string_view text) {
  TokenSet set;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    if (!std::all_of(line.begin(), line.end(), IsTokenChar)) {
      // The line is not quoted: it may be a token with a typo.
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", line_number,
          ": a token is printable ASCII without spaces (one token per line)"));
    }
    set.digests_.push_back(DigestOf(line));
  }
  if (set.digests_.empty()) {
    return absl::InvalidArgumentError(
        "no token in the file (one per line; blank lines and lines starting "
        "with # are ignored)");
  }
  std::sort(set.digests_.begin(), set.digests_.end());
  set.digests_.erase(std::unique(set.digests_.begin(), set.digests_.end()),
                     set.digests_.end());
  return set;
}

bool TokenSet::Contains(absl::string_view token) const {
  const Digest digest = DigestOf(token);
  int matches = 0;
  for (const Digest& known : digests_) {
    matches |= CRYPTO_memcmp(digest.data(), known.data(), digest.size()) == 0;
  }
  return matches != 0;
}

absl::Status CheckBearerToken(const TokenSet& tokens,
                              std::optional<absl::string_view> authorization) {
  constexpr absl::string_view kScheme = "bearer ";
  absl::string_view token;
  if (authorization.has_value() && authorization->size() > kScheme.size() &&
      absl::StartsWithIgnoreCase(*authorization, kScheme)) {
    token = absl::StripAsciiWhitespace(authorization->substr(kScheme.size()));
  }
  if (token.empty()) {
    return Error(absl::StatusCode::kUnauthenticated, kMissingTokenReason,
                 "this call needs a bearer token: send the header "
                 "'authorization: Bearer <token>'");
  }
  if (!tokens.Contains(token)) {
    return Error(absl::StatusCode::kUnauthenticated, kInvalidTokenReason,
                 "the bearer token is not valid");
  }
  return absl::OkStatus();
}

bool TokenFile::FileStamp::operator==(const FileStamp& other) const {
  return exists == other.exists && device == other.device &&
         inode == other.inode && size == other.size &&
         mtime_ns == other.mtime_ns && ctime_ns == other.ctime_ns;
}

TokenFile::FileStamp TokenFile::Stamp(const std::string& path) {
  FileStamp stamp;
  struct stat info;
  if (stat(path.c_str(), &info) != 0) return stamp;
  stamp.exists = true;
  stamp.device = info.st_dev;
  stamp.inode = info.st_ino;
  stamp.size = info.st_size;
  stamp.mtime_ns = info.st_mtim.tv_sec * 1000000000LL + info.st_mtim.tv_nsec;
  stamp.ctime_ns = info.st_ctim.tv_sec * 1000000000LL + info.st_ctim.tv_nsec;
  return stamp;
}

absl::StatusOr<TokenSet> TokenFile::Read(const std::string& path) {
  absl::StatusOr<std::string> text = ReadSmallFile(path, kMaxTokensFileBytes);
  if (!text.ok()) return text.status();
  absl::StatusOr<TokenSet> tokens = TokenSet::Parse(*text);
  if (!tokens.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", tokens.status().message()));
  }
  return tokens;
}

absl::StatusOr<std::unique_ptr<TokenFile>> TokenFile::Start(
    TokenFileOptions options, OnReload on_reload) {
  // Stamped before reading, so a change during the read is seen next time.
  const FileStamp stamp = Stamp(options.path);
  absl::StatusOr<TokenSet> tokens = Read(options.path);
  if (!tokens.ok()) return tokens.status();
  return std::unique_ptr<TokenFile>(new TokenFile(
      std::move(options), std::move(on_reload),
      std::make_shared<const TokenSet>(*std::move(tokens)), stamp));
}

TokenFile::TokenFile(TokenFileOptions options, OnReload on_reload,
                     std::shared_ptr<const TokenSet> tokens, FileStamp stamp)
    : options_(std::move(options)),
      on_reload_(std::move(on_reload)),
      tokens_(std::move(tokens)),
      stamp_(stamp) {
  thread_ = std::thread([this] {
    while (!stop_.WaitForNotificationWithTimeout(options_.poll_interval)) {
      Poll();
    }
  });
}

TokenFile::~TokenFile() {
  stop_.Notify();
  thread_.join();
}

void TokenFile::Poll() {
  const FileStamp stamp = Stamp(options_.path);
  if (stamp == stamp_) return;
  stamp_ = stamp;
  TokenFileReload reload;
  absl::StatusOr<TokenSet> tokens = Read(options_.path);
  if (tokens.ok()) {
    reload.tokens = tokens->size();
    std::atomic_store(&tokens_,
                      std::make_shared<const TokenSet>(*std::move(tokens)));
  } else {
    reload.status = tokens.status();
    reload.tokens = size();
  }
  if (on_reload_) on_reload_(reload);
}

absl::Status TokenFile::Check(
    std::optional<absl::string_view> authorization) const {
  return CheckBearerToken(*std::atomic_load(&tokens_), authorization);
}

size_t TokenFile::size() const { return std::atomic_load(&tokens_)->size(); }

}  // namespace newsmeta
