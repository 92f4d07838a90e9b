// newsmeta-client: queries a newsmeta server from the command line.
//
//   newsmeta-client [--target=localhost:50051] list|stream|summary
//       --topic "AI Hardware" --from 2023-07-01 --to 2023-07-31
//       [--provider D] [--filter F] [--text T] [--order_by O]
//       [--page_size N] [--json]
//   newsmeta-client get articles/0123456789abcdef [articles/...]
//   newsmeta-client health [--service newsmeta.v1.ArticleService]
//   newsmeta-client watch --topic T [--from D] [--resume TOKEN]
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/output.h"
#include "client/time_arg.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "newsmeta/v1/article_service.grpc.pb.h"

ABSL_FLAG(std::string, target, "localhost:50051",
          "Server address (any gRPC target, e.g. dns:///newsmeta:50051).");
ABSL_FLAG(std::string, load_balancing, "pick_first",
          "pick_first, or round_robin to spread calls over every address the "
          "target resolves to (e.g. dns:///newsmeta-headless:50051).");
ABSL_FLAG(std::vector<std::string>, topic, {},
          "Topics to match, any of them (comma-separated).");
ABSL_FLAG(std::string, from, "",
          "Earliest publish time: a date (2023-07-01) or an RFC 3339 time.");
ABSL_FLAG(std::string, to, "",
          "Latest publish time: a date, inclusive of that whole day, or an "
          "RFC 3339 time, exclusive.");
ABSL_FLAG(std::vector<std::string>, provider, {},
          "Provider domains to match, any of them (comma-separated).");
ABSL_FLAG(std::string, order_by, "",
          "Sort keys, e.g. \"quality desc, publish_time desc\" (default: "
          "publish_time desc).");
ABSL_FLAG(std::string, filter, "",
          "AIP-160 filter, e.g. 'quality >= 50 AND topics:\"AI\"'.");
ABSL_FLAG(std::string, text, "",
          "Full-text search in title and excerpt: words, \"phrases\", -word.");
ABSL_FLAG(int, top_n, 10, "summary: how many topics and providers to show.");
ABSL_FLAG(std::string, interval, "month",
          "summary: histogram buckets: day, week, month or none.");
ABSL_FLAG(std::string, view, "", "basic or full (default: the RPC's own).");
ABSL_FLAG(int, page_size, 0, "list: articles per page (0: server default).");
ABSL_FLAG(std::string, page_token, "", "list: the page to fetch.");
ABSL_FLAG(bool, all, false, "list: follow next_page_token to the end.");
ABSL_FLAG(bool, json, false,
          "Print one article per line as canonical proto3 JSON.");
ABSL_FLAG(std::string, service, "", "health: the service to check.");
ABSL_FLAG(std::string, resume, "",
          "watch: the resume_token of the last event received, to continue "
          "right after it.");
ABSL_FLAG(int, max_events, 0,
          "watch: stop (exit 0) after this many events; 0: run until the "
          "server ends the call or the client is interrupted.");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(30),
          "Deadline of each call; 0 for none.");
ABSL_FLAG(bool, tls, false,
          "Connect with TLS, trusting the system's roots (implied by the "
          "other --tls_* flags).");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA certificates to trust for the server's certificate "
          "(default: the system's roots).");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM client certificate chain, for servers that require one "
          "(mutual TLS); with --tls_key.");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert.");
ABSL_FLAG(std::string, tls_server_name, "",
          "Name to check the server's certificate against, instead of the "
          "target's host.");
ABSL_FLAG(std::string, token, "",
          "Bearer token sent as 'authorization: Bearer <token>' (default: "
          "$NEWSMETA_TOKEN, which keeps it out of the process list).");

namespace newsmeta {
namespace {

namespace v1 = ::newsmeta::v1;
using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;

constexpr int kExitUsage = 2;

int Fail(const grpc::Status& status) {
  static const char* const kCodeNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  const int code = status.error_code();
  std::cerr << "error: "
            << (code >= 0 && code <= 16 ? kCodeNames[code] : "CODE") << " ("
            << code << "): " << status.error_message() << "\n"
            << DescribeErrorDetails(status.error_details());
  return EXIT_FAILURE;
}

int UsageError(absl::string_view message) {
  std::cerr << "error: " << message << "\n"
            << "usage: newsmeta-client [--target=HOST:PORT] "
               "list|stream|summary|get NAME...|health|watch [flags]; see "
               "--help\n";
  return kExitUsage;
}

// The bearer token, from --token or $NEWSMETA_TOKEN; empty: none.
std::string Token() {
  std::string token = absl::GetFlag(FLAGS_token);
  if (token.empty()) {
    if (const char* env = std::getenv("NEWSMETA_TOKEN")) token = env;
  }
  return token;
}

// Sets the deadline and the bearer token of a call.
void PrepareCall(grpc::ClientContext* context) {
  static const std::string token = Token();
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  const absl::Duration timeout = absl::GetFlag(FLAGS_timeout);
  if (timeout > absl::ZeroDuration()) {
    context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  }
}

// Keeps fractions of a second, as RFC 3339 arguments may have them.
void SetTimestamp(absl::Time time, google::protobuf::Timestamp* timestamp) {
  const int64_t seconds = absl::ToUnixSeconds(time);
  timestamp->set_seconds(seconds);
  timestamp->set_nanos(static_cast<int32_t>(
      (time - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
}

// Fills the query fields shared by ListArticlesRequest and
// StreamArticlesRequest from the flags.
template <typename Request>
absl::Status FillQuery(Request* request) {
  for (const std::string& topic : absl::GetFlag(FLAGS_topic)) {
    request->add_topics(topic);
  }
  for (const std::string& domain : absl::GetFlag(FLAGS_provider)) {
    request->add_provider_domains(domain);
  }
  if (const std::string from = absl::GetFlag(FLAGS_from); !from.empty()) {
    absl::StatusOr<absl::Time> time = ParseFromArg(from);
    if (!time.ok()) return time.status();
    SetTimestamp(*time, request->mutable_start_time());
  }
  if (const std::string to = absl::GetFlag(FLAGS_to); !to.empty()) {
    absl::StatusOr<absl::Time> time = ParseToArg(to);
    if (!time.ok()) return time.status();
    SetTimestamp(*time, request->mutable_end_time());
  }
  request->set_filter(absl::GetFlag(FLAGS_filter));
  request->set_text(absl::GetFlag(FLAGS_text));
  return absl::OkStatus();
}

// Adds the order and view flags to a List or Stream request.
template <typename Request>
absl::Status FillOrderAndView(Request* request) {
  request->set_order_by(absl::GetFlag(FLAGS_order_by));
  const std::string view = absl::GetFlag(FLAGS_view);
  if (view == "basic") {
    request->set_view(v1::ARTICLE_VIEW_BASIC);
  } else if (view == "full") {
    request->set_view(v1::ARTICLE_VIEW_FULL);
  } else if (!view.empty()) {
    return absl::InvalidArgumentError("--view must be basic or full");
  }
  return absl::OkStatus();
}

class Printer {
 public:
  Printer() : json_(absl::GetFlag(FLAGS_json)) {}
  void Print(const v1::Article& article) {
    if (json_) {
      std::cout << ArticleJson(article) << "\n";
      return;
    }
    if (!header_printed_) {
      std::cout << TableHeader() << "\n";
      header_printed_ = true;
    }
    std::cout << ArticleRow(article) << "\n";
  }
  // A line about the result; on stderr in JSON mode so stdout stays JSON.
  void Note(absl::string_view text) {
    (json_ ? std::cerr : std::cout) << text << "\n";
  }

 private:
  bool json_;
  bool header_printed_ = false;
};

int List(v1::ArticleService::Stub& stub) {
  v1::ListArticlesRequest request;
  absl::Status filled = FillQuery(&request);
  if (filled.ok()) filled = FillOrderAndView(&request);
  if (absl::Status status = filled; !status.ok()) {
    return UsageError(status.message());
  }
  request.set_page_size(absl::GetFlag(FLAGS_page_size));
  request.set_page_token(absl::GetFlag(FLAGS_page_token));
  Printer printer;
  int printed = 0;
  while (true) {
    grpc::ClientContext context;
    PrepareCall(&context);
    v1::ListArticlesResponse response;
    const grpc::Status status = stub.ListArticles(&context, request, &response);
    if (!status.ok()) return Fail(status);
    for (const v1::Article& article : response.articles()) {
      printer.Print(article);
    }
    printed += response.articles_size();
    if (!absl::GetFlag(FLAGS_all) || response.next_page_token().empty()) {
      printer.Note(absl::StrCat(printed, " of ", response.total_size(),
                                " matching articles"));
      if (!response.next_page_token().empty()) {
        printer.Note(absl::StrCat("next page: --page_token=",
                                  response.next_page_token()));
      }
      return EXIT_SUCCESS;
    }
    request.set_page_token(response.next_page_token());
  }
}

int Stream(v1::ArticleService::Stub& stub) {
  v1::StreamArticlesRequest request;
  absl::Status filled = FillQuery(&request);
  if (filled.ok()) filled = FillOrderAndView(&request);
  if (absl::Status status = filled; !status.ok()) {
    return UsageError(status.message());
  }
  grpc::ClientContext context;
  PrepareCall(&context);
  std::unique_ptr<grpc::ClientReader<v1::Article>> reader =
      stub.StreamArticles(&context, request);
  Printer printer;
  v1::Article article;
  int count = 0;
  while (reader->Read(&article)) {
    printer.Print(article);
    ++count;
  }
  const grpc::Status status = reader->Finish();
  if (!status.ok()) return Fail(status);
  printer.Note(absl::StrCat(count, " articles"));
  return EXIT_SUCCESS;
}

// watch: prints each event as it comes, one line each (TYPE, name, title,
// resume token), or as JSON with --json. --from bounds the backfill only;
// --timeout does not apply (a watch has no end).
int Watch(v1::ArticleService::Stub& stub) {
  v1::WatchArticlesRequest request;
  for (const std::string& topic : absl::GetFlag(FLAGS_topic)) {
    request.add_topics(topic);
  }
  for (const std::string& domain : absl::GetFlag(FLAGS_provider)) {
    request.add_provider_domains(domain);
  }
  if (const std::string from = absl::GetFlag(FLAGS_from); !from.empty()) {
    absl::StatusOr<absl::Time> time = ParseFromArg(from);
    if (!time.ok()) return UsageError(time.status().message());
    SetTimestamp(*time, request.mutable_backfill_start_time());
  }
  request.set_filter(absl::GetFlag(FLAGS_filter));
  request.set_text(absl::GetFlag(FLAGS_text));
  const std::string view = absl::GetFlag(FLAGS_view);
  if (view == "full") {
    request.set_view(v1::ARTICLE_VIEW_FULL);
  } else if (!view.empty() && view != "basic") {
    return UsageError("--view must be basic or full");
  }
  request.set_resume_token(absl::GetFlag(FLAGS_resume));
  grpc::ClientContext context;
  if (const std::string token = Token(); !token.empty()) {
    context.AddMetadata("authorization", "Bearer " + token);
  }
  std::unique_ptr<grpc::ClientReader<v1::ArticleEvent>> reader =
      stub.WatchArticles(&context, request);
  const bool json = absl::GetFlag(FLAGS_json);
  const int max_events = absl::GetFlag(FLAGS_max_events);
  v1::ArticleEvent event;
  std::string last_token;
  int count = 0;
  while (reader->Read(&event)) {
    last_token = event.resume_token();
    if (json) {
      std::string line;
      google::protobuf::util::JsonPrintOptions options;
      options.preserve_proto_field_names = false;
      (void)google::protobuf::util::MessageToJsonString(event, &line, options);
      std::cout << line << std::endl;
    } else {
      std::cout << v1::ArticleEvent::Type_Name(event.type()).substr(5) << "\t"
                << event.name() << "\t" << event.article().title() << "\t"
                << event.resume_token() << std::endl;
    }
    if (max_events > 0 && ++count >= max_events) {
      context.TryCancel();
      reader->Finish();
      return EXIT_SUCCESS;
    }
  }
  const grpc::Status status = reader->Finish();
  const auto& trailers = context.GetServerTrailingMetadata();
  if (auto it = trailers.find("newsmeta-resume-token");
      it != trailers.end() && it->second.size() > 0) {
    last_token = std::string(it->second.data(), it->second.size());
  }
  if (!last_token.empty()) {
    std::cerr << "resume with: --resume=" << last_token << "\n";
  }
  return status.ok() ? EXIT_SUCCESS : Fail(status);
}

// One name: GetArticle; several: BatchGetArticles (all or nothing).
int Get(v1::ArticleService::Stub& stub, const std::vector<std::string>& names) {
  const v1::ArticleView view = absl::GetFlag(FLAGS_view) == "basic"
                                   ? v1::ARTICLE_VIEW_BASIC
                                   : v1::ARTICLE_VIEW_UNSPECIFIED;
  grpc::ClientContext context;
  PrepareCall(&context);
  std::vector<v1::Article> articles;
  if (names.size() == 1) {
    v1::GetArticleRequest request;
    request.set_name(names[0]);
    request.set_view(view);
    articles.emplace_back();
    const grpc::Status status =
        stub.GetArticle(&context, request, &articles.back());
    if (!status.ok()) return Fail(status);
  } else {
    v1::BatchGetArticlesRequest request;
    for (const std::string& name : names) request.add_names(name);
    request.set_view(view);
    v1::BatchGetArticlesResponse response;
    const grpc::Status status =
        stub.BatchGetArticles(&context, request, &response);
    if (!status.ok()) return Fail(status);
    articles.assign(response.articles().begin(), response.articles().end());
  }
  for (const v1::Article& article : articles) {
    if (absl::GetFlag(FLAGS_json)) {
      std::cout << ArticleJson(article) << "\n";
    } else {
      std::cout << article.DebugString() << "\n";
    }
  }
  return EXIT_SUCCESS;
}

int Summary(v1::ArticleService::Stub& stub) {
  v1::SummarizeArticlesRequest request;
  if (absl::Status status = FillQuery(&request); !status.ok()) {
    return UsageError(status.message());
  }
  request.set_top_n(absl::GetFlag(FLAGS_top_n));
  const std::string interval = absl::GetFlag(FLAGS_interval);
  const char* date_format = "%Y-%m-%d";
  if (interval == "day") {
    request.set_histogram_interval(v1::HISTOGRAM_INTERVAL_DAY);
  } else if (interval == "week") {
    request.set_histogram_interval(v1::HISTOGRAM_INTERVAL_WEEK);
  } else if (interval == "month") {
    request.set_histogram_interval(v1::HISTOGRAM_INTERVAL_MONTH);
    date_format = "%Y-%m";
  } else if (interval != "none") {
    return UsageError("--interval must be day, week, month or none");
  }
  grpc::ClientContext context;
  PrepareCall(&context);
  v1::SummarizeArticlesResponse response;
  const grpc::Status status =
      stub.SummarizeArticles(&context, request, &response);
  if (!status.ok()) return Fail(status);
  if (absl::GetFlag(FLAGS_json)) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    (void)google::protobuf::util::MessageToJsonString(response, &json, options);
    std::cout << json << "\n";
    return EXIT_SUCCESS;
  }
  constexpr int kBarWidth = 50;
  std::cout << response.total_size() << " matching articles\n";
  std::vector<std::pair<std::string, int64_t>> rows;
  for (const v1::TopicCount& topic : response.topic_counts()) {
    rows.emplace_back(topic.topic(), topic.count());
  }
  std::cout << "\nTop topics\n" << BarChart(rows, kBarWidth);
  rows.clear();
  for (const v1::ProviderCount& provider : response.provider_counts()) {
    rows.emplace_back(
        absl::StrCat(provider.name(), " (", provider.domain(), ")"),
        provider.count());
  }
  std::cout << "\nTop providers\n" << BarChart(rows, kBarWidth);
  if (response.histogram_size() > 0) {
    rows.clear();
    for (const v1::HistogramBucket& bucket : response.histogram()) {
      rows.emplace_back(
          absl::FormatTime(date_format,
                           absl::FromUnixSeconds(bucket.start_time().seconds()),
                           absl::UTCTimeZone()),
          bucket.count());
    }
    std::cout << "\nPublished per " << interval << " (UTC)\n"
              << BarChart(rows, kBarWidth);
  }
  return EXIT_SUCCESS;
}

int Check(const std::shared_ptr<grpc::Channel>& channel) {
  std::unique_ptr<Health::Stub> stub = Health::NewStub(channel);
  HealthCheckRequest request;
  request.set_service(absl::GetFlag(FLAGS_service));
  grpc::ClientContext context;
  PrepareCall(&context);
  HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return Fail(status);
  std::cout << HealthCheckResponse::ServingStatus_Name(response.status())
            << "\n";
  return response.status() == HealthCheckResponse::SERVING ? EXIT_SUCCESS
                                                           : EXIT_FAILURE;
}

absl::StatusOr<std::string> ReadPemFlag(absl::string_view flag,
                                        const std::string& path) {
  if (path.empty()) return std::string();
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (!in || !(text << in.rdbuf())) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " ", path, ": cannot read the file"));
  }
  return text.str();
}

// Plaintext, or TLS when any --tls* flag is given.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> Credentials(
    grpc::ChannelArguments* channel_args) {
  const std::string ca = absl::GetFlag(FLAGS_tls_ca);
  const std::string cert = absl::GetFlag(FLAGS_tls_cert);
  const std::string key = absl::GetFlag(FLAGS_tls_key);
  const std::string server_name = absl::GetFlag(FLAGS_tls_server_name);
  if (!absl::GetFlag(FLAGS_tls) && ca.empty() && cert.empty() && key.empty() &&
      server_name.empty()) {
    return grpc::InsecureChannelCredentials();
  }
  if (cert.empty() != key.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert and --tls_key must be given together");
  }
  grpc::SslCredentialsOptions ssl;
  for (auto [flag, path, pem] :
       {std::make_tuple("tls_ca", ca, &ssl.pem_root_certs),
        std::make_tuple("tls_cert", cert, &ssl.pem_cert_chain),
        std::make_tuple("tls_key", key, &ssl.pem_private_key)}) {
    absl::StatusOr<std::string> text = ReadPemFlag(flag, path);
    if (!text.ok()) return text.status();
    *pem = *std::move(text);
  }
  if (!server_name.empty()) channel_args->SetSslTargetNameOverride(server_name);
  return grpc::SslCredentials(ssl);
}

int Run(const std::vector<char*>& args) {
  if (args.size() < 2) return UsageError("no command given");
  const std::string command = args[1];
  const std::string load_balancing = absl::GetFlag(FLAGS_load_balancing);
  if (load_balancing != "pick_first" && load_balancing != "round_robin") {
    return UsageError(
        absl::StrCat("--load_balancing must be pick_first or "
                     "round_robin, not \"",
                     load_balancing, "\""));
  }
  grpc::ChannelArguments channel_args;
  channel_args.SetLoadBalancingPolicyName(load_balancing);
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      Credentials(&channel_args);
  if (!credentials.ok()) return UsageError(credentials.status().message());
  const std::shared_ptr<grpc::Channel> channel = grpc::CreateCustomChannel(
      absl::GetFlag(FLAGS_target), *credentials, channel_args);
  std::unique_ptr<v1::ArticleService::Stub> stub =
      v1::ArticleService::NewStub(channel);
  if (command == "list" && args.size() == 2) return List(*stub);
  if (command == "stream" && args.size() == 2) return Stream(*stub);
  if (command == "get" && args.size() >= 3) {
    return Get(*stub, std::vector<std::string>(args.begin() + 2, args.end()));
  }
  if (command == "summary" && args.size() == 2) return Summary(*stub);
  if (command == "health" && args.size() == 2) return Check(channel);
  if (command == "watch" && args.size() == 2) return Watch(*stub);
  return UsageError(
      absl::StrCat("unknown command or wrong arguments: ", command));
}

}  // namespace
}  // namespace newsmeta

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Queries a newsmeta server.\n"
      "  newsmeta-client [--target=localhost:50051] list|stream "
      "[--topic T] [--from D] [--to D] [--provider P] [--json]\n"
      "  newsmeta-client get articles/ID [articles/ID2 ...]\n"
      "  newsmeta-client summary [query flags] [--top_n N] [--interval "
      "day|week|month|none]\n"
      "  newsmeta-client health [--service S]\n"
      "  newsmeta-client watch [query flags] [--from D] [--resume TOKEN] "
      "[--max_events N] [--json]");
  return newsmeta::Run(absl::ParseCommandLine(argc, argv));
}
