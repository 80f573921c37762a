/**
 * Bad input of every kind to the SCIM endpoint, on each engine: each gets a 4xx SCIM error and the
 * store is unchanged (a snapshot of every table before and after), never a 5xx.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ENGINES, snapshot, startServer, type TestServer } from "../helpers/harness.js";
import { ERROR, GROUP_SCHEMA, newGroup, newTenant, newUser, patch, type ScimAnswer, type Tenant, USER_SCHEMA } from "../helpers/scim.js";

type Case = [label: string, method: string, path: string, body?: unknown, opts?: { raw?: string; headers?: Record<string, string> }];

const deepJson = (depth: number): unknown => {
  let v: unknown = "x";
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
};

for (const engine of ENGINES) {
  describe(`SCIM bad input (${engine})`, () => {
    let server: TestServer;
    let t: Tenant;
    let userId = "";
    let groupId = "";
    before(async () => {
      server = await startServer(engine);
      t = await newTenant(server);
      userId = (await t.scim("POST", "/Users", newUser("target@example.com", { displayName: "Target" }))).body.id;
      groupId = (await t.scim("POST", "/Groups", newGroup("Target Group", { members: [{ value: userId }] }))).body.id;
      assert.equal((await t.scim("POST", "/Users", newUser("other@example.com"))).status, 201);
    });
    after(() => server?.close());

    async function refused(c: Case): Promise<ScimAnswer> {
      const [label, method, path, body, opts] = c;
      const before = await snapshot(server.store);
      const a = await t.scim(method, path, body, opts);
      assert.ok(a.status >= 400 && a.status < 500, `${label}: expected a 4xx, got ${a.status} ${a.text.slice(0, 300)}`);
      assert.match(a.headers.get("content-type") ?? "", /^application\/scim\+json/, label);
      assert.deepEqual(a.body?.schemas, [ERROR], `${label}: ${a.text.slice(0, 300)}`);
      assert.equal(a.body.status, String(a.status), label);
      assert.equal(await snapshot(server.store), before, `${label} changed the store`);
      return a;
    }

    test("a Bulk operation with a control character fails alone; the others are applied", async () => {
      const BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
      const a = await t.scim("POST", "/Bulk", {
        schemas: [BULK],
        Operations: [
          { method: "POST", path: "/Users", bulkId: "bad", data: newUser("bulk-nul@example.com", { displayName: "a\u0000b" }) },
          { method: "PATCH", path: "/Users/u-a\u0000b", data: patch({ op: "replace", path: "displayName", value: "x" }) },
          { method: "POST", path: "/Users", bulkId: "good", data: newUser("bulk-good@example.com") },
        ],
      });
      assert.equal(a.status, 200, a.text.slice(0, 300));
      const statuses = (a.body.Operations as { status: string; response?: { scimType?: string } }[]).map((o) => [o.status, o.response?.scimType ?? null]);
      assert.deepEqual(statuses, [["400", "invalidValue"], ["404", null], ["201", null]]);
      const found = await t.scim("GET", `/Users?filter=${encodeURIComponent('userName eq "bulk-good@example.com"')}`);
      assert.equal(found.body.totalResults, 1);
      assert.equal((await t.scim("GET", `/Users?filter=${encodeURIComponent('userName eq "bulk-nul@example.com"')}`)).body.totalResults, 0);
    });

    test("malformed bodies, wrong content types and wrong schemas", async () => {
      const cases: Case[] = [
        ["malformed JSON", "POST", "/Users", undefined, { raw: '{"schemas":["' }],
        ["JSON that is not an object", "POST", "/Users", [1, 2]],
        ["null body", "POST", "/Users", undefined, { raw: "null" }],
        ["empty body", "POST", "/Users", undefined, { raw: "" }],
        ["text/plain", "POST", "/Users", undefined, { raw: JSON.stringify(newUser("plain@example.com")), headers: { "content-type": "text/plain" } }],
        ["no schemas", "POST", "/Users", { userName: "noschemas@example.com" }],
        ["the group schema on /Users", "POST", "/Users", { schemas: [GROUP_SCHEMA], userName: "wrong@example.com", displayName: "x" }],
        ["schemas not a list", "POST", "/Groups", { schemas: GROUP_SCHEMA, displayName: "x" }],
        ["PATCH without PatchOp schema", "PATCH", `/Users/${userId}`, { Operations: [{ op: "replace", path: "displayName", value: "x" }] }],
        ["PATCH malformed JSON", "PATCH", `/Groups/${groupId}`, undefined, { raw: "{" }],
        ["PUT malformed JSON", "PUT", `/Users/${userId}`, undefined, { raw: "[" }],
        ["search without SearchRequest schema", "POST", "/.search", { filter: "userName pr" }],
        ["bulk without BulkRequest schema", "POST", "/Bulk", { Operations: [] }],
      ];
      for (const c of cases) await refused(c);
      assert.equal((await refused(cases[0]!)).body.scimType, "invalidSyntax");
    });

    test("unknown operations, paths and attributes where they are wrong; wrong types", async () => {
      const cases: Case[] = [
        ["unknown op", "PATCH", `/Users/${userId}`, patch({ op: "frobnicate", path: "displayName", value: "x" })],
        ["no Operations", "PATCH", `/Users/${userId}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"] }],
        ["remove without path", "PATCH", `/Users/${userId}`, patch({ op: "remove" })],
        ["bad path", "PATCH", `/Users/${userId}`, patch({ op: "replace", path: "name..givenName", value: "x" })],
        ["broken value filter in a path", "PATCH", `/Users/${userId}`, patch({ op: "replace", path: "emails[type eq].value", value: "x" })],
        ["readOnly id", "PATCH", `/Users/${userId}`, patch({ op: "replace", path: "id", value: "u-other" })],
        ["userName a number", "POST", "/Users", newUser(42 as never)],
        ["userName missing", "POST", "/Users", { schemas: [USER_SCHEMA], displayName: "nameless" }],
        ["userName outside the charset", "POST", "/Users", newUser("has space@example.com")],
        ["userName too long", "POST", "/Users", newUser(`${"a".repeat(70)}@example.com`)],
        ["active not a boolean", "POST", "/Users", newUser("active@example.com", { active: "maybe" })],
        ["active a number by PATCH", "PATCH", `/Users/${userId}`, patch({ op: "replace", path: "active", value: 7 })],
        ["emails not a list", "POST", "/Users", newUser("emails@example.com", { emails: "x@example.com" })],
        ["email with a control character", "POST", "/Users", newUser("bademail@example.com", { emails: [{ value: "a\u0007@example.com" }] })],
        ["name a string", "POST", "/Users", newUser("name@example.com", { name: "Just A String" })],
        ["displayName with NUL", "POST", "/Users", newUser("nul@example.com", { displayName: "a\u0000b" })],
        ["displayName too long", "PATCH", `/Users/${userId}`, patch({ op: "replace", path: "displayName", value: "d".repeat(300) })],
        ["externalId not a string", "POST", "/Users", newUser("ext@example.com", { externalId: { id: 1 } })],
        ["kept attributes over 64 KB", "POST", "/Users", newUser("big@example.com", { title: "t".repeat(70 * 1024) })],
        ["prototype key", "POST", "/Users", undefined, { raw: `{"schemas":["${USER_SCHEMA}"],"userName":"proto@example.com","__proto__":{"admin":true}}` }],
        ["JSON nested 100 deep", "POST", "/Users", newUser("deep@example.com", { custom: deepJson(100) })],
        ["group displayName missing", "POST", "/Groups", { schemas: [GROUP_SCHEMA] }],
        ["group displayName with a control character", "POST", "/Groups", newGroup("bell\u0007")],
        ["members not a list", "POST", "/Groups", newGroup("g-members", { members: { value: userId } })],
        ["a group as a member", "PATCH", `/Groups/${groupId}`, patch({ op: "add", path: "members", value: [{ value: groupId, type: "Group" }] })],
        ["a member that does not exist", "PATCH", `/Groups/${groupId}`, patch({ op: "add", path: "members", value: [{ value: userId }, { value: "u-missing00000" }] })],
        ["a member without a value", "PUT", `/Groups/${groupId}`, newGroup("Target Group", { members: [{ display: "x" }] })],
        ["rename to a taken name", "PATCH", `/Groups/${groupId}`, undefined],
        ["rename by PUT to a taken name (other case)", "PUT", `/Users/${userId}`, newUser("OTHER@example.com")],
        ["rename by PATCH outside the charset", "PATCH", `/Users/${userId}`, patch({ op: "replace", path: "userName", value: "has space" })],
        ["rename by PATCH to nothing", "PATCH", `/Users/${userId}`, patch({ op: "replace", path: "userName", value: "" })],
        ["unknown id", "GET", "/Users/u-doesnotexist", undefined],
        ["unknown id PATCH", "PATCH", "/Groups/g-doesnotexist", patch({ op: "replace", path: "displayName", value: "x" })],
        ["id with bad escape", "GET", "/Users/%E0%A4%A", undefined],
        ["id with NUL", "GET", "/Users/u-a%00b", undefined],
        ["group id with NUL by PATCH", "PATCH", "/Groups/g-a%00b", patch({ op: "replace", path: "displayName", value: "x" })],
        ["a member id with NUL", "PATCH", `/Groups/${groupId}`, patch({ op: "add", path: "members", value: [{ value: "u-a\u0000b" }] })],
        ["unknown endpoint", "GET", "/Widgets", undefined],
        ["DELETE on the collection", "DELETE", "/Users", undefined],
      ];
      await t.scim("POST", "/Groups", newGroup("Taken Name"));
      cases[cases.findIndex((c) => c[0] === "rename to a taken name")]![3] = patch({ op: "replace", path: "displayName", value: "TAKEN NAME" });
      for (const c of cases) await refused(c);
    });

    test("query strings: deep and long filters, injection attempts, bad paging and sorting", async () => {
      const f = (filter: string, extra = "") => `/Users?filter=${encodeURIComponent(filter)}${extra}`;
      const deep = `${"(".repeat(200)}userName eq "x"${")".repeat(200)}`;
      const wide = Array.from({ length: 300 }, (_, i) => `userName eq "u${i}"`).join(" or ");
      const cases: Case[] = [
        ["deep filter", "GET", f(deep)],
        ["300 terms", "GET", f(wide)],
        ["20,000 characters", "GET", f(`userName eq "${"x".repeat(20_000)}"`)],
        ["syntax error", "GET", f('userName eq "x" and')],
        ["unterminated string", "GET", f('userName eq "x')],
        ["NUL in a value", "GET", f('userName eq "a\u0000b"')],
        ["NUL by a JSON escape in a value", "GET", f('userName eq "a\\u0000b"')],
        ["NUL in an externalId lookup", "GET", f('externalId eq "a\u0000b"')],
        ["SQL in place of a value", "GET", f("userName eq x) or (1 eq 1")],
        ["unknown operator", "GET", f('userName like "x"')],
        ["boolean compared with a string operator", "GET", f('active co "tr"')],
        ["count not a number", "GET", "/Users?count=ten"],
        ["startIndex not a number", "GET", "/Users?startIndex=1e999"],
        ["cursor and startIndex", "GET", "/Users?cursor=&startIndex=2"],
        ["a cursor with forbidden characters", "GET", "/Users?cursor=a%20b"],
        ["sortOrder", "GET", "/Users?sortBy=userName&sortOrder=random"],
        ["query over 32 KB", "GET", `/Users?filter=${"a".repeat(40_000)}`],
      ];
      for (const c of cases) await refused(c);
      // Injection attempts inside a quoted value are just values: nothing matches, nothing breaks.
      for (const value of ['x" or "1" eq "1', "' OR '1'='1", "x'); drop table dir_users; --", "%", "_", "\\", "*"]) {
        const a = await t.scim("GET", f(`userName eq ${JSON.stringify(value)}`));
        assert.equal(a.status, 200, `${value}: ${a.text}`);
        assert.equal(a.body.totalResults, 0, value);
        const b = await t.scim("GET", f(`displayName co ${JSON.stringify(value)}`));
        assert.equal(b.status, 200, `${value}: ${b.text}`);
      }
      assert.equal((await t.scim("GET", f('displayName co "%"'))).body.totalResults, 0);
      assert.equal((await t.scim("GET", f('displayName co "arg"'))).body.totalResults, 1);
    });

    test("huge requests: a 10,000-operation PATCH, 10,000 members in one operation, a body over the payload size, bulk over maxOperations", async () => {
      const ops = Array.from({ length: 10_000 }, (_, i) => ({ op: "add", path: "members", value: [{ value: `u-${String(i).padStart(12, "0")}` }] }));
      await refused(["10,000 operations", "PATCH", `/Groups/${groupId}`, patch(...ops)]);
      const members = Array.from({ length: 10_000 }, (_, i) => ({ value: `u-${String(i).padStart(12, "0")}` }));
      await refused(["10,000 members", "PATCH", `/Groups/${groupId}`, patch({ op: "add", path: "members", value: members })]);
      await refused(["10,000 members by PUT", "PUT", `/Groups/${groupId}`, newGroup("Target Group", { members })]);
      const big = await refused(["2 MB body", "POST", "/Users", newUser("huge@example.com", { title: "x".repeat(2 * 1024 * 1024) })]);
      assert.equal(big.status, 413);
      const bulkOps = Array.from({ length: 1001 }, (_, i) => ({ method: "DELETE", path: `/Users/u-${i}` }));
      const bulk = await refused(["1001 bulk operations", "POST", "/Bulk", { schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], Operations: bulkOps }]);
      assert.equal(bulk.status, 413);
      // The group is as it was.
      const g = (await t.scim("GET", `/Groups/${groupId}`)).body;
      assert.deepEqual(g.members.map((m: { value: string }) => m.value), [userId]);
    });
  });
}
