#include "metrics/metrics.h"

#include <google/protobuf/stubs/common.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace newsmeta {
namespace {

// An upper bound of newsmeta_rpc_duration_seconds's buckets: a latency of
// at most `nanos` falls in it; `le` is the bound as its label says it.
struct Bucket {
  int64_t nanos;
  absl::string_view le;
};
// From 100µs to 10s; +Inf follows.
constexpr Bucket kRpcLatencyBuckets[] = {
    {100'000, "0.0001"},   {250'000, "0.00025"},   {500'000, "0.0005"},
    {1'000'000, "0.001"},  {2'500'000, "0.0025"},  {5'000'000, "0.005"},
    {10'000'000, "0.01"},  {25'000'000, "0.025"},  {50'000'000, "0.05"},
    {100'000'000, "0.1"},  {250'000'000, "0.25"},  {500'000'000, "0.5"},
    {1'000'000'000, "1"},  {2'500'000'000, "2.5"}, {5'000'000'000, "5"},
    {10'000'000'000, "10"}};
constexpr size_t kBounds = std::size(kRpcLatencyBuckets);

// A label value with backslash, double quote and newline escaped.
std::string EscapeLabelValue(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// `nanos` as decimal seconds, exactly and without trailing zeros:
// 1500000 -> "0.0015", 2000000000 -> "2".
std::string FormatNanosAsSeconds(int64_t nanos) {
  const bool negative = nanos < 0;
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(nanos)
                                      : static_cast<uint64_t>(nanos);
  std::string out =
      absl::StrFormat("%s%d.%09d", negative ? "-" : "", magnitude / 1000000000,
                      magnitude % 1000000000);
  out.erase(out.find_last_not_of('0') + 1);
  if (out.back() == '.') out.pop_back();
  return out;
}

void AppendHeader(std::string& out, absl::string_view name,
                  absl::string_view type, absl::string_view help) {
  absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ",
                  type, "\n");
}

// Map entries sorted by key, for a stable output.
template <typename Map>
std::vector<const typename Map::value_type*> SortedByKey(const Map& map) {
  std::vector<const typename Map::value_type*> entries;
  entries.reserve(map.size());
  for (const auto& entry : map) entries.push_back(&entry);
  std::sort(entries.begin(), entries.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  return entries;
}

}  // namespace

std::string ProtobufVersion() {
  return absl::StrCat(GOOGLE_PROTOBUF_VERSION / 1000000, ".",
                      GOOGLE_PROTOBUF_VERSION / 1000 % 1000, ".",
                      GOOGLE_PROTOBUF_VERSION % 1000);
}

Metrics::Metrics(BuildInfo build_info) : build_info_(std::move(build_info)) {}

void Metrics::RecordRpc(absl::string_view method, absl::string_view code,
                        absl::Duration latency) {
  static_assert(kBounds + 1 == kLatencyBuckets);
  const int64_t nanos = absl::ToInt64Nanoseconds(latency);
  size_t bucket = 0;
  while (bucket < kBounds && nanos > kRpcLatencyBuckets[bucket].nanos) {
    ++bucket;
  }
  absl::MutexLock lock(&mu_);
  CodeStats& codes = rpcs_[method];
  auto it = codes.find(code);
  if (it == codes.end())
    it = codes.emplace(std::string(code), RpcStats()).first;
  RpcStats& stats = it->second;
  ++stats.count;
  stats.sum_nanos += nanos;
  ++stats.buckets[bucket];
}

void Metrics::AddStreamMessagesSent(absl::string_view method, int64_t n) {
  absl::MutexLock lock(&mu_);
  auto it = stream_messages_.find(method);
  if (it == stream_messages_.end()) {
    it = stream_messages_.emplace(std::string(method), 0).first;
  }
  it->second += n;
}

void Metrics::AddWatchers(int64_t delta) {
  absl::MutexLock lock(&mu_);
  watchers_ += delta;
}

void Metrics::AddWatchEvent(absl::string_view type) {
  absl::MutexLock lock(&mu_);
  auto it = watch_events_.find(type);
  if (it == watch_events_.end()) {
    it = watch_events_.emplace(std::string(type), 0).first;
  }
  ++it->second;
}

void Metrics::SetCatalog(int64_t articles, absl::string_view version) {
  absl::MutexLock lock(&mu_);
  has_catalog_ = true;
  catalog_articles_ = articles;
  catalog_version_ = std::string(version);
}

void Metrics::RecordLoad(bool ok, int64_t rejected_files, absl::Time when) {
  absl::MutexLock lock(&mu_);
  ++(ok ? loads_ok_ : loads_failed_);
  rejected_files_ = rejected_files;
  load_errors_ += rejected_files + (ok ? 0 : 1);
  if (ok) {
    has_successful_load_ = true;
    last_successful_load_ = when;
  }
}

void Metrics::RecordLoadShape(const LoadShape& shape) {
  absl::MutexLock lock(&mu_);
  segments_ = shape.segments;
  deltas_ += shape.delta ? 1 : 0;
  delta_merges_ += shape.merged_deltas ? 1 : 0;
  purges_ += shape.purged ? 1 : 0;
  last_load_took_ = shape.took;
  if (shape.freshness_lag) freshness_lag_ = shape.freshness_lag;
}

std::string Metrics::RenderPrometheus() const {
  std::string out;
  AppendHeader(out, "newsmeta_build_info", "gauge",
               "Always 1; the labels name the versions of newsmeta and of "
               "the gRPC and protobuf libraries it was built with.");
  absl::StrAppend(&out, "newsmeta_build_info{version=\"",
                  EscapeLabelValue(build_info_.version), "\",grpc_version=\"",
                  EscapeLabelValue(build_info_.grpc_version),
                  "\",protobuf_version=\"",
                  EscapeLabelValue(build_info_.protobuf_version), "\"} 1\n");

  absl::MutexLock lock(&mu_);
  AppendHeader(out, "newsmeta_catalog_articles", "gauge",
               "Articles in the catalog being served.");
  absl::StrAppend(&out, "newsmeta_catalog_articles ", catalog_articles_, "\n");

  AppendHeader(out, "newsmeta_catalog_deltas_total", "counter",
               "Reloads applied as a delta (only the changed files read, "
               "their articles added as a segment).");
  absl::StrAppend(&out, "newsmeta_catalog_deltas_total ", deltas_, "\n");

  AppendHeader(out, "newsmeta_catalog_freshness_lag_seconds", "gauge",
               "For the latest change the watcher saw: from its first event "
               "to the catalog serving it (quiet period included).");
  if (freshness_lag_) {
    absl::StrAppend(&out, "newsmeta_catalog_freshness_lag_seconds ",
                    absl::ToDoubleSeconds(*freshness_lag_), "\n");
  }

  AppendHeader(out, "newsmeta_catalog_info", "gauge",
               "Always 1; the label is the version of the catalog being "
               "served.");
  if (has_catalog_) {
    absl::StrAppend(&out, "newsmeta_catalog_info{version=\"",
                    EscapeLabelValue(catalog_version_), "\"} 1\n");
  }

  AppendHeader(out, "newsmeta_catalog_last_load_duration_seconds", "gauge",
               "How long the latest successful load took (a delta, a merge "
               "or a whole load).");
  if (has_successful_load_) {
    absl::StrAppend(&out, "newsmeta_catalog_last_load_duration_seconds ",
                    absl::ToDoubleSeconds(last_load_took_), "\n");
  }

  AppendHeader(out, "newsmeta_catalog_last_load_timestamp_seconds", "gauge",
               "Unix time of the last successful catalog load or reload.");
  if (has_successful_load_) {
    absl::StrAppend(
        &out, "newsmeta_catalog_last_load_timestamp_seconds ",
        FormatNanosAsSeconds(absl::ToUnixNanos(last_successful_load_)), "\n");
  }

  AppendHeader(out, "newsmeta_catalog_load_errors_total", "counter",
               "Seed files rejected by catalog loads, plus failed loads.");
  absl::StrAppend(&out, "newsmeta_catalog_load_errors_total ", load_errors_,
                  "\n");

  AppendHeader(out, "newsmeta_catalog_loads_total", "counter",
               "Catalog loads (the first and every reload) by result.");
  absl::StrAppend(
      &out, "newsmeta_catalog_loads_total{result=\"failed\"} ", loads_failed_,
      "\n", "newsmeta_catalog_loads_total{result=\"ok\"} ", loads_ok_, "\n");

  AppendHeader(out, "newsmeta_catalog_merges_total", "counter",
               "Merges of segments: deltas into one, or a segment rewritten "
               "without its deleted articles.");
  absl::StrAppend(
      &out, "newsmeta_catalog_merges_total{kind=\"deltas\"} ", delta_merges_,
      "\n", "newsmeta_catalog_merges_total{kind=\"purge\"} ", purges_, "\n");

  AppendHeader(out, "newsmeta_catalog_rejected_files", "gauge",
               "Seed files the latest catalog load rejected.");
  absl::StrAppend(&out, "newsmeta_catalog_rejected_files ", rejected_files_,
                  "\n");

  AppendHeader(out, "newsmeta_catalog_reloads_total", "counter",
               "Catalog loads after the first, successful or not.");
  absl::StrAppend(&out, "newsmeta_catalog_reloads_total ",
                  std::max<int64_t>(0, loads_ok_ + loads_failed_ - 1), "\n");

  AppendHeader(out, "newsmeta_catalog_segments", "gauge",
               "Segments of the catalog being served: the base and the "
               "deltas changes were applied as.");
  absl::StrAppend(&out, "newsmeta_catalog_segments ", segments_, "\n");

  // Both RPC families walk the same sorted (method, code) pairs.
  std::vector<std::pair<std::string, const RpcStats*>> series;
  for (const auto* method : SortedByKey(rpcs_)) {
    const std::string method_label = EscapeLabelValue(method->first);
    for (const auto* code : SortedByKey(method->second)) {
      series.emplace_back(absl::StrCat("method=\"", method_label, "\",code=\"",
                                       EscapeLabelValue(code->first), "\""),
                          &code->second);
    }
  }

  AppendHeader(out, "newsmeta_rpc_duration_seconds", "histogram",
               "Server-side RPC latency, from the call's start to its status, "
               "by method and status code.");
  for (const auto& [labels, stats] : series) {
    int64_t cumulative = 0;
    for (size_t i = 0; i < kBounds; ++i) {
      cumulative += stats->buckets[i];
      absl::StrAppend(&out, "newsmeta_rpc_duration_seconds_bucket{", labels,
                      ",le=\"", kRpcLatencyBuckets[i].le, "\"} ", cumulative,
                      "\n");
    }
    absl::StrAppend(&out, "newsmeta_rpc_duration_seconds_bucket{", labels,
                    ",le=\"+Inf\"} ", stats->count, "\n",
                    "newsmeta_rpc_duration_seconds_sum{", labels, "} ",
                    FormatNanosAsSeconds(stats->sum_nanos), "\n",
                    "newsmeta_rpc_duration_seconds_count{", labels, "} ",
                    stats->count, "\n");
  }

  AppendHeader(out, "newsmeta_rpc_requests_total", "counter",
               "Finished RPCs by method and status code.");
  for (const auto& [labels, stats] : series) {
    absl::StrAppend(&out, "newsmeta_rpc_requests_total{", labels, "} ",
                    stats->count, "\n");
  }

  AppendHeader(out, "newsmeta_stream_messages_sent_total", "counter",
               "Messages sent by server-streaming RPCs, by method.");
  for (const auto* method : SortedByKey(stream_messages_)) {
    absl::StrAppend(&out, "newsmeta_stream_messages_sent_total{method=\"",
                    EscapeLabelValue(method->first), "\"} ", method->second,
                    "\n");
  }

  AppendHeader(out, "newsmeta_watch_events_sent_total", "counter",
               "WatchArticles events delivered, by type.");
  for (const auto* type : SortedByKey(watch_events_)) {
    absl::StrAppend(&out, "newsmeta_watch_events_sent_total{type=\"",
                    EscapeLabelValue(type->first), "\"} ", type->second, "\n");
  }
  AppendHeader(out, "newsmeta_watchers", "gauge", "Open WatchArticles calls.");
  absl::StrAppend(&out, "newsmeta_watchers ", watchers_, "\n");
  return out;
}

}  // namespace newsmeta
