#include "client/output.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace newsmeta {
namespace {

constexpr size_t kTitleChars = 70;

// Pads `text` with spaces to `width` code points.
std::string Pad(absl::string_view text, size_t width) {
  size_t chars = 0;
  for (char c : text) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  std::string padded(text);
  if (chars < width) padded.append(width - chars, ' ');
  return padded;
}

}  // namespace

std::string Truncate(absl::string_view text, size_t max_chars) {
  if (max_chars == 0) return "";
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (chars == max_chars) {
      // Leave room for the ellipsis: cut at the previous code point.
      size_t cut = i;
      do {
        --cut;
      } while (cut > 0 &&
               (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80);
      return absl::StrCat(text.substr(0, cut), "…");
    }
    ++chars;
  }
  return std::string(text);
}

std::string TableHeader() {
  return absl::StrCat(Pad("PUBLISHED (UTC)", 18), Pad("NAME", 27),
                      Pad("PROVIDER", 24), "TITLE");
}

std::string ArticleRow(const newsmeta::v1::Article& article) {
  const absl::Time time =
      absl::FromUnixSeconds(article.publish_time().seconds());
  return absl::StrCat(
      Pad(absl::FormatTime("%Y-%m-%d %H:%M", time, absl::UTCTimeZone()), 18),
      Pad(article.name(), 27),
      Pad(Truncate(article.provider().domain(), 22), 24),
      Truncate(article.title(), kTitleChars));
}

std::string ArticleJson(const newsmeta::v1::Article& article) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  const auto status =
      google::protobuf::util::MessageToJsonString(article, &json, options);
  if (!status.ok()) {
    return absl::StrCat("{\"error\":\"cannot print as JSON: ",
                        std::string(status.message()), "\"}");
  }
  return json;
}

}  // namespace newsmeta
