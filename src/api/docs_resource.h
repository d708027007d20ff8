// Docs resource: GET /openapi.json (api/openapi_document.h), /docs (Swagger UI), /redoc (ReDoc),
// /docs/assets/{name} (their scripts and styles, built into the binary: api/web_assets.h) — all
// public, as the document describes routes, never data (docs/security.md) — and
// GET /types: the job types this node's handlers serve with their payload schemas (jobs:read),
// which the dashboard's submit form is built from.
// Assets are immutable for a build: a year's Cache-Control and a content ETag; a matching
// If-None-Match gets a 304. Stateless; safe on any io thread.
#pragma once

#include <string_view>

#include "api/router.h"
#include "api/web_assets.h"

namespace conveyor::api {

struct RequestContext;

// Answers with `asset` (built into the binary), its ETag and `cache_control`, or a 304 when the
// request's If-None-Match names the ETag. The dashboard's files go out the same way.
void ServeWebAsset(RequestContext& ctx, const WebAsset& asset, std::string_view cache_control);

void RegisterDocsRoutes(Router& router);

}  // namespace conveyor::api
