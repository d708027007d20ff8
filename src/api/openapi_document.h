// The OpenAPI 3.1 document served at /openapi.json: the static part written by hand
// (src/api/openapi/openapi.json, embedded: api/web_assets.h) plus, per job type the node's
// handlers serve, its payload schema (components/schemas/Payload.<type>) and a submit body for
// that type, discriminated by "type" (Submit.<type>, gathered in SubmitTyped). A type served
// only by external workers has no schema here: it is submitted through SubmitOtherType.
// When a route is added, add it to the static part: OpenApiTest fails until both agree.
// Pure functions of the registry; thread-safe.
#pragma once

#include <boost/json/array.hpp>
#include <string>

namespace conveyor {
class HandlerRegistry;
}

namespace conveyor::api {

// The whole document as JSON text.
std::string OpenApiDocument(const HandlerRegistry& handlers);

// GET /types' list: [{"type", "aliases": [...], "payload_schema": {...}}] sorted by type.
boost::json::array JobTypesJson(const HandlerRegistry& handlers);

}  // namespace conveyor::api
