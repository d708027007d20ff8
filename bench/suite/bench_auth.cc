#include "bench/suite/bench_auth.h"

#include "bench/suite/bench_jobs.h"
#include "bench/suite/bench_server.h"
#include "core/clock.h"
#include "runtime/auth/key_admin.h"
#include "store/store_factory.h"

namespace conveyor::bench {
namespace {

constexpr const char* kProbeTarget = "/api/v1/admin/stats";  // admin scope: never public

std::string MakeKey(const std::string& url) {
  auto store = OpenStore(url);
  if (!store.ok()) {
    throw BenchFailure("--auth: cannot open " + RedactStoreSecrets(url, url) + ": " +
                       RedactStoreSecrets(store.status().message(), url));
  }
  if (Status s = (*store)->Migrate(); !s.ok()) {
    throw BenchFailure("--auth: cannot migrate " + RedactStoreSecrets(url, url) + ": " +
                       RedactStoreSecrets(s.message(), url));
  }
  auth::NewKeySpec spec{.name = "bench", .scopes = "admin"};
  auto created = auth::CreateApiKey(**store, *SystemClock::Default(), spec);
  if (!created.ok()) {
    throw BenchFailure("--auth: cannot create a key: " + created.status().message());
  }
  return created->key;
}

}  // namespace

std::string PhaseApiKey(const BenchContext& ctx, const std::string& db_dir) {
  auto known = ctx.api_keys.find(db_dir);
  if (known != ctx.api_keys.end()) return known->second;
  return ctx.api_keys[db_dir] = MakeKey(ctx.StoreUrl(db_dir));
}

void MustRefuseAnonymous(const BenchServer& server) {
  auto anonymous = HttpClient::Create(server.url());
  if (!anonymous.ok()) throw BenchFailure(anonymous.status().message());
  auto res = (*anonymous)->Get(kProbeTarget);
  if (!res.ok()) throw BenchFailure("--auth probe: " + res.status().message());
  if (res->status != 401) {
    throw BenchFailure("--auth: the " + server.name() + " server answered HTTP " +
                       std::to_string(res->status) + " to GET " + kProbeTarget +
                       " without a key (401 expected): its figures would be auth off");
  }
  FetchStats(*MustConnect(server));  // with the key: 200, or BenchFailure saying what came
}

}  // namespace conveyor::bench
