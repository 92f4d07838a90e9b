// Serves the metrics text on GET /metrics over HTTP/1.1 (cpp-httplib), for
// Prometheus to scrape. Other paths answer 404.
#ifndef NEWSMETA_SERVER_METRICS_METRICS_HTTP_SERVER_H_
#define NEWSMETA_SERVER_METRICS_METRICS_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace newsmeta {

// The Content-Type of the Prometheus text format 0.0.4.
inline constexpr char kPrometheusContentType[] =
    "text/plain; version=0.0.4; charset=utf-8";

class MetricsHttpServer {
 public:
  // Listens on `host`:`port` and answers GET /metrics with `render()`, called
  // once per scrape on one of the server's two worker threads.
  //
  // `host` is an IP address or name: "127.0.0.1", "::1", "[::1]"; "[::]",
  // "::" or "" listen on every IPv6 and IPv4 address (dual stack), falling
  // back to 0.0.0.0 where IPv6 is unavailable. Port 0 picks a free port.
  // Unlike httplib's default, the port is not shared (no SO_REUSEPORT): a
  // port already in use is an error naming host:port.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      const std::string& host, int port, std::function<std::string()> render);

  // Stops, as Stop() does.
  ~MetricsHttpServer();

  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  // The port it listens on.
  int port() const { return port_; }

  // Stops listening, waits for requests in progress (an idle keep-alive
  // connection for at most about a second) and joins the threads. Safe to
  // call more than once.
  void Stop();

 private:
  MetricsHttpServer();

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_METRICS_METRICS_HTTP_SERVER_H_
