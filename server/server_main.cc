// newsmeta-server: loads the seeds and serves newsmeta.v1.ArticleService,
// health and reflection over gRPC; reloads the seeds when they change and
// drains gracefully on SIGTERM.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "catalog/catalog.h"
#include "catalog/catalog_diff.h"
#include "catalog/serialized_article.h"
#include "loader/seed_loader.h"
#include "loader/snapshot.h"
#include "metrics/metrics.h"
#include "metrics/metrics_http_server.h"
#include "reload/catalog_reloader.h"
#include "reload/incremental_catalog.h"
#include "reload/seed_watcher.h"
#include "security/bearer_tokens.h"
#include "security/tls_files.h"
#include "service/metrics_interceptor.h"
#include "service/newsmeta_server.h"
#include "util/flag_env.h"
#include "util/log.h"

ABSL_FLAG(std::string, seeds, "seeds",
          "Folder of seed documents, read recursively.");
ABSL_FLAG(std::string, host, "[::]",
          "Address to listen on; [::] means every interface (IPv6 and IPv4).");
ABSL_FLAG(int, port, 50051,
          "Port of the gRPC services (ArticleService, health, reflection); 0 "
          "picks a free one.");
ABSL_FLAG(int, metrics_port, 9090,
          "Port of the Prometheus metrics (GET /metrics, plain HTTP) on the "
          "same host; 0 picks a free one, -1 turns metrics off.");
ABSL_FLAG(bool, strict, false,
          "Refuse a catalog when any seed file is rejected: at start, exit "
          "with code 2; on reload, keep serving the previous catalog.");
ABSL_FLAG(int64_t, max_seed_bytes, 4 << 20,
          "Seed files larger than this many bytes are rejected unread.");
ABSL_FLAG(bool, watch_seeds, true,
          "Reload the catalog when files in the seeds folder change "
          "(inotify; SIGHUP reloads too).");
ABSL_FLAG(absl::Duration, reload_quiet_period, absl::Milliseconds(200),
          "A change to the seeds folder is reloaded once the folder has been "
          "quiet this long, and at the latest three times this long after "
          "the first change (a folder written to without pause is reloaded "
          "in batches).");
ABSL_FLAG(std::string, snapshot, "",
          "Start from this snapshot (written by --write_snapshot) instead of "
          "parsing the seeds. A missing, corrupt or foreign file, or one of "
          "another format version, is refused with the reason and the seeds "
          "are loaded instead. The seeds folder is still watched; reloads "
          "read it.");
ABSL_FLAG(std::string, write_snapshot, "",
          "Load the seeds, write their catalog to this file as a snapshot for "
          "--snapshot, and exit: 0 when written, 2 when --strict refuses "
          "rejected seeds, 1 on other errors.");
ABSL_FLAG(absl::Duration, drain_delay, absl::Seconds(5),
          "On SIGTERM or SIGINT, health turns NOT_SERVING at once and calls "
          "are still served for this long (while load balancers and "
          "Kubernetes endpoints catch up) before shutdown begins. A second "
          "signal cuts it short.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "After the drain delay, how long in-flight calls may take to finish "
          "before they are cancelled.");
ABSL_FLAG(absl::Duration, max_connection_age, absl::Minutes(5),
          "Close each client connection (GOAWAY) after this long, so clients "
          "reconnect and spread over new replicas; 'inf' never.");
ABSL_FLAG(absl::Duration, max_connection_age_grace, absl::Minutes(1),
          "How long calls in flight on a connection closed for its age may "
          "take to finish.");
ABSL_FLAG(absl::Duration, keepalive_time, absl::Minutes(1),
          "Ping a client connection idle this long, to find dead peers.");
ABSL_FLAG(absl::Duration, keepalive_timeout, absl::Seconds(20),
          "Close a connection whose ping is not answered within this long.");
ABSL_FLAG(absl::Duration, keepalive_min_client_interval, absl::Seconds(10),
          "Clients may send keepalive pings this often (even with no call "
          "open); more often is answered with GOAWAY too_many_pings.");
ABSL_FLAG(int, max_request_bytes, 1 << 20,
          "Larger request messages are refused with RESOURCE_EXHAUSTED.");
ABSL_FLAG(int, max_concurrent_streams, 100,
          "Calls a client may have open at once on one connection; gRPC "
          "clients queue more until one ends.");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain (leaf first); with --tls_key, --port speaks "
          "TLS only.");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert.");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA certificates: clients must present a certificate they "
          "signed (mutual TLS). Needs --tls_cert.");
ABSL_FLAG(int, health_port, -1,
          "Plaintext port serving only grpc.health.v1.Health (Kubernetes "
          "gRPC probes cannot speak TLS), same host; -1: 50052 with TLS, "
          "none without; 0 picks a free one.");
ABSL_FLAG(absl::Duration, watch_heartbeat, absl::Seconds(30),
          "WatchArticles sends a HEARTBEAT on a stream that sent nothing for "
          "this long (within twice it), to keep proxies from closing it; 0 "
          "never.");
ABSL_FLAG(int, watch_history, 1000,
          "WatchArticles remembers the changes of this many reloads: a resume "
          "token older than that gets FAILED_PRECONDITION.");
ABSL_FLAG(int64_t, watch_history_bytes, 64 << 20,
          "...and at most about this many bytes of changed articles (the "
          "last reload's are always kept).");
ABSL_FLAG(int64_t, watch_max_lag, 10000,
          "A watch is ended with RESOURCE_EXHAUSTED (and its resume token) "
          "when the reloads after the one it is sending hold more than this "
          "many changes: its reader is too slow.");
ABSL_FLAG(std::string, auth_tokens_file, "",
          "Bearer tokens, one per line (# comments): every call but health "
          "must send 'authorization: Bearer <token>'. Re-read on change.");

namespace newsmeta {
namespace {

// Exit codes.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitRejectedSeeds = 2;

// Sent to ourselves to wake the main thread when the first load fails.
constexpr int kLoadFailedSignal = SIGUSR1;

std::atomic<int> load_exit_code{kExitOk};

void StopForLoadFailure(int exit_code) {
  load_exit_code = exit_code;
  kill(getpid(), kLoadFailedSignal);
}

ConnectionOptions ConnectionOptionsFromFlags() {
  ConnectionOptions connection;
  connection.max_connection_age = absl::GetFlag(FLAGS_max_connection_age);
  connection.max_connection_age_grace =
      absl::GetFlag(FLAGS_max_connection_age_grace);
  connection.keepalive_time = absl::GetFlag(FLAGS_keepalive_time);
  connection.keepalive_timeout = absl::GetFlag(FLAGS_keepalive_timeout);
  connection.min_client_ping_interval =
      absl::GetFlag(FLAGS_keepalive_min_client_interval);
  connection.permit_keepalive_without_calls = true;
  connection.max_receive_message_bytes = absl::GetFlag(FLAGS_max_request_bytes);
  connection.max_concurrent_streams =
      absl::GetFlag(FLAGS_max_concurrent_streams);
  return connection;
}

// TLS, the plaintext health port and bearer tokens, from the flags; logs
// what is on (never a token). `tokens` must outlive the server.
absl::Status ConfigureAccess(NewsmetaServerOptions* options,
                             std::unique_ptr<TokenFile>* tokens) {
  const TlsFiles files{{absl::GetFlag(FLAGS_tls_cert), "--tls_cert"},
                       {absl::GetFlag(FLAGS_tls_key), "--tls_key"},
                       {absl::GetFlag(FLAGS_tls_client_ca), "--tls_client_ca"}};
  if (!files.cert.path.empty() || !files.key.path.empty() ||
      !files.client_ca.path.empty()) {
    absl::StatusOr<TlsPem> tls = LoadTlsFiles(files);
    if (!tls.ok()) return tls.status();
    options->tls = *std::move(tls);
    LogInfo("TLS on --port with ", files.cert.path,
            files.client_ca.path.empty()
                ? ""
                : absl::StrCat("; client certificates signed by ",
                               files.client_ca.path, " required"));
  }
  int health_port = absl::GetFlag(FLAGS_health_port);
  if (health_port == -1 && options->tls.has_value()) health_port = 50052;
  if (health_port >= 0) {
    options->health_address =
        absl::StrCat(absl::GetFlag(FLAGS_host), ":", health_port);
  }
  const std::string path = absl::GetFlag(FLAGS_auth_tokens_file);
  if (path.empty()) return absl::OkStatus();
  absl::StatusOr<std::unique_ptr<TokenFile>> loaded =
      TokenFile::Start({path}, [path](const TokenFileReload& reload) {
        if (reload.status.ok()) {
          LogInfo("bearer tokens reloaded: ", reload.tokens, " from ", path);
        } else {
          LogWarning("bearer tokens file refused, still using the previous ",
                     reload.tokens, " tokens: ", reload.status.message());
        }
      });
  if (!loaded.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--auth_tokens_file ", loaded.status().message()));
  }
  *tokens = *std::move(loaded);
  options->tokens = tokens->get();
  LogInfo("bearer tokens: ", (*tokens)->size(), " loaded from ", path,
          "; calls but health need one");
  return absl::OkStatus();
}

// Logs a load and counts it; the first one decides whether the server goes
// on.
void ReportLoad(const LoadReport& report, Metrics* metrics) {
  metrics->RecordLoad(report.status.ok(),
                      static_cast<int64_t>(report.rejections.size()),
                      report.finished);
  if (report.status.ok()) {
    Metrics::LoadShape shape;
    shape.segments = report.catalog->segment_count();
    shape.delta = report.delta;
    shape.merged_deltas = report.merged_deltas;
    shape.purged = report.purged;
    shape.took = report.took;
    if (report.changes.first_seen != absl::InfiniteFuture()) {
      shape.freshness_lag = report.finished - report.changes.first_seen;
    }
    metrics->RecordLoadShape(shape);
    metrics->SetCatalog(static_cast<int64_t>(report.catalog->size()),
                        report.catalog->version());
  }
  for (const absl::Status& rejection : report.rejections) {
    Log(LogLevel::kWarning, absl::StrCat("rejected seed ", rejection.message()),
        {{"load", report.generation}});
  }
  const bool first = report.generation == 1;
  if (!report.snapshot_error.ok()) {
    Log(LogLevel::kWarning, "not starting from the snapshot; loading the seeds",
        {{"error", report.snapshot_error.message()},
         {"seeds", absl::GetFlag(FLAGS_seeds)}});
  }
  if (!report.status.ok()) {
    Log(LogLevel::kError,
        first ? "cannot load the seeds"
              : "reload failed; still serving the previous catalog",
        {{"error", report.status.message()},
         {"seeds", absl::GetFlag(FLAGS_seeds)},
         {"load", report.generation},
         {"reason", report.reason},
         {"rejected_files", report.rejections.size()}});
    if (first) {
      StopForLoadFailure(absl::IsFailedPrecondition(report.status)
                             ? kExitRejectedSeeds
                             : kExitFailure);
    }
    return;
  }
  const std::string& version = report.catalog->version();
  const bool unchanged =
      report.previous != nullptr && report.previous->version() == version;
  const CatalogDiff diff =
      report.previous == nullptr
          ? CatalogDiff()
          : DiffCatalogs(*report.previous, *report.catalog);
  Log(LogLevel::kInfo,
      absl::StrCat(
          first ? "loaded " : "reloaded ", report.catalog->size(),
          " articles, catalog version ", version,
          unchanged ? " (unchanged)" : "",
          report.source != "seeds" ? ""
          : report.walked          ? absl::StrCat("; walked the folder, ",
                                                  report.files_checked, " files checked")
                          : absl::StrCat("; ", report.changes.paths.size(),
                                         " named paths, ", report.files_checked,
                                         " files checked"),
          report.delta
              ? absl::StrCat("; applied as a delta, ",
                             report.catalog->segment_count(), " segments",
                             report.purged          ? " (a segment purged)"
                             : report.merged_deltas ? " (deltas merged)"
                                                    : "",
                             report.relearned_after.empty()
                                 ? ""
                                 : absl::StrCat("; the catalog served learned "
                                                "again first: ",
                                                report.relearned_after))
          : report.delta_refused.empty()
              ? ""
              : absl::StrCat("; rebuilt whole: ", report.delta_refused)),
      {{"load", report.generation},
       {"reason", report.reason},
       {"seeds", absl::GetFlag(FLAGS_seeds)},
       {"source", report.source},
       {"walked", report.walked},
       {"named_paths", report.changes.paths.size()},
       {"files_checked", report.files_checked},
       {"files_parsed", report.files_parsed},
       {"files_reused", report.files_reused},
       {"delta", report.delta},
       {"relinked", report.articles_relinked},
       {"merged_articles", report.merged_articles},
       {"delta_state_bytes", report.delta_state_bytes},
       {"segments", report.catalog->segment_count()},
       {"articles", report.catalog->size()},
       {"version", version},
       {"previous_version",
        report.previous == nullptr ? "" : report.previous->version()},
       {"added", diff.added.size()},
       {"changed", diff.changed.size()},
       {"removed", diff.removed.size()},
       {"rejected_files", report.rejections.size()},
       {"took", absl::FormatDuration(report.took)}});
  if (first) LogInfo("health is SERVING");
}

// Waits up to `delay` unless one of `signals` arrives first.
void SleepUnlessSignalled(const sigset_t& signals, absl::Duration delay) {
  const absl::Time until = absl::Now() + delay;
  for (absl::Duration left = delay; left > absl::ZeroDuration();
       left = until - absl::Now()) {
    const timespec timeout = absl::ToTimespec(left);
    const int signal_number = sigtimedwait(&signals, nullptr, &timeout);
    if (signal_number == SIGTERM || signal_number == SIGINT) {
      LogInfo("received ", strsignal(signal_number),
              " again; ending the drain delay now");
      return;
    }
  }
}

// --write_snapshot: loads the seeds as the reloader loads them from scratch
// (serialized as they are parsed, laid out in the segments it cuts) and
// writes that catalog, each segment with the indexes it was built with.
int WriteSnapshotFile(const std::string& path) {
  LoaderOptions loader;
  loader.max_file_bytes = absl::GetFlag(FLAGS_max_seed_bytes);
  loader.serialize = true;
  absl::StatusOr<LoadResult> loaded =
      LoadSeedFolder(absl::GetFlag(FLAGS_seeds), loader);
  if (!loaded.ok()) {
    LogError("cannot load the seeds: ", loaded.status().message());
    return kExitFailure;
  }
  const size_t segment_articles =
      SegmentArticles(IncrementalCatalogOptions(), loaded->serialized.size());
  SegmentedBuildResult built =
      BuildSegmentedCatalog(std::move(loaded->serialized), segment_articles);
  loaded->rejections.insert(loaded->rejections.end(), built.rejections.begin(),
                            built.rejections.end());
  for (const absl::Status& rejection : loaded->rejections) {
    LogWarning("rejected seed ", rejection.message());
  }
  if (absl::GetFlag(FLAGS_strict) && !loaded->rejections.empty()) {
    LogError("--strict: ", loaded->rejections.size(),
             " seed files were rejected; no snapshot written");
    return kExitRejectedSeeds;
  }
  absl::StatusOr<SnapshotInfo> written =
      WriteSnapshot(*built.catalog, path, NEWSMETA_VERSION, segment_articles);
  if (!written.ok()) {
    LogError(written.status().message());
    return kExitFailure;
  }
  Log(LogLevel::kInfo,
      absl::StrCat("wrote snapshot ", path, ": ", written->articles,
                   " articles, catalog version ", written->catalog_version),
      {{"seeds", absl::GetFlag(FLAGS_seeds)}, {"bytes", written->bytes}});
  return kExitOk;
}

int Run() {
  if (const std::string path = absl::GetFlag(FLAGS_write_snapshot);
      !path.empty()) {
    return WriteSnapshotFile(path);
  }
  // Signals are taken by sigwait below, never by a handler, so every thread
  // must block them; threads inherit the mask, so block before creating any.
  sigset_t signals;
  sigemptyset(&signals);
  for (const int signal_number : {SIGINT, SIGTERM, SIGHUP, kLoadFailedSignal}) {
    sigaddset(&signals, signal_number);
  }
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Metrics metrics(CurrentBuildInfo(NEWSMETA_VERSION));
  std::unique_ptr<MetricsHttpServer> metrics_server;
  if (absl::GetFlag(FLAGS_metrics_port) >= 0) {
    absl::StatusOr<std::unique_ptr<MetricsHttpServer>> serving =
        MetricsHttpServer::Start(
            absl::GetFlag(FLAGS_host), absl::GetFlag(FLAGS_metrics_port),
            [&metrics] { return metrics.RenderPrometheus(); });
    if (!serving.ok()) {
      LogError("metrics: ", serving.status().message());
      return kExitFailure;
    }
    metrics_server = *std::move(serving);
    LogInfo("metrics on http://", absl::GetFlag(FLAGS_host), ":",
            metrics_server->port(), "/metrics");
  }

  NewsmetaServerOptions server_options;
  server_options.address =
      absl::StrCat(absl::GetFlag(FLAGS_host), ":", absl::GetFlag(FLAGS_port));
  server_options.connection = ConnectionOptionsFromFlags();
  server_options.watch.max_history_entries =
      static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_watch_history)));
  server_options.watch.max_history_bytes = static_cast<size_t>(
      std::max<int64_t>(0, absl::GetFlag(FLAGS_watch_history_bytes)));
  server_options.watch.max_lag_changes = absl::GetFlag(FLAGS_watch_max_lag);
  server_options.watch_heartbeat = absl::GetFlag(FLAGS_watch_heartbeat);
  server_options.metrics = &metrics;
  std::unique_ptr<TokenFile> tokens;
  if (absl::Status access = ConfigureAccess(&server_options, &tokens);
      !access.ok()) {
    LogError(access.message());
    return kExitFailure;
  }
  absl::StatusOr<std::unique_ptr<NewsmetaServer>> started =
      NewsmetaServer::Start(std::move(server_options));
  if (!started.ok()) {
    LogError(started.status().message());
    return kExitFailure;
  }
  NewsmetaServer& server = **started;
  if (server.health_port() != 0) {
    LogInfo("health on ", absl::GetFlag(FLAGS_host), ":", server.health_port(),
            " (plaintext, grpc.health.v1 only)");
  }
  LogInfo("listening on ", absl::GetFlag(FLAGS_host), ":", server.port(),
          " (health NOT_SERVING until the seeds are loaded)");

  const std::string seeds = absl::GetFlag(FLAGS_seeds);
  CatalogReloaderOptions reload_options;
  reload_options.seeds = seeds;
  reload_options.snapshot = absl::GetFlag(FLAGS_snapshot);
  reload_options.loader.max_file_bytes = absl::GetFlag(FLAGS_max_seed_bytes);
  reload_options.strict = absl::GetFlag(FLAGS_strict);
  CatalogReloader reloader(
      reload_options,
      [&server](std::shared_ptr<const SegmentedCatalog> catalog) {
        server.ServeCatalog(std::move(catalog));
      },
      [&metrics](const LoadReport& report) { ReportLoad(report, &metrics); });

  // Watching starts before the first load, so no change is missed.
  std::unique_ptr<SeedWatcher> watcher;
  if (absl::GetFlag(FLAGS_watch_seeds)) {
    SeedWatcherOptions watch_options;
    watch_options.quiet_period = absl::GetFlag(FLAGS_reload_quiet_period);
    absl::StatusOr<std::unique_ptr<SeedWatcher>> watching = SeedWatcher::Start(
        seeds, watch_options,
        [&reloader](const SeedChanges& changes) {
          reloader.RequestReload("seeds folder changed", changes);
        },
        [](const absl::Status& error) { LogWarning(error.message()); });
    if (watching.ok()) {
      watcher = *std::move(watching);
    } else {
      LogWarning(watching.status().message(),
                 "; changes are reloaded on SIGHUP only");
    }
  }
  reloader.Start();

  int signal_number = 0;
  while (true) {
    sigwait(&signals, &signal_number);
    if (signal_number != SIGHUP) break;
    LogInfo("received SIGHUP; reloading the seeds");
    reloader.RequestReload("SIGHUP");
  }
  watcher.reset();
  reloader.Stop();
  if (signal_number == kLoadFailedSignal) {
    server.Shutdown(absl::ZeroDuration());
    return load_exit_code.load();
  }

  const absl::Duration drain = absl::GetFlag(FLAGS_drain_delay);
  const absl::Duration grace = absl::GetFlag(FLAGS_shutdown_grace);
  server.StartDraining();
  LogInfo("received ", strsignal(signal_number),
          "; health is NOT_SERVING, calls are still served for ",
          absl::FormatDuration(drain), ", then in-flight calls have ",
          absl::FormatDuration(grace), " to finish");
  SleepUnlessSignalled(signals, drain);
  LogInfo("shutting down");
  server.Shutdown(grace);
  if (metrics_server != nullptr) metrics_server->Stop();
  LogInfo("stopped");
  return kExitOk;
}

}  // namespace
}  // namespace newsmeta

int main(int argc, char** argv) {
  // Debian's Abseil checks every absl::Mutex acquisition for lock-order
  // cycles (a debug aid that gRPC's own locking pays for on every call);
  // turn it off.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      "Serves news-article metadata loaded from seed documents over gRPC.\n"
      "Each flag may also be set by the environment variable NEWSMETA_<FLAG>, "
      "e.g. NEWSMETA_SEEDS; the command line wins.");
  const absl::Status env = newsmeta::ApplyEnvironmentFallbacks(
      "NEWSMETA_", {"seeds",
                    "host",
                    "port",
                    "metrics_port",
                    "strict",
                    "max_seed_bytes",
                    "watch_seeds",
                    "reload_quiet_period",
                    "snapshot",
                    "write_snapshot",
                    "drain_delay",
                    "shutdown_grace",
                    "max_connection_age",
                    "max_connection_age_grace",
                    "keepalive_time",
                    "keepalive_timeout",
                    "keepalive_min_client_interval",
                    "max_request_bytes",
                    "max_concurrent_streams",
                    "tls_cert",
                    "tls_key",
                    "tls_client_ca",
                    "health_port",
                    "auth_tokens_file",
                    "watch_heartbeat",
                    "watch_history",
                    "watch_history_bytes",
                    "watch_max_lag"});
  if (!env.ok()) {
    newsmeta::LogError(env.message());
    return 1;
  }
  absl::ParseCommandLine(argc, argv);
  return newsmeta::Run();
}
