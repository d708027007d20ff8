// `conveyor bench --auth`: the bench measured with API keys on. Each phase's store gets one key
// with the admin scope (every route the bench calls), made straight in the store before the
// phase's first server starts, as `conveyor keys create` would; every server of the phase then
// runs with --auth on and every request carries that key (BenchServerSpec::api_key). A server
// must prove it checks keys before it is measured, so an "auth on" figure cannot silently be
// an auth-off one. Main thread only.
#pragma once

#include <string>

#include "bench/suite/bench_context.h"

namespace conveyor::bench {

class BenchServer;

// The key of phase `db_dir`'s store (ctx.StoreUrl(db_dir)): made on the first call, the same
// text after that. Throws BenchFailure when the store cannot be opened or the key not made.
std::string PhaseApiKey(const BenchContext& ctx, const std::string& db_dir);

// Throws BenchFailure unless GET /api/v1/admin/stats answers 401 without a key and 200 with
// the server's key.
void MustRefuseAnonymous(const BenchServer& server);

}  // namespace conveyor::bench
