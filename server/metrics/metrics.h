// The server's Prometheus metrics: RPCs, streams, the catalog and its loads,
// and build info, rendered in the text exposition format 0.0.4. Knows nothing
// of gRPC or HTTP: the interceptor (service/metrics_interceptor.h) records
// RPCs, the server records loads, and MetricsHttpServer serves the text.
//
// Metric families (README "Metrics" lists them too):
//   newsmeta_build_info{version,grpc_version,protobuf_version}  gauge, 1
//   newsmeta_catalog_articles                 gauge: articles being served
//   newsmeta_catalog_info{version}            gauge, 1: the served catalog's
//                                             version (absent before one)
//   newsmeta_catalog_last_load_timestamp_seconds
//                                             gauge: unix time of the last
//                                             successful load (absent before)
//   newsmeta_catalog_load_errors_total        counter: rejected seed files,
//                                             summed over loads, plus failed
//                                             loads
//   newsmeta_catalog_loads_total{result}      counter: loads, the first one
//                                             and every reload; result is
//                                             "ok" or "failed"
//   newsmeta_catalog_reloads_total            counter: loads after the first
//                                             (= sum of loads_total - 1)
//   newsmeta_catalog_rejected_files           gauge: files the latest load
//                                             rejected
//   newsmeta_rpc_duration_seconds{method,code}
//                                             histogram: server-side latency
//   newsmeta_rpc_requests_total{method,code}  counter: finished RPCs
//   newsmeta_stream_messages_sent_total{method}
//                                             counter: messages a streaming
//                                             RPC sent
#ifndef NEWSMETA_SERVER_METRICS_METRICS_H_
#define NEWSMETA_SERVER_METRICS_METRICS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace newsmeta {

// What newsmeta_build_info reports. The caller fills in the gRPC version
// (grpc::Version()), since this code has no gRPC includes.
struct BuildInfo {
  std::string version;           // newsmeta's own, e.g. "0.1.0"
  std::string grpc_version;      // e.g. "1.51.1"
  std::string protobuf_version;  // e.g. "3.21.12"; see ProtobufVersion()
};

// The protobuf version these binaries were compiled against, "3.21.12".
std::string ProtobufVersion();

// Thread-safe. Recording takes one short mutex hold and allocates only the
// first time a (method, code) pair is seen.
class Metrics {
 public:
  explicit Metrics(BuildInfo build_info);

  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // One finished RPC. `method` is the full gRPC path
  // ("/newsmeta.v1.ArticleService/GetArticle"), `code` the canonical status
  // name ("OK", "NOT_FOUND", ...), `latency` from its start to its status.
  void RecordRpc(absl::string_view method, absl::string_view code,
                 absl::Duration latency);

  // `n` more messages sent by the streaming RPC `method`.
  void AddStreamMessagesSent(absl::string_view method, int64_t n);

  // Open WatchArticles calls: `delta` more (or fewer, when negative).
  void AddWatchers(int64_t delta);
  // One WatchArticles event delivered, by type ("EXISTING", "ADDED", ...).
  void AddWatchEvent(absl::string_view type);

  // The catalog now being served: its article count and version.
  void SetCatalog(int64_t articles, absl::string_view version);

  // One catalog load, the first or a reload, that finished at `when`:
  // whether it succeeded (a failed reload keeps the old catalog) and how
  // many seed files it rejected.
  void RecordLoad(bool ok, int64_t rejected_files, absl::Time when);

  // How a successful load changed the catalog: the segments now served,
  // whether the change was applied as a delta, and which merges it made;
  // how long it took, and (for a change the watcher saw) how long after the
  // change the catalog served it.
  struct LoadShape {
    int64_t segments = 1;
    bool delta = false;
    bool merged_deltas = false;
    bool purged = false;
    absl::Duration took;
    std::optional<absl::Duration> freshness_lag;
  };
  void RecordLoadShape(const LoadShape& shape);

  // Every metric in the Prometheus text format 0.0.4 ("# HELP" and "# TYPE"
  // lines; families by name, series by labels, so the output is stable).
  std::string RenderPrometheus() const;

 private:
  static constexpr size_t kLatencyBuckets = 17;
  struct RpcStats {
    int64_t count = 0;
    int64_t sum_nanos = 0;
    // newsmeta_rpc_duration_seconds's buckets (metrics.cc names their
    // bounds, 100µs to 10s), not cumulative; the last one is +Inf's.
    std::array<int64_t, kLatencyBuckets> buckets = {};
  };
  // code -> stats.
  using CodeStats = absl::flat_hash_map<std::string, RpcStats>;

  const BuildInfo build_info_;

  mutable absl::Mutex mu_;
  // method -> code -> stats.
  absl::flat_hash_map<std::string, CodeStats> rpcs_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int64_t> stream_messages_
      ABSL_GUARDED_BY(mu_);
  int64_t watchers_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, int64_t> watch_events_ ABSL_GUARDED_BY(mu_);
  int64_t catalog_articles_ ABSL_GUARDED_BY(mu_) = 0;
  bool has_catalog_ ABSL_GUARDED_BY(mu_) = false;
  std::string catalog_version_ ABSL_GUARDED_BY(mu_);
  int64_t loads_ok_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t loads_failed_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t load_errors_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t rejected_files_ ABSL_GUARDED_BY(mu_) = 0;
  bool has_successful_load_ ABSL_GUARDED_BY(mu_) = false;
  int64_t segments_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t deltas_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t delta_merges_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t purges_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration last_load_took_ ABSL_GUARDED_BY(mu_);
  std::optional<absl::Duration> freshness_lag_ ABSL_GUARDED_BY(mu_);
  absl::Time last_successful_load_ ABSL_GUARDED_BY(mu_);
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_METRICS_METRICS_H_
