/**
 * One sub-user quota, whoever writes: CAM AddUser calls made with a member account's own key race a
 * provisioning fan-out into the same account, and the account never holds more sub-users than its
 * quota. Both paths count under the account's row lock, so this holds on PostgreSQL too.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { camClient, ENGINES, orgClient, startServer } from "../helpers/harness.js";
import { seedFanout } from "../helpers/fanout.js";

const QUOTA = 30;
const GROUP = 40;
const ADDS = 20;
/** Several accounts at once, each with its own fan-out and its own AddUser calls. */
const ACCOUNTS = 4;

for (const engine of ENGINES) {
  test(`CAM AddUser racing a fan-out never takes an account past its sub-user quota (${engine})`, async () => {
    const server = await startServer(engine, { limits: { subUsersPerAccount: QUOTA, usersPerDirectory: 100, membersPerGroup: 100 } });
    try {
      const root = await server.newRoot();
      const caller = { accountUin: root.uin, principalUin: root.uin, isSubUser: false };
      const { targets, zoneId, groupId } = await seedFanout(server.core, caller, { users: GROUP, targets: ACCOUNTS, zoneName: `quota-${engine}` });
      const cams = await Promise.all(targets.map(async (t) => camClient(server, await server.keyFor(t))));
      const org = orgClient(server, root);

      // The provisionings are stored with the worker stopped, so the fan-outs begin together with the AddUser calls.
      await server.core.worker.stop();
      const { Tasks } = await org.CreateUserSyncProvisioning({
        ZoneId: zoneId,
        UserSyncProvisionings: targets.map((t) => ({ PrincipalId: groupId, PrincipalType: "Group", TargetUin: t, TargetType: "MemberUin" })),
      });
      server.core.worker.start();
      const outcomes = await Promise.all(
        cams.flatMap((cam) =>
          Array.from({ length: ADDS }, (_, i) =>
            cam.AddUser({ Name: `hand-made-${i}` }).then(
              () => "added",
              (e: { code?: string }) => e.code ?? String(e),
            ),
          ),
        ),
      );
      assert.deepEqual([...new Set(outcomes)].filter((o) => o !== "added" && o !== "InvalidParameter.SubUserFull"), [], "AddUser either succeeds or finds the account full");

      for (const t of Tasks!) {
        for (;;) {
          const { TaskStatus } = await org.GetProvisioningTaskStatus({ ZoneId: zoneId, TaskId: t.TaskId! });
          if (TaskStatus?.Status !== "InProgress") break;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      for (const [i, cam] of cams.entries()) {
        const names = ((await cam.ListUsers()).Data ?? []).map((u) => u.Name!);
        assert.ok(names.length <= QUOTA, `account ${targets[i]} holds ${names.length} sub-users; its quota is ${QUOTA}`);
        // 40 wanted by the fan-out and 20 by hand: the account fills exactly to its quota.
        assert.equal(names.length, QUOTA);
        const { sub_user_count } = await server.store.db.selectFrom("accounts").select("sub_user_count").where("uin", "=", targets[i]!).executeTakeFirstOrThrow();
        assert.equal(Number(sub_user_count), names.length, "the kept count is the number of sub-users");
      }
    } finally {
      await server.close();
    }
  });
}
