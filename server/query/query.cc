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

bool IsTimeOrdered(const Query& query) {
  return query.order.size() == 1 && query.order[0].key == SortKey::kPublishTime;
}

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
  text += "|filter=";
  AppendValue(query.filter_source, &text);
  text += "|text=";
  AppendValue(query.text_source, &text);
  text += "|order=";
  for (const SortSpec& spec : query.order) {
    absl::StrAppend(&text, static_cast<int>(spec.key),
                    spec.descending ? "d" : "a", ";");
  }
  return text;
}

}  // namespace newsmeta
