/** The committed request schemas must be exactly what the pinned SDK's types generate (`npm run generate`). */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { generate, OUTPUT } from "../../scripts/generate-tencent-schemas.js";

test("request-schemas.json matches the SDK's request types", () => {
  assert.equal(readFileSync(OUTPUT, "utf8"), generate(), "stale generated schemas: run `npm run generate`");
});

test("the generated schemas say what the SDK types say", () => {
  const schemas = JSON.parse(readFileSync(OUTPUT, "utf8"));
  const member = schemas.products.organization.actions.CreateOrganizationMember;
  assert.deepEqual(member.required, ["Name", "PolicyType", "PermissionIds", "NodeId", "AccountName"]);
  assert.equal(member.additionalProperties, false);
  assert.deepEqual(schemas.products.cam.actions.ListUsers, { type: "object", properties: {}, additionalProperties: false });
  assert.equal(schemas.products.organization.version, "2021-03-31");
  assert.equal(schemas.products.cam.version, "2019-01-16");
});
