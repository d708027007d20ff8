// Artifacts resource: GET /jobs/{id}/artifact[?name=report.csv] — the files a job left in its
// artifact directory (<data-dir>/artifacts/<job id>/), such as csv.validate's report.json.
// Without `name` it serves the file the job's result_ref names; with `name`, another file of the
// same job. Content-Type follows the extension (.json, .csv, .txt; else octet-stream) and
// Content-Disposition names the file. 404 problem+json when the job does not exist, has no
// artifact, or has no file of that name; 400 for a malformed id; 422 for a name that is not a
// plain file name. Stateless; the handler is safe on any io thread.
#pragma once

#include "api/router.h"

namespace conveyor::api {

void RegisterArtifactRoutes(Router& router);

}  // namespace conveyor::api
