/** The committed request and response schemas must be exactly what the pinned SDK's types generate (`npm run generate`). */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { generate, OUTPUTS } from "../../scripts/generate-tencent-schemas.js";
import { envelope } from "../../src/dialects/tencent/door.js";
import { responseSerializer } from "../../src/dialects/tencent/responses.js";

const generated = generate();

test("request-schemas.json and response-schemas.json match the SDK's types", () => {
  assert.equal(readFileSync(OUTPUTS.requests, "utf8"), generated.requests, "stale generated request schemas: run `npm run generate`");
  assert.equal(readFileSync(OUTPUTS.responses, "utf8"), generated.responses, "stale generated response schemas: run `npm run generate`");
});

test("the generated schemas say what the SDK types say", () => {
  const schemas = JSON.parse(readFileSync(OUTPUTS.requests, "utf8"));
  const member = schemas.products.organization.actions.CreateOrganizationMember;
  assert.deepEqual(member.required, ["Name", "PolicyType", "PermissionIds", "NodeId", "AccountName"]);
  assert.equal(member.additionalProperties, false);
  assert.deepEqual(schemas.products.cam.actions.ListUsers, { type: "object", properties: {}, additionalProperties: false });
  assert.equal(schemas.products.organization.version, "2021-03-31");
  assert.equal(schemas.products.cam.version, "2019-01-16");
  const responses = JSON.parse(readFileSync(OUTPUTS.responses, "utf8"));
  assert.deepEqual(Object.keys(responses.products.cam.actions.GetUser.properties), [
    "Uin", "Name", "Uid", "Remark", "ConsoleLogin", "PhoneNum", "CountryCode", "Email", "RecentlyLoginIP", "RecentlyLoginTime", "RequestId",
  ]);
  for (const product of ["organization", "cam"]) {
    assert.deepEqual(Object.keys(responses.products[product].actions), Object.keys(schemas.products[product].actions), `one response type per ${product} action`);
  }
});

test("answers are written as the SDK's response type declares them", () => {
  const getUser = responseSerializer("cam", "GetUser")!;
  const user = { Uin: 100000000002, Name: "bob", Uid: 1000001, Remark: null, ConsoleLogin: 1, PhoneNum: "", CountryCode: "", Email: "b@x.io", RecentlyLoginIP: null, RecentlyLoginTime: null };
  assert.deepEqual(JSON.parse(getUser(user)), user, "every declared field, nulls included");
  assert.deepEqual(JSON.parse(getUser({ ...user, Secret: "x", RequestId: "mine" })), user, "undeclared fields and RequestId never reach the wire");
  assert.equal(getUser({ Name: 'quote " backslash \\ control \u0001 emoji 😀' }), JSON.stringify({ Name: 'quote " backslash \\ control \u0001 emoji 😀' }));
  assert.throws(() => getUser({ Uin: "not a number" }), "a value of the wrong type is a bug, not something to send");
  const listUsers = responseSerializer("cam", "ListUsers")!;
  const data = [{ Uin: 1, Name: "a", Uid: 2, Remark: "", ConsoleLogin: 0, PhoneNum: "", CountryCode: "", Email: "", CreateTime: "2026-12-05 10:00:00", NickName: "a" }];
  assert.deepEqual(JSON.parse(listUsers({ Data: data })), { Data: data }, "nested declared types");
  assert.equal(listUsers({ Data: null }), '{"Data":null}');
  assert.equal(responseSerializer("cam", "NoSuchAction"), undefined);
  assert.equal(envelope(getUser({ Name: "x" }), "5e4d1b70-0000-4000-8000-000000000000"), '{"Response":{"Name":"x","RequestId":"5e4d1b70-0000-4000-8000-000000000000"}}');
  assert.equal(envelope("{}", "5e4d1b70-0000-4000-8000-000000000000"), '{"Response":{"RequestId":"5e4d1b70-0000-4000-8000-000000000000"}}');
});
