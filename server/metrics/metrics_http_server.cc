#include "metrics/metrics_http_server.h"

#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace newsmeta {
namespace {

// Scrapes are rare and cheap: two workers serve them, and a third thread
// accepts connections.
constexpr size_t kWorkerThreads = 2;

// Replaces httplib's default socket options (SO_REUSEPORT, which would let a
// second server bind a port already in use and share its connections) with
// SO_REUSEADDR, so that a restart can bind at once; and makes an IPv6 socket
// dual stack, so that "::" also accepts IPv4.
void SetSocketOptions(socket_t sock) {
  const int yes = 1;
  setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  int domain = 0;
  socklen_t length = sizeof(domain);
  if (getsockopt(sock, SOL_SOCKET, SO_DOMAIN, &domain, &length) == 0 &&
      domain == AF_INET6) {
    const int no = 0;
    setsockopt(sock, IPPROTO_IPV6, IPV6_V6ONLY, &no, sizeof(no));
  }
}

// Binds `server` to host:port (port 0: a free one). Returns the port, or -1
// with `error` set to the errno that says why (0 when none does).
int Bind(httplib::Server& server, const std::string& host, int port,
         int* error) {
  errno = 0;
  const int bound = port == 0 ? server.bind_to_any_port(host)
                              : (server.bind_to_port(host, port) ? port : -1);
  *error = bound < 0 ? errno : 0;
  return bound;
}

}  // namespace

MetricsHttpServer::MetricsHttpServer()
    : server_(std::make_unique<httplib::Server>()) {}

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    const std::string& host, int port, std::function<std::string()> render) {
  if (port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics port ", port, " is not in 0..65535"));
  }
  std::string bind_host = host;
  if (absl::StartsWith(bind_host, "[") && absl::EndsWith(bind_host, "]")) {
    bind_host = bind_host.substr(1, bind_host.size() - 2);
  }
  if (bind_host.empty()) bind_host = "::";

  std::unique_ptr<MetricsHttpServer> server(new MetricsHttpServer());
  httplib::Server& http = *server->server_;
  http.new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  http.set_socket_options(SetSocketOptions);
  // An idle connection holds a worker (and Stop) this long; Prometheus
  // scrapes far less often, so it reconnects anyway.
  http.set_keep_alive_timeout(1);
  http.Get("/metrics", [render = std::move(render)](const httplib::Request&,
                                                    httplib::Response& res) {
    res.set_content(render(), kPrometheusContentType);
  });

  int error = 0;
  int bound = Bind(http, bind_host, port, &error);
  // No IPv6 here (no socket, no address, or no result from getaddrinfo,
  // which sets no errno): every IPv4 address instead.
  if (bound < 0 && bind_host == "::" &&
      (error == 0 || error == EAFNOSUPPORT || error == EADDRNOTAVAIL)) {
    int ipv4_error = 0;
    bound = Bind(http, "0.0.0.0", port, &ipv4_error);
  }
  if (bound < 0) {
    const std::string address = absl::StrContains(bind_host, ':')
                                    ? absl::StrCat("[", bind_host, "]")
                                    : bind_host;
    return absl::UnavailableError(absl::StrCat(
        "metrics server cannot listen on ", address, ":", port,
        error == 0 ? "" : ": ", error == 0 ? "" : std::strerror(error)));
  }
  server->port_ = bound;

  // Stop() may only stop a server that runs its accept loop, so wait for
  // it (or for the loop's early end).
  auto listen_returned = std::make_shared<std::atomic<bool>>(false);
  server->thread_ = std::thread([&http, listen_returned] {
    http.listen_after_bind();
    listen_returned->store(true);
  });
  while (!http.is_running() && !listen_returned->load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return server;
}

MetricsHttpServer::~MetricsHttpServer() { Stop(); }

void MetricsHttpServer::Stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

}  // namespace newsmeta
