// Structured logging for the binaries (Abseil 20220623 has no absl/log): one
// JSON object per line on stderr, as log collectors in a cluster expect.
// Domain code does not log: it returns statuses and the binaries report them.
#ifndef NEWSMETA_SERVER_UTIL_LOG_H_
#define NEWSMETA_SERVER_UTIL_LOG_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace newsmeta {

enum class LogLevel { kInfo, kWarning, kError };

// One extra key of a log line, with a string, integer or boolean value.
class LogField {
 public:
  LogField(absl::string_view key, absl::string_view value);
  LogField(absl::string_view key, const char* value)
      : LogField(key, absl::string_view(value)) {}
  LogField(absl::string_view key, const std::string& value)
      : LogField(key, absl::string_view(value)) {}
  LogField(absl::string_view key, bool value)
      : key_(key), json_(value ? "true" : "false") {}
  template <typename Int,
            typename = std::enable_if_t<std::is_integral_v<Int> &&
                                        !std::is_same_v<Int, bool>>>
  LogField(absl::string_view key, Int value)
      : key_(key), json_(absl::StrCat(value)) {}

  absl::string_view key() const { return key_; }
  // The value, already in JSON form.
  const std::string& json() const { return json_; }

 private:
  absl::string_view key_;
  std::string json_;
};

// Appends `text` as a JSON string literal: quotes, backslashes and control
// characters escaped, invalid UTF-8 bytes replaced by U+FFFD, so every line is
// valid JSON whatever a file name or message contains.
void AppendJsonString(absl::string_view text, std::string* out);

// The line Log writes, without the newline:
// {"time":"<RFC 3339 UTC>","level":"INFO","message":"...",<fields>}
std::string FormatLogLine(absl::string_view time, LogLevel level,
                          absl::string_view message,
                          std::initializer_list<LogField> fields);

// Writes one line to stderr atomically.
void Log(LogLevel level, absl::string_view message,
         std::initializer_list<LogField> fields = {});

template <typename... Args>
void LogInfo(const Args&... args) {
  Log(LogLevel::kInfo, absl::StrCat(args...));
}
template <typename... Args>
void LogWarning(const Args&... args) {
  Log(LogLevel::kWarning, absl::StrCat(args...));
}
template <typename... Args>
void LogError(const Args&... args) {
  Log(LogLevel::kError, absl::StrCat(args...));
}

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_UTIL_LOG_H_
