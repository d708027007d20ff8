// The dashboard (web/dashboard/, built into the binary: api/web_assets.h) at /dashboard/: its
// page, modules, style sheet and uPlot. The files are public — they hold no data; every view
// reads the API with the signed-in session or key, under that principal's scopes
// (docs/security.md, "Dashboard login"). Every answer carries a strict Content-Security-Policy:
// nothing but this server's own scripts, styles and API.
#pragma once

#include "api/router.h"

namespace conveyor::api {

void RegisterDashboardRoutes(Router& router);

}  // namespace conveyor::api
