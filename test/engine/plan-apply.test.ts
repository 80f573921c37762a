/**
 * Plan = apply, as a property: fast-check generates a directory (user names that clash with each
 * other's suffixed forms), hand-made sub-users in two accounts (clashes and a tight quota), provisionings
 * already applied, and one change (members joining or leaving, a strategy change, a deletion, a new
 * provisioning, an attribute change). The planner plans the change; the change is made and the
 * reconcile worker runs until the queue is empty; what the store shows was applied (sub-users created,
 * adopted, let go, deleted, updated; units failed) must be exactly what was planned.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { Caller, Core } from "../../src/core/index.js";
import type { Plan, ProposedChange } from "../../src/core/provisioning/planner.js";
import { ENGINES, startServer, type TestServer } from "../helpers/harness.js";

const USER_NAMES = ["ann", "bob", "cat", "dan", "eve", "ann_cic", "bob_cic", "cat_cic"] as const;
const HAND_MADE = ["ann", "bob", "cat", "dan", "ann_cic", "cat_cic", "dan_cic", "zed"] as const;
const QUOTA = 8;
/** Enough runs that a simulation which forgets one kind of op (a create's quota, an adoption) is caught. */
const RUNS = Number(process.env.PLAN_APPLY_RUNS ?? 200);

const strategy = fc.constantFrom("KeepBoth" as const, "TakeOver" as const);
const deletion = fc.constantFrom("Delete" as const, "Keep" as const);

/** Indexes into the scenario's users: a subset as a sorted array. */
const subset = (n: number) => fc.uniqueArray(fc.nat(n - 1), { maxLength: n }).map((a) => a.sort((x, y) => x - y));

const scenario = fc
  .record({
    users: fc.uniqueArray(fc.constantFrom(...USER_NAMES), { minLength: 2, maxLength: USER_NAMES.length }),
    handMadeA: fc.uniqueArray(fc.constantFrom(...HAND_MADE), { maxLength: 7 }),
    handMadeB: fc.uniqueArray(fc.constantFrom(...HAND_MADE), { maxLength: 7 }),
    groupMembers: fc.uniqueArray(fc.nat(7), { minLength: 1, maxLength: 8 }),
    p1: fc.record({ dup: strategy, del: deletion }),
    p2: fc.option(fc.record({ dup: strategy, del: deletion }), { nil: undefined }),
    /** A user provisioned on its own into account A too (its sub-user is then claimed twice). */
    solo: fc.option(fc.record({ user: fc.nat(7), dup: strategy, del: deletion }), { nil: undefined }),
    change: fc.oneof(
      fc.record({ kind: fc.constant("membership" as const), add: subset(8), remove: subset(8) }),
      fc.record({ kind: fc.constant("update" as const), dup: fc.option(strategy, { nil: undefined }), del: fc.option(deletion, { nil: undefined }) }),
      fc.record({ kind: fc.constant("delete" as const), del: fc.option(deletion, { nil: undefined }) }),
      fc.record({ kind: fc.constant("create" as const), intoB: fc.boolean(), principal: fc.oneof(fc.constant(-1), fc.nat(7)), dup: strategy, del: deletion }),
      fc.record({ kind: fc.constant("attributes" as const), user: fc.nat(7), email: fc.boolean(), name: fc.boolean() }),
    ),
  })
  .map((s) => ({ ...s, groupMembers: [...new Set(s.groupMembers.filter((i) => i < s.users.length))] }));

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

interface SubUserRow {
  uin: number;
  account_uin: number;
  name: string;
  directory_user_id: string | null;
  email: string;
  remark: string;
}

for (const engine of ENGINES) {
  test(`what the planner plans is exactly what the reconcile applies (${engine})`, async () => {
    // Batches of two users, so a plan spans several of the reconcile's batches, as a big group's does.
    // And a breaker that trips above two deletions, so some plans hold deletions as the reconcile does.
    const server = await startServer(engine, { worker: false, limits: { subUsersPerAccount: QUOTA }, workerOptions: { batchSize: 2 }, deletionBreaker: { count: 2, percent: 30 } });
    try {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          await checkPlanEqualsApply(server, s, ++n);
        }),
        // PLAN_APPLY_SEED=<seed>:<path> replays a failure fast-check reported.
        { numRuns: RUNS, endOnFailure: true, includeErrorInReport: true, ...(process.env.PLAN_APPLY_SEED ? { seed: Number(process.env.PLAN_APPLY_SEED.split(":")[0]), path: process.env.PLAN_APPLY_SEED.split(":")[1] } : {}) },
      );
    } finally {
      await server.close();
    }
  });
}

async function drain(core: Core): Promise<void> {
  for (let i = 0; i < 200 && (await core.worker.runOnce()); i++);
  assert.equal(await core.worker.runOnce(), false, "the queue drains");
}

async function checkPlanEqualsApply(server: TestServer, s: Scenario, run: number): Promise<void> {
  const { core } = server;
  // Every run is a tenant of its own: its organization, accounts and directory.
  const root = await server.newRoot(`plan-${run}`);
  const caller: Caller = { accountUin: root.uin, principalUin: root.uin, isSubUser: false };
  await core.organizations.create(caller);
  const { org } = (await core.organizations.findMembership(caller.accountUin))!;
  const member = (name: string) => core.organizations.createMember(caller, { name, accountName: name, policyType: "Financial", permissionIds: [1, 2], nodeId: org.root_node_id });
  const [a, b] = [await member(`a${run}`), await member(`b${run}`)];
  for (const [account, names] of [
    [a, s.handMadeA],
    [b, s.handMadeB],
  ] as const) {
    for (const name of names) await core.subUsers.create({ accountUin: account, principalUin: account, isSubUser: false }, { name });
  }
  const zone = await core.directories.open(caller, `zone-${run}`);
  const dir = zone.directoryId;
  const users: string[] = [];
  for (const name of s.users) users.push((await core.users.create(caller, dir, { userName: name, email: `${name}@example.com`, displayName: name.toUpperCase() })).user.userId);
  const group = await core.groups.create(caller, dir, { groupName: "g" });
  for (const i of s.groupMembers) await core.groups.addMember(caller, dir, group.groupId, users[i]!);
  const created = async (items: Parameters<Core["provisionings"]["create"]>[2]) => (await core.provisionings.create(caller, dir, items, { duplicateSuffix: "_cic" })).map((t) => t.provisioningId);
  const [p1] = await created([{ principalType: "Group", principalId: group.groupId, targetUin: a, duplicationStrategy: s.p1.dup, deletionStrategy: s.p1.del }]);
  if (s.p2) await created([{ principalType: "Group", principalId: group.groupId, targetUin: b, duplicationStrategy: s.p2.dup, deletionStrategy: s.p2.del }]);
  if (s.solo && s.solo.user < users.length) await created([{ principalType: "User", principalId: users[s.solo.user]!, targetUin: a, duplicationStrategy: s.solo.dup, deletionStrategy: s.solo.del }]);
  await drain(core);

  // The change, planned first, then made.
  const c = s.change;
  const proposed: ProposedChange = (() => {
    switch (c.kind) {
      case "membership": {
        const inGroup = new Set(s.groupMembers);
        const add = c.add.filter((i) => i < users.length && !inGroup.has(i));
        const remove = c.remove.filter((i) => i < users.length && inGroup.has(i) && !add.includes(i));
        return { kind: "membership", groupId: group.groupId, add: add.map((i) => users[i]!), remove: remove.map((i) => users[i]!) };
      }
      case "update":
        return { kind: "update", provisioningId: p1!, duplicationStrategy: c.dup, deletionStrategy: c.del };
      case "delete":
        return { kind: "delete", provisioningId: p1!, deletionStrategy: c.del };
      case "create": {
        const principal = c.principal >= 0 && c.principal < users.length ? { principalType: "User", principalId: users[c.principal]! } : { principalType: "Group", principalId: group.groupId };
        return { kind: "create", duplicateSuffix: "_cic", provisioning: { ...principal, targetUin: c.intoB ? b : a, duplicationStrategy: c.dup, deletionStrategy: c.del } };
      }
      case "attributes":
        return { kind: "current", provisioningId: p1! };
    }
  })();
  let plan: Plan;
  if (c.kind === "attributes") {
    const userId = users[c.user % users.length]!;
    await core.users.update(caller, dir, userId, { ...(c.email ? { email: `new-${run}@example.com` } : {}), ...(c.name ? { displayName: `Renamed ${run}` } : {}) });
    plan = await planAll(core, caller, dir);
  } else {
    const planned = await core.plans.plan(caller, dir, proposed).catch((err: { reason?: string }) => err);
    if (!("plans" in planned)) {
      // A change the core refuses (a second provisioning of that principal into that account) is refused by the plan alike.
      assert.equal(planned.reason, "provisioning.already_exists");
      await assert.rejects(() => makeChange(core, caller, dir, proposed), (err: { reason?: string }) => err.reason === "provisioning.already_exists");
      return;
    }
    plan = planned;
  }

  const before = await subUsers(server, [a, b]);
  if (c.kind !== "attributes") await makeChange(core, caller, dir, proposed);
  // A plan is what each planned provisioning's next reconcile does: run them all, also when the change
  // itself marks none (an attribute change outside them, members that were already there).
  if (c.kind === "attributes" || c.kind === "membership") for (const p of plan.plans) await core.provisionings.update(caller, dir, p.provisioningId!, {});
  await drain(core);
  const after = await subUsers(server, [a, b]);

  const context = JSON.stringify({ scenario: s, plan: plan.plans.map((p) => ({ target: p.targetUin === a ? "A" : "B", ops: p.operations })) });
  assert.deepEqual(applied(before, after), expected(plan), `what was applied is what was planned\n${context}`);
  assert.deepEqual(await failedUnits(server, plan), plannedFailures(plan), `the units that failed are the ones planned to fail\n${context}`);
}

async function planAll(core: Core, caller: Caller, dir: string): Promise<Plan> {
  const ids = (await core.provisionings.list(caller, dir, {})).items.map((p) => p.provisioningId);
  const plans = [];
  for (const id of ids) plans.push(...(await core.plans.plan(caller, dir, { kind: "current", provisioningId: id })).plans);
  return { plans, counts: plans[0]?.counts ?? ({} as Plan["counts"]) };
}

async function makeChange(core: Core, caller: Caller, dir: string, change: ProposedChange): Promise<void> {
  switch (change.kind) {
    case "membership":
      for (const u of change.add ?? []) await core.groups.addMember(caller, dir, change.groupId, u);
      for (const u of change.remove ?? []) await core.groups.removeMember(caller, dir, change.groupId, u);
      return;
    case "update":
      await core.provisionings.update(caller, dir, change.provisioningId, { duplicationStrategy: change.duplicationStrategy, deletionStrategy: change.deletionStrategy });
      return;
    case "delete":
      await core.provisionings.delete(caller, dir, change.provisioningId, { deletionStrategy: change.deletionStrategy });
      return;
    case "create":
      await core.provisionings.create(caller, dir, [change.provisioning], { duplicateSuffix: change.duplicateSuffix });
      return;
    case "current":
      return;
  }
}

async function subUsers(server: TestServer, accounts: number[]): Promise<Map<number, SubUserRow>> {
  const rows = await server.store.db.selectFrom("sub_users").select(["uin", "account_uin", "name", "directory_user_id", "email", "remark"]).where("account_uin", "in", accounts).execute();
  return new Map(rows.map((r) => [r.uin, r]));
}

/** What the store shows happened, as sorted lines. */
function applied(before: Map<number, SubUserRow>, after: Map<number, SubUserRow>): string[] {
  const out: string[] = [];
  for (const [uin, s] of after) {
    const was = before.get(uin);
    if (!was) out.push(`create ${s.account_uin} ${s.name} for ${s.directory_user_id}`);
    else {
      if (was.directory_user_id === null && s.directory_user_id !== null) out.push(`adopt ${s.account_uin} ${uin} for ${s.directory_user_id}`);
      if (was.directory_user_id !== null && s.directory_user_id === null) out.push(`keep ${s.account_uin} ${uin}`);
      if (was.email !== s.email || was.remark !== s.remark) out.push(`update ${s.account_uin} ${uin}${was.email !== s.email ? ` email=${s.email}` : ""}${was.remark !== s.remark ? ` remark=${s.remark}` : ""}`);
    }
  }
  for (const [uin, s] of before) if (!after.has(uin)) out.push(`delete ${s.account_uin} ${uin}`);
  return out.sort();
}

/** What the plan said would happen, in the same lines. An update of a sub-user planned by two provisionings happens once. */
function expected(plan: Plan): string[] {
  const out = new Set<string>();
  for (const p of plan.plans) {
    for (const o of p.operations) {
      if (o.op === "create") out.add(`create ${p.targetUin} ${o.subUserName} for ${o.userId}`);
      else if (o.op === "adopt") out.add(`adopt ${p.targetUin} ${o.subUserUin} for ${o.userId}`);
      else if (o.op === "keep") out.add(`keep ${p.targetUin} ${o.subUserUin}`);
      else if (o.op === "delete") out.add(`delete ${p.targetUin} ${o.subUserUin}`);
      else if (o.op === "update") out.add(`update ${p.targetUin} ${o.subUserUin}${o.changes?.email ? ` email=${o.changes.email.to}` : ""}${o.changes?.remark ? ` remark=${o.changes.remark.to}` : ""}`);
    }
  }
  return [...out].sort();
}

async function failedUnits(server: TestServer, plan: Plan): Promise<string[]> {
  const out: string[] = [];
  for (const p of plan.plans) {
    if (p.deleting) continue;
    const ids = p.provisioningId
      ? [p.provisioningId]
      : (await server.store.db.selectFrom("provisionings").select("provisioning_id").where("principal_id", "=", p.principalId).where("target_uin", "=", p.targetUin).execute()).map((r) => r.provisioning_id);
    const events = await server.store.db.selectFrom("provisioning_events").select(["user_id", "error_kind", "error_info"]).where("provisioning_id", "in", ids).where("user_id", "!=", "").execute();
    for (const e of events) out.push(`${p.targetUin} ${e.user_id} ${e.error_kind}: ${e.error_info}`);
  }
  return out.sort();
}

function plannedFailures(plan: Plan): string[] {
  const out: string[] = [];
  for (const p of plan.plans) for (const o of p.operations) if (o.op === "fail" && !p.deleting) out.push(`${p.targetUin} ${o.userId} ${o.failure!.kind}: ${o.failure!.reason}`);
  return out.sort();
}
