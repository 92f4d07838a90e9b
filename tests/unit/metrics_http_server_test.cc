// MetricsHttpServer on a free loopback port, scraped with httplib's client.
#include "metrics/metrics_http_server.h"

#include <httplib.h>

#include <atomic>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/metrics.h"

namespace newsmeta {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<MetricsHttpServer> StartOrDie(
    const std::string& host, std::function<std::string()> render) {
  absl::StatusOr<std::unique_ptr<MetricsHttpServer>> server =
      MetricsHttpServer::Start(host, 0, std::move(render));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

TEST(MetricsHttpServerTest, ServesMetricsInPrometheusTextFormat) {
  Metrics metrics(BuildInfo{"0.1.0", "1.51.1", "3.21.12"});
  metrics.RecordRpc("/newsmeta.v1.ArticleService/GetArticle", "NOT_FOUND",
                    absl::Milliseconds(2));
  std::unique_ptr<MetricsHttpServer> server = StartOrDie(
      "127.0.0.1", [&metrics] { return metrics.RenderPrometheus(); });
  ASSERT_NE(server, nullptr);
  ASSERT_GT(server->port(), 0);

  httplib::Client client("127.0.0.1", server->port());
  const httplib::Result result = client.Get("/metrics");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"),
            "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_THAT(result->body,
              HasSubstr("\nnewsmeta_rpc_requests_total{method=\"/newsmeta.v1."
                        "ArticleService/GetArticle\",code=\"NOT_FOUND\"} 1\n"));
  EXPECT_THAT(result->body, HasSubstr("# TYPE newsmeta_build_info gauge\n"));
}

TEST(MetricsHttpServerTest, EachScrapeRendersAnew) {
  std::atomic<int> scrapes{0};
  std::unique_ptr<MetricsHttpServer> server = StartOrDie(
      "127.0.0.1", [&scrapes] { return absl::StrCat("scrape ", ++scrapes); });
  ASSERT_NE(server, nullptr);
  httplib::Client client("127.0.0.1", server->port());
  for (const char* expected : {"scrape 1", "scrape 2"}) {
    const httplib::Result result = client.Get("/metrics");
    ASSERT_TRUE(result) << httplib::to_string(result.error());
    EXPECT_EQ(result->body, expected);
  }
}

TEST(MetricsHttpServerTest, OtherPathsAreNotFound) {
  std::unique_ptr<MetricsHttpServer> server =
      StartOrDie("127.0.0.1", [] { return "metrics"; });
  ASSERT_NE(server, nullptr);
  httplib::Client client("127.0.0.1", server->port());
  for (const char* path : {"/other", "/", "/metrics/x"}) {
    const httplib::Result result = client.Get(path);
    ASSERT_TRUE(result) << path << ": " << httplib::to_string(result.error());
    EXPECT_EQ(result->status, 404) << path;
  }
}

TEST(MetricsHttpServerTest, PortInUseIsAnErrorNamingIt) {
  std::unique_ptr<MetricsHttpServer> first =
      StartOrDie("127.0.0.1", [] { return "first"; });
  ASSERT_NE(first, nullptr);
  absl::StatusOr<std::unique_ptr<MetricsHttpServer>> second =
      MetricsHttpServer::Start("127.0.0.1", first->port(),
                               [] { return "second"; });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(second.status().message(),
              HasSubstr(absl::StrCat("127.0.0.1:", first->port())));

  // The first server still answers alone.
  httplib::Client client("127.0.0.1", first->port());
  const httplib::Result result = client.Get("/metrics");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->body, "first");
}

TEST(MetricsHttpServerTest, AllAddressesAcceptIpv4) {
  // "[::]" is dual stack (or 0.0.0.0 where there is no IPv6).
  std::unique_ptr<MetricsHttpServer> server =
      StartOrDie("[::]", [] { return "dual"; });
  ASSERT_NE(server, nullptr);
  httplib::Client client("127.0.0.1", server->port());
  const httplib::Result result = client.Get("/metrics");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->body, "dual");
}

TEST(MetricsHttpServerTest, StopIsIdempotentAndClosesThePort) {
  std::unique_ptr<MetricsHttpServer> server =
      StartOrDie("127.0.0.1", [] { return "metrics"; });
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  server->Stop();
  server->Stop();
  httplib::Client client("127.0.0.1", port);
  EXPECT_FALSE(client.Get("/metrics"));
  // The port is free again.
  absl::StatusOr<std::unique_ptr<MetricsHttpServer>> again =
      MetricsHttpServer::Start("127.0.0.1", port, [] { return "again"; });
  EXPECT_TRUE(again.ok()) << again.status();
}

TEST(MetricsHttpServerTest, StopsRightAfterStarting) {
  for (int i = 0; i < 20; ++i) {
    std::unique_ptr<MetricsHttpServer> server =
        StartOrDie("127.0.0.1", [] { return "metrics"; });
    ASSERT_NE(server, nullptr);
  }
}

}  // namespace
}  // namespace newsmeta
