#include "util/log.h"

#include <cstdio>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "util/utf8.h"

namespace newsmeta {
namespace {

absl::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarning:
      return "WARNING";
    case LogLevel::kError:
      return "ERROR";
  }
  return "INFO";
}

void AppendEscapedValid(absl::string_view text, std::string* out) {
  for (const char c : text) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          absl::StrAppend(out, "\\u00", absl::Hex(c & 0xff, absl::kZeroPad2));
        } else {
          out->push_back(c);
        }
    }
  }
}

}  // namespace

LogField::LogField(absl::string_view key, absl::string_view value) : key_(key) {
  AppendJsonString(value, &json_);
}

void AppendJsonString(absl::string_view text, std::string* out) {
  out->push_back('"');
  while (!text.empty()) {
    const size_t valid = FindInvalidUtf8(text);
    AppendEscapedValid(text.substr(0, valid), out);
    if (valid == text.size()) break;
    out->append("\\ufffd");
    text.remove_prefix(valid + 1);
  }
  out->push_back('"');
}

std::string FormatLogLine(absl::string_view time, LogLevel level,
                          absl::string_view message,
                          std::initializer_list<LogField> fields) {
  std::string line = "{\"time\":";
  AppendJsonString(time, &line);
  line.append(",\"level\":");
  AppendJsonString(LevelName(level), &line);
  line.append(",\"message\":");
  AppendJsonString(message, &line);
  for (const LogField& field : fields) {
    line.push_back(',');
    AppendJsonString(field.key(), &line);
    line.push_back(':');
    line.append(field.json());
  }
  line.push_back('}');
  return line;
}

void Log(LogLevel level, absl::string_view message,
         std::initializer_list<LogField> fields) {
  const std::string time = absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::Now(),
                                            absl::UTCTimeZone());
  std::string line = FormatLogLine(time, level, message, fields);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace newsmeta
