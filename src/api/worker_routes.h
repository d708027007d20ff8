// Worker routes: what an external worker does with a leased job — POST /jobs/{id}/heartbeat,
// /complete and /fail, and POST /completions for many completions in one request and one
// store transaction (docs/api.md, "Worker routes"). Every one presents the job's lease token;
// a stale or unknown token is a 409 and changes nothing, an unknown job a 404. Each handler
// parses, calls ExternalLeases once on a helper thread (the store may fsync), and serialises;
// the rules (lease extension, cancel on fail, backoff) live in the runtime.
// Stateless; safe on any io thread.
#pragma once

#include "api/router.h"

namespace conveyor::api {

void RegisterWorkerRoutes(Router& router);

}  // namespace conveyor::api
