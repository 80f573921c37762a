/** /Bulk (RFC 7644 §3.7): limits, message checks, bulkId references, failOnErrors, cycles. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BULK_REQUEST_SCHEMA, BULK_RESPONSE_SCHEMA, parseBulk, runBulk, type BulkExecResult, type BulkOperation } from "../../../src/dialects/scim/protocol/bulk.js";
import { ScimError, ERROR_SCHEMA } from "../../../src/dialects/scim/protocol/errors.js";
import { GROUP_SCHEMA, USER_SCHEMA } from "../../../src/dialects/scim/protocol/schemas.js";
import { expectScimError, expectScimErrorAsync } from "./support.js";

const limits = { maxOperations: 10, maxPayloadSize: 10_000 };
const request = (Operations: unknown[], extra: Record<string, unknown> = {}) => ({ schemas: [BULK_REQUEST_SCHEMA], Operations, ...extra });
const createUser = (bulkId: string, userName: string) => ({ method: "POST", path: "/Users", bulkId, data: { schemas: [USER_SCHEMA], userName } });

/** A fake door: POSTs create ids n1, n2…; a userName "bad" fails with 409 uniqueness. */
function fakeDoor() {
  const seen: BulkOperation[] = [];
  let next = 0;
  const exec = async (op: BulkOperation): Promise<BulkExecResult> => {
    seen.push(op);
    const data = op.data as Record<string, unknown> | undefined;
    if (data?.userName === "bad") throw new ScimError(409, "uniqueness", "userName bad already exists");
    if (op.method === "POST") {
      const id = `n${++next}`;
      return { status: 201, id, location: `https://h/scim/v2${op.path}/${id}`, version: `W/"${id}"` };
    }
    if (op.method === "DELETE") return { status: 204 };
    return { status: 200, location: `https://h/scim/v2${op.path}` };
  };
  return { seen, exec };
}

describe("parseBulk", () => {
  test("reads operations, methods in any case, failOnErrors", () => {
    const parsed = parseBulk(request([createUser("u1", "a"), { method: "delete", path: "/Users/x" }], { failOnErrors: 1 }), limits);
    assert.equal(parsed.failOnErrors, 1);
    assert.deepEqual(parsed.operations.map((o) => [o.index, o.method, o.bulkId]), [
      [0, "POST", "u1"],
      [1, "DELETE", undefined],
    ]);
  });

  test("maxOperations exceeded → 413 (no scimType)", () => {
    const ops = Array.from({ length: 11 }, (_, i) => createUser(`u${i}`, `n${i}`));
    const err = expectScimError(() => parseBulk(request(ops), { maxOperations: 10, maxPayloadSize: 1_000_000 }), 413, null);
    assert.match(err.detail, /maxOperations \(10\)/);
  });

  test("maxPayloadSize exceeded → 413, by the raw size when given", () => {
    const err = expectScimError(() => parseBulk(request([createUser("u1", "x".repeat(20_000))]), limits), 413, null);
    assert.match(err.detail, /maxPayloadSize \(10000\)/);
    expectScimError(() => parseBulk(request([createUser("u1", "a")]), limits, 10_001), 413, null);
  });

  test("malformed messages → 400 invalidSyntax", () => {
    const bad: unknown[] = [
      null,
      { Operations: [createUser("u1", "a")] },
      request([]),
      request([5]),
      request([{ method: "GET", path: "/Users" }]),
      request([{ method: "POST", path: "/Users", data: { userName: "a" } }]),
      request([{ method: "PUT", path: "/Users/x" }]),
      request([{ method: "DELETE", path: "Users/x" }]),
      request([createUser("u1", "a"), createUser("u1", "b")]),
      request([createUser("has space", "a")]),
      request([createUser("u1", "a")], { failOnErrors: 0 }),
      request([createUser("u1", "a")], { failOnErrors: "1" }),
    ];
    for (const body of bad) expectScimError(() => parseBulk(body, limits), 400, "invalidSyntax");
  });

  test("prototype keys in data are refused", () => {
    const body = JSON.parse(`{"schemas":["${BULK_REQUEST_SCHEMA}"],"Operations":[{"method":"POST","path":"/Users","bulkId":"a","data":{"__proto__":{"polluted":1}}}]}`);
    expectScimError(() => parseBulk(body, limits), 400, "invalidValue");
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe("runBulk", () => {
  test("creates a user and a group whose member is bulkId:u1, then patches the group by bulkId path", async () => {
    const door = fakeDoor();
    const { operations } = parseBulk(
      request([
        createUser("u1", "alice"),
        { method: "POST", path: "/Groups", bulkId: "g1", data: { schemas: [GROUP_SCHEMA], displayName: "G", members: [{ type: "User", value: "bulkId:u1" }] } },
        { method: "PATCH", path: "/Groups/bulkId:g1", data: { Operations: [{ op: "add", path: "members", value: [{ value: "bulkId:u1" }] }] } },
      ]),
      limits,
    );
    const response = await runBulk(operations, door.exec);
    assert.deepEqual(response.schemas, [BULK_RESPONSE_SCHEMA]);
    assert.deepEqual(
      response.Operations.map((o) => [o.method, o.bulkId, o.status, o.location]),
      [
        ["POST", "u1", "201", "https://h/scim/v2/Users/n1"],
        ["POST", "g1", "201", "https://h/scim/v2/Groups/n2"],
        ["PATCH", undefined, "200", "https://h/scim/v2/Groups/n2"],
      ],
    );
    assert.deepEqual((door.seen[1]!.data as { members: unknown[] }).members, [{ type: "User", value: "n1" }]);
    assert.equal(door.seen[2]!.path, "/Groups/n2");
    assert.deepEqual(door.seen[2]!.data, { Operations: [{ op: "add", path: "members", value: [{ value: "n1" }] }] });
    assert.equal(response.Operations[0]!.version, 'W/"n1"');
  });

  test("a reference to a later POST waits for it (RFC 7644 §3.7.2)", async () => {
    const door = fakeDoor();
    const { operations } = parseBulk(
      request([
        { method: "POST", path: "/Groups", bulkId: "g1", data: { schemas: [GROUP_SCHEMA], displayName: "G", members: [{ value: "bulkId:u1" }] } },
        createUser("u1", "alice"),
      ]),
      limits,
    );
    const response = await runBulk(operations, door.exec);
    assert.deepEqual(door.seen.map((o) => o.bulkId), ["u1", "g1"]);
    assert.deepEqual(response.Operations.map((o) => o.bulkId), ["g1", "u1"], "reported in request order");
    assert.deepEqual((door.seen[1]!.data as { members: unknown[] }).members, [{ value: "n1" }]);
  });

  test("an operation failing is reported with its error body; the others run", async () => {
    const door = fakeDoor();
    const { operations } = parseBulk(request([createUser("u1", "bad"), createUser("u2", "bob")]), limits);
    const response = await runBulk(operations, door.exec);
    assert.deepEqual(response.Operations[0], {
      method: "POST",
      bulkId: "u1",
      status: "409",
      response: { schemas: [ERROR_SCHEMA], status: "409", scimType: "uniqueness", detail: "userName bad already exists" },
    });
    assert.equal(response.Operations[1]!.status, "201");
  });

  test("a reference to a failed operation fails with 409 invalidValue, and is not run", async () => {
    const door = fakeDoor();
    const { operations } = parseBulk(
      request([createUser("u1", "bad"), { method: "POST", path: "/Groups", bulkId: "g1", data: { displayName: "G", members: [{ value: "bulkId:u1" }] } }]),
      limits,
    );
    const response = await runBulk(operations, door.exec);
    assert.equal(door.seen.length, 1);
    assert.equal(response.Operations[1]!.status, "409");
    assert.equal((response.Operations[1]!.response as { scimType?: string }).scimType, "invalidValue");
  });

  test("a reference to an unknown bulkId fails with 409 invalidValue", async () => {
    const door = fakeDoor();
    const { operations } = parseBulk(request([{ method: "DELETE", path: "/Users/bulkId:nope" }, createUser("u1", "a")]), limits);
    const response = await runBulk(operations, door.exec);
    assert.equal(response.Operations[0]!.status, "409");
    assert.match((response.Operations[0]!.response as { detail: string }).detail, /bulkId:nope/);
    assert.equal(response.Operations[1]!.status, "201");
  });

  test("circular references → 409 for each operation of the cycle; nothing of it runs", async () => {
    const door = fakeDoor();
    const { operations } = parseBulk(
      request([
        { method: "POST", path: "/Groups", bulkId: "a", data: { displayName: "A", members: [{ value: "bulkId:b" }] } },
        { method: "POST", path: "/Groups", bulkId: "b", data: { displayName: "B", members: [{ value: "bulkId:a" }] } },
        { method: "POST", path: "/Groups", bulkId: "self", data: { displayName: "S", members: [{ value: "bulkId:self" }] } },
        createUser("u1", "ok"),
      ]),
      limits,
    );
    const response = await runBulk(operations, door.exec);
    assert.deepEqual(response.Operations.map((o) => o.status), ["409", "409", "409", "201"]);
    assert.deepEqual(door.seen.map((o) => o.bulkId), ["u1"]);
  });

  test("failOnErrors stops after that many errors; the rest is neither run nor reported", async () => {
    const door = fakeDoor();
    const { operations, failOnErrors } = parseBulk(
      request([createUser("u1", "bad"), createUser("u2", "bad"), createUser("u3", "carol"), createUser("u4", "dave")], { failOnErrors: 2 }),
      limits,
    );
    const response = await runBulk(operations, door.exec, failOnErrors);
    assert.deepEqual(response.Operations.map((o) => o.status), ["409", "409"]);
    assert.equal(door.seen.length, 2);
  });

  test("an exception that is not a ScimError propagates (the door answers it)", async () => {
    const { operations } = parseBulk(request([createUser("u1", "a")]), limits);
    await assert.rejects(runBulk(operations, async () => { throw new TypeError("boom"); }), TypeError);
    await expectScimErrorAsync(() => Promise.reject(new ScimError(400, "invalidValue", "x")), 400, "invalidValue");
  });
});
