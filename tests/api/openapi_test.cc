// /openapi.json against the router (the document and the routes are the same set, each with its
// access rule), the per-type payload schemas, /types, and the docs pages and their assets.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>
#include <tuple>

#include "api/router.h"
#include "api_fixture.h"

namespace conveyor::api::testing {
namespace {

namespace json = boost::json;
using http::verb;

// "/jobs/{id}/deliveries/{n}" → "/jobs/{}/deliveries/{}": parameter names may differ.
std::string Normalized(std::string_view pattern) {
  std::string out;
  bool in_param = false;
  for (const char c : pattern) {
    if (c == '{') in_param = true;
    if (!in_param || c == '{' || c == '}') out += c;
    if (c == '}') in_param = false;
  }
  return out;
}

// Follows a local "$ref" ("#/components/schemas/Job"); null when it names nothing.
const json::value* Resolve(const json::value& doc, std::string_view ref) {
  if (!ref.starts_with("#/")) return nullptr;
  json::error_code ec;
  const json::value* v = doc.find_pointer(ref.substr(1), ec);
  return ec ? nullptr : v;
}

// Every "$ref" under `v` that names nothing in `doc`.
void CollectDanglingRefs(const json::value& doc, const json::value& v, std::vector<std::string>* out) {
  if (const json::object* o = v.if_object()) {
    for (const auto& [k, child] : *o) {
      if (k == "$ref" && child.is_string() && !Resolve(doc, child.as_string())) {
        out->emplace_back(child.as_string());
      }
      CollectDanglingRefs(doc, child, out);
    }
  } else if (const json::array* a = v.if_array()) {
    for (const json::value& child : *a) CollectDanglingRefs(doc, child, out);
  }
}

class OpenApiTest : public ApiFixture {
 protected:
  json::value MustDocument() {
    const Reply r = client().Get("/openapi.json");
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.Header("Content-Type"), "application/json");
    return json::parse(r.body);
  }
};

TEST_F(OpenApiTest, TheDocumentDescribesExactlyTheRoutesOfTheRouterWithTheirAccess) {
  const json::value doc = MustDocument();
  EXPECT_EQ(doc.at("openapi").as_string(), "3.1.0");
  using Route = std::tuple<std::string, std::string, std::string>;  // method, path, access
  std::set<Route> documented, served;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, operation] : item.as_object()) {
      const json::object& op = operation.as_object();
      ASSERT_TRUE(op.contains("responses")) << method << " " << path;
      EXPECT_FALSE(op.at("responses").as_object().empty()) << method << " " << path;
      documented.insert({std::string(method), Normalized(path),
                         std::string(op.at("x-conveyor-access").as_string())});
    }
  }
  for (const Router::RouteInfo& r : server_->Routes()) {
    std::string method(http::to_string(r.method));
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    served.insert({method, Normalized(r.pattern), std::string(AccessName(r.access))});
  }
  EXPECT_EQ(documented, served) << "a route was added, removed or its access changed: "
                                   "update src/api/openapi/openapi.json";
}

TEST_F(OpenApiTest, EveryReferenceResolves) {
  const json::value doc = MustDocument();
  std::vector<std::string> dangling;
  CollectDanglingRefs(doc, doc, &dangling);
  EXPECT_TRUE(dangling.empty()) << dangling.front();
}

TEST_F(OpenApiTest, EachServedTypeHasItsPayloadSchemaAndADiscriminatedSubmitBody) {
  const json::value doc = MustDocument();
  const json::object& schemas = doc.at("components").at("schemas").as_object();
  for (const std::string& type : registry_.Types()) {
    SCOPED_TRACE(type);
    ASSERT_TRUE(schemas.contains("Payload." + type));
    EXPECT_EQ(json::serialize(schemas.at("Payload." + type)),
              json::serialize(json::parse(registry_.Find(type)->PayloadSchema())));
    EXPECT_TRUE(schemas.contains("Submit." + type));
  }
  const json::object& mapping =
      schemas.at("SubmitTyped").at("discriminator").at("mapping").as_object();
  EXPECT_EQ(mapping.at("square_sum").as_string(), "#/components/schemas/Submit.square_sum");
  EXPECT_EQ(mapping.at("send_email").as_string(), "#/components/schemas/Submit.email.send")
      << "an alias is submitted with its type's payload";
  EXPECT_EQ(schemas.at("SubmitBody").at("oneOf").at(0).at("$ref").as_string(),
            "#/components/schemas/SubmitTyped");
}

TEST_F(OpenApiTest, TypesListsEachHandlerTypeWithAliasesAndSchema) {
  const Reply r = client().Get("/api/v1/types");
  ASSERT_EQ(r.status, 200u) << r.body;
  std::vector<std::string> listed;
  const json::value answer = r.Json();
  for (const json::value& t : answer.at("types").as_array()) {
    const std::string type(t.at("type").as_string());
    listed.push_back(type);
    if (type == "email.send") {
      EXPECT_EQ(json::serialize(t.at("aliases")), R"(["send_email"])");
    }
    if (type == "square_sum") {
      EXPECT_EQ(json::serialize(t.at("payload_schema").at("required")), R"(["data"])");
    }
  }
  EXPECT_EQ(listed, registry_.Types());
}

TEST_F(OpenApiTest, DocsPagesLoadOnlyAssetsOfThisServer) {
  for (const char* page : {"/docs", "/redoc", "/api/v1/docs"}) {
    SCOPED_TRACE(page);
    const Reply r = client().Get(page);
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.Header("Content-Type"), "text/html; charset=utf-8");
    EXPECT_NE(r.body.find("/docs/assets/"), std::string::npos);
    EXPECT_EQ(r.body.find("https://"), std::string::npos) << "no CDN: the page works offline";
  }
}

TEST_F(OpenApiTest, AssetsAreImmutableAndRevalidateWithTheirETag) {
  const Reply r = client().Get("/docs/assets/swagger-ui-bundle.js");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.Header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_GT(r.body.size(), 100'000u);
  EXPECT_EQ(r.Header("Cache-Control"), "public, max-age=31536000, immutable");
  const std::string etag = r.Header("ETag");
  ASSERT_EQ(etag.size(), 18u) << etag;  // 16 hex digits, quoted
  const Reply again = client().Get("/docs/assets/swagger-ui-bundle.js",
                                   {{"If-None-Match", "\"other\", W/" + etag}});
  EXPECT_EQ(again.status, 304u);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(again.Header("ETag"), etag);
  EXPECT_EQ(client().Get("/docs/assets/swagger-ui-bundle.js", {{"If-None-Match", "\"x\""}}).status,
            200u);
}

TEST_F(OpenApiTest, AnUnknownAssetIsAProblem404) {
  const Reply r = client().Get("/docs/assets/missing.js");
  EXPECT_EQ(r.status, 404u);
  EXPECT_TRUE(r.IsProblem()) << r.body;
  EXPECT_EQ(client().Get("/docs/assets/..%2Fdocs.html").status, 404u)
      << "only the assets/ entries are served by name";
}

}  // namespace
}  // namespace conveyor::api::testing
