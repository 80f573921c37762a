/**
 * The committed Alibaba schemas (`npm run generate:aliyun`) must be what the vendor's SDK models
 * generate, and the door must use them for every action it serves.
 *
 * RAM and ResourceManager are regenerated here from the pinned npm SDKs and must match byte for byte.
 * CloudSSO's SDK is not on npm, so its sources cannot be read in CI. What is checked without them:
 * its committed schemas still hash to what the generator recorded from the sources (no hand edit),
 * OpenCIC's additions re-merge to the same files, and the generator's loader for SDK *sources* reads
 * the RAM package's own `src/` exactly as the compiled package does. With OPENCIC_CLOUDSSO_SDK_DIR
 * naming a checkout of aliyun/alibabacloud-typescript-sdk's `cloudsso-20210515`, CloudSSO is
 * regenerated from it and must match byte for byte too.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { after, before, describe, test } from "node:test";
import {
  ADDITION,
  CLOUDSSO,
  generate,
  gitCommit,
  loadPackage,
  loadSources,
  NPM_PRODUCTS,
  OUTPUTS,
  productSchemas,
  type SchemaFile,
  schemaHash,
  sourceHash,
} from "../../scripts/generate-aliyun-schemas.js";
import type { ActionTable, Product } from "../../src/dialects/aliyun/action.js";
import { cloudssoActions } from "../../src/dialects/aliyun/actions/cloudsso.js";
import { imsActions } from "../../src/dialects/aliyun/actions/ims.js";
import { ramActions } from "../../src/dialects/aliyun/actions/ram.js";
import { resourceManagerActions } from "../../src/dialects/aliyun/actions/resource-manager.js";
import { decodeParams } from "../../src/dialects/aliyun/params.js";
import { encodeAnswer, withRequestId } from "../../src/dialects/aliyun/responses.js";
import { isVendorAction, requestSpec } from "../../src/dialects/aliyun/schemas.js";
import { REQUEST_ADDITIONS, REQUIRED, RESPONSE_ADDITIONS, RULES } from "../../src/dialects/aliyun/wire-spec.js";
import { aliyunClient, expectAliyunError } from "../helpers/aliyun.js";
import { startServer, type TestServer } from "../helpers/harness.js";

const require = createRequire(import.meta.url);
const TABLES: Record<Product, ActionTable> = { cloudsso: cloudssoActions, ram: ramActions, resourcemanager: resourceManagerActions, ims: imsActions };
const committed = { requests: readFileSync(OUTPUTS.requests, "utf8"), responses: readFileSync(OUTPUTS.responses, "utf8"), types: readFileSync(OUTPUTS.types, "utf8") };
const requests = JSON.parse(committed.requests) as SchemaFile;
const responses = JSON.parse(committed.responses) as SchemaFile;

test("RAM and ResourceManager regenerate byte for byte from the pinned SDKs; CloudSSO's additions and the types re-merge to the committed files", async () => {
  const generated = await generate({ committed });
  assert.equal(committed.requests, generated.requests, "stale request schemas: run `npm run generate:aliyun`");
  assert.equal(committed.responses, generated.responses, "stale response schemas: run `npm run generate:aliyun`");
  assert.equal(committed.types, generated.types, "stale generated/types.ts: run `npm run generate:aliyun`");
  const pins = (JSON.parse(readFileSync("package.json", "utf8")) as { devDependencies: Record<string, string> }).devDependencies;
  for (const p of NPM_PRODUCTS) {
    assert.deepEqual(requests.products[p.product].source, { package: p.package, version: pins[p.package] }, `${p.product} comes from the pinned ${p.package}`);
    assert.equal(requests.products[p.product].version, p.version);
  }
});

test("CloudSSO: the committed schemas are what the recorded SDK sources generated", async (t) => {
  const source = requests.products.cloudsso.source;
  assert.ok("commit" in source, "CloudSSO records the sources it came from");
  assert.deepEqual(responses.products.cloudsso.source, source);
  assert.equal(source.repository, CLOUDSSO.repository);
  assert.equal(source.path, CLOUDSSO.path);
  assert.match(source.commit, /^[0-9a-f]{40}$/);
  assert.match(source.sourceHash, /^sha256:[0-9a-f]{64}$/);
  // The hash the generator wrote over what the sources gave (additions aside): a hand edit of the committed schemas breaks it.
  assert.equal(schemaHash(requests.products.cloudsso.actions, responses.products.cloudsso.actions), source.schemaHash, "the committed CloudSSO schemas were edited by hand: regenerate them from the SDK sources");

  const dir = process.env.OPENCIC_CLOUDSSO_SDK_DIR;
  if (!dir) {
    t.diagnostic("OPENCIC_CLOUDSSO_SDK_DIR is unset: CloudSSO checked against its recorded hash only, not regenerated from the SDK sources");
    return;
  }
  assert.equal(sourceHash(dir), source.sourceHash, `${dir} holds other sources than the ones recorded (commit ${source.commit})`);
  const generated = await generate({ cloudssoDir: dir, cloudssoCommit: gitCommit(dir) ?? source.commit, committed });
  assert.equal(committed.requests, generated.requests, "CloudSSO request schemas differ from what the SDK sources generate");
  assert.equal(committed.responses, generated.responses, "CloudSSO response schemas differ from what the SDK sources generate");
  t.diagnostic(`CloudSSO regenerated from ${dir}`);
});

test("the generator reads SDK sources (as it reads CloudSSO's) exactly as it reads the compiled package", async () => {
  // The npm package ships its TypeScript sources beside the build: the CloudSSO loader must see the same models.
  const root = dirname(require.resolve("@alicloud/ram20150501/package.json"));
  const fromSources = loadSources(root);
  const fromPackage = loadPackage("@alicloud/ram20150501");
  assert.equal(fromSources.version, fromPackage.version);
  assert.deepEqual(await productSchemas(fromSources.sdk, "2015-05-01"), await productSchemas(fromPackage.sdk, "2015-05-01"));
  assert.ok(readFileSync(join(root, "src/client.ts"), "utf8").includes("createUserWithOptions"));
});

test("the generated schemas say what the SDK models say", () => {
  const cloudsso = requests.products.cloudsso.actions;
  // A shrink parameter travels as one JSON text; repeat lists keep their item model.
  assert.deepEqual(cloudsso.GetUserId!.properties!.ExternalId, { type: "object", properties: { Id: { type: "string" }, Issuer: { type: "string" } }, "x-wire": "json" });
  assert.deepEqual(cloudsso.CreateUser!.properties!.Tags, { type: "array", items: { type: "object", properties: { Key: { type: "string" }, Value: { type: "string" } } } });
  assert.deepEqual(Object.keys(requests.products.ram.actions.CreateUser!.properties!), ["Comments", "DisplayName", "Email", "MobilePhone", "UserName"]);
  assert.deepEqual(requests.products.cloudsso.actions.EnableService, { type: "object", properties: {} }, "an action without parameters");
  assert.deepEqual(Object.keys(responses.products.ram.actions.ListUsers!.properties!.Users!.properties!), ["User"], "RAM wraps lists as {User: [...]}");
  // Every action of the SDKs, built or not, so an unbuilt action is told apart from a nonexistent one.
  assert.ok(isVendorAction("ims", "CreateSAMLProvider") && !TABLES.ims.CreateSAMLProvider);
  assert.equal(isVendorAction("cloudsso", "NoSuchAction"), false);
  for (const product of Object.keys(TABLES) as Product[]) {
    assert.deepEqual(Object.keys(responses.products[product].actions), Object.keys(requests.products[product].actions), `one response schema per ${product} action`);
  }
  // OpenCIC's additions are in the files, marked, and nowhere else.
  const events = responses.products.cloudsso.actions.ListUserProvisioningEvents!.properties!.UserProvisioningEvents!.items!.properties!;
  assert.equal(typeof events.GmtCreate![ADDITION], "string");
  assert.equal(events.CreateTime![ADDITION], undefined);
  assert.equal(typeof requests.products.resourcemanager.actions.ListAccounts!.properties!.QueryKeyword![ADDITION], "string");
  const marked = (file: string) => file.split(`"${ADDITION}"`).length - 1;
  const count = (additions: typeof RESPONSE_ADDITIONS) => Object.values(additions).flatMap((a) => Object.values(a!).flat()).reduce((n, add) => n + Object.keys(add.fields).length, 0);
  assert.equal(marked(committed.requests), count(REQUEST_ADDITIONS));
  assert.equal(marked(committed.responses), count(RESPONSE_ADDITIONS));
});

test("every action the door serves has its vendor schemas, and the door's rules name its parameters", () => {
  for (const [product, table] of Object.entries(TABLES) as [Product, ActionTable][]) {
    for (const [action, handler] of Object.entries(table)) {
      assert.deepEqual([handler.product, handler.action], [product, action], "a handler knows its product and action");
      assert.ok(requestSpec(product, action), `${product} ${action} has a request schema`);
      assert.ok(responses.products[product].actions[action], `${product} ${action} has a response schema`);
      assert.doesNotThrow(() => encodeAnswer(product, action, {}), `${product} ${action} has a serializer`);
    }
    const params = (action: string) => Object.keys(requests.products[product].actions[action]?.properties ?? {});
    for (const [action, names] of Object.entries((REQUIRED as Record<Product, Record<string, readonly string[]>>)[product])) {
      assert.ok(table[action], `REQUIRED names ${product} ${action}, which the door does not serve`);
      for (const name of names) assert.ok(params(action).includes(name), `REQUIRED: ${product} ${action} has no parameter ${name}`);
    }
    for (const [action, rules] of Object.entries(RULES[product])) {
      assert.ok(table[action], `RULES names ${product} ${action}, which the door does not serve`);
      for (const name of Object.keys(rules)) assert.ok(params(action).includes(name), `RULES: ${product} ${action} has no parameter ${name}`);
    }
  }
});

test("parameters are decoded by the request schema: flattened or JSON lists, integers, booleans; unknown ones ignored", () => {
  const listAccounts = { product: "resourcemanager", action: "ListAccounts" } as const;
  const flat = decodeParams(listAccounts, { "Tag.1.Key": "env", "Tag.1.Value": "dev", "Tag.2.Key": "team", PageSize: "20", IncludeTags: "TRUE", Unknown: "x", QueryKeyword: "" });
  // Flattened objects are made without a prototype (a field named __proto__ is a field): compared as JSON.
  assert.deepEqual(JSON.parse(JSON.stringify(flat)), { PageSize: 20, IncludeTags: true, QueryKeyword: "", Tag: [{ Key: "env", Value: "dev" }, { Key: "team" }] });
  const json = decodeParams(listAccounts, { Tag: '[{"Key":"env","Value":"dev"},{"Key":"team"}]' });
  assert.deepEqual(json, { Tag: [{ Key: "env", Value: "dev" }, { Key: "team" }] });
  const getUserId = { product: "cloudsso", action: "GetUserId" } as const;
  assert.deepEqual(decodeParams(getUserId, { DirectoryId: "d-1", ExternalId: '{"Id":"x","Issuer":"SCIM"}' }), { DirectoryId: "d-1", ExternalId: { Id: "x", Issuer: "SCIM" } });
  const refused = (p: typeof listAccounts | typeof getUserId, params: Record<string, string>, reason: string, field: string) =>
    assert.throws(() => decodeParams(p, params), (e: any) => e.reason === reason && e.field === field);
  refused(listAccounts, { "Tag.1": "x" }, "request.invalid_value", "Tag");
  refused(listAccounts, { "Tag.1.Key": "a", "Tag.3.Key": "b" }, "request.invalid_value", "Tag");
  refused(listAccounts, { PageSize: "1.5" }, "request.invalid_value", "PageSize");
  refused(listAccounts, { PageSize: "101" }, "request.invalid_value", "PageSize");
  refused(getUserId, { DirectoryId: "d-1", ExternalId: '{"Id":1}' }, "request.invalid_value", "ExternalId");
  refused(getUserId, { DirectoryId: "d-1", ExternalId: "" }, "request.missing_parameter", "ExternalId");
});

test("answers are written as the response schema declares them", () => {
  const user = { UserId: "200000001", UserName: "bob", DisplayName: "Bob", CreateDate: "2026-12-05T10:00:00Z", UpdateDate: "2026-12-05T10:00:00Z" };
  assert.deepEqual(JSON.parse(encodeAnswer("ram", "GetUser", { User: user })), { User: user });
  assert.deepEqual(JSON.parse(encodeAnswer("ram", "GetUser", { User: { ...user, Secret: "x" }, RequestId: "mine", Code: "200", Extra: 1 })), { User: user }, "undeclared fields, RequestId and Code never reach the wire");
  assert.equal(encodeAnswer("ram", "GetUser", { User: { UserName: "bob", Email: null, Comments: undefined } }), '{"User":{"UserName":"bob"}}', "absent and null fields are omitted");
  assert.equal(encodeAnswer("ram", "GetUser", { User: { UserName: 'quote " backslash \\ emoji 😀' } }), JSON.stringify({ User: { UserName: 'quote " backslash \\ emoji 😀' } }));
  assert.equal(encodeAnswer("ram", "DeleteUser", {}), "{}");
  // A value of another type than the declared one is a bug, not something to send (the serializer alone would coerce it).
  assert.throws(() => encodeAnswer("ram", "GetUser", { User: { UserName: 5 } }));
  assert.throws(() => encodeAnswer("ram", "GetUser", { User: "bob" }));
  assert.throws(() => encodeAnswer("ram", "ListUsers", { IsTruncated: "no" }));
  assert.throws(() => encodeAnswer("ram", "ListUsers", { Users: { User: {} } }));
  assert.throws(() => encodeAnswer("ram", "NoSuchAction", {}));
  // OpenCIC's documented additions are written; the vendor's own fields beside them too.
  const event = { EventId: "e-1", CreateTime: "2026-12-05T10:00:00Z", GmtCreate: "2026-12-05T10:00:00Z", Content: "{}", Undeclared: "x" };
  assert.deepEqual(JSON.parse(encodeAnswer("cloudsso", "GetUserProvisioningEvent", { UserProvisioningEvent: event })), { UserProvisioningEvent: { EventId: "e-1", CreateTime: "2026-12-05T10:00:00Z", GmtCreate: "2026-12-05T10:00:00Z", Content: "{}" } });
  assert.equal(withRequestId('{"User":{}}', "R-1"), '{"User":{},"RequestId":"R-1"}');
  assert.equal(withRequestId("{}", "R-1"), '{"RequestId":"R-1"}');
});

describe("a handler's answer of the wrong type, through the door", () => {
  let server: TestServer;
  const listUsers = ramActions.ListUsers!;
  const run = listUsers.run;
  before(async () => {
    server = await startServer("sqlite");
  });
  after(async () => {
    listUsers.run = run;
    await server?.close();
  });

  test("is InternalError in the normal envelope, and a good answer is written by the schema", async () => {
    const ram = aliyunClient(server, server.root, "ram");
    listUsers.run = async () => ({ IsTruncated: false, Users: { User: [{ UserName: "x", Undeclared: "y" }] } });
    assert.deepEqual((await ram.call("ListUsers")).Users, { User: [{ UserName: "x" }] });
    listUsers.run = async () => ({ IsTruncated: "maybe" });
    // The full envelope (RequestId, HostId, Recommend) is checked by expectAliyunError.
    const err = await expectAliyunError(ram.call("ListUsers"), "InternalError", 500);
    assert.equal(typeof err.data.Message, "string");
  });
});
