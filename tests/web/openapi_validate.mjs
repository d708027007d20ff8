// web.openapi_validate: /openapi.json of a real server passes a standard OpenAPI 3.1 validator
// (@seriousme/openapi-schema-validator: the official 3.1 JSON Schemas on ajv), every $ref in it
// resolves, and every schema under components/schemas compiles as a JSON Schema 2020-12.
import { pathToFileURL } from "node:url";
import { check, requireWeb, withServer } from "./conveyor_server.mjs";

const { Validator } = await import(
  pathToFileURL(requireWeb.resolve("@seriousme/openapi-schema-validator")).href);
const Ajv2020 = requireWeb("ajv/dist/2020").default;
const addFormats = requireWeb("ajv-formats").default;

await withServer(async ({ base }) => {
  const doc = await (await fetch(base + "/openapi.json")).json();
  const validator = new Validator();
  const result = await validator.validate(doc);
  check(result.valid, "not a valid OpenAPI document: " + JSON.stringify(result.errors, null, 1));
  check(validator.version === "3.1", `validated as OpenAPI ${validator.version}, not 3.1`);
  validator.resolveRefs();  // throws on a $ref that names nothing
  // The OpenAPI meta-schema leaves Schema Objects to their dialect: compile each one.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, "openapi.json");
  const schemas = Object.keys(doc.components.schemas);
  for (const name of schemas) {
    ajv.getSchema("openapi.json#/components/schemas/" + name.replaceAll("~", "~0"));
  }
  console.log(`ok: OpenAPI ${validator.version}, ${Object.keys(doc.paths).length} paths, ` +
              `${schemas.length} schemas compiled`);
});
