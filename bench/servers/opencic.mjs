// OpenCIC as `npm start` runs it (the built dist/, plain node): full stack on a fresh SQLite file,
// rate limits off, logging at warn. Optional seeding for the directory benchmarks:
//   BENCH_ZONE=1           create an organization and open its identity center
//   BENCH_USERS=N          seed N directory users (bulk insert; seeding is not what is measured)
//   BENCH_READS=1          what the read mix reads: 12 members, 100 users, a provisioning of one into a member
//   BENCH_SCIM=N           SCIM: N member accounts, the zone's SCIM sync on, a SCIM credential; the worker runs
//   OPENCIC_LIMITS         quotas over the ones below, as `opencic serve` reads them
// Prints {port, dataDir, secretId, secretKey, zoneId?, deepToken?, userId?, provisioningId?, taskId?, scimToken?, memberUins?} when ready.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseLimits } from "../../dist/core/limits.js";
import { parseRateLimits } from "../../dist/server/rate-limit.js";
import { openRuntime } from "../../dist/runtime.js";
import { buildApp } from "../../dist/server/app.js";

const users = Number(process.env.BENCH_USERS ?? 0);
const dataDir = mkdtempSync(join(tmpdir(), "opencic-bench-"));
const limits = { usersPerDirectory: 1_000_000, subUsersPerAccount: 1_000_000, ...parseLimits(process.env.OPENCIC_LIMITS) };
const runtime = await openRuntime({ dataDir, databaseUrl: process.env.BENCH_DATABASE_URL }, { limits });
const { core, store } = runtime;
const key = await core.accounts.bootstrap();
const caller = { accountUin: key.accountUin, principalUin: key.accountUin, isSubUser: false };
await core.subUsers.create(caller, { name: "bench", remark: "benchmark user", email: "bench@example.com" });
const info = { secretId: key.secretId, secretKey: key.secretKey };

if (process.env.BENCH_ZONE || users > 0 || process.env.BENCH_READS || process.env.BENCH_SCIM) {
  await core.organizations.create(caller);
  const zone = await core.directories.open(caller, "bench-zone");
  info.zoneId = zone.directoryId;
  const t0 = Date.now();
  for (let i = 0; i < users; i += 1000) {
    const rows = [];
    for (let j = i; j < Math.min(users, i + 1000); j++) {
      const id = `u-${String(j).padStart(12, "0")}`;
      rows.push({
        user_id: id, directory_id: zone.directoryId, user_name: `seed${j}`, first_name: "", last_name: "", display_name: `Seed ${j}`,
        description: "", email: `seed${j}@example.com`, user_status: "Enabled", user_type: "Manual", need_reset_password: 0,
        password_hash: null, created_at: t0 + j, updated_at: t0 + j,
      });
    }
    await store.db.transaction().execute(async (trx) => {
      await trx.insertInto("dir_users").values(rows).execute();
    });
  }
  await store.db.updateTable("directories").set({ user_count: users }).where("directory_id", "=", zone.directoryId).execute();
  if (users > 0) {
    // A NextToken for the last page but one: deep into the list, as a client walking it would hold.
    let token;
    for (let seen = 0; seen < users - 200; seen += 100) {
      const page = await core.users.list(caller, zone.directoryId, { maxResults: 100, nextToken: token });
      token = page.nextToken;
    }
    info.deepToken = token;
  }
}

if (process.env.BENCH_READS) {
  const org = await core.organizations.describe(caller);
  const members = [];
  for (let i = 0; i < 12; i++) members.push(await core.organizations.createMember(caller, { name: `member${i}`, permissionIds: [1, 2], nodeId: org.rootNodeId }));
  const ids = [];
  for (let i = 0; i < 100; i++) ids.push((await core.users.create(caller, info.zoneId, { userName: `reader${i}`, email: `reader${i}@example.com`, displayName: `Reader ${i}` })).user.userId);
  const [task] = await core.provisionings.create(caller, info.zoneId, [{ principalType: "User", principalId: ids[0], targetType: "MemberUin", targetUin: members[0] }], { duplicateSuffix: "_cic" });
  Object.assign(info, { userId: ids[0], provisioningId: task.provisioningId, taskId: task.taskId });
  // The state a poller sees once the work is done: the worker provisions the sub-user, then idles.
  core.worker.start();
  while ((await core.provisionings.task(caller, info.zoneId, task.taskId)).status === "InProgress") await new Promise((r) => setTimeout(r, 20));
}

if (process.env.BENCH_SCIM) {
  // An identity provider's view: the zone's SCIM sync on and a credential; member accounts to provision into.
  const org = await core.organizations.describe(caller);
  info.memberUins = [];
  info.memberKeys = [];
  for (let i = 0; i < Number(process.env.BENCH_SCIM); i++) {
    const uin = await core.organizations.createMember(caller, { name: `scim${i}`, accountName: `scim${i}`, permissionIds: [1, 2], nodeId: org.rootNodeId });
    const key = await core.accounts.createKey(uin);
    info.memberUins.push(uin);
    info.memberKeys.push({ secretId: key.secretId, secretKey: key.secretKey });
  }
  await core.scimCredentials.setSyncStatus(caller, info.zoneId, "Enabled");
  info.scimToken = (await core.scimCredentials.create(caller, info.zoneId)).secret;
  if (!process.env.BENCH_READS) core.worker.start();
}

const app = await buildApp({ core, rateLimits: parseRateLimits("off", {}), logger: { level: "warn" } });
await app.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(JSON.stringify({ port: app.server.address().port, dataDir, ...info }) + "\n");
// The data directory goes with the server: a full run starts dozens of them, some holding a million sub-users.
process.on("SIGTERM", () =>
  void app
    .close()
    .then(() => runtime.close())
    .then(() => rmSync(dataDir, { recursive: true, force: true }))
    .then(() => process.exit(0)),
);
