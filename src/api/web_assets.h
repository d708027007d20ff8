// The web assets built into the binary: the Swagger UI and ReDoc bundles from web/node_modules
// (pinned by web/package-lock.json), our pages under web/src/, and the OpenAPI document's
// static part (src/api/openapi/openapi.json). scripts/embed_web_assets.py generates the table
// at build time (CMakeLists.txt, "web assets"); nothing is read from disk at run time, so
// /docs works from any working directory and with no internet.
// Immutable static data: thread-safe.
#pragma once

#include <span>
#include <string_view>

namespace conveyor::api {

struct WebAsset {
  std::string_view name;          // "docs.html", "assets/swagger-ui-bundle.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view data;
  std::string_view etag;  // a quoted strong ETag: the first 16 hex digits of the SHA-256
};

// Every embedded asset, in the order the build listed them.
std::span<const WebAsset> WebAssets();

// The asset named `name`; null when there is none.
const WebAsset* FindWebAsset(std::string_view name);

}  // namespace conveyor::api
