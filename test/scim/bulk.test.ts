/**
 * /Bulk (RFC 7644 §3.7) over real HTTP, on each engine: bulkId references (also to a later POST),
 * failOnErrors, each operation refused or applied as the same request alone, and the limits.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ENGINES, startServer, type TestServer } from "../helpers/harness.js";
import { GROUP_SCHEMA, newTenant, PATCH_OP, USER_SCHEMA } from "../helpers/scim.js";

const BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

for (const engine of ENGINES) {
  describe(`SCIM bulk (${engine})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(engine);
    });
    after(() => server?.close());

    test("users and a group referring to them by bulkId (one before, one after), then PATCH and DELETE through references", async () => {
      const t = await newTenant(server);
      const a = await t.scim("POST", "/Bulk", {
        schemas: [BULK_REQUEST],
        Operations: [
          { method: "POST", path: "/Users", bulkId: "alice", data: { schemas: [USER_SCHEMA], userName: "bulk.alice@example.com" } },
          { method: "POST", path: "/Groups", bulkId: "team", data: { schemas: [GROUP_SCHEMA], displayName: "Bulk Team", members: [{ type: "User", value: "bulkId:alice" }, { type: "User", value: "bulkId:bob" }] } },
          { method: "POST", path: "/Users", bulkId: "bob", data: { schemas: [USER_SCHEMA], userName: "bulk.bob@example.com" } },
          { method: "PATCH", path: "/Users/bulkId:bob", data: { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "displayName", value: "Bob B" }] } },
        ],
      });
      assert.equal(a.status, 200, a.text);
      assert.deepEqual(a.body.schemas, [BULK_RESPONSE]);
      const ops = a.body.Operations as { method: string; bulkId?: string; status: string; location?: string; version?: string }[];
      assert.deepEqual(
        ops.map((o) => [o.method, o.bulkId, o.status]),
        [
          ["POST", "alice", "201"],
          ["POST", "team", "201"],
          ["POST", "bob", "201"],
          ["PATCH", undefined, "200"],
        ],
      );
      assert.ok(ops[0]!.location!.includes("/Users/u-"));
      assert.match(ops[0]!.version!, /^W\//);
      const groupId = ops[1]!.location!.split("/").pop()!;
      const group = (await t.scim("GET", `/Groups/${groupId}`)).body;
      const bobId = ops[2]!.location!.split("/").pop()!;
      assert.equal(group.members.length, 2);
      assert.ok(group.members.some((m: { value: string }) => m.value === bobId));
      assert.equal((await t.scim("GET", `/Users/${bobId}`)).body.displayName, "Bob B");

      const del = await t.scim("POST", "/Bulk", { schemas: [BULK_REQUEST], Operations: [{ method: "DELETE", path: `/Groups/${groupId}` }, { method: "DELETE", path: `/Users/${bobId}` }] });
      assert.deepEqual(del.body.Operations.map((o: { status: string }) => o.status), ["204", "204"]);
      assert.equal((await t.scim("GET", `/Groups/${groupId}`)).status, 404);
    });

    test("each operation is refused as it would be alone; failOnErrors stops the rest; an unresolved bulkId is 409", async () => {
      const t = await newTenant(server);
      const a = await t.scim("POST", "/Bulk", {
        schemas: [BULK_REQUEST],
        failOnErrors: 2,
        Operations: [
          { method: "POST", path: "/Users", bulkId: "ok", data: { schemas: [USER_SCHEMA], userName: "fine@example.com" } },
          { method: "POST", path: "/Users", bulkId: "dup", data: { schemas: [USER_SCHEMA], userName: "FINE@example.com" } },
          { method: "PATCH", path: "/Users/u-missing", data: { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "displayName", value: "x" }] } },
          { method: "POST", path: "/Users", bulkId: "never", data: { schemas: [USER_SCHEMA], userName: "never@example.com" } },
        ],
      });
      assert.equal(a.status, 200, a.text);
      const ops = a.body.Operations as { status: string; response?: { scimType?: string; status: string } }[];
      assert.deepEqual(
        ops.map((o) => o.status),
        ["201", "409", "404"],
      );
      assert.equal(ops[1]!.response!.scimType, "uniqueness");
      assert.equal((await t.scim("GET", `/Users?filter=${encodeURIComponent('userName eq "never@example.com"')}`)).body.totalResults, 0);

      const b = await t.scim("POST", "/Bulk", {
        schemas: [BULK_REQUEST],
        Operations: [
          { method: "POST", path: "/Groups", bulkId: "g", data: { schemas: [GROUP_SCHEMA], displayName: "G", members: [{ value: "bulkId:nobody" }] } },
          { method: "POST", path: "/Widgets", bulkId: "w", data: {} },
        ],
      });
      assert.deepEqual(
        b.body.Operations.map((o: { status: string }) => o.status),
        ["409", "400"],
      );
    });

    test("limits: a POST without bulkId, a repeated bulkId, no Operations → 400; the payload size is the door's body limit (413)", async () => {
      const t = await newTenant(server);
      const post = (Operations: unknown[]) => t.scim("POST", "/Bulk", { schemas: [BULK_REQUEST], Operations });
      assert.equal((await post([{ method: "POST", path: "/Users", data: { schemas: [USER_SCHEMA], userName: "x@example.com" } }])).status, 400);
      const twice = { method: "POST", path: "/Users", bulkId: "same", data: { schemas: [USER_SCHEMA], userName: "y@example.com" } };
      assert.equal((await post([twice, twice])).status, 400);
      assert.equal((await post([])).status, 400);
      const big = await post([{ method: "POST", path: "/Users", bulkId: "big", data: { schemas: [USER_SCHEMA], userName: "z@example.com", title: "x".repeat(1024 * 1024) } }]);
      assert.equal(big.status, 413);
      assert.equal((await t.scim("GET", "/Users")).body.totalResults, 0);
    });
  });
}
