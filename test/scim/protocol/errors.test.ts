/** The RFC 7644 §3.12 error body. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ERROR_SCHEMA, ScimError, errorBody } from "../../../src/dialects/scim/protocol/errors.js";

test("status is a JSON string; scimType only when there is one", () => {
  assert.deepEqual(errorBody(new ScimError(409, "uniqueness", "userName alice@example.com already exists")), {
    schemas: [ERROR_SCHEMA],
    status: "409",
    scimType: "uniqueness",
    detail: "userName alice@example.com already exists",
  });
  assert.deepEqual(errorBody(new ScimError(404, undefined, "Resource u-1 not found")), { schemas: [ERROR_SCHEMA], status: "404", detail: "Resource u-1 not found" });
});

test("a ScimError is an Error with its fields", () => {
  const err = new ScimError(400, "invalidFilter", "bad");
  assert.ok(err instanceof Error);
  assert.equal(err.message, "bad");
  assert.equal(err.name, "ScimError");
  assert.deepEqual([err.status, err.scimType, err.detail], [400, "invalidFilter", "bad"]);
});
