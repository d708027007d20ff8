// The harnesses' main in the sanitized g++ build (`make test`; libFuzzer needs clang, whose whole
// second build of our libraries cost CI more time than its few seconds of fuzzing were worth).
// It takes run_fuzzer.sh's libFuzzer flags: replays every input of the given files and
// directories (the seed corpus, the regressions), then, for -max_total_time seconds, feeds
// mutations of them: byte flips, inserts, erases, repeats, splices and the -dict tokens. No
// coverage guidance: the corpus replay is what guards the fixes; `make fuzz` (clang, libFuzzer)
// is what searches. A crash or a failed FUZZ_CHECK leaves its input at -artifact_prefix (the
// sanitizer's death callback, or the SIGABRT handler, writes it) and the seed is printed, so
// CONVEYOR_FUZZ_SEED=<seed> repeats the run.
#include <fcntl.h>
#include <sanitizer/common_interface_defs.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

using Bytes = std::string;
constexpr size_t kMaxInput = 64 << 10;  // what the harnesses get from libFuzzer's default too

// The input being run, for the crash handlers (they may only write(2) what is already there).
const Bytes* g_current = nullptr;
std::string g_artifact;

void SaveCurrent() {
  if (g_current == nullptr || g_artifact.empty()) return;
  const int fd = open(g_artifact.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  const ssize_t ignored = write(fd, g_current->data(), g_current->size());
  (void)ignored;
  close(fd);
  const char note[] = "replay: the input that failed is in the artifact file named by -artifact_prefix\n";
  const ssize_t ignored2 = write(STDERR_FILENO, note, sizeof note - 1);
  (void)ignored2;
}

void OnAbort(int) {
  SaveCurrent();
  signal(SIGABRT, SIG_DFL);
  raise(SIGABRT);
}

void Run(const Bytes& input) {
  g_current = &input;
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  g_current = nullptr;
}

void AddFile(const std::filesystem::path& p, std::vector<Bytes>* out) {
  std::ifstream in(p, std::ios::binary);
  out->emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (out->back().size() > kMaxInput) out->back().resize(kMaxInput);
}

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A libFuzzer dictionary: one "token" per line (\\, \" and \xNN escapes); # comments.
std::vector<Bytes> ReadDict(const std::string& path) {
  std::vector<Bytes> tokens;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const size_t open = line.find('"');
    const size_t close = line.rfind('"');
    if (line.empty() || line[0] == '#' || open == std::string::npos || close <= open) continue;
    Bytes t;
    for (size_t i = open + 1; i < close; ++i) {
      if (line[i] != '\\' || i + 1 >= close) {
        t += line[i];
      } else if (line[i + 1] == 'x' && i + 3 < close && Hex(line[i + 2]) >= 0 &&
                 Hex(line[i + 3]) >= 0) {
        t += static_cast<char>(Hex(line[i + 2]) * 16 + Hex(line[i + 3]));
        i += 3;
      } else {
        t += line[++i];
      }
    }
    tokens.push_back(std::move(t));
  }
  return tokens;
}

class Mutator {
 public:
  Mutator(uint64_t seed, const std::vector<Bytes>& corpus, const std::vector<Bytes>& dict)
      : rng_(seed), corpus_(corpus), dict_(dict) {}

  Bytes Next() {
    Bytes b = corpus_[Below(corpus_.size())];
    const size_t rounds = 1 + Below(4);
    for (size_t i = 0; i < rounds; ++i) Mutate(&b);
    if (b.size() > kMaxInput) b.resize(kMaxInput);
    return b;
  }

 private:
  size_t Below(size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  void Mutate(Bytes* b) {
    const size_t at = Below(b->size() + 1);
    switch (Below(6)) {
      case 0:  // flip a bit
        if (!b->empty()) (*b)[Below(b->size())] ^= static_cast<char>(1u << Below(8));
        break;
      case 1:  // insert random bytes
        b->insert(at, Below(8) + 1, static_cast<char>(Below(256)));
        break;
      case 2:  // erase a range
        if (!b->empty()) b->erase(Below(b->size()), Below(16) + 1);
        break;
      case 3:  // repeat a range
        if (!b->empty()) {
          const size_t from = Below(b->size());
          const Bytes piece = b->substr(from, Below(64) + 1);
          b->insert(at, piece);
        }
        break;
      case 4: {  // splice with another input
        const Bytes& other = corpus_[Below(corpus_.size())];
        *b = b->substr(0, at) + other.substr(Below(other.size() + 1));
        break;
      }
      default:  // a dictionary token
        if (!dict_.empty()) b->insert(at, dict_[Below(dict_.size())]);
        break;
    }
  }

  std::mt19937_64 rng_;
  const std::vector<Bytes>& corpus_;
  const std::vector<Bytes>& dict_;
};

bool Flag(std::string_view arg, std::string_view name, std::string* value) {
  if (arg.substr(0, name.size()) != name) return false;
  *value = std::string(arg.substr(name.size()));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 0;
  std::string dict_path, artifact_prefix, value;
  std::vector<Bytes> corpus;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (Flag(arg, "-max_total_time=", &value)) {
      seconds = std::atof(value.c_str());
    } else if (Flag(arg, "-dict=", &value)) {
      dict_path = value;
    } else if (Flag(arg, "-artifact_prefix=", &value)) {
      artifact_prefix = value;
    } else if (arg.substr(0, 1) == "-") {
      continue;  // libFuzzer's other flags (-timeout, -rss_limit_mb, …): the sanitizers' own limits apply
    } else if (std::filesystem::is_directory(argv[i])) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(argv[i])) {
        if (e.is_regular_file()) AddFile(e.path(), &corpus);
      }
    } else if (std::filesystem::is_regular_file(argv[i])) {
      AddFile(argv[i], &corpus);
    }
  }
  const pid_t pid = getpid();
  g_artifact = artifact_prefix.empty() ? "" : artifact_prefix + "crash-" + std::to_string(pid);
  __sanitizer_set_death_callback(SaveCurrent);
  signal(SIGABRT, OnAbort);

  for (const Bytes& input : corpus) Run(input);
  std::fprintf(stderr, "replay: %zu inputs replayed\n", corpus.size());
  if (corpus.empty()) corpus.emplace_back();

  const char* seed_env = std::getenv("CONVEYOR_FUZZ_SEED");
  const uint64_t seed = seed_env != nullptr ? std::strtoull(seed_env, nullptr, 10)
                                            : std::random_device()();
  std::fprintf(stderr, "replay: mutating for %.0f s, CONVEYOR_FUZZ_SEED=%llu\n", seconds,
               static_cast<unsigned long long>(seed));
  const std::vector<Bytes> dict = dict_path.empty() ? std::vector<Bytes>() : ReadDict(dict_path);
  Mutator mutator(seed, corpus, dict);
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  size_t runs = 0;
  while (std::chrono::steady_clock::now() < end) {
    const Bytes input = mutator.Next();
    Run(input);
    ++runs;
  }
  std::fprintf(stderr, "replay: %zu mutated inputs ran\n", runs);
  return 0;
}
