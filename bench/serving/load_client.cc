// newsmeta-serving-load: the load client of the serving benchmark. Measures
// servers of newsmeta.v1.ArticleService (newsmeta-server and the ceiling,
// newsmeta-serving-ceiling) over gRPC with the callback API, each through its
// own channel, and writes the figures of each as JSON:
//
// - "stream": StreamArticles of the whole corpus (BASIC view, the default),
//   --stream_runs times per round after one unmeasured run; articles/s and
//   MB/s of message bytes, medians over the runs.
// - "get_1", "get_16": GetArticle (FULL view, the default) in a closed loop
//   with 1 and 16 calls in flight, for --duration after --warmup per round;
//   names cycle through the streamed articles in a shuffled order; calls/s
//   and latency percentiles over every round.
// - "list_16": ListArticles pages of 50 in a closed loop with 16 calls in
//   flight, each of the 16 following next_page_token through the whole
//   corpus and starting over at the end; pages/s and articles/s.
//
// The servers take turns, measurement by measurement, in --rounds rounds
// (A B, then B A, ...), so that a machine whose load drifts (it is shared)
// treats them alike. Responses are counted as bytes and not parsed (except
// the names, once, and each page's token), so the client spends little of
// the cores it shares with the servers. With --server_pids, each measurement
// also reports the server's CPU time (utime + stime of /proc/PID/stat, all its
// threads) per message, and the client's own (getrusage).
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/proto_buffer_reader.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/io/coded_stream.h"
#include "newsmeta/v1/article.pb.h"
#include "newsmeta/v1/article_service.pb.h"
#include "util/log.h"

ABSL_FLAG(std::vector<std::string>, targets, {},
          "Servers to measure, LABEL=HOST:PORT, comma-separated.");
ABSL_FLAG(std::vector<std::string>, server_pids, {},
          "Process ids of the servers, in the order of --targets, to read "
          "their CPU time from /proc/PID/stat; empty: not measured.");
ABSL_FLAG(int, rounds, 2, "Rounds of measurements; servers alternate.");
ABSL_FLAG(int, stream_runs, 3,
          "Measured StreamArticles runs per server and round (after one "
          "unmeasured run).");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1),
          "Unmeasured time before each closed-loop measurement.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(4),
          "Measured time of each closed-loop measurement, per round.");
ABSL_FLAG(int, list_in_flight, 16, "ListArticles calls in flight.");
ABSL_FLAG(std::vector<std::string>, measure,
          std::vector<std::string>({"stream", "get", "list"}),
          "What to measure, among stream, get and list (e.g. to profile one "
          "at a time).");
ABSL_FLAG(std::string, out, "", "File to write the JSON to; empty: stdout.");

namespace newsmeta {
namespace {

constexpr char kGetMethod[] = "/newsmeta.v1.ArticleService/GetArticle";
constexpr char kListMethod[] = "/newsmeta.v1.ArticleService/ListArticles";
constexpr char kStreamMethod[] = "/newsmeta.v1.ArticleService/StreamArticles";
constexpr int kPageSize = 50;

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::chrono::system_clock::time_point DeadlineIn(absl::Duration timeout) {
  return std::chrono::system_clock::now() + absl::ToChronoSeconds(timeout);
}

grpc::ByteBuffer ToByteBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// CPU time, in microseconds, of process `pid` (every thread, dead ones too):
// utime + stime, fields 14 and 15 of /proc/PID/stat, in clock ticks. -1 when
// it cannot be read.
double ProcessCpuMicros(int pid) {
  if (pid <= 0) return -1;
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  const std::string text((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos || paren + 2 > text.size()) return -1;
  // After "pid (comm) " come the fields from 3 (state) on.
  const std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(text).substr(paren + 2), ' ');
  int64_t utime = 0;
  int64_t stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &utime) ||
      !absl::SimpleAtoi(fields[12], &stime)) {
    return -1;
  }
  return static_cast<double>(utime + stime) * 1e6 /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

double SelfCpuMicros() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) *
             1e6 +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

// CPU time spent by the server and by this client between two points.
class CpuMeter {
 public:
  explicit CpuMeter(int server_pid) : server_pid_(server_pid) {}
  void Start() {
    server_start_ = ProcessCpuMicros(server_pid_);
    client_start_ = SelfCpuMicros();
  }
  void Stop() {
    const double server = ProcessCpuMicros(server_pid_);
    server_us_ = server < 0 || server_start_ < 0 ? -1 : server - server_start_;
    client_us_ = SelfCpuMicros() - client_start_;
  }
  // -1 when unknown.
  double server_us() const { return server_us_; }
  double client_us() const { return client_us_; }

 private:
  int server_pid_;
  double server_start_ = -1;
  double client_start_ = 0;
  double server_us_ = -1;
  double client_us_ = 0;
};

// Builds one JSON object, key by key.
class JsonObject {
 public:
  JsonObject& Add(absl::string_view key, double value) {
    return AddRaw(key, std::isfinite(value) ? absl::StrFormat("%.6g", value)
                                            : std::string("null"));
  }
  JsonObject& Add(absl::string_view key, int64_t value) {
    return AddRaw(key, absl::StrCat(value));
  }
  JsonObject& Add(absl::string_view key, int value) {
    return AddRaw(key, absl::StrCat(value));
  }
  JsonObject& Add(absl::string_view key, absl::string_view value) {
    std::string json;
    AppendJsonString(value, &json);
    return AddRaw(key, json);
  }
  JsonObject& Add(absl::string_view key, const std::vector<double>& values) {
    return AddRaw(
        key, absl::StrCat("[",
                          absl::StrJoin(values, ",",
                                        [](std::string* out, double v) {
                                          absl::StrAppendFormat(out, "%.6g", v);
                                        }),
                          "]"));
  }
  JsonObject& AddRaw(absl::string_view key, absl::string_view json) {
    if (!text_.empty()) text_ += ",";
    AppendJsonString(key, &text_);
    absl::StrAppend(&text_, ":", json);
    return *this;
  }
  std::string Json() const { return absl::StrCat("{", text_, "}"); }

 private:
  std::string text_;
};

// CPU time summed over measurements.
struct CpuTotals {
  double server_us = 0;
  bool server_known = true;
  double client_us = 0;

  void Add(const CpuMeter& meter) {
    if (meter.server_us() < 0) server_known = false;
    server_us += meter.server_us();
    client_us += meter.client_us();
  }
};

// Adds the CPU figures of `cpu` per `count` messages, and the cores used
// over `seconds`.
void AddCpu(const CpuTotals& cpu, int64_t count, double seconds,
            absl::string_view per, JsonObject* json) {
  const double n = count > 0 ? static_cast<double>(count) : NAN;
  const double server_us = cpu.server_known ? cpu.server_us : NAN;
  json->Add(absl::StrCat("server_cpu_us_per_", per), server_us / n);
  json->Add(absl::StrCat("client_cpu_us_per_", per), cpu.client_us / n);
  json->Add("server_cores", server_us / 1e6 / seconds);
  json->Add("client_cores", cpu.client_us / 1e6 / seconds);
}

double Median(std::vector<double> values) {
  if (values.empty()) return NAN;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// Nearest-rank percentile, in microseconds, of sorted nanoseconds.
double PercentileMicros(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return NAN;
  const double rank = std::ceil(q * static_cast<double>(sorted.size()));
  const size_t index =
      std::min(sorted.size() - 1, static_cast<size_t>(std::max(rank, 1.0)) - 1);
  return static_cast<double>(sorted[index]) / 1e3;
}

// Counts the articles of a serialized ListArticlesResponse and reads its
// next_page_token, without parsing the articles.
bool ScanPage(grpc::ByteBuffer* page, int64_t* articles, std::string* token) {
  grpc::ProtoBufferReader reader(page);
  google::protobuf::io::CodedInputStream in(&reader);
  *articles = 0;
  token->clear();
  while (const uint32_t tag = in.ReadTag()) {
    const uint32_t field = tag >> 3;
    const uint32_t wire_type = tag & 7;
    if (wire_type == 0) {
      uint64_t ignored;
      if (!in.ReadVarint64(&ignored)) return false;
    } else if (wire_type == 2) {
      uint32_t length;
      if (!in.ReadVarint32(&length)) return false;
      if (field == 2) {
        if (!in.ReadString(token, static_cast<int>(length))) return false;
      } else {
        if (!in.Skip(static_cast<int>(length))) return false;
        if (field == 1) ++*articles;
      }
    } else {
      return false;
    }
  }
  return in.ConsumedEntireMessage();
}

// One StreamArticles call, as a generic call with one request message: on
// the wire the same as the generated server-streaming stub's.
class StreamCall final
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  struct Result {
    grpc::Status status;
    int64_t messages = 0;
    int64_t bytes = 0;
    double seconds = 0;
  };

  // Appends the name of every article to `names` unless it is nullptr.
  StreamCall(grpc::GenericStub* stub, std::vector<std::string>* names)
      : names_(names) {
    request_ =
        ToByteBuffer(newsmeta::v1::StreamArticlesRequest().SerializeAsString());
    context_.set_deadline(DeadlineIn(absl::Minutes(2)));
    stub->PrepareBidiStreamingCall(&context_, kStreamMethod,
                                   grpc::StubOptions(), this);
    start_ = NowNanos();
    StartWriteLast(&request_, grpc::WriteOptions());
    StartRead(&message_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;
    ++result_.messages;
    result_.bytes += static_cast<int64_t>(message_.Length());
    if (names_ != nullptr) {
      newsmeta::v1::Article article;
      if (grpc::SerializationTraits<newsmeta::v1::Article>::Deserialize(
              &message_, &article)
              .ok()) {
        names_->push_back(article.name());
      }
    }
    StartRead(&message_);
  }

  void OnDone(const grpc::Status& status) override {
    result_.status = status;
    result_.seconds = static_cast<double>(NowNanos() - start_) / 1e9;
    done_.Notify();
  }

  Result Wait() {
    done_.WaitForNotification();
    return result_;
  }

 private:
  std::vector<std::string>* names_;
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer message_;
  int64_t start_ = 0;
  Result result_;
  // Its destructor waits for Notify to return.
  absl::Notification done_;
};

// What a closed loop asks, and what it makes of the answers.
class Workload {
 public:
  virtual ~Workload() = default;
  // The request of the next call of `slot` (0 to in_flight - 1).
  virtual grpc::ByteBuffer NextRequest(int slot) = 0;
  // Takes the response of a successful call of `slot`; returns the number of
  // articles it holds.
  virtual int64_t OnResponse(int slot, grpc::ByteBuffer* response) = 0;
  virtual void OnError(int /*slot*/) {}
};

// GetArticle of each name in turn, in a shuffled order.
class GetWorkload final : public Workload {
 public:
  explicit GetWorkload(const std::vector<std::string>& names) {
    for (const std::string& name : names) {
      newsmeta::v1::GetArticleRequest request;
      request.set_name(name);
      requests_.push_back(ToByteBuffer(request.SerializeAsString()));
    }
    std::shuffle(requests_.begin(), requests_.end(), std::mt19937(1));
  }
  grpc::ByteBuffer NextRequest(int /*slot*/) override {
    return requests_[next_.fetch_add(1, std::memory_order_relaxed) %
                     requests_.size()];
  }
  int64_t OnResponse(int /*slot*/, grpc::ByteBuffer* /*response*/) override {
    return 1;
  }

 private:
  std::vector<grpc::ByteBuffer> requests_;
  std::atomic<uint64_t> next_{0};
};

// ListArticles pages of 50 of the whole corpus: each slot follows
// next_page_token to the end, then starts over.
class ListWorkload final : public Workload {
 public:
  explicit ListWorkload(int slots) : tokens_(slots) {}
  grpc::ByteBuffer NextRequest(int slot) override {
    newsmeta::v1::ListArticlesRequest request;
    request.set_page_size(kPageSize);
    request.set_page_token(tokens_[slot]);
    return ToByteBuffer(request.SerializeAsString());
  }
  int64_t OnResponse(int slot, grpc::ByteBuffer* response) override {
    int64_t articles = 0;
    if (!ScanPage(response, &articles, &tokens_[slot])) tokens_[slot].clear();
    return articles;
  }
  void OnError(int slot) override { tokens_[slot].clear(); }

 private:
  // Touched only by the one call of its slot at a time.
  std::vector<std::string> tokens_;
};

struct LoopResult {
  int in_flight = 0;
  double seconds = 0;
  int64_t calls = 0;
  int64_t articles = 0;
  int64_t response_bytes = 0;
  int64_t errors = 0;
  std::string first_error;
  std::vector<int64_t> latencies_ns;  // sorted
  CpuTotals cpu;
  // Calls per second of each round merged in, in order.
  std::vector<double> round_calls_per_s;
};

// Adds `more` (another round) to `total`.
void Merge(const LoopResult& more, LoopResult* total) {
  total->in_flight = more.in_flight;
  total->seconds += more.seconds;
  total->calls += more.calls;
  total->articles += more.articles;
  total->response_bytes += more.response_bytes;
  total->errors += more.errors;
  if (total->first_error.empty()) total->first_error = more.first_error;
  std::vector<int64_t> merged;
  merged.reserve(total->latencies_ns.size() + more.latencies_ns.size());
  std::merge(total->latencies_ns.begin(), total->latencies_ns.end(),
             more.latencies_ns.begin(), more.latencies_ns.end(),
             std::back_inserter(merged));
  total->latencies_ns = std::move(merged);
  total->cpu.server_known = total->cpu.server_known && more.cpu.server_known;
  total->cpu.server_us += more.cpu.server_us;
  total->cpu.client_us += more.cpu.client_us;
  total->round_calls_per_s.push_back(
      more.seconds > 0 ? static_cast<double>(more.calls) / more.seconds : 0);
}

// Keeps `in_flight` unary calls open: each slot starts its next call when
// its previous one completes. Calls that complete within the measured window
// (after the warm-up) count.
class ClosedLoop {
 public:
  ClosedLoop(grpc::GenericStub* stub, const char* method, Workload* workload,
             int in_flight)
      : stub_(stub), method_(method), workload_(workload), slots_(in_flight) {
    for (int i = 0; i < in_flight; ++i) slots_[i].index = i;
  }

  ~ClosedLoop() {
    // Lets the last OnCallDone leave the mutex before it goes.
    absl::MutexLock lock(&mutex_);
  }

  LoopResult Run(absl::Duration warmup, absl::Duration duration,
                 CpuMeter* cpu) {
    const int64_t start = NowNanos();
    window_start_ = start + absl::ToInt64Nanoseconds(warmup);
    window_end_ = window_start_ + absl::ToInt64Nanoseconds(duration);
    running_ = static_cast<int>(slots_.size());
    for (Slot& slot : slots_) StartCall(&slot);
    absl::SleepFor(absl::Nanoseconds(window_start_ - NowNanos()));
    cpu->Start();
    absl::SleepFor(absl::Nanoseconds(window_end_ - NowNanos()));
    cpu->Stop();
    {
      absl::MutexLock lock(&mutex_);
      auto all_done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
        return running_ == 0;
      };
      if (!mutex_.AwaitWithTimeout(absl::Condition(&all_done),
                                   absl::Seconds(20))) {
        LogError(method_, ": calls still running 20 s after the end");
        std::_Exit(1);
      }
    }
    LoopResult result;
    result.in_flight = static_cast<int>(slots_.size());
    result.seconds = absl::ToDoubleSeconds(duration);
    for (Slot& slot : slots_) {
      result.calls += static_cast<int64_t>(slot.latencies_ns.size());
      result.articles += slot.articles;
      result.response_bytes += slot.response_bytes;
      result.errors += slot.errors;
      if (result.first_error.empty()) result.first_error = slot.first_error;
      result.latencies_ns.insert(result.latencies_ns.end(),
                                 slot.latencies_ns.begin(),
                                 slot.latencies_ns.end());
    }
    std::sort(result.latencies_ns.begin(), result.latencies_ns.end());
    return result;
  }

 private:
  struct Slot {
    int index = 0;
    std::unique_ptr<grpc::ClientContext> context;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
    int64_t start = 0;
    // Of the calls that completed within the window.
    std::vector<int64_t> latencies_ns;
    int64_t articles = 0;
    int64_t response_bytes = 0;
    int64_t errors = 0;
    std::string first_error;
  };

  void StartCall(Slot* slot) {
    slot->context = std::make_unique<grpc::ClientContext>();
    slot->context->set_deadline(DeadlineIn(absl::Seconds(10)));
    slot->request = workload_->NextRequest(slot->index);
    slot->response.Clear();
    slot->start = NowNanos();
    stub_->UnaryCall(
        slot->context.get(), method_, grpc::StubOptions(), &slot->request,
        &slot->response,
        [this, slot](grpc::Status status) { OnCallDone(slot, status); });
  }

  void OnCallDone(Slot* slot, const grpc::Status& status) {
    const int64_t now = NowNanos();
    const bool counted = now >= window_start_ && now < window_end_;
    if (status.ok()) {
      const int64_t bytes = static_cast<int64_t>(slot->response.Length());
      const int64_t articles =
          workload_->OnResponse(slot->index, &slot->response);
      if (counted) {
        slot->latencies_ns.push_back(now - slot->start);
        slot->articles += articles;
        slot->response_bytes += bytes;
      }
    } else {
      workload_->OnError(slot->index);
      ++slot->errors;
      if (slot->first_error.empty()) {
        slot->first_error =
            absl::StrCat(status.error_code(), ": ", status.error_message());
      }
    }
    if (now < window_end_) {
      StartCall(slot);
      return;
    }
    absl::MutexLock lock(&mutex_);
    --running_;
  }

  grpc::GenericStub* stub_;
  const char* method_;
  Workload* workload_;
  std::vector<Slot> slots_;
  int64_t window_start_ = 0;
  int64_t window_end_ = 0;
  absl::Mutex mutex_;
  int running_ ABSL_GUARDED_BY(mutex_) = 0;
};

std::string LoopJson(const LoopResult& result) {
  JsonObject json;
  json.Add("in_flight", result.in_flight)
      .Add("seconds", result.seconds)
      .Add("calls", result.calls)
      .Add("errors", result.errors)
      .Add("calls_per_s", static_cast<double>(result.calls) / result.seconds)
      .Add("articles_per_s",
           static_cast<double>(result.articles) / result.seconds)
      .Add("mean_response_bytes",
           result.calls == 0 ? NAN
                             : static_cast<double>(result.response_bytes) /
                                   static_cast<double>(result.calls))
      .Add("p50_us", PercentileMicros(result.latencies_ns, 0.50))
      .Add("p90_us", PercentileMicros(result.latencies_ns, 0.90))
      .Add("p99_us", PercentileMicros(result.latencies_ns, 0.99))
      .Add("max_us", PercentileMicros(result.latencies_ns, 1.0))
      .Add("round_calls_per_s", result.round_calls_per_s);
  AddCpu(result.cpu, result.calls, result.seconds, "call", &json);
  if (result.articles != result.calls) {
    const double articles = static_cast<double>(result.articles);
    json.Add("server_cpu_us_per_article",
             result.cpu.server_known && articles > 0
                 ? result.cpu.server_us / articles
                 : NAN);
  }
  if (!result.first_error.empty()) json.Add("first_error", result.first_error);
  return json.Json();
}

// One server under test and what was measured of it.
struct Target {
  std::string label;
  std::string address;
  int pid = 0;
  std::unique_ptr<grpc::GenericStub> stub;

  // StreamArticles: the size of one run (the same every run) and the time of
  // each.
  int64_t stream_articles = 0;
  int64_t stream_bytes = 0;
  std::vector<double> stream_seconds;
  CpuTotals stream_cpu;

  // Closed loops, by name ("get_1", ...).
  std::vector<std::pair<std::string, LoopResult>> loops;

  LoopResult* Loop(const std::string& name) {
    for (auto& [key, result] : loops) {
      if (key == name) return &result;
    }
    loops.emplace_back(name, LoopResult());
    return &loops.back().second;
  }
};

bool MeasureStream(Target* target) {
  CpuMeter meter(target->pid);
  meter.Start();
  std::vector<double> seconds;
  for (int run = 0; run < absl::GetFlag(FLAGS_stream_runs); ++run) {
    const StreamCall::Result result =
        StreamCall(target->stub.get(), nullptr).Wait();
    if (!result.status.ok() || result.messages != target->stream_articles ||
        result.bytes != target->stream_bytes) {
      LogError(target->label,
               ": StreamArticles failed: ", result.status.error_message(), " (",
               result.messages, " messages)");
      return false;
    }
    seconds.push_back(result.seconds);
  }
  meter.Stop();
  target->stream_cpu.Add(meter);
  target->stream_seconds.insert(target->stream_seconds.end(), seconds.begin(),
                                seconds.end());
  LogInfo(target->label, ": StreamArticles ",
          absl::StrFormat("%.0f", static_cast<double>(target->stream_articles) /
                                      Median(seconds)),
          " articles/s");
  return true;
}

bool MeasureLoop(Target* target, const std::string& name, const char* method,
                 Workload* workload, int in_flight) {
  ClosedLoop loop(target->stub.get(), method, workload, in_flight);
  CpuMeter meter(target->pid);
  LoopResult result = loop.Run(absl::GetFlag(FLAGS_warmup),
                               absl::GetFlag(FLAGS_duration), &meter);
  result.cpu.Add(meter);
  LogInfo(target->label, ": ", name, " ",
          absl::StrFormat("%.0f calls/s, p50 %.0f us, p99 %.0f us",
                          static_cast<double>(result.calls) / result.seconds,
                          PercentileMicros(result.latencies_ns, 0.50),
                          PercentileMicros(result.latencies_ns, 0.99)));
  Merge(result, target->Loop(name));
  if (result.calls == 0) {
    LogError(target->label, ": ", method,
             ": no call succeeded: ", result.first_error);
    return false;
  }
  return true;
}

std::string TargetJson(const Target& target) {
  JsonObject stream;
  double total_seconds = 0;
  for (const double s : target.stream_seconds) total_seconds += s;
  const double median = Median(target.stream_seconds);
  std::vector<double> rates;
  for (const double s : target.stream_seconds) {
    rates.push_back(static_cast<double>(target.stream_articles) / s);
  }
  stream.Add("runs", static_cast<int>(target.stream_seconds.size()))
      .Add("articles", target.stream_articles)
      .Add("message_bytes", target.stream_bytes)
      .Add("articles_per_s",
           static_cast<double>(target.stream_articles) / median)
      .Add("mb_per_s", static_cast<double>(target.stream_bytes) / 1e6 / median)
      .Add("run_seconds", target.stream_seconds)
      .Add("run_articles_per_s", rates);
  AddCpu(target.stream_cpu,
         target.stream_articles *
             static_cast<int64_t>(target.stream_seconds.size()),
         total_seconds, "article", &stream);
  JsonObject json;
  json.Add("address", target.address)
      .Add("pid", target.pid)
      .AddRaw("stream", stream.Json());
  for (const auto& [name, result] : target.loops) {
    json.AddRaw(name, LoopJson(result));
  }
  return json.Json();
}

int Run() {
  std::vector<Target> targets;
  const std::vector<std::string> pids = absl::GetFlag(FLAGS_server_pids);
  for (const std::string& spec : absl::GetFlag(FLAGS_targets)) {
    Target target;
    const std::vector<std::string> parts =
        absl::StrSplit(spec, absl::MaxSplits('=', 1));
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
      LogError("--targets: ", spec, " is not LABEL=HOST:PORT");
      return 2;
    }
    target.label = parts[0];
    target.address = parts[1];
    if (targets.size() < pids.size() &&
        !absl::SimpleAtoi(pids[targets.size()], &target.pid)) {
      LogError("--server_pids: ", pids[targets.size()], " is not a number");
      return 2;
    }
    std::shared_ptr<grpc::Channel> channel =
        grpc::CreateChannel(target.address, grpc::InsecureChannelCredentials());
    if (!channel->WaitForConnected(DeadlineIn(absl::Seconds(10)))) {
      LogError("cannot connect to ", target.address);
      return 1;
    }
    target.stub = std::make_unique<grpc::GenericStub>(channel);
    targets.push_back(std::move(target));
  }
  if (targets.empty()) {
    LogError("--targets is required");
    return 2;
  }

  // One unmeasured stream from each: warms up, tells the size of a run, and
  // yields the names for GetArticle (from the first server).
  std::vector<std::string> names;
  for (Target& target : targets) {
    const StreamCall::Result first =
        StreamCall(target.stub.get(), names.empty() ? &names : nullptr).Wait();
    if (!first.status.ok() || first.messages == 0) {
      LogError(target.label,
               ": StreamArticles failed: ", first.status.error_message());
      return 1;
    }
    target.stream_articles = first.messages;
    target.stream_bytes = first.bytes;
  }

  // Round r measures the servers in order, or in reverse when r is odd.
  const int rounds = absl::GetFlag(FLAGS_rounds);
  auto in_turn = [&targets](int round) {
    std::vector<Target*> order;
    for (Target& target : targets) order.push_back(&target);
    if (round % 2 == 1) std::reverse(order.begin(), order.end());
    return order;
  };
  const std::vector<std::string> measure = absl::GetFlag(FLAGS_measure);
  auto measured = [&measure](absl::string_view what) {
    return std::find(measure.begin(), measure.end(), what) != measure.end();
  };
  bool ok = true;
  for (int round = 0; round < rounds && ok && measured("stream"); ++round) {
    for (Target* target : in_turn(round)) ok = ok && MeasureStream(target);
  }
  GetWorkload gets(names);
  for (const int in_flight : {1, 16}) {
    if (!measured("get")) break;
    const std::string name = absl::StrCat("get_", in_flight);
    for (int round = 0; round < rounds && ok; ++round) {
      for (Target* target : in_turn(round)) {
        ok = ok && MeasureLoop(target, name, kGetMethod, &gets, in_flight);
      }
    }
  }
  const int list_in_flight = absl::GetFlag(FLAGS_list_in_flight);
  const std::string list_name = absl::StrCat("list_", list_in_flight);
  for (int round = 0; round < rounds && ok && measured("list"); ++round) {
    for (Target* target : in_turn(round)) {
      // Tokens are the server's own: each measurement starts afresh.
      ListWorkload lists(list_in_flight);
      ok = ok &&
           MeasureLoop(target, list_name, kListMethod, &lists, list_in_flight);
    }
  }
  if (!ok) return 1;

  JsonObject by_label;
  for (const Target& target : targets) {
    by_label.AddRaw(target.label, TargetJson(target));
  }
  JsonObject out;
  out.Add("rounds", rounds)
      .Add("stream_runs_per_round", absl::GetFlag(FLAGS_stream_runs))
      .Add("warmup_s", absl::ToDoubleSeconds(absl::GetFlag(FLAGS_warmup)))
      .Add("duration_s", absl::ToDoubleSeconds(absl::GetFlag(FLAGS_duration)))
      .AddRaw("targets", by_label.Json());
  const std::string text = out.Json() + "\n";
  const std::string path = absl::GetFlag(FLAGS_out);
  if (path.empty()) {
    std::cout << text;
    return 0;
  }
  std::ofstream file(path);
  file << text;
  if (!file) {
    LogError("cannot write ", path);
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace newsmeta

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "The load client of the serving benchmark.\n"
      "  newsmeta-serving-load --targets LABEL=HOST:PORT[,LABEL=HOST:PORT] "
      "[--server_pids PID[,PID]] [--out FILE]");
  absl::ParseCommandLine(argc, argv);
  return newsmeta::Run();
}
