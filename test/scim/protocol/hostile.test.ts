/**
 * Hostile and random input to every protocol entry point: each either succeeds or throws a 4xx
 * ScimError, never another exception (which the door would turn into a 5xx). The generator is
 * seeded, so a failure reproduces.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseBulk } from "../../../src/dialects/scim/protocol/bulk.js";
import { normalizeResourceInput } from "../../../src/dialects/scim/protocol/coerce.js";
import { ScimError } from "../../../src/dialects/scim/protocol/errors.js";
import { matchesFilter, parseFilter } from "../../../src/dialects/scim/protocol/filter.js";
import { parseListQuery } from "../../../src/dialects/scim/protocol/list.js";
import { PATCH_OP_SCHEMA, applyPatch } from "../../../src/dialects/scim/protocol/patch.js";
import { project } from "../../../src/dialects/scim/protocol/projection.js";
import { ENTERPRISE_USER_SCHEMA, GROUP_RESOURCE, USER_RESOURCE, USER_SCHEMA } from "../../../src/dialects/scim/protocol/schemas.js";

/** mulberry32: a tiny seeded PRNG. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKENS = [
  "userName", "emails", "members", "name.givenName", "active", "meta.created", "id", "value", "type", "__proto__", "constructor",
  `${ENTERPRISE_USER_SCHEMA}:employeeNumber`, "urn:", "urn:x:y", ".", "[", "]", "(", ")", "].", " ", " ", " ",
  "eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr", "and", "or", "not", "EQ", "Or",
  '"a"', '"work"', '"\\"', '"\\u0000"', '"', "\\", "true", "false", "null", "1", "-1.5e3", "1e999", "NaN", "$ref", "#0", "\u0001", "é", "\n",
];

function randomText(next: () => number, max: number): string {
  const n = Math.floor(next() * max);
  let s = "";
  for (let i = 0; i < n; i++) s += TOKENS[Math.floor(next() * TOKENS.length)];
  return s;
}

function randomJson(next: () => number, depth = 0): unknown {
  const r = next();
  if (depth > 4 || r < 0.3) {
    const leaves = [null, true, false, 0, -1, 1.5, "", "True", "x", randomText(next, 6), Number.MAX_SAFE_INTEGER];
    return leaves[Math.floor(next() * leaves.length)];
  }
  if (r < 0.55) return Array.from({ length: Math.floor(next() * 4) }, () => randomJson(next, depth + 1));
  const obj: Record<string, unknown> = {};
  const keys = ["userName", "displayName", "active", "emails", "members", "value", "type", "primary", "name", "givenName", "schemas", "id", "meta",
    "__proto__", "constructor", "op", "path", "Operations", ENTERPRISE_USER_SCHEMA, `${ENTERPRISE_USER_SCHEMA}:manager`, "name.givenName", "$ref", "x"];
  const n = Math.floor(next() * 5);
  for (let i = 0; i < n; i++) {
    const key = keys[Math.floor(next() * keys.length)]!;
    // Own "__proto__" keys as JSON.parse would create them.
    Object.defineProperty(obj, key, { value: randomJson(next, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return obj;
}

function only4xx(fn: () => unknown, input: unknown): void {
  try {
    fn();
  } catch (err) {
    if (err instanceof ScimError && err.status >= 400 && err.status < 500) return;
    assert.fail(`not a 4xx ScimError for ${JSON.stringify(input)?.slice(0, 300)}: ${err instanceof Error ? err.stack : String(err)}`);
  }
}

const user = {
  schemas: [USER_SCHEMA],
  id: "u-1",
  userName: "a",
  emails: [{ value: "a@x", type: "work" }],
  name: { givenName: "A" },
  active: true,
  meta: { created: "2024-01-01T00:00:00Z" },
};
const group = { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], id: "g-1", displayName: "G", members: [{ value: "u-1" }] };

describe("random input never escapes as a non-SCIM error", () => {
  test("filters", () => {
    const next = rng(7);
    for (let i = 0; i < 3000; i++) {
      const text = randomText(next, 14);
      only4xx(() => {
        const node = parseFilter(text, i % 2 ? USER_RESOURCE : GROUP_RESOURCE);
        matchesFilter(i % 2 ? user : group, node);
      }, text);
    }
  });

  test("PATCH bodies", () => {
    const next = rng(11);
    for (let i = 0; i < 3000; i++) {
      const ops = Array.from({ length: 1 + Math.floor(next() * 3) }, () => {
        const op: Record<string, unknown> = { op: ["add", "remove", "replace", "Add", "x"][Math.floor(next() * 5)] };
        if (next() < 0.8) op.path = next() < 0.5 ? randomText(next, 6) : ["members", "emails", 'emails[type eq "work"].value', "name.givenName", "active", "id", ENTERPRISE_USER_SCHEMA, 'members[value eq "u-1"]'][Math.floor(next() * 8)];
        if (next() < 0.9) op.value = randomJson(next);
        return op;
      });
      const body = next() < 0.95 ? { schemas: [PATCH_OP_SCHEMA], Operations: ops } : randomJson(next);
      only4xx(() => applyPatch(i % 2 ? user : group, body, i % 2 ? USER_RESOURCE : GROUP_RESOURCE), body);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test("POST/PUT bodies", () => {
    const next = rng(13);
    for (let i = 0; i < 3000; i++) {
      const body = randomJson(next);
      if (body && typeof body === "object" && !Array.isArray(body) && next() < 0.7) (body as Record<string, unknown>).schemas = [USER_SCHEMA];
      only4xx(() => normalizeResourceInput(body, i % 2 ? USER_RESOURCE : GROUP_RESOURCE, "create"), body);
    }
  });

  test("list queries, projections, bulk messages", () => {
    const next = rng(17);
    for (let i = 0; i < 2000; i++) {
      const q = randomJson(next);
      only4xx(() => parseListQuery(q, i % 2 ? "query" : "search"), q);
      const attrs = randomText(next, 8);
      only4xx(() => project(user, i % 2 ? { attributes: attrs } : { excludedAttributes: attrs }, USER_RESOURCE), attrs);
      const bulk = { schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], Operations: [randomJson(next)], failOnErrors: randomJson(next) };
      only4xx(() => parseBulk(bulk, { maxOperations: 10, maxPayloadSize: 100_000 }), bulk);
    }
  });
});
