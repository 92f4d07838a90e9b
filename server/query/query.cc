#include "query/query.h"

#include "absl/strings/str_cat.h"

namespace newsmeta {
namespace {

// Appends `value` length-prefixed, so that no two lists share a text.
void AppendValue(absl::string_view value, std::string* out) {
  absl::StrAppend(out, value.size(), ":", value, ";");
}

void AppendTime(const std::optional<absl::Time>& time, std::string* out) {
  AppendValue(
      time ? absl::FormatTime(absl::RFC3339_full, *time, absl::UTCTimeZone())
           : "",
      out);
}

}  // namespace

std::string CanonicalQueryText(const Query& query) {
  std::string text = "topics=";
  for (const std::string& topic : query.topics) AppendValue(topic, &text);
  text += "|start=";
  AppendTime(query.start_time, &text);
  text += "|end=";
  AppendTime(query.end_time, &text);
  text += "|domains=";
  for (const std::string& domain : query.provider_domains) {
    AppendValue(domain, &text);
  }
  text += query.order == SortOrder::kNewestFirst ? "|order=desc" : "|order=asc";
  return text;
}

}  // namespace newsmeta
