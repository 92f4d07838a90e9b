// Metrics and its Prometheus text rendering.
#include "metrics/metrics.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace newsmeta {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsSubsetOf;
using ::testing::Not;

constexpr char kGet[] = "/newsmeta.v1.ArticleService/GetArticle";
constexpr char kList[] = "/newsmeta.v1.ArticleService/ListArticles";
constexpr char kStream[] = "/newsmeta.v1.ArticleService/StreamArticles";

Metrics MakeMetrics() {
  return Metrics(BuildInfo{"0.1.0", "1.51.1", "3.21.12"});
}

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

// The lines of `text` that start with `prefix`, in order.
std::vector<std::string> LinesStartingWith(const std::string& text,
                                           const std::string& prefix) {
  std::vector<std::string> out;
  for (const std::string& line : Lines(text)) {
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
  }
  return out;
}

TEST(MetricsTest, FreshMetricsRenderEveryFamilyInOrder) {
  const Metrics metrics = MakeMetrics();
  EXPECT_EQ(
      metrics.RenderPrometheus(),
      "# HELP newsmeta_build_info Always 1; the labels name the versions of "
      "newsmeta and of the gRPC and protobuf libraries it was built with.\n"
      "# TYPE newsmeta_build_info gauge\n"
      "newsmeta_build_info{version=\"0.1.0\",grpc_version=\"1.51.1\","
      "protobuf_version=\"3.21.12\"} 1\n"
      "# HELP newsmeta_catalog_articles Articles in the catalog being "
      "served.\n"
      "# TYPE newsmeta_catalog_articles gauge\n"
      "newsmeta_catalog_articles 0\n"
      "# HELP newsmeta_catalog_deltas_total Reloads applied as a delta (only "
      "the changed files read, their articles added as a segment).\n"
      "# TYPE newsmeta_catalog_deltas_total counter\n"
      "newsmeta_catalog_deltas_total 0\n"
      "# HELP newsmeta_catalog_freshness_lag_seconds For the latest change "
      "the watcher saw: from its first event to the catalog serving it "
      "(quiet period included).\n"
      "# TYPE newsmeta_catalog_freshness_lag_seconds gauge\n"
      "# HELP newsmeta_catalog_info Always 1; the label is the version of the "
      "catalog being served.\n"
      "# TYPE newsmeta_catalog_info gauge\n"
      "# HELP newsmeta_catalog_last_load_duration_seconds How long the "
      "latest successful load took (a delta, a merge or a whole load).\n"
      "# TYPE newsmeta_catalog_last_load_duration_seconds gauge\n"
      "# HELP newsmeta_catalog_last_load_timestamp_seconds Unix time of the "
      "last successful catalog load or reload.\n"
      "# TYPE newsmeta_catalog_last_load_timestamp_seconds gauge\n"
      "# HELP newsmeta_catalog_load_errors_total Seed files rejected by "
      "catalog loads, plus failed loads.\n"
      "# TYPE newsmeta_catalog_load_errors_total counter\n"
      "newsmeta_catalog_load_errors_total 0\n"
      "# HELP newsmeta_catalog_loads_total Catalog loads (the first and every "
      "reload) by result.\n"
      "# TYPE newsmeta_catalog_loads_total counter\n"
      "newsmeta_catalog_loads_total{result=\"failed\"} 0\n"
      "newsmeta_catalog_loads_total{result=\"ok\"} 0\n"
      "# HELP newsmeta_catalog_merges_total Merges of segments: deltas into "
      "one, or a segment rewritten without its deleted articles.\n"
      "# TYPE newsmeta_catalog_merges_total counter\n"
      "newsmeta_catalog_merges_total{kind=\"deltas\"} 0\n"
      "newsmeta_catalog_merges_total{kind=\"purge\"} 0\n"
      "# HELP newsmeta_catalog_rejected_files Seed files the latest catalog "
      "load rejected.\n"
      "# TYPE newsmeta_catalog_rejected_files gauge\n"
      "newsmeta_catalog_rejected_files 0\n"
      "# HELP newsmeta_catalog_reloads_total Catalog loads after the first, "
      "successful or not.\n"
      "# TYPE newsmeta_catalog_reloads_total counter\n"
      "newsmeta_catalog_reloads_total 0\n"
      "# HELP newsmeta_catalog_segments Segments of the catalog being served: "
      "the base and the deltas changes were applied as.\n"
      "# TYPE newsmeta_catalog_segments gauge\n"
      "newsmeta_catalog_segments 0\n"
      "# HELP newsmeta_rpc_duration_seconds Server-side RPC latency, from the "
      "call's start to its status, by method and status code.\n"
      "# TYPE newsmeta_rpc_duration_seconds histogram\n"
      "# HELP newsmeta_rpc_requests_total Finished RPCs by method and status "
      "code.\n"
      "# TYPE newsmeta_rpc_requests_total counter\n"
      "# HELP newsmeta_stream_messages_sent_total Messages sent by "
      "server-streaming RPCs, by method.\n"
      "# TYPE newsmeta_stream_messages_sent_total counter\n"
      "# HELP newsmeta_watch_events_sent_total WatchArticles events "
      "delivered, by type.\n"
      "# TYPE newsmeta_watch_events_sent_total counter\n"
      "# HELP newsmeta_watchers Open WatchArticles calls.\n"
      "# TYPE newsmeta_watchers gauge\n"
      "newsmeta_watchers 0\n");
}

TEST(MetricsTest, WatchersAndWatchEventsAreCounted) {
  Metrics metrics = MakeMetrics();
  metrics.AddWatchers(2);
  metrics.AddWatchers(-1);
  metrics.AddWatchEvent("ADDED");
  metrics.AddWatchEvent("ADDED");
  metrics.AddWatchEvent("EXISTING");
  const std::string text = metrics.RenderPrometheus();
  EXPECT_NE(text.find("\nnewsmeta_watchers 1\n"), std::string::npos) << text;
  EXPECT_NE(
      text.find("\nnewsmeta_watch_events_sent_total{type=\"ADDED\"} 2\n"
                "newsmeta_watch_events_sent_total{type=\"EXISTING\"} 1\n"),
      std::string::npos)
      << text;
}

TEST(MetricsTest, LatencyHistogramBucketsAreCumulative) {
  Metrics metrics = MakeMetrics();
  metrics.RecordRpc(kGet, "OK", absl::Microseconds(50));
  metrics.RecordRpc(kGet, "OK", absl::Milliseconds(1));  // on a bound: le
  metrics.RecordRpc(kGet, "OK", absl::Milliseconds(30));
  metrics.RecordRpc(kGet, "OK", absl::Seconds(11));  // above every bound
  const std::string labels =
      "method=\"/newsmeta.v1.ArticleService/GetArticle\",code=\"OK\"";
  EXPECT_THAT(
      LinesStartingWith(metrics.RenderPrometheus(),
                        "newsmeta_rpc_duration_seconds_"),
      ElementsAre(
          "newsmeta_rpc_duration_seconds_bucket{" + labels +
              ",le=\"0.0001\"} 1",
          "newsmeta_rpc_duration_seconds_bucket{" + labels +
              ",le=\"0.00025\"} 1",
          "newsmeta_rpc_duration_seconds_bucket{" + labels +
              ",le=\"0.0005\"} 1",
          "newsmeta_rpc_duration_seconds_bucket{" + labels + ",le=\"0.001\"} 2",
          "newsmeta_rpc_duration_seconds_bucket{" + labels +
              ",le=\"0.0025\"} 2",
          "newsmeta_rpc_duration_seconds_bucket{" + labels + ",le=\"0.005\"} 2",
          "newsmeta_rpc_duration_seconds_bucket{" + labels + ",le=\"0.01\"} 2",
          "newsmeta_rpc_duration_seconds_bucket{" + labels + ",le=\"0.025\"} 2",
          "newsmeta_rpc_duration_seconds_bucket{" + labels + ",le=\"0.05\"} 3",
          "newsmeta_rpc_duration_seconds_bucket{" + labels + ",le=\"0.1\"} 3",
          "newsmeta_rpc_duration_seconds_bucket{" + labels + ",le=\"0.25\"} 3",
          "newsmeta_rpc_duration_seconds_bucket{" + labels + ",le=\"0.5\"} 3",
          "newsmeta_rpc_duration_seconds_bucket{" + labels + ",le=\"1\"} 3",
          "newsmeta_rpc_duration_seconds_bucket{" + labels + ",le=\"2.5\"} 3",
          "newsmeta_rpc_duration_seconds_bucket{" + labels + ",le=\"5\"} 3",
          "newsmeta_rpc_duration_seconds_bucket{" + labels + ",le=\"10\"} 3",
          "newsmeta_rpc_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} 4",
          "newsmeta_rpc_duration_seconds_sum{" + labels + "} 11.03105",
          "newsmeta_rpc_duration_seconds_count{" + labels + "} 4"));
}

TEST(MetricsTest, RequestsAreCountedByMethodAndCodeInSortedOrder) {
  Metrics metrics = MakeMetrics();
  metrics.RecordRpc(kList, "OK", absl::Milliseconds(1));
  metrics.RecordRpc(kGet, "OK", absl::Milliseconds(1));
  metrics.RecordRpc(kGet, "NOT_FOUND", absl::Milliseconds(1));
  metrics.RecordRpc(kGet, "OK", absl::Milliseconds(1));
  EXPECT_THAT(LinesStartingWith(metrics.RenderPrometheus(),
                                "newsmeta_rpc_requests_total"),
              ElementsAre("newsmeta_rpc_requests_total{method=\"/newsmeta.v1."
                          "ArticleService/GetArticle\",code=\"NOT_FOUND\"} 1",
                          "newsmeta_rpc_requests_total{method=\"/newsmeta.v1."
                          "ArticleService/GetArticle\",code=\"OK\"} 2",
                          "newsmeta_rpc_requests_total{method=\"/newsmeta.v1."
                          "ArticleService/ListArticles\",code=\"OK\"} 1"));
  // The histogram's series follow the same order.
  EXPECT_THAT(
      LinesStartingWith(metrics.RenderPrometheus(),
                        "newsmeta_rpc_duration_seconds_count"),
      ElementsAre("newsmeta_rpc_duration_seconds_count{method=\"/newsmeta.v1."
                  "ArticleService/GetArticle\",code=\"NOT_FOUND\"} 1",
                  "newsmeta_rpc_duration_seconds_count{method=\"/newsmeta.v1."
                  "ArticleService/GetArticle\",code=\"OK\"} 2",
                  "newsmeta_rpc_duration_seconds_count{method=\"/newsmeta.v1."
                  "ArticleService/ListArticles\",code=\"OK\"} 1"));
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  Metrics metrics(BuildInfo{"1.0 \"beta\"", "1.51.1", "3.21.12"});
  metrics.RecordRpc("/odd\"method\\with\nnewline", "OK", absl::Milliseconds(1));
  metrics.SetCatalog(3, "v\n2");
  const std::vector<std::string> lines = Lines(metrics.RenderPrometheus());
  EXPECT_THAT(lines, Contains("newsmeta_rpc_requests_total{method=\"/odd\\\""
                              "method\\\\with\\nnewline\",code=\"OK\"} 1"));
  EXPECT_THAT(lines, Contains("newsmeta_build_info{version=\"1.0 "
                              "\\\"beta\\\"\",grpc_version=\"1.51.1\","
                              "protobuf_version=\"3.21.12\"} 1"));
  EXPECT_THAT(lines, Contains("newsmeta_catalog_info{version=\"v\\n2\"} 1"));
}

TEST(MetricsTest, StreamMessagesAddUpByMethod) {
  Metrics metrics = MakeMetrics();
  metrics.AddStreamMessagesSent(kStream, 64);
  metrics.AddStreamMessagesSent(kStream, 3);
  metrics.AddStreamMessagesSent("/a.B/C", 1);
  EXPECT_THAT(LinesStartingWith(metrics.RenderPrometheus(),
                                "newsmeta_stream_messages_sent_total"),
              ElementsAre("newsmeta_stream_messages_sent_total{method=\"/a.B/"
                          "C\"} 1",
                          "newsmeta_stream_messages_sent_total{method=\"/"
                          "newsmeta.v1.ArticleService/StreamArticles\"} 67"));
}

TEST(MetricsTest, CatalogReportsItsSizeAndVersion) {
  Metrics metrics = MakeMetrics();
  metrics.SetCatalog(300, "sha256:abc");
  metrics.SetCatalog(301, "sha256:def");
  const std::vector<std::string> lines = Lines(metrics.RenderPrometheus());
  EXPECT_THAT(lines, Contains("newsmeta_catalog_articles 301"));
  EXPECT_THAT(lines,
              Contains("newsmeta_catalog_info{version=\"sha256:def\"} 1"));
  EXPECT_THAT(lines, Not(Contains("newsmeta_catalog_info{version=\"sha256:"
                                  "abc\"} 1")));
}

TEST(MetricsTest, LoadsCountReloadsErrorsAndTheLastSuccess) {
  Metrics metrics = MakeMetrics();
  const absl::Time first = absl::FromUnixMillis(1700000000123);
  const absl::Time third = absl::FromUnixMillis(1700000060500);
  metrics.RecordLoad(/*ok=*/true, /*rejected_files=*/2, first);
  std::vector<std::string> lines = Lines(metrics.RenderPrometheus());
  EXPECT_THAT((std::vector<std::string>{
                  "newsmeta_catalog_loads_total{result=\"ok\"} 1",
                  "newsmeta_catalog_reloads_total 0",
                  "newsmeta_catalog_rejected_files 2",
                  "newsmeta_catalog_load_errors_total 2",
                  "newsmeta_catalog_last_load_timestamp_seconds 1700000000.123",
              }),
              IsSubsetOf(lines));

  // A failed reload keeps the last success's time.
  metrics.RecordLoad(/*ok=*/false, /*rejected_files=*/1,
                     first + absl::Seconds(30));
  metrics.RecordLoad(/*ok=*/true, /*rejected_files=*/0, third);
  lines = Lines(metrics.RenderPrometheus());
  EXPECT_THAT((std::vector<std::string>{
                  "newsmeta_catalog_loads_total{result=\"failed\"} 1",
                  "newsmeta_catalog_loads_total{result=\"ok\"} 2",
                  "newsmeta_catalog_reloads_total 2",
                  "newsmeta_catalog_rejected_files 0",
                  "newsmeta_catalog_load_errors_total 4",
                  "newsmeta_catalog_last_load_timestamp_seconds 1700000060.5",
              }),
              IsSubsetOf(lines));
}

TEST(MetricsTest, LoadShapesCountDeltasMergesAndTheLatestLag) {
  Metrics metrics = MakeMetrics();
  metrics.RecordLoad(/*ok=*/true, 0, absl::FromUnixSeconds(1700000000));
  Metrics::LoadShape shape;
  shape.segments = 3;
  shape.delta = true;
  shape.merged_deltas = true;
  shape.took = absl::Milliseconds(12);
  shape.freshness_lag = absl::Milliseconds(250);
  metrics.RecordLoadShape(shape);
  shape.merged_deltas = false;
  shape.purged = true;
  shape.segments = 1;
  shape.freshness_lag.reset();  // a SIGHUP: the lag stays the last known
  metrics.RecordLoadShape(shape);
  EXPECT_THAT((std::vector<std::string>{
                  "newsmeta_catalog_segments 1",
                  "newsmeta_catalog_deltas_total 2",
                  "newsmeta_catalog_merges_total{kind=\"deltas\"} 1",
                  "newsmeta_catalog_merges_total{kind=\"purge\"} 1",
                  "newsmeta_catalog_last_load_duration_seconds 0.012",
                  "newsmeta_catalog_freshness_lag_seconds 0.25",
              }),
              IsSubsetOf(Lines(metrics.RenderPrometheus())));
}

TEST(MetricsTest, ProtobufVersionIsDotted) {
  EXPECT_THAT(ProtobufVersion(),
              ::testing::MatchesRegex("[0-9]+\\.[0-9]+\\.[0-9]+"));
}

}  // namespace
}  // namespace newsmeta
