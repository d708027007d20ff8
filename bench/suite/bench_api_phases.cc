// Bench phases that measure the API alone (servers started with --workers 0, so only the request
// path and the store's inserts and reads are measured): ceilings, submit, batch submit, GET.
#include <memory>
#include <vector>

#include "bench/suite/bench_phases.h"
#include "store/postgres/pg_ceiling.h"
#include "store/sqlite/sqlite_ceiling.h"

namespace conveyor::bench {
namespace {

constexpr int kBatchConnections = 4;
constexpr int kStoreCeilingBatch = 1000;

void MeasureHttpCeiling(BenchContext& ctx) {
  BenchServer server(ServerSpec(ctx, "ceilings", 0, "ceilings"));
  LoadResult r = RunLoad(TimedLoad(server, ctx.options.connections, ctx.sizes.ceiling_s,
                                   [](uint64_t) { return LoadRequest{false, "/health", {}}; }));
  MustAllSucceed(r, "GET /health");
  ctx.http_ceiling_rps = r.OkPerSecond();
  ctx.Report({"HTTP ceiling (GET /health)", FormatCount(ctx.http_ceiling_rps) + " req/s", "",
              std::to_string(ctx.options.connections) + " keep-alive connections"});
  NoteLatency(ctx, r, "GET /health");
  server.Stop();
}

void MeasurePostgresCeiling(BenchContext& ctx) {
  auto rows = MeasurePostgresInsertCeiling(ctx.StoreUrl("store-ceiling"), ctx.sizes.store_rows,
                                           kStoreCeilingBatch);
  if (!rows.ok()) throw BenchFailure("store ceiling: " + rows.status().message());
  ctx.store_ceiling_rows_s = *rows;
  ctx.Report({"store ceiling (PostgreSQL inserts)", FormatCount(*rows) + " rows/s", "",
              FormatCount(ctx.sizes.store_rows) + " rows, " +
                  std::to_string(kStoreCeilingBatch) + " per transaction, pipelined"});
}

void MeasureStoreCeiling(BenchContext& ctx) {
  if (ctx.options.IsPostgres()) return MeasurePostgresCeiling(ctx);
  auto dir = ctx.PhaseDir("store-ceiling");
  auto rows = MeasureSqliteInsertCeiling(dir.string(), ctx.sizes.store_rows, kStoreCeilingBatch);
  if (!rows.ok()) throw BenchFailure("store ceiling: " + rows.status().message());
  ctx.store_ceiling_rows_s = *rows;
  ctx.Report({"store ceiling (SQLite inserts)", FormatCount(*rows) + " rows/s", "",
              FormatCount(ctx.sizes.store_rows) + " rows, " +
                  std::to_string(kStoreCeilingBatch) + " per transaction"});
}

}  // namespace

void RunCeilingsPhase(BenchContext& ctx) {
  ctx.Note("\n[ceilings] GET /health for " + FormatSeconds(ctx.sizes.ceiling_s) +
           "; raw durable SQLite inserts in the same temp dir");
  MeasureHttpCeiling(ctx);
  MeasureStoreCeiling(ctx);
}

void RunSubmitPhase(BenchContext& ctx) {
  ctx.Note("\n[submit] POST /jobs, one square_sum job per request, " +
           std::to_string(ctx.options.connections) + " connections, " +
           FormatSeconds(ctx.sizes.submit_s) + ", --workers 0");
  static const std::string body = SquareSumJob();
  BenchServer server(ServerSpec(ctx, "submit", 0, "submit"));
  int64_t cpu0 = server.CpuMicros();
  LoadResult r = RunLoad(TimedLoad(server, ctx.options.connections, ctx.sizes.submit_s,
                                   [](uint64_t) { return LoadRequest{true, "/api/v1/jobs", body}; }));
  int64_t cpu = server.CpuMicros() - cpu0;
  MustAllSucceed(r, "POST /jobs");
  double rate = r.OkPerSecond();
  ctx.Report({"submit (POST /jobs)", FormatCount(rate) + " jobs/s", ">= 30,000 jobs/s",
              ctx.Ceilings(true, true), rate >= 30000});
  NoteLatency(ctx, r, "submit");
  ctx.Note("    server CPU " + FormatMicros(static_cast<double>(cpu) / r.ok) + " per submit");
  server.Stop();
}

void RunBatchPhase(BenchContext& ctx) {
  int jobs = ctx.sizes.batch_requests * kBatchSize;
  ctx.Note("\n[batch] POST /jobs/batch, " + FormatCount(kBatchSize) + " jobs per request, " +
           FormatCount(jobs) + " jobs over " + std::to_string(kBatchConnections) +
           " connections, --workers 0");
  BenchServer server(ServerSpec(ctx, "batch", 0, "batch"));
  int64_t cpu0 = server.CpuMicros();
  LoadResult r = InsertJobs(server, jobs, kBatchConnections);
  int64_t cpu = server.CpuMicros() - cpu0;
  double rate = static_cast<double>(r.ok) * kBatchSize / r.elapsed_s;
  ctx.Report({"batch submit (POST /jobs/batch)", FormatCount(rate) + " jobs/s",
              ">= 200,000 jobs/s", ctx.Ceilings(false, true), rate >= 200000});
  NoteLatency(ctx, r, "per batch request");
  ctx.Note("    server CPU " + FormatMicros(static_cast<double>(cpu) / jobs) + " per job");
  server.Stop();
}

void RunGetPhase(BenchContext& ctx) {
  ctx.Note("\n[get] GET /jobs/{id} over " + FormatCount(ctx.sizes.get_jobs) + " jobs, " +
           std::to_string(ctx.options.connections) + " connections, " +
           FormatSeconds(ctx.sizes.get_s));
  BenchServer server(ServerSpec(ctx, "get", 0, "get"));
  std::vector<std::string> ids;
  InsertJobs(server, ctx.sizes.get_jobs, 1, &ids);
  if (ids.empty()) throw BenchFailure("GET phase: no job ids came back from the batch insert");
  for (auto& id : ids) id = "/api/v1/jobs/" + id;
  LoadResult r = RunLoad(TimedLoad(server, ctx.options.connections, ctx.sizes.get_s,
                                   [&ids](uint64_t seq) {
                                     return LoadRequest{false, ids[seq % ids.size()], {}};
                                   }));
  MustAllSucceed(r, "GET /jobs/{id}");
  double rate = r.OkPerSecond();
  ctx.Report({"GET /jobs/{id}", FormatCount(rate) + " req/s", ">= 50,000 req/s",
              ctx.Ceilings(true, false), rate >= 50000});
  NoteLatency(ctx, r, "GET /jobs/{id}");
  server.Stop();
}

}  // namespace conveyor::bench
