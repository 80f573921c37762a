/**
 * The timeline's pure half, without a database: the decision rows a plan's applied operations give,
 * and the sentence each row reads as. Every cause a release can have, and what an update changed.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { planClaims, planReleases } from "../../src/core/provisioning/plan.js";
import { attributeDecisions, claimDecisions, decisionView, heldDecisions, releaseDecisions } from "../../src/core/provisioning/timeline.js";

const batch = {
  seq: 9,
  at: Date.UTC(2026, 0, 2),
  provisioning_id: "up-1",
  target_uin: 42,
  principal_type: "Group" as const,
  principal_id: "g-1",
  principal_name: "G",
  duplication_strategy: "KeepBoth" as const,
  deletion_strategy: "Delete" as const,
};

describe("timeline decisions", () => {
  test("claims: one row per op, the clash kept as detail only where there was one", () => {
    const ops = planClaims({
      target: 42,
      users: ["alice", "bob", "erin", "dave"].map((n) => ({ userId: `u-${n}`, userName: n, email: "", displayName: "" })),
      managed: new Map([["u-dave", 70]]),
      byName: new Map([
        ["alice", { uin: 5, name: "alice", directoryUserId: null }],
        ["erin", { uin: 6, name: "erin", directoryUserId: null }],
        ["erin_cic", { uin: 7, name: "erin_cic", directoryUserId: null }],
      ]),
      overrides: new Map(),
      strategy: "KeepBoth",
      suffix: "_cic",
      room: 10,
      quota: 10,
    });
    const rows = claimDecisions(ops, {
      userNames: new Map([["u-alice", "alice"], ["u-bob", "bob"], ["u-erin", "erin"], ["u-dave", "dave"]]),
      made: new Map([["u-alice", 100], ["u-bob", 101]]),
      reusedNames: new Map([[70, "dave"]]),
    });
    assert.deepEqual(
      rows.map((r) => [r.decision, r.user_name, r.sub_user_uin, r.sub_user_name]),
      [
        ["created", "alice", 100, "alice_cic"],
        ["created", "bob", 101, "bob"],
        ["failed", "erin", null, null],
        ["reused", "dave", 70, "dave"],
      ],
    );
    assert.deepEqual(JSON.parse(rows[0]!.detail!), { clash: { name: "alice", uin: 5, heldBy: null } });
    assert.equal(rows[1]!.detail, null, "a plain create carries no detail");
    const alice = decisionView({ ...batch, ...rows[0]! });
    assert.equal(alice.cause, "name_taken");
    assert.equal(alice.explanation, 'Created sub-user "alice_cic" (uin 100) in account 42 for directory user alice by provisioning up-1 through group G, with DuplicationStrategy KeepBoth, because "alice" was taken by a hand-made sub-user (uin 5).');
    const erin = decisionView({ ...batch, ...rows[2]! });
    assert.deepEqual([erin.cause, erin.failure?.kind], ["name_clash", "name_clash"]);
    assert.equal(decisionView({ ...batch, ...rows[3]! }).cause, "already_represented");
  });

  test("releases: deleted or kept per the strategy, released when another provisioning still claims it, and why", () => {
    const orphaned = [
      { uin: 1, name: "bob", directoryUserId: "u-bob" },
      { uin: 2, name: "gone", directoryUserId: "u-gone" },
    ];
    const claimedElsewhere = [{ uin: 3, name: "carol", directoryUserId: "u-carol" }];
    const existing = new Map([["u-bob", "bob"], ["u-carol", "carol"]]);
    const rows = releaseDecisions(planReleases(orphaned, "Delete"), { orphaned, claimedElsewhere, existing, deleting: false, principalType: "Group" });
    const views = rows.map((r) => decisionView({ ...batch, ...r }));
    assert.deepEqual(views.map((v) => [v.decision, v.cause, v.userName]), [
      ["deleted", "left_group", "bob"],
      ["deleted", "user_deleted", "gone"],
      ["released", "left_group", "carol"],
    ]);
    assert.match(views[0]!.explanation, /because bob left group G; DeletionStrategy Delete\.$/);
    assert.match(views[1]!.explanation, /because directory user gone was deleted from the directory/);
    assert.match(views[2]!.explanation, /another provisioning still claims it/);

    const kept = releaseDecisions(planReleases(orphaned.slice(0, 1), "Keep"), { orphaned: orphaned.slice(0, 1), claimedElsewhere: [], existing, deleting: true, principalType: "User" });
    const view = decisionView({ ...batch, principal_type: "User", ...kept[0]! });
    assert.deepEqual([view.decision, view.cause], ["kept", "provisioning_deleted"]);
    assert.equal(view.breaker, null);
  });

  test("the circuit breaker: a held deletion names its set; a deletion or a letting go that follows an administrator's decision says so", () => {
    const bob = { uin: 1, name: "bob", directoryUserId: "u-bob" };
    const existing = new Map([["u-bob", "bob"]]);
    const ctx = { existing, deleting: false, principalType: "Group" as const };
    const [heldRow] = heldDecisions([bob], "hold-abc", ctx);
    const held = decisionView({ ...batch, ...heldRow! });
    assert.deepEqual([held.decision, held.cause, held.userName, held.subUser, held.breaker], ["held", "left_group", "bob", { uin: 1, name: "bob" }, { decision: "held", holdId: "hold-abc" }]);
    assert.equal(
      held.explanation,
      'Held the deletion of sub-user "bob" (uin 1) in account 42 by provisioning up-1 through group G (bob left group G): the deletion circuit breaker tripped, so the sub-user stays, managed, until an administrator approves or rejects held set hold-abc.',
    );

    const approved = decisionView({ ...batch, ...releaseDecisions(planReleases([bob], "Delete"), { ...ctx, orphaned: [bob], claimedElsewhere: [], decided: new Map([["u-bob", "approved"]]) })[0]! });
    assert.deepEqual([approved.decision, approved.breaker], ["deleted", { decision: "approved", holdId: null }]);
    assert.match(approved.explanation, /after an administrator approved the deletion the circuit breaker had held/);
    const rejected = decisionView({ ...batch, ...releaseDecisions(planReleases([bob], "Keep"), { ...ctx, orphaned: [bob], claimedElsewhere: [], decided: new Map([["u-bob", "rejected"]]) })[0]! });
    assert.deepEqual([rejected.decision, rejected.breaker], ["kept", { decision: "rejected", holdId: null }]);
    assert.match(rejected.explanation, /an administrator rejected the deletion the circuit breaker had held, so it stays as an ordinary, unmanaged sub-user\.$/);
  });

  test("updates: only what changed, from what to what", () => {
    const compared = [{ uin: 1, name: "alice", email: "a@old", remark: "Alice", user_id: "u-a", user_name: "alice" }];
    const [row] = attributeDecisions([{ op: "update", uin: 1, email: "a@new", remark: "Alice" }], compared);
    const v = decisionView({ ...batch, ...row! });
    assert.deepEqual(v.changes, [{ attribute: "email", from: "a@old", to: "a@new" }]);
    assert.equal(v.explanation, 'Updated sub-user "alice" (uin 1) in account 42 by provisioning up-1 through group G: email from "a@old" to "a@new", to follow directory user alice\'s email.');
  });
});
