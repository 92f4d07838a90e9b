// newsmeta-gen-seeds: writes a deterministic corpus of seed documents.
//
//   newsmeta-gen-seeds --count 20000 --out /tmp/seeds [--seed 7]
//
// Exit codes: 0 when written, 1 when writing fails, 2 on bad flags.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gen_seeds/corpus.h"

ABSL_FLAG(int, count, 1000, "Number of seed documents to write (at least 1).");
ABSL_FLAG(std::string, out, "",
          "Folder to write the corpus into; created if missing. Required.");
ABSL_FLAG(uint64_t, seed, 1,
          "Seed of the generator; the same seed and count give the same "
          "bytes on every machine.");

namespace newsmeta {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitWriteFailed = 1;
constexpr int kExitBadFlags = 2;

int BadFlags(absl::string_view why) {
  std::fprintf(stderr, "newsmeta-gen-seeds: %s\nTry --help.\n",
               std::string(why).c_str());
  return kExitBadFlags;
}

// absl::ParseCommandLine exits with 1 on an unknown flag or a bad value; we
// promise 2, so check the arguments first. Returns an empty string when they
// look right (ParseCommandLine then handles --help and the rest).
std::string CheckArguments(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") {
      if (i + 1 < argc)
        return absl::StrCat("unexpected argument \"", argv[i + 1], "\"");
      break;
    }
    if (!absl::ConsumePrefix(&arg, "--") && !absl::ConsumePrefix(&arg, "-")) {
      return absl::StrCat("unexpected argument \"", argv[i], "\"");
    }
    absl::string_view name = arg;
    absl::string_view value;
    bool has_value = false;
    if (const size_t equals = arg.find('='); equals != arg.npos) {
      name = arg.substr(0, equals);
      value = arg.substr(equals + 1);
      has_value = true;
    }
    // Usage flags are not registered flags; ParseCommandLine handles them.
    if (absl::StartsWith(name, "help") || name == "version" ||
        name == "only_check_args") {
      return "";
    }
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr && absl::StartsWith(name, "no")) {
      absl::CommandLineFlag* negated =
          absl::FindCommandLineFlag(name.substr(2));
      if (negated != nullptr && negated->IsOfType<bool>()) continue;
    }
    if (flag == nullptr) return absl::StrCat("unknown flag --", name);
    if (flag->IsOfType<bool>()) continue;
    if (!has_value) {
      if (i + 1 >= argc) return absl::StrCat("flag --", name, " needs a value");
      value = argv[++i];
    }
    // Only our own flags are tried here (ParseFrom sets them; the command
    // line parser sets them again to the same value).
    if (name == "count" || name == "out" || name == "seed") {
      std::string error;
      if (!flag->ParseFrom(value, &error)) {
        return absl::StrCat("bad value \"", value, "\" for --", name, ": ",
                            error);
      }
    }
  }
  return "";
}

int Run(int argc, char** argv) {
  absl::FlagsUsageConfig usage;
  // --help lists the flags of this file (the binary's name does not match it).
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::EndsWith(file, "gen_seeds_main.cc");
  };
  usage.version_string = [] { return std::string("newsmeta-gen-seeds\n"); };
  absl::SetFlagsUsageConfig(usage);
  absl::SetProgramUsageMessage(
      "Writes a deterministic corpus of newsmeta seed documents.\n"
      "Usage: newsmeta-gen-seeds --count N --out DIR [--seed S]");
  if (const std::string error = CheckArguments(argc, argv); !error.empty()) {
    return BadFlags(error);
  }
  absl::ParseCommandLine(argc, argv);

  CorpusOptions options;
  options.count = absl::GetFlag(FLAGS_count);
  options.seed = absl::GetFlag(FLAGS_seed);
  const std::string out = absl::GetFlag(FLAGS_out);
  if (options.count < 1) {
    return BadFlags(
        absl::StrCat("--count must be at least 1, got ", options.count));
  }
  if (out.empty()) return BadFlags("--out is required");

  const absl::Time start = absl::Now();
  CorpusStats stats;
  const absl::Status status = WriteCorpus(options, out, &stats);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (!status.ok()) {
    std::fprintf(stderr, "newsmeta-gen-seeds: %s (after %lld files)\n",
                 std::string(status.message()).c_str(),
                 static_cast<long long>(stats.files));
    return kExitWriteFailed;
  }
  std::printf(
      "wrote %lld seed documents, %lld bytes (mean %lld), to \"%s\" with "
      "seed %llu in %.3f s (%.0f documents/s)\n",
      static_cast<long long>(stats.files), static_cast<long long>(stats.bytes),
      static_cast<long long>(stats.files > 0 ? stats.bytes / stats.files : 0),
      out.c_str(), static_cast<unsigned long long>(options.seed), seconds,
      seconds > 0 ? stats.files / seconds : 0.0);
  return kExitOk;
}

}  // namespace
}  // namespace newsmeta

int main(int argc, char** argv) { return newsmeta::Run(argc, argv); }
