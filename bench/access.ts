/**
 * Role access at scale, in process on SQLite: one configuration with 10 policies (9 system, 1
 * inline) assigned to a group on N member accounts, 50 assignments a call as both clouds allow.
 * The clock runs from the first assignment call until every account holds the role, its 10
 * policy attachments and the directory's identity provider, and every task is Success. The
 * baseline is raw better-sqlite3 inserting the same rows (a role, 10 attachments and an identity
 * provider per account, 500 accounts per transaction) in the same run.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_ASSIGNMENT_BATCH } from "../src/core/access/deployments.js";
import { openRuntime } from "../src/runtime.js";
import { seedOrganization, withScratchSqlite } from "./lib.js";

const SYSTEM_POLICIES = [
  "AdministratorAccess",
  "ReadOnlyAccess",
  "QcloudCamFullAccess",
  "QcloudCamReadOnlyAccess",
  "QcloudCVMFullAccess",
  "QcloudCVMReadOnlyAccess",
  "QcloudVPCFullAccess",
  "QcloudVPCReadOnlyAccess",
  "QcloudCOSFullAccess",
];
const INLINE = JSON.stringify({ version: "2.0", statement: [{ effect: "allow", action: ["cos:GetObject", "cos:PutObject"], resource: ["*"] }] });
export const POLICIES_PER_ROLE = SYSTEM_POLICIES.length + 1;

export interface AccessBenchResult {
  accounts: number;
  policies: number;
  seconds: number;
  /** When the last assignment call was answered. */
  assignSeconds: number;
  /** CPU time this process spent over the same span. */
  cpuSeconds: number;
  deploymentsPerSecond: number;
  /** Rows that landed: roles + policy attachments + identity providers. */
  rows: number;
  rowsPerSecond: number;
  rawRowsPerSecond: number;
}

export async function benchAccess(accounts: number): Promise<AccessBenchResult> {
  const dataDir = mkdtempSync(join(tmpdir(), "opencic-access-"));
  // An operator with this many accounts raises the organization's member quota, as here.
  const rt = await openRuntime({ dataDir }, { limits: { orgMembers: accounts + 10 } });
  try {
    const { core, store } = rt;
    const { caller, targets, directoryId } = await seedOrganization(core, accounts, "access");
    const zone = { directoryId };
    const dir = zone.directoryId;
    const group = await core.groups.create(caller, dir, { groupName: "engineers" });
    const config = await core.accessConfigurations.create(caller, dir, { name: "Engineering", sessionDuration: 7200 });
    await core.accessConfigurations.addPolicies(caller, dir, config.configurationId, "cam", SYSTEM_POLICIES.map((name) => ({ type: "System" as const, name })));
    await core.accessConfigurations.addPolicies(caller, dir, config.configurationId, "cam", [{ type: "Inline", name: "engineering-extra", document: INLINE }]);

    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    core.worker.start();
    const taskIds: string[] = [];
    for (let i = 0; i < targets.length; i += MAX_ASSIGNMENT_BATCH) {
      const batch = targets.slice(i, i + MAX_ASSIGNMENT_BATCH);
      const tasks = await core.accessDeployments.assign(
        caller,
        dir,
        batch.map((uin) => ({ configurationId: config.configurationId, targetType: "MemberUin", targetUin: uin, principalType: "Group", principalId: group.groupId })),
      );
      taskIds.push(...tasks.map((t) => t.taskId));
    }
    const assignSeconds = (performance.now() - t0) / 1000;
    const count = async (table: "account_roles" | "account_role_policies" | "account_saml_providers") =>
      Number((await store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
    const expectedRows = accounts * (2 + POLICIES_PER_ROLE);
    for (;;) {
      const pending = await store.db.selectFrom("access_tasks").select("status").where("status", "!=", "Success").execute();
      if (pending.some((p) => p.status === "Failed")) throw new Error("a deployment task failed");
      if (pending.length === 0 && (await count("account_roles")) + (await count("account_role_policies")) + (await count("account_saml_providers")) === expectedRows) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    await core.worker.stop();
    // Not timed: exactly what was asked landed, nothing more.
    if ((await count("account_roles")) !== accounts) throw new Error("wrong number of roles");
    if ((await count("account_role_policies")) !== accounts * POLICIES_PER_ROLE) throw new Error("wrong number of policy attachments");
    if ((await count("account_saml_providers")) !== accounts) throw new Error("wrong number of identity providers");
    if (taskIds.length !== accounts) throw new Error("wrong number of tasks");
    return {
      accounts,
      policies: POLICIES_PER_ROLE,
      seconds,
      assignSeconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      deploymentsPerSecond: accounts / seconds,
      rows: expectedRows,
      rowsPerSecond: expectedRows / seconds,
      rawRowsPerSecond: rawInsertRate(accounts),
    };
  } finally {
    await rt.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Baseline: better-sqlite3 inserting, per account, a role, its attachments and an identity provider (with their keys), 500 accounts per transaction. */
function rawInsertRate(accounts: number): number {
  return withScratchSqlite((db) => {
    db.exec(
      "create table r (account integer not null, config text not null, role_id text not null, name text not null, primary key (account, config));" +
        "create table p (account integer not null, config text not null, type text not null, name text not null, document text, primary key (account, config, type, name));" +
        "create table s (account integer not null, directory text not null, primary key (account, directory))",
    );
    const role = db.prepare("insert into r values (?, ?, ?, ?)");
    const policy = db.prepare("insert into p values (?, ?, ?, ?, ?)");
    const provider = db.prepare("insert into s values (?, ?)");
    const batch = db.transaction((from: number, to: number) => {
      for (let a = from; a < to; a++) {
        provider.run(a, "z-bench");
        role.run(a, "rc-bench", `46${String(a).padStart(17, "0")}`, "Engineering");
        for (const name of SYSTEM_POLICIES) policy.run(a, "rc-bench", "System", name, null);
        policy.run(a, "rc-bench", "Inline", "engineering-extra", INLINE);
      }
    });
    const t = performance.now();
    for (let a = 0; a < accounts; a += 500) batch(a, Math.min(accounts, a + 500));
    const rate = (accounts * (2 + POLICIES_PER_ROLE)) / ((performance.now() - t) / 1000);
    return rate;
  });
}
