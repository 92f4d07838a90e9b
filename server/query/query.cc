#include "query/query.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "util/stable_hash.h"

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

// The binary encoding QueryFingerprint hashes: fixed-width integers and
// length-prefixed strings, each list preceded by its length, so that no two
// queries share an encoding.
class FingerprintEncoder {
 public:
  void Integer(uint64_t value) {
    char bytes[8];
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(value >> (8 * i));
    out_.append(bytes, 8);
  }
  void Text(absl::string_view text) {
    Integer(text.size());
    out_.append(text.data(), text.size());
  }
  void Texts(const std::vector<std::string>& texts) {
    Integer(texts.size());
    for (const std::string& text : texts) Text(text);
  }
  void Time(const std::optional<absl::Time>& time) {
    if (!time) {
      Integer(0);
      return;
    }
    const int64_t seconds = absl::ToUnixSeconds(*time);
    Integer(1);
    Integer(static_cast<uint64_t>(seconds));
    Integer(static_cast<uint64_t>((*time - absl::FromUnixSeconds(seconds)) /
                                  absl::Nanoseconds(1)));
  }
  const std::string& bytes() const { return out_; }

 private:
  std::string out_;
};

}  // namespace

uint64_t QueryFingerprint(const Query& query) {
  FingerprintEncoder encoder;
  encoder.Texts(query.topics);
  encoder.Time(query.start_time);
  encoder.Time(query.end_time);
  encoder.Texts(query.provider_domains);
  encoder.Text(query.filter_source);
  encoder.Text(query.text_source);
  encoder.Integer(query.order.size());
  for (const SortSpec& spec : query.order) {
    encoder.Integer(static_cast<uint64_t>(spec.key) * 2 +
                    (spec.descending ? 1 : 0));
  }
  return StableHash64(encoder.bytes());
}

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
