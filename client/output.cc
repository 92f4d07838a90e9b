#include "client/output.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

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

std::string BarChart(const std::vector<std::pair<std::string, int64_t>>& rows,
                     int width) {
  int64_t largest = 0;
  size_t label_width = 0;
  for (const auto& [label, count] : rows) {
    largest = std::max(largest, count);
    label_width = std::max(label_width, label.size());
  }
  std::string chart;
  for (const auto& [label, count] : rows) {
    int64_t cells = largest == 0 ? 0 : count * width / largest;
    if (count > 0 && cells == 0) cells = 1;
    std::string bar;
    for (int64_t i = 0; i < cells; ++i) bar += "█";
    absl::StrAppend(&chart, Pad(label, label_width), " ", bar,
                    cells > 0 ? " " : "", count, "\n");
  }
  return chart;
}

std::string DescribeErrorDetails(const std::string& serialized_status) {
  google::rpc::Status status;
  if (serialized_status.empty() || !status.ParseFromString(serialized_status)) {
    return "";
  }
  std::string text;
  for (const google::protobuf::Any& detail : status.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::BadRequest bad_request;
    if (detail.UnpackTo(&info)) {
      absl::StrAppend(&text, "  reason: ", info.reason(), " (", info.domain(),
                      ")\n");
      std::map<std::string, std::string> sorted(info.metadata().begin(),
                                                info.metadata().end());
      for (const auto& [key, value] : sorted) {
        absl::StrAppend(&text, "  ", key, ": ", value, "\n");
      }
    } else if (detail.UnpackTo(&bad_request)) {
      for (const auto& violation : bad_request.field_violations()) {
        absl::StrAppend(&text, "  bad field ", violation.field(), ": ",
                        violation.description(), "\n");
      }
    } else {
      absl::StrAppend(&text, "  detail of type ", detail.type_url(), "\n");
    }
  }
  return text;
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
