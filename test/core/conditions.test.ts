/**
 * Conditions compiled once per shape (core/directory/conditions.ts): the shape's key must name the
 * SQL exactly (equal keys, equal SQL, whatever the values) and its values must be the SQL's
 * parameters, in order. A statement compiled for one condition is run with another's values, so a
 * key that missed a difference in SQL, or values out of order, would answer another query.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { Kysely, SqliteAdapter, DummyDriver, SqliteIntrospector, SqliteQueryCompiler } from "kysely";
import { type Condition, groupConditions, type UserConditionField, userConditions } from "../../src/core/directory/conditions.js";
import type { Database } from "../../src/store/schema.js";

const db = new Kysely<Database>({
  dialect: { createAdapter: () => new SqliteAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (k) => new SqliteIntrospector(k), createQueryCompiler: () => new SqliteQueryCompiler() },
});

const TEXT: UserConditionField[] = ["userName", "displayName", "email", "firstName", "lastName", "attributes"];
const OPS = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"] as const;

/** Valid user conditions, so that `shape` accepts them. */
const leaf: fc.Arbitrary<Condition<UserConditionField>> = fc.oneof(
  fc.record({ field: fc.constantFrom(...TEXT, "id", "externalId"), op: fc.constantFrom(...OPS), value: fc.string({ maxLength: 6 }) }),
  fc.record({ field: fc.constant("enabled" as const), op: fc.constantFrom("eq" as const, "ne" as const), value: fc.boolean() }),
  fc.record({ field: fc.constantFrom("createdAt" as const, "updatedAt" as const), op: fc.constantFrom("eq", "ne", "gt", "ge", "lt", "le" as const), value: fc.integer({ min: 0 }) }),
  fc.record({ field: fc.constantFrom(...TEXT, "enabled", "createdAt"), present: fc.constant(true as const) }),
);
const condition = fc.letrec<{ c: Condition<UserConditionField> }>((tie) => ({
  c: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, fc.record({ and: fc.array(tie("c"), { minLength: 1, maxLength: 3 }) }), fc.record({ or: fc.array(tie("c"), { minLength: 1, maxLength: 3 }) }), fc.record({ not: tie("c") })),
})).c;

function compiled(c: Condition<UserConditionField>, value: (i: number) => unknown) {
  return db.selectFrom("dir_users").select("user_id").where(userConditions.sql(c, value)).compile();
}

describe("conditions compiled per shape", () => {
  test("the shape's values are the SQL's parameters, in order", () => {
    fc.assert(
      fc.property(condition, (c) => {
        const { values } = userConditions.shape(c);
        assert.deepEqual(compiled(c, (i) => values[i]).parameters, values);
      }),
    );
  });

  test("equal keys make equal SQL, whatever the values", () => {
    // Pairs of conditions that often share a shape: the same tree with other values.
    const revalue = (c: Condition<UserConditionField>, seed: number): Condition<UserConditionField> => {
      if ("and" in c) return { and: c.and.map((x, i) => revalue(x, seed + i)) };
      if ("or" in c) return { or: c.or.map((x, i) => revalue(x, seed + i)) };
      if ("not" in c) return { not: revalue(c.not, seed + 1) };
      if ("present" in c) return c;
      if (typeof c.value === "string") return { ...c, value: `${c.value}%_\\${seed}` };
      if (typeof c.value === "boolean") return { ...c, value: seed % 2 === 0 ? c.value : !c.value };
      return { ...c, value: c.value + seed };
    };
    fc.assert(
      fc.property(condition, condition, fc.nat(5), (a, b, seed) => {
        const a2 = revalue(a, seed);
        for (const [x, y] of [[a, a2], [a, b]] as const) {
          const [sx, sy] = [userConditions.shape(x), userConditions.shape(y)];
          if (sx.key !== sy.key) continue;
          assert.equal(compiled(x, (i) => sx.values[i]).sql, compiled(y, (i) => sy.values[i]).sql);
        }
        assert.equal(userConditions.shape(a2).key, userConditions.shape(a).key);
      }),
    );
  });

  test("a key tells apart what the SQL tells apart", () => {
    const key = (c: Condition<UserConditionField>) => userConditions.shape(c).key;
    assert.notEqual(key({ field: "userName", op: "eq", value: "a" }), key({ field: "displayName", op: "eq", value: "a" }));
    assert.notEqual(key({ field: "userName", op: "eq", value: "a" }), key({ field: "userName", op: "co", value: "a" }));
    assert.notEqual(key({ and: [{ field: "userName", op: "eq", value: "a" }] }), key({ or: [{ field: "userName", op: "eq", value: "a" }] }));
    assert.equal(key({ field: "enabled", op: "eq", value: true }), key({ field: "enabled", op: "ne", value: true }));
    // Text is compared without regard to case, and LIKE's wildcards in a value are literal.
    assert.deepEqual(userConditions.shape({ field: "userName", op: "co", value: "A%b_" }).values, ["%a\\%b\\_%"]);
    assert.deepEqual(userConditions.shape({ field: "enabled", op: "ne", value: true }).values, ["Disabled"]);
  });

  test("bad conditions are refused when their shape is taken, before any SQL", () => {
    assert.throws(() => userConditions.shape({ field: "createdAt", op: "co", value: 1 }), /not compared with co/);
    assert.throws(() => userConditions.shape({ field: "userName", op: "eq", value: 1 }), /compared to text/);
    assert.throws(() => groupConditions.shape({ field: "memberId", op: "gt", value: "u-1" }), /eq or ne/);
    assert.throws(() => userConditions.shape({ field: "nope" as UserConditionField, op: "eq", value: "x" }), /no field/);
  });
});
