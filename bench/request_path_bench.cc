// Per-job CPU of the submit path's pure parts: body → JobSpec, ids and fingerprint, Job → JSON.
// Compare their sum with the "server CPU/job" figure of `conveyor bench` (target <= 40 us):
// what is left over is HTTP, the store and scheduling.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "api/job_json.h"
#include "api/submit_request.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/job.h"

namespace conveyor {
namespace {

constexpr const char* kSubmitBody = R"({"type":"square_sum","payload":{"data":[1,2,3,4,5]}})";

std::string BatchBody(int n) {
  std::string out = "{\"jobs\":[";
  for (int i = 0; i < n; ++i) out += (i ? "," : "") + std::string(kSubmitBody);
  return out + "]}";
}

Job SampleJob() {
  Job job;
  job.id = NewUuidV7(1'700'000'000'000);
  job.type = "square_sum";
  job.payload = R"({"data":[1,2,3,4,5]})";
  job.created_at = job.updated_at = job.run_at = 1'700'000'000'000;
  job.request_hash = Fingerprint(kSubmitBody);
  return job;
}

void BM_ParseSubmitBody(benchmark::State& state) {
  for (auto _ : state) {
    std::vector<JobSpec> specs;
    auto err = api::ParseSubmitBody(kSubmitBody, {}, &specs);
    benchmark::DoNotOptimize(err);
    benchmark::DoNotOptimize(specs);
  }
}
BENCHMARK(BM_ParseSubmitBody);

void BM_ParseBatchBody1000(benchmark::State& state) {
  const std::string body = BatchBody(1000);
  for (auto _ : state) {
    std::vector<JobSpec> specs;
    auto err = api::ParseBatchBody(body, {}, &specs);
    benchmark::DoNotOptimize(err);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_ParseBatchBody1000);

void BM_JobToJson(benchmark::State& state) {
  const Job job = SampleJob();
  const api::CreateAnswer created{.is_new = true};
  for (auto _ : state) {
    benchmark::DoNotOptimize(api::JobToJson(job, Dialect::kSucceeded, &created));
  }
}
BENCHMARK(BM_JobToJson);

void BM_NewUuidV7(benchmark::State& state) {
  TimeMs now = 1'700'000'000'000;
  for (auto _ : state) benchmark::DoNotOptimize(NewUuidV7(now));
}
BENCHMARK(BM_NewUuidV7);

void BM_Fingerprint(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Fingerprint(kSubmitBody));
}
BENCHMARK(BM_Fingerprint);

}  // namespace
}  // namespace conveyor
