// Minimal line logger for the binaries (Abseil 20220623 has no absl/log).
// Domain code does not log: it returns statuses and the binaries report them.
#ifndef NEWSMETA_SERVER_UTIL_LOG_H_
#define NEWSMETA_SERVER_UTIL_LOG_H_

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace newsmeta {

enum class LogLevel { kInfo, kWarning, kError };

// Writes one line, `<UTC time> <LEVEL> <message>`, to stderr atomically.
void LogLine(LogLevel level, absl::string_view message);

template <typename... Args>
void LogInfo(const Args&... args) {
  LogLine(LogLevel::kInfo, absl::StrCat(args...));
}
template <typename... Args>
void LogWarning(const Args&... args) {
  LogLine(LogLevel::kWarning, absl::StrCat(args...));
}
template <typename... Args>
void LogError(const Args&... args) {
  LogLine(LogLevel::kError, absl::StrCat(args...));
}

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_UTIL_LOG_H_
