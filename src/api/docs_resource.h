// Docs resource: GET /openapi.json (api/openapi_document.h), /docs (Swagger UI), /redoc (ReDoc),
// /docs/assets/{name} (their scripts and styles, built into the binary: api/web_assets.h) — all
// public, as the document describes routes, never data (docs/security.md) — and
// GET /types: the job types this node's handlers serve with their payload schemas (jobs:read),
// which the dashboard's submit form is built from.
// Assets are immutable for a build: a year's Cache-Control and a content ETag; a matching
// If-None-Match gets a 304. Stateless; safe on any io thread.
#pragma once

#include "api/router.h"

namespace conveyor::api {

void RegisterDocsRoutes(Router& router);

}  // namespace conveyor::api
