/**
 * Plans before apply, in process on SQLite: a group of N users proposed for provisioning into 10
 * member accounts that already hold some clashing sub-users, planned (each account's plan in full:
 * one operation per user) through the core, as the console's confirmation step and `opencic plan`
 * ask for it. Nothing is written. Measured, after one untimed plan: the wall time of the ten plans,
 * and operations per second.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openRuntime } from "../src/runtime.js";

const TARGETS = 10;

export interface PlanBenchResult {
  users: number;
  operations: number;
  seconds: number;
  cpuSeconds: number;
  /** Operations by kind over the ten plans. */
  counts: Record<string, number>;
}

export async function benchPlan(users: number): Promise<PlanBenchResult> {
  const dataDir = mkdtempSync(join(tmpdir(), "opencic-plan-"));
  const limits = { usersPerDirectory: users + 1000, membersPerGroup: users + 1000, subUsersPerAccount: users + 1000 };
  const rt = await openRuntime({ dataDir }, { limits });
  try {
    const { core, store } = rt;
    const root = (await core.accounts.bootstrap())!;
    const caller = { accountUin: root.accountUin, principalUin: root.accountUin, isSubUser: false };
    await core.organizations.create(caller);
    const { org } = (await core.organizations.findMembership(root.accountUin))!;
    const targets: number[] = [];
    for (let i = 0; i < TARGETS; i++) {
      targets.push(await core.organizations.createMember(caller, { name: `m${i}`, accountName: `m${i}`, policyType: "Financial", permissionIds: [1, 2], nodeId: org.root_node_id }));
    }
    const zone = await core.directories.open(caller, "plan");
    const group = await core.groups.create(caller, zone.directoryId, { groupName: "everyone" });
    // Seeding is not what is measured: bulk rows through the same schema.
    const now = Date.now();
    for (let i = 0; i < users; i += 1000) {
      const batch = Array.from({ length: Math.min(1000, users - i) }, (_, j) => `u-${String(i + j).padStart(12, "0")}`);
      await store.db.transaction().execute(async (trx) => {
        await trx
          .insertInto("dir_users")
          .values(batch.map((id, j) => ({ user_id: id, directory_id: zone.directoryId, user_name: `user${i + j}`, first_name: "", last_name: "", display_name: `User ${i + j}`, description: "", email: `user${i + j}@example.com`, user_status: "Enabled" as const, user_type: "Manual" as const, need_reset_password: 0, password_hash: null, created_at: now + i + j, updated_at: now })))
          .execute();
        await trx.insertInto("dir_memberships").values(batch.map((id, j) => ({ group_id: group.groupId, user_id: id, directory_id: zone.directoryId, joined_at: now + i + j }))).execute();
      });
    }
    // Every hundredth name is already taken by a hand-made sub-user in every account: KeepBoth plans `_cic` for those.
    for (const t of targets) {
      for (let i = 0; i < users; i += 100) await core.subUsers.create({ accountUin: t, principalUin: t, isSubUser: false }, { name: `user${i}` });
    }

    const plan = (targetUin: number) => core.plans.plan(caller, zone.directoryId, { kind: "create", duplicateSuffix: "_cic", provisioning: { principalType: "Group", principalId: group.groupId, targetUin } });
    // One plan first, untimed: what is measured is the planner, not the JIT warming up to it.
    await plan(targets[0]!);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const counts: Record<string, number> = {};
    let operations = 0;
    for (const targetUin of targets) {
      const planned = await plan(targetUin);
      for (const p of planned.plans) operations += p.operations.length;
      for (const [k, n] of Object.entries(planned.counts)) counts[k] = (counts[k] ?? 0) + n;
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { users, operations, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, counts };
  } finally {
    await rt.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
