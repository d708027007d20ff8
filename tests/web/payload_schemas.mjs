// web.payload_schemas: each built-in type's payload schema as served by GET /api/v1/types,
// checked with ajv (JSON Schema 2020-12) against tests/handlers/payload_schema_cases.json — the
// cases on which handlers_test (PayloadSchemaTest) checks ValidatePayload. A schema that accepts
// a payload ValidatePayload refuses, or the reverse, fails here.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { check, requireWeb, withServer } from "./conveyor_server.mjs";

const Ajv2020 = requireWeb("ajv/dist/2020").default;
const addFormats = requireWeb("ajv-formats").default;
const casesPath = join(dirname(fileURLToPath(import.meta.url)), "..", "handlers",
                       "payload_schema_cases.json");
const cases = JSON.parse(readFileSync(casesPath, "utf8"));
delete cases["//"];

await withServer(async ({ base }) => {
  const { types } = await (await fetch(base + "/api/v1/types")).json();
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  let checked = 0;
  const wrong = [];
  for (const [type, { accept, reject }] of Object.entries(cases)) {
    const served = types.find((t) => t.type === type);
    check(served, `${type} is not served by conveyor serve`);
    const validate = ajv.compile(served.payload_schema);
    for (const p of accept) {
      if (!validate(p)) wrong.push(`${type} schema refuses ${JSON.stringify(p)}: ` +
                                   ajv.errorsText(validate.errors));
    }
    for (const p of reject) {
      if (validate(p)) wrong.push(`${type} schema accepts ${JSON.stringify(p)}`);
    }
    checked += accept.length + reject.length;
  }
  check(wrong.length === 0, "schemas and ValidatePayload disagree:\n" + wrong.join("\n"));
  console.log(`ok: ${Object.keys(cases).length} types, ${checked} payloads agree`);
});
