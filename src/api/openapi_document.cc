#include "api/openapi_document.h"

#include <boost/json.hpp>
#include <stdexcept>

#include "api/web_assets.h"
#include "handlers/handler_registry.h"

namespace conveyor::api {
namespace {

namespace json = boost::json;

std::string SchemaRef(std::string_view name) { return "#/components/schemas/" + std::string(name); }

// The aliases of `type` among the registry's names (Names() holds the types and their aliases).
json::array AliasesOf(const HandlerRegistry& handlers, const std::string& type) {
  json::array out;
  for (const std::string& name : handlers.Names()) {
    if (name != type && handlers.Resolve(name) == type) out.emplace_back(name);
  }
  return out;
}

// PayloadSchema texts are constants of the handlers; one that is not a JSON object is a bug in
// this build, so it throws (the session answers 500 and logs it; PayloadSchemaTest catches it).
json::value ParseSchema(std::string_view type, std::string_view text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    throw std::logic_error("the payload schema of " + std::string(type) + " is not a JSON object");
  }
  return v;
}

// {"allOf": [JobOptions, {type: const <type>, payload: Payload.<type>}]}; `type` may be an alias.
json::object SubmitFor(const json::array& names, std::string_view type) {
  json::object props{{"type", {{"enum", names}}},
                     {"payload", {{"$ref", SchemaRef("Payload." + std::string(type))}}}};
  json::object shape{{"type", "object"}, {"required", json::array{"type"}}, {"properties", props}};
  return {{"allOf", json::array{json::object{{"$ref", SchemaRef("JobOptions")}}, shape}}};
}

// Adds Payload.<type> and Submit.<type> per handler type, and SubmitTyped: one of them by "type",
// or SubmitOtherType (SubmitCanonical with any other type name) for externally served types.
void AddTypes(const HandlerRegistry& handlers, json::object& schemas) {
  json::array one_of;
  json::object mapping;
  json::array known;
  for (const std::string& type : handlers.Types()) {
    schemas["Payload." + type] = ParseSchema(type, handlers.Find(type)->PayloadSchema());
    json::array names = AliasesOf(handlers, type);
    names.insert(names.begin(), json::value(type));
    for (const json::value& n : names) {
      mapping[n.as_string()] = SchemaRef("Submit." + type);
      known.push_back(n);
    }
    schemas["Submit." + type] = SubmitFor(names, type);
    one_of.push_back(json::object{{"$ref", SchemaRef("Submit." + type)}});
  }
  json::object other_type{{"type", "string"}, {"not", {{"enum", known}}}};
  schemas["SubmitOtherType"] = {
      {"description", "a type served by external workers (declared with --external-types)"},
      {"allOf", json::array{json::object{{"$ref", SchemaRef("SubmitCanonical")}},
                            json::object{{"properties", {{"type", other_type}}}}}}};
  one_of.push_back(json::object{{"$ref", SchemaRef("SubmitOtherType")}});
  schemas["SubmitTyped"] = {{"oneOf", one_of},
                            {"discriminator", {{"propertyName", "type"}, {"mapping", mapping}}}};
}

}  // namespace

std::string OpenApiDocument(const HandlerRegistry& handlers) {
  const WebAsset* base = FindWebAsset("openapi.json");
  if (base == nullptr) throw std::logic_error("openapi.json is not among the embedded assets");
  json::value doc = json::parse(base->data);
  json::object& schemas = doc.at("components").at("schemas").as_object();
  AddTypes(handlers, schemas);
  // The canonical shape, per type now: the first of the submit body's shapes.
  schemas.at("SubmitBody").at("oneOf").as_array().at(0) = {{"$ref", SchemaRef("SubmitTyped")}};
  return json::serialize(doc);
}

json::array JobTypesJson(const HandlerRegistry& handlers) {
  json::array out;
  for (const std::string& type : handlers.Types()) {
    out.push_back(json::object{
        {"type", type},
        {"aliases", AliasesOf(handlers, type)},
        {"payload_schema", ParseSchema(type, handlers.Find(type)->PayloadSchema())}});
  }
  return out;
}

}  // namespace conveyor::api
