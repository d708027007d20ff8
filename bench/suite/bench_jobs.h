// The bench's conversations with a server beyond raw load: request bodies, bulk inserts through
// POST /jobs/batch, reading /admin/stats, and waiting for a queue to drain. Everything throws
// BenchFailure on an unexpected answer. Main thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench/suite/load_generator.h"
#include "client/http_client.h"

namespace conveyor::bench {

using client::HttpClient;
using client::HttpResponse;

class BenchServer;

inline constexpr int kBatchSize = 1000;  // jobs per POST /jobs/batch, the API's maximum

// {"type":"square_sum","payload":{"data":[1,2,3,4,5]}}
std::string SquareSumJob();
// {"type":"noop","payload":{}}
std::string NoopJob();
// {"jobs":[job, job, ...]} with `count` copies.
std::string BatchBody(const std::string& job, int count);

// Inserts `jobs` (rounded up to whole batches) over `connections` connections; returns the
// load result (for the rate). With `ids`, collects the new jobs' ids (one connection is then
// used, so the order is the insert order).
LoadResult InsertJobs(const BenchServer& server, int jobs, int connections,
                      std::vector<std::string>* ids = nullptr);

struct StatsSnapshot {
  int64_t scheduled = 0, pending = 0, running = 0, retrying = 0;
  int64_t succeeded = 0, failed = 0, cancelled = 0, expired = 0, total = 0;

  int64_t Unfinished() const { return scheduled + pending + running + retrying; }
};

StatsSnapshot FetchStats(HttpClient& client);

// Waits until no job is SCHEDULED, PENDING, RUNNING or RETRYING, asking every 20 ms for one job of
// each of those states (an index seek each: the poll costs the server next to nothing, so the
// CPU per job it measures is the jobs'), then counts them all once; throws after `timeout_s`.
StatsSnapshot PollUntilDrained(HttpClient& client, double timeout_s);

// Polls /admin/stats every 50 ms (less often when a count is slow) until `done` holds; throws
// after `timeout_s`. Returns the last snapshot.
StatsSnapshot PollStatsUntil(HttpClient& client, double timeout_s,
                             const std::function<bool(const StatsSnapshot&)>& done);

// A client for the server's control calls; it sends the server's API key, if it has one.
std::unique_ptr<HttpClient> MustConnect(const BenchServer& server);

// A load aimed at the server: its port, and its Authorization header if it has an API key.
LoadSpec LoadOn(const BenchServer& server);

// Throws unless every request of the load got a 2xx.
void MustAllSucceed(const LoadResult& r, const std::string& what);

}  // namespace conveyor::bench
