/**
 * Provisioning fan-out, in process on SQLite: a group of N users provisioned into 10 member
 * accounts. Measures time until every task is Success and sub-users/s, against raw better-sqlite3
 * batched inserts of the same number of rows in the same run; the latency of GetProvisioningTaskStatus
 * through the SDK on the same server while the fan-out runs, against the idle server; then the
 * propagation latency of AddUserToGroup to all 10 accounts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tencentcloud from "tencentcloud-sdk-nodejs";
import { parseRateLimits } from "../src/server/rate-limit.js";
import { buildApp } from "../src/server/app.js";
import { prefixedId } from "../src/core/ids.js";
import { openRuntime } from "../src/runtime.js";
import { seedGroup, seedOrganization, withScratchSqlite } from "./lib.js";

const TARGETS = 10;

export interface FanoutResult {
  users: number;
  subUsers: number;
  seconds: number;
  /** CPU time this process spent over the same span (less sensitive to other load on the machine than wall time). */
  cpuSeconds: number;
  perSecond: number;
  rawPerSecond: number;
  propagationP50Ms?: number;
  propagationP99Ms?: number;
  /** GetProvisioningTaskStatus through the SDK, on the same server, while the fan-out ran. */
  apiDuringFanout?: { p50Ms: number; p99Ms: number; samples: number };
  /** The same call on the idle server afterwards (baseline). */
  apiIdle?: { p50Ms: number; p99Ms: number; samples: number };
}

function percentiles(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return { p50Ms: s[Math.floor(s.length * 0.5)] ?? 0, p99Ms: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? 0, samples: s.length };
}

/** `timeline: false` turns the provisioning timeline's recording off: the baseline of bench/timeline.ts only. */
export async function benchFanout(users: number, propagationSamples = 0, measureApi = false, opts: { timeline?: boolean } = {}): Promise<FanoutResult> {
  const dataDir = mkdtempSync(join(tmpdir(), "opencic-fanout-"));
  const limits = { usersPerDirectory: users + 1000, membersPerGroup: users + 1000, subUsersPerAccount: users + 1000 };
  const rt = await openRuntime({ dataDir }, { limits, timeline: { record: opts.timeline ?? true } });
  try {
    const { core, store } = rt;
    const { caller, root, targets, directoryId } = await seedOrganization(core, TARGETS, "fanout");
    const zone = { directoryId };
    const group = { groupId: await seedGroup(core, store, caller, directoryId, users) };

    const app = measureApi ? await buildApp({ core, rateLimits: parseRateLimits("off", {}) }) : undefined;
    if (app) await app.listen({ host: "127.0.0.1", port: 0 });
    const sdk = app
      ? new tencentcloud.organization.v20210331.Client({
          credential: { secretId: root.secretId, secretKey: root.secretKey },
          region: "",
          profile: { httpProfile: { endpoint: `127.0.0.1:${(app.server.address() as { port: number }).port}`, protocol: "http://" } },
        })
      : undefined;

    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const tasks = await core.provisionings.create(caller, zone.directoryId, targets.map((t) => ({ principalType: "Group", principalId: group.groupId, targetType: "MemberUin", targetUin: t })), { duplicateSuffix: "_cic" });
    core.worker.start();
    const ids = tasks.map((t) => t.taskId);
    const during: number[] = [];
    for (;;) {
      if (sdk) {
        const s = performance.now();
        await sdk.GetProvisioningTaskStatus({ ZoneId: zone.directoryId, TaskId: ids[during.length % ids.length]! });
        during.push(performance.now() - s);
      }
      const pending = await store.db.selectFrom("provisioning_tasks").select("status").where("task_id", "in", ids).where("status", "!=", "Success").execute();
      if (pending.some((p) => p.status === "Failed")) throw new Error("fan-out task failed");
      if (pending.length === 0) break;
      if (!sdk) await new Promise((r) => setTimeout(r, 10));
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const idle: number[] = [];
    for (let i = 0; sdk && i < Math.max(50, during.length); i++) {
      const s = performance.now();
      await sdk.GetProvisioningTaskStatus({ ZoneId: zone.directoryId, TaskId: ids[i % ids.length]! });
      idle.push(performance.now() - s);
    }
    await app?.close();

    let p50: number | undefined;
    let p99: number | undefined;
    if (propagationSamples > 0) {
      const latencies: number[] = [];
      for (let i = 0; i < propagationSamples; i++) {
        const { user } = await core.users.create(caller, zone.directoryId, { userName: `late${i}` });
        const start = performance.now();
        await core.groups.addMember(caller, zone.directoryId, group.groupId, user.userId);
        for (;;) {
          const { n } = await store.db.selectFrom("sub_users").select((eb) => eb.fn.countAll<number>().as("n")).where("directory_user_id", "=", user.userId).executeTakeFirstOrThrow();
          if (Number(n) === TARGETS) break;
          await new Promise((r) => setTimeout(r, 2));
        }
        latencies.push(performance.now() - start);
      }
      latencies.sort((a, b) => a - b);
      p50 = latencies[Math.floor(latencies.length * 0.5)];
      p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))];
    }
    await core.worker.stop();
    const subUsers = users * TARGETS;
    return {
      users,
      subUsers,
      seconds,
      cpuSeconds,
      perSecond: subUsers / seconds,
      rawPerSecond: rawBatchedInsertRate(subUsers),
      propagationP50Ms: p50,
      propagationP99Ms: p99,
      apiDuringFanout: sdk ? percentiles(during) : undefined,
      apiIdle: sdk ? percentiles(idle) : undefined,
    };
  } finally {
    await rt.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Baseline: better-sqlite3 inserting rows shaped like sub-users (with their unique index), 500 per transaction. */
function rawBatchedInsertRate(n: number): number {
  return withScratchSqlite((db) => {
    db.exec("create table s (uin integer primary key, account integer not null, name text not null, email text not null, remark text not null, managed text, unique (account, name))");
    const insert = db.prepare("insert into s values (?, ?, ?, ?, ?, ?)");
    const batch = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) insert.run(i, i % TARGETS, `user${i}`, `user${i}@example.com`, `User ${i}`, prefixedId("u-"));
    });
    const t = performance.now();
    for (let i = 0; i < n; i += 500) batch(i, Math.min(n, i + 500));
    const rate = n / ((performance.now() - t) / 1000);
    return rate;
  });
}
