// Bench phase: submit→start latency at a fixed rate. `noop` jobs are submitted at a paced rate;
// the client notes each request's send time and ack time (system clock, µs), the handler
// records when it started ({"started_at_us": N}); both clocks are this machine's.
#include <boost/json.hpp>
#include <optional>
#include <vector>

#include "bench/suite/bench_phases.h"

namespace conveyor::bench {
namespace {

namespace json = boost::json;

constexpr int kPacedConnections = 32;  // enough that a slow ack never holds back the pace
constexpr int kFetchConnections = 16;
constexpr double kDrainTimeoutS = 120;

struct Sample {
  std::string id;
  int64_t sent_us = 0;
  int64_t acked_us = 0;
  int64_t started_us = 0;  // 0 until the result was fetched
};

std::string JsonField(std::string_view body, const char* key) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  const json::value* f = ec || !v.is_object() ? nullptr : v.get_object().if_contains(key);
  return f != nullptr && f->is_string() ? std::string(f->get_string()) : "";
}

// The result may be embedded as JSON or as JSON text.
int64_t StartedAt(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  const json::value* r = ec || !v.is_object() ? nullptr : v.get_object().if_contains("result");
  if (r == nullptr) return 0;
  json::value parsed = r->is_string() ? json::parse(r->get_string(), ec) : *r;
  const json::value* t = ec || !parsed.is_object() ? nullptr : parsed.get_object().if_contains("started_at_us");
  return t != nullptr && t->is_number() ? t->to_number<int64_t>() : 0;
}

LoadResult SubmitPaced(double rate, const BenchServer& server, std::vector<Sample>& samples) {
  static const std::string body = NoopJob();
  LoadSpec spec = LoadOn(server);
  spec.connections = kPacedConnections;
  spec.max_requests = samples.size();
  spec.rate_per_s = rate;
  spec.make_request = [](uint64_t) { return LoadRequest{true, "/api/v1/jobs", body}; };
  spec.on_response = [&samples](const LoadResponse& r) {
    samples[r.seq] = {JsonField(r.body, "id"), r.sent_at_us, r.acked_at_us, 0};
  };
  LoadResult r = RunLoad(spec);
  MustAllSucceed(r, "POST /jobs (noop)");
  return r;
}

void FetchStartTimes(const BenchServer& server, std::vector<Sample>& samples) {
  LoadSpec spec = LoadOn(server);
  spec.connections = kFetchConnections;
  spec.max_requests = samples.size();
  spec.make_request = [&samples](uint64_t seq) {
    return LoadRequest{false, "/api/v1/jobs/" + samples[seq].id + "/result", {}};
  };
  spec.on_response = [&samples](const LoadResponse& r) {
    samples[r.seq].started_us = StartedAt(r.body);
  };
  MustAllSucceed(RunLoad(spec), "GET /jobs/{id}/result");
}

// `label` names the set-up ("" for the single SQLite node); `p50_target_us` is the issue's.
void ReportLatencies(BenchContext& ctx, const std::vector<Sample>& samples,
                     const std::string& label, double p50_target_us, double p99_target_us) {
  std::vector<int32_t> from_send, from_ack;
  for (const auto& s : samples) {
    if (s.started_us == 0) continue;
    from_send.push_back(static_cast<int32_t>(s.started_us - s.sent_us));
    from_ack.push_back(static_cast<int32_t>(s.started_us - s.acked_us));
  }
  if (from_send.size() != samples.size()) {
    ctx.Note("    warning: " + FormatCount(samples.size() - from_send.size()) +
             " jobs had no started_at_us in their result");
  }
  double p50 = Percentile(from_send, 50), p99 = Percentile(from_send, 99);
  // The first set-up measured (SQLite, or PostgreSQL with LISTEN) is the due phase's ceiling.
  if (ctx.latency_p50_us == 0) ctx.latency_p50_us = p50;
  auto target = [](double us) { return us > 0 ? "<= " + FormatMicros(us) : std::string(); };
  auto meets = [](double v, double us) { return us > 0 ? std::optional<bool>(v <= us) : std::nullopt; };
  ctx.Report({"submit->start p50" + label, FormatMicros(p50), target(p50_target_us), "",
              meets(p50, p50_target_us)});
  ctx.Report({"submit->start p99" + label, FormatMicros(p99), target(p99_target_us), "",
              meets(p99, p99_target_us)});
  ctx.Report({"ack->start p50 / p99" + label, FormatMicros(Percentile(from_ack, 50)) + " / " +
                                          FormatMicros(Percentile(from_ack, 99)),
              "", "negative: started before the 201 was read"});
}


void RunSqliteLatency(BenchContext& ctx) {
  auto n = static_cast<std::size_t>(ctx.sizes.latency_s * ctx.sizes.latency_rate);
  ctx.Note("\n[latency] " + FormatCount(n) + " noop jobs at " +
           FormatCount(ctx.sizes.latency_rate) + " jobs/s on " +
           std::to_string(kPacedConnections) + " connections, " +
           std::to_string(ctx.options.workers) + " workers");
  BenchServer server(ServerSpec(ctx, "latency", ctx.options.workers, "latency"));
  std::vector<Sample> samples(n);
  int64_t cpu0 = server.CpuMicros();
  LoadResult r = SubmitPaced(ctx.sizes.latency_rate, server, samples);
  auto client = MustConnect(server);
  StatsSnapshot s = PollStatsUntil(*client, kDrainTimeoutS,
                                   [](const StatsSnapshot& st) { return st.Unfinished() == 0; });
  int64_t cpu = server.CpuMicros() - cpu0;
  ctx.Note("    submitted at " + FormatCount(r.OkPerSecond()) + " jobs/s");
  NoteLatency(ctx, r, "submit (ack)");
  FetchStartTimes(server, samples);
  ReportLatencies(ctx, samples, "", 1000, 5000);
  ctx.Report(CpuPerJobFigure("paced 1k/s, incl. idle", cpu, s.succeeded));
  server.Stop();
}

// PostgreSQL: jobs go in through an API-only node and run on a separate worker node, so the
// wake-up crosses processes the way it does between machines: by NOTIFY, or by polling with
// --no-listen.
void RunPostgresLatency(BenchContext& ctx, const std::string& db, bool listen) {
  constexpr double kRate = 500;
  auto n = static_cast<std::size_t>(ctx.sizes.latency_s * kRate);
  const std::string how = listen ? "LISTEN/NOTIFY" : "--no-listen, polling";
  ctx.Note("\n[latency] " + FormatCount(n) + " noop jobs at " + FormatCount(kRate) +
           " jobs/s into an API node, run by a worker node (" + how + ")");
  std::vector<std::string> extra;
  if (!listen) extra.push_back("--no-listen");
  BenchServerSpec api_spec = ServerSpec(ctx, db, 0, db + "-api");
  BenchServerSpec worker_spec = ServerSpec(ctx, db, ctx.options.workers, db + "-worker");
  api_spec.extra = worker_spec.extra = extra;
  BenchServer api(api_spec);
  BenchServer worker(worker_spec);
  std::vector<Sample> samples(n);
  LoadResult r = SubmitPaced(kRate, api, samples);
  auto client = MustConnect(api);
  PollStatsUntil(*client, kDrainTimeoutS, [](const StatsSnapshot& st) { return st.Unfinished() == 0; });
  NoteLatency(ctx, r, "submit (ack)");
  FetchStartTimes(api, samples);
  ReportLatencies(ctx, samples, " (PostgreSQL, " + how + ")", listen ? 5000 : 0, 0);
  worker.Stop();
  api.Stop();
}

}  // namespace

void RunLatencyPhase(BenchContext& ctx) {
  if (!ctx.options.IsPostgres()) return RunSqliteLatency(ctx);
  RunPostgresLatency(ctx, "latency", true);
  RunPostgresLatency(ctx, "latency-nolisten", false);
}

}  // namespace conveyor::bench
