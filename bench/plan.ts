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
import { seedGroup, seedOrganization } from "./lib.js";

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
    const { caller, targets, directoryId } = await seedOrganization(core, TARGETS, "plan");
    const zone = { directoryId };
    const group = { groupId: await seedGroup(core, store, caller, directoryId, users) };
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
