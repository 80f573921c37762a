/**
 * The reconcile plan, without a database or HTTP: which sub-user each wanted user gets under
 * KeepBoth and TakeOver, the clashes that fail and why, the quota, per-user overrides, releases and
 * attribute updates. The plan is pure, so each case is its inputs and the operations they give.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type ClaimPlanInput, type ExistingSubUser, planAttributes, planClaims, planReleases, type WantedUser } from "../../src/core/provisioning/plan.js";

const user = (userName: string, userId = `u-${userName}`): WantedUser => ({ userId, userName, email: `${userName}@example.com`, displayName: `${userName} display` });
const handMade = (name: string, uin: number): [string, ExistingSubUser] => [name, { uin, name, directoryUserId: null }];
const managedBy = (name: string, uin: number, userId: string): [string, ExistingSubUser] => [name, { uin, name, directoryUserId: userId }];

function plan(over: Partial<ClaimPlanInput> & Pick<ClaimPlanInput, "users">) {
  return planClaims({ target: 42, managed: new Map(), byName: new Map(), overrides: new Map(), strategy: "KeepBoth", suffix: "_cic", room: 1000, quota: 1000, ...over });
}

describe("planClaims", () => {
  test("a free, valid name is created with the user's email and display name", () => {
    assert.deepEqual(plan({ users: [user("ann")] }), [{ op: "create", userId: "u-ann", name: "ann", email: "ann@example.com", remark: "ann display" }]);
  });

  test("a sub-user that already represents the user is reused, whatever the strategy and the names", () => {
    const ops = plan({ users: [user("ann")], managed: new Map([["u-ann", 7]]), byName: new Map([handMade("ann", 8)]), strategy: "TakeOver", room: 0 });
    assert.deepEqual(ops, [{ op: "reuse", userId: "u-ann", uin: 7 }]);
  });

  // The strategy table: what a clash with the user's own name gives.
  const table: { name: string; strategy: "KeepBoth" | "TakeOver"; byName: [string, ExistingSubUser][]; expect: object }[] = [
    { name: "KeepBoth, hand-made clash, suffix free → create <name>_cic", strategy: "KeepBoth", byName: [handMade("bob", 1)], expect: { op: "create", name: "bob_cic", clash: { name: "bob", uin: 1, heldBy: null } } },
    { name: "TakeOver, hand-made clash → adopt it", strategy: "TakeOver", byName: [handMade("bob", 1)], expect: { op: "adopt", uin: 1, name: "bob" } },
    {
      name: "KeepBoth, double clash → fail, both named",
      strategy: "KeepBoth",
      byName: [handMade("bob", 1), handMade("bob_cic", 2)],
      expect: { op: "fail", kind: "name_clash", reason: 'sub-users "bob" and "bob_cic" both exist in account 42' },
    },
    {
      name: "TakeOver, the name belongs to another directory user → fail",
      strategy: "TakeOver",
      byName: [managedBy("bob", 1, "u-other")],
      expect: { op: "fail", kind: "name_clash", reason: 'sub-user "bob" in account 42 belongs to another directory user' },
    },
    { name: "KeepBoth, the name belongs to another directory user → create <name>_cic", strategy: "KeepBoth", byName: [managedBy("bob", 1, "u-other")], expect: { op: "create", name: "bob_cic", clash: { name: "bob", uin: 1, heldBy: "u-other" } } },
    {
      name: "KeepBoth, both names belong to others → fail",
      strategy: "KeepBoth",
      byName: [managedBy("bob", 1, "u-other"), handMade("bob_cic", 2)],
      expect: { op: "fail", kind: "name_clash", reason: 'sub-user "bob" in account 42 belongs to another directory user' },
    },
  ];
  for (const row of table) {
    test(row.name, () => {
      const [op] = plan({ users: [user("bob")], strategy: row.strategy, byName: new Map(row.byName) });
      assert.deepEqual(Object.fromEntries(Object.entries(op!).filter(([k]) => k in row.expect || k === "op")), row.expect);
    });
  }

  test("the suffix is the provisioning's own (_sso through the Alibaba door)", () => {
    const [op] = plan({ users: [user("cat")], byName: new Map([handMade("cat", 1)]), suffix: "_sso" });
    assert.equal(op!.op === "create" && op!.name, "cat_sso");
  });

  test("an invalid name fails; under KeepBoth a suffixed name over 64 characters is invalid too", () => {
    assert.deepEqual(plan({ users: [user("has space")] }), [
      { op: "fail", userId: "u-has space", userName: "has space", kind: "name_invalid", reason: '"has space" is not a valid sub-user name in account 42' },
    ]);
    const long = "x".repeat(62);
    const [op] = plan({ users: [user(long)], byName: new Map([handMade(long, 1)]) });
    assert.deepEqual(op, { op: "fail", userId: `u-${long}`, userName: long, kind: "name_clash", reason: `sub-user "${long}" exists in account 42 and "${long}_cic" is not a valid sub-user name` });
  });

  test("the quota: creates fill the room in order; later ones fail; reuses and adoptions need no room", () => {
    const ops = plan({
      users: [user("a"), user("b"), user("c"), user("d"), user("e")],
      managed: new Map([["u-d", 9]]),
      byName: new Map([handMade("e", 10)]),
      overrides: new Map([["u-e", "TakeOver"]]),
      room: 2,
      quota: 30,
    });
    assert.deepEqual(
      ops.map((o) => o.op),
      ["create", "create", "fail", "reuse", "adopt"],
    );
    assert.deepEqual(ops[2], { op: "fail", userId: "u-c", userName: "c", kind: "quota", reason: "account 42 reached its sub-user quota (30)" });
    assert.deepEqual(plan({ users: [user("a")], room: -3 }).map((o) => o.op), ["fail"], "a quota lowered below the count leaves no room");
  });

  test("a per-user override beats the provisioning's strategy for that user only", () => {
    const ops = plan({ users: [user("f"), user("g")], byName: new Map([handMade("f", 1), handMade("g", 2)]), strategy: "KeepBoth", overrides: new Map([["u-g", "TakeOver"]]) });
    assert.deepEqual(
      ops.map((o) => [o.op, o.op === "create" || o.op === "adopt" ? o.name : ""]),
      [
        ["create", "f_cic"],
        ["adopt", "g"],
      ],
    );
  });

  test("two users of one batch never get the same name: the first takes it, the second's clash is with a directory user", () => {
    // "h" clashes with a hand-made "h" and wants "h_cic"; the user actually named "h_cic" came first.
    const ops = plan({ users: [user("h_cic"), user("h")], byName: new Map([handMade("h", 1)]) });
    assert.deepEqual(ops[0], { op: "create", userId: "u-h_cic", name: "h_cic", email: "h_cic@example.com", remark: "h_cic display" });
    assert.deepEqual(ops[1], { op: "fail", userId: "u-h", userName: "h", kind: "name_clash", reason: 'sub-users "h" and "h_cic" both exist in account 42' });
  });

  test("pure: the same input gives the same plan, and the input is left as it was", () => {
    const input: ClaimPlanInput = { target: 1, users: [user("i"), user("j")], managed: new Map(), byName: new Map([handMade("i", 3)]), overrides: new Map(), strategy: "KeepBoth", suffix: "_cic", room: 1, quota: 5 };
    const before = JSON.stringify([...input.byName]);
    assert.deepEqual(planClaims(input), planClaims(input));
    assert.equal(JSON.stringify([...input.byName]), before);
  });
});

describe("planReleases and planAttributes", () => {
  test("released sub-users are deleted or kept per the deletion strategy", () => {
    assert.deepEqual(planReleases([{ uin: 1 }, { uin: 2 }], "Delete"), [
      { op: "delete", uin: 1 },
      { op: "delete", uin: 2 },
    ]);
    assert.deepEqual(planReleases([{ uin: 1 }], "Keep"), [{ op: "keep", uin: 1 }]);
  });

  test("only sub-users whose email or remark differ from the user's email and display name are updated", () => {
    const ops = planAttributes([
      { uin: 1, email: "a@x", remark: "A", userEmail: "a@x", userDisplayName: "A" },
      { uin: 2, email: "old@x", remark: "B", userEmail: "b@x", userDisplayName: "B" },
      { uin: 3, email: "c@x", remark: "old", userEmail: "c@x", userDisplayName: "C" },
    ]);
    assert.deepEqual(ops, [
      { op: "update", uin: 2, email: "b@x", remark: "B" },
      { op: "update", uin: 3, email: "c@x", remark: "C" },
    ]);
  });
});
