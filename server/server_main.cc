// newsmeta-server: loads the seeds and serves newsmeta.v1.ArticleService,
// health and reflection over gRPC.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "catalog/catalog.h"
#include "loader/seed_loader.h"
#include "service/newsmeta_server.h"
#include "util/flag_env.h"
#include "util/log.h"

ABSL_FLAG(std::string, seeds, "seeds",
          "Folder of seed documents, read recursively.");
ABSL_FLAG(std::string, host, "[::]",
          "Address to listen on; [::] means every interface (IPv6 and IPv4).");
ABSL_FLAG(int, port, 50051, "Port to listen on; 0 picks a free one.");
ABSL_FLAG(bool, strict, false,
          "Exit with code 2 when any seed file is rejected.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "On SIGTERM or SIGINT, how long in-flight calls may take to finish "
          "before they are cancelled.");
ABSL_FLAG(int64_t, max_seed_bytes, 4 << 20,
          "Seed files larger than this many bytes are rejected unread.");

namespace newsmeta {
namespace {

// Exit codes.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitRejectedSeeds = 2;

// Sent to ourselves to wake the main thread when loading fails.
constexpr int kLoadFailedSignal = SIGUSR1;

std::atomic<int> load_exit_code{kExitOk};

void StopForLoadFailure(int exit_code) {
  load_exit_code = exit_code;
  kill(getpid(), kLoadFailedSignal);
}

void LoadCatalog(const std::string& seeds, const LoaderOptions& options,
                 bool strict, NewsmetaServer* server) {
  const absl::Time start = absl::Now();
  absl::StatusOr<LoadResult> loaded = LoadSeedFolder(seeds, options);
  if (!loaded.ok()) {
    if (!absl::IsCancelled(loaded.status())) {
      LogError("cannot load seeds: ", loaded.status().message());
      StopForLoadFailure(kExitFailure);
    }
    return;
  }
  Catalog::BuildResult built = Catalog::Build(std::move(loaded->articles));
  for (absl::Status& rejection : built.rejections) {
    loaded->rejections.push_back(std::move(rejection));
  }
  for (const absl::Status& rejection : loaded->rejections) {
    LogWarning("rejected seed ", rejection.message());
  }
  LogInfo("loaded ", built.catalog->size(), " articles from \"", seeds,
          "\" in ", absl::FormatDuration(absl::Now() - start), "; rejected ",
          loaded->rejections.size(), " files");
  if (strict && !loaded->rejections.empty()) {
    LogError("--strict: ", loaded->rejections.size(),
             " seed files were rejected; exiting with code ",
             kExitRejectedSeeds);
    StopForLoadFailure(kExitRejectedSeeds);
    return;
  }
  server->ServeCatalog(std::move(built.catalog));
  LogInfo("health is SERVING");
}

int Run() {
  // Signals are taken by sigwait below, never by a handler, so every thread
  // must block them; threads inherit the mask, so block before creating any.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, kLoadFailedSignal);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const std::string address =
      absl::StrCat(absl::GetFlag(FLAGS_host), ":", absl::GetFlag(FLAGS_port));
  absl::StatusOr<std::unique_ptr<NewsmetaServer>> server =
      NewsmetaServer::Start(address);
  if (!server.ok()) {
    LogError(server.status().message());
    return kExitFailure;
  }
  LogInfo("listening on ", absl::GetFlag(FLAGS_host), ":", (*server)->port(),
          " (health NOT_SERVING until the seeds are loaded)");

  std::atomic<bool> cancel_loading{false};
  LoaderOptions options;
  options.max_file_bytes = absl::GetFlag(FLAGS_max_seed_bytes);
  options.cancel = &cancel_loading;
  std::thread loader(LoadCatalog, absl::GetFlag(FLAGS_seeds), options,
                     absl::GetFlag(FLAGS_strict), server->get());

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  cancel_loading = true;
  const absl::Duration grace = absl::GetFlag(FLAGS_shutdown_grace);
  if (signal_number != kLoadFailedSignal) {
    LogInfo("received ", strsignal(signal_number),
            "; health is NOT_SERVING, in-flight calls have ",
            absl::FormatDuration(grace), " to finish");
  }
  loader.join();
  (*server)->Shutdown(grace);
  LogInfo("stopped");
  return signal_number == kLoadFailedSignal ? load_exit_code.load() : kExitOk;
}

}  // namespace
}  // namespace newsmeta

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Serves news-article metadata loaded from seed documents over gRPC.\n"
      "Each flag may also be set by the environment variable NEWSMETA_<FLAG>, "
      "e.g. NEWSMETA_SEEDS; the command line wins.");
  const absl::Status env = newsmeta::ApplyEnvironmentFallbacks(
      "NEWSMETA_",
      {"seeds", "host", "port", "strict", "shutdown_grace", "max_seed_bytes"});
  if (!env.ok()) {
    newsmeta::LogError(env.message());
    return 1;
  }
  absl::ParseCommandLine(argc, argv);
  return newsmeta::Run();
}
