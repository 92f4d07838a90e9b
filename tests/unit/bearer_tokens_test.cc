// Tests of the bearer tokens: the file format, the header check, and the
// reload of a changed file (rename, a Secret's `..data` link swap, a bad
// file). They wait for reloads with generous deadlines and never assert on
// timings.
#include "security/bearer_tokens.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace newsmeta {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::Duration kDeadline = absl::Seconds(10);

std::string ReasonOf(const absl::Status& status) {
  google::rpc::ErrorInfo info;
  const auto payload =
      status.GetPayload("type.googleapis.com/google.rpc.ErrorInfo");
  if (payload.has_value()) info.ParseFromString(std::string(*payload));
  return info.reason();
}

TEST(TokenSetTest, SkipsBlankLinesCommentsAndSurroundingSpace) {
  absl::StatusOr<TokenSet> tokens = TokenSet::Parse(
      "# tokens of the news team\n\n  alpha-1  \r\nbeta.2\n\t# old: gamma\n");
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  EXPECT_EQ(tokens->size(), 2);
  EXPECT_TRUE(tokens->Contains("alpha-1"));
  EXPECT_TRUE(tokens->Contains("beta.2"));
  EXPECT_FALSE(tokens->Contains("gamma"));
  EXPECT_FALSE(tokens->Contains("# old: gamma"));
  EXPECT_FALSE(tokens->Contains("alpha"));
  EXPECT_FALSE(tokens->Contains("alpha-1 "));
  EXPECT_FALSE(tokens->Contains(""));
}

TEST(TokenSetTest, RepeatedTokensCountOnce) {
  absl::StatusOr<TokenSet> tokens = TokenSet::Parse("a\nb\na\n");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(tokens->size(), 2);
}

TEST(TokenSetTest, NoTokenIsAnError) {
  for (const char* text : {"", "\n\n", "# only a comment\n  \n"}) {
    absl::StatusOr<TokenSet> tokens = TokenSet::Parse(text);
    EXPECT_EQ(tokens.status().code(), absl::StatusCode::kInvalidArgument)
        << text;
    EXPECT_THAT(tokens.status().message(), HasSubstr("no token"));
  }
}

TEST(TokenSetTest, BadLineIsNamedButNotQuoted) {
  absl::StatusOr<TokenSet> tokens =
      TokenSet::Parse("good\nsecret with space\n");
  EXPECT_EQ(tokens.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(tokens.status().message(), HasSubstr("line 2"));
  EXPECT_THAT(tokens.status().message(), Not(HasSubstr("secret")));
}

TEST(CheckBearerTokenTest, AcceptsListedTokenCaseInsensitiveScheme) {
  const TokenSet tokens = *TokenSet::Parse("s3cret\n");
  EXPECT_TRUE(CheckBearerToken(tokens, "Bearer s3cret").ok());
  EXPECT_TRUE(CheckBearerToken(tokens, "bearer s3cret").ok());
  EXPECT_TRUE(CheckBearerToken(tokens, "BEARER  s3cret ").ok());
}

TEST(CheckBearerTokenTest, MissingTokenIsUnauthenticated) {
  const TokenSet tokens = *TokenSet::Parse("s3cret\n");
  for (const std::optional<absl::string_view> header :
       {std::optional<absl::string_view>(),
        std::optional<absl::string_view>(""),
        std::optional<absl::string_view>("Bearer "),
        std::optional<absl::string_view>("Basic czNjcmV0"),
        std::optional<absl::string_view>("s3cret")}) {
    const absl::Status status = CheckBearerToken(tokens, header);
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated)
        << header.value_or("(none)");
    EXPECT_EQ(ReasonOf(status), "MISSING_TOKEN") << header.value_or("(none)");
  }
}

TEST(CheckBearerTokenTest, WrongTokenIsUnauthenticatedAndNotEchoed) {
  const TokenSet tokens = *TokenSet::Parse("s3cret\n");
  for (const char* header :
       {"Bearer s3cre", "Bearer s3cret2", "Bearer S3CRET", "Bearer x"}) {
    const absl::Status status = CheckBearerToken(tokens, header);
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << header;
    EXPECT_EQ(ReasonOf(status), "INVALID_TOKEN") << header;
    EXPECT_THAT(status.message(), Not(HasSubstr("s3cre")));
  }
}

// Collects a TokenFile's reload reports.
class Reloads {
 public:
  TokenFile::OnReload Callback() {
    return [this](const TokenFileReload& reload) {
      absl::MutexLock lock(&mutex_);
      reloads_.push_back(reload);
    };
  }
  // The `n`th report (from 1), waiting for it; nullopt at the deadline.
  std::optional<TokenFileReload> Wait(size_t n) {
    absl::MutexLock lock(&mutex_);
    auto reached = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
      return reloads_.size() >= n;
    };
    if (!mutex_.AwaitWithTimeout(absl::Condition(&reached), kDeadline)) {
      return std::nullopt;
    }
    return reloads_[n - 1];
  }

 private:
  absl::Mutex mutex_;
  std::vector<TokenFileReload> reloads_ ABSL_GUARDED_BY(mutex_);
};

std::unique_ptr<TokenFile> Start(const std::string& path, Reloads* reloads) {
  TokenFileOptions options;
  options.path = path;
  options.poll_interval = absl::Milliseconds(20);
  absl::StatusOr<std::unique_ptr<TokenFile>> file =
      TokenFile::Start(options, reloads->Callback());
  EXPECT_TRUE(file.ok()) << file.status();
  return file.ok() ? *std::move(file) : nullptr;
}

TEST(TokenFileTest, UnreadableOrEmptyFileFailsAtStart) {
  TempFolder folder;
  folder.Write("empty", "# nothing yet\n");
  for (const std::string name : {"missing", "empty"}) {
    const std::string path = (folder.path() / name).string();
    absl::StatusOr<std::unique_ptr<TokenFile>> file =
        TokenFile::Start({path}, nullptr);
    EXPECT_FALSE(file.ok()) << name;
    EXPECT_THAT(file.status().message(), HasSubstr(path));
  }
}

// A FIFO as the tokens file: opening it must not wait for a writer (the
// file is read with util/small_file.h, as certificates are).
TEST(TokenFileTest, FifoFailsAtStartWithoutBlocking) {
  TempFolder folder;
  const std::string path = (folder.path() / "tokens").string();
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  std::future<absl::StatusOr<std::unique_ptr<TokenFile>>> start = std::async(
      std::launch::async, [&] { return TokenFile::Start({path}, nullptr); });
  // Not a timing assertion: a reader blocked on the FIFO is released by
  // opening its other end, so the test fails instead of hanging.
  if (start.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    ADD_FAILURE() << "reading the tokens file blocked on a FIFO";
    const int writer = ::open(path.c_str(), O_WRONLY | O_NONBLOCK);
    if (writer >= 0) ::close(writer);
  }
  const absl::StatusOr<std::unique_ptr<TokenFile>> file = start.get();
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(file.status().message(), HasSubstr("not a regular file"));
  EXPECT_THAT(file.status().message(), HasSubstr(path));
}

TEST(TokenFileTest, RenamedFileIsReloaded) {
  TempFolder folder;
  folder.Write("tokens", "old-token\n");
  const std::string path = (folder.path() / "tokens").string();
  Reloads reloads;
  std::unique_ptr<TokenFile> file = Start(path, &reloads);
  ASSERT_NE(file, nullptr);
  EXPECT_TRUE(file->Check("Bearer old-token").ok());

  folder.Write("tokens.new", "new-token\nother-token\n");
  std::filesystem::rename(folder.path() / "tokens.new", path);
  const std::optional<TokenFileReload> reload = reloads.Wait(1);
  ASSERT_TRUE(reload.has_value());
  EXPECT_TRUE(reload->status.ok()) << reload->status;
  EXPECT_EQ(reload->tokens, 2);
  EXPECT_TRUE(file->Check("Bearer new-token").ok());
  EXPECT_EQ(file->Check("Bearer old-token").code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(TokenFileTest, BadFileKeepsThePreviousTokens) {
  TempFolder folder;
  folder.Write("tokens", "kept\n");
  const std::string path = (folder.path() / "tokens").string();
  Reloads reloads;
  std::unique_ptr<TokenFile> file = Start(path, &reloads);
  ASSERT_NE(file, nullptr);

  folder.Write("tokens.new", "# emptied by mistake\n");
  std::filesystem::rename(folder.path() / "tokens.new", path);
  std::optional<TokenFileReload> reload = reloads.Wait(1);
  ASSERT_TRUE(reload.has_value());
  EXPECT_THAT(reload->status.message(), HasSubstr("no token"));
  EXPECT_EQ(reload->tokens, 1);
  EXPECT_TRUE(file->Check("Bearer kept").ok());

  std::filesystem::remove(path);
  reload = reloads.Wait(2);
  ASSERT_TRUE(reload.has_value());
  EXPECT_FALSE(reload->status.ok());
  EXPECT_TRUE(file->Check("Bearer kept").ok());

  folder.Write("tokens.new", "back\n");
  std::filesystem::rename(folder.path() / "tokens.new", path);
  reload = reloads.Wait(3);
  ASSERT_TRUE(reload.has_value());
  EXPECT_TRUE(reload->status.ok()) << reload->status;
  EXPECT_TRUE(file->Check("Bearer back").ok());
}

// A Kubernetes Secret volume: `tokens -> ..data/tokens`, `..data ->
// ..2024_01_01_v1`; an update writes a new timestamped folder and swaps the
// `..data` link atomically (rename over it).
TEST(TokenFileTest, SecretLinkSwapIsReloaded) {
  TempFolder folder;
  folder.Write("..v1/tokens", "first\n");
  folder.Write("..v2/tokens", "second\n");
  folder.Link("..data", "..v1");
  folder.Link("tokens", "..data/tokens");
  const std::string path = (folder.path() / "tokens").string();
  Reloads reloads;
  std::unique_ptr<TokenFile> file = Start(path, &reloads);
  ASSERT_NE(file, nullptr);
  EXPECT_TRUE(file->Check("Bearer first").ok());

  folder.Link("..data_tmp", "..v2");
  std::filesystem::rename(folder.path() / "..data_tmp",
                          folder.path() / "..data");
  const std::optional<TokenFileReload> reload = reloads.Wait(1);
  ASSERT_TRUE(reload.has_value());
  EXPECT_TRUE(reload->status.ok()) << reload->status;
  EXPECT_TRUE(file->Check("Bearer second").ok());
  EXPECT_FALSE(file->Check("Bearer first").ok());
}

}  // namespace
}  // namespace newsmeta
