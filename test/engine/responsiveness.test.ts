/**
 * The worker must not starve the API: while a large fan-out runs in the server's own process,
 * API calls are answered before it ends. (better-sqlite3 is synchronous: a reconcile that never
 * yielded to the event loop would hold every request until it finished.)
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ENGINES, orgClient, startServer } from "../helpers/harness.js";

const USERS = 3000;
const TARGETS = 4;

for (const engine of ENGINES) {
  test(`API calls are answered while a ${USERS}×${TARGETS} fan-out runs (${engine})`, async () => {
    const server = await startServer(engine, { limits: { usersPerDirectory: USERS, membersPerGroup: USERS, subUsersPerAccount: USERS + 10 } });
    try {
      const caller = { accountUin: server.root.uin, principalUin: server.root.uin, isSubUser: false };
      const { core } = server;
      await core.organizations.create(caller);
      const { org } = (await core.organizations.findMembership(server.root.uin))!;
      const targets: number[] = [];
      for (let i = 0; i < TARGETS; i++) {
        targets.push(await core.organizations.createMember(caller, { name: `m${i}`, accountName: `m${i}`, policyType: "Financial", permissionIds: [1, 2, 7], nodeId: org.root_node_id }));
      }
      const zone = await core.directories.open(caller, `busy-${engine}`);
      const group = await core.groups.create(caller, zone.directory_id, { groupName: "all" });
      for (let i = 0; i < USERS; i += 100) {
        await Promise.all(
          Array.from({ length: 100 }, async (_, j) => {
            const { user } = await core.users.create(caller, zone.directory_id, { userName: `user${i + j}` });
            await core.groups.addMember(caller, zone.directory_id, group.group_id, user.user_id);
          }),
        );
      }
      const sdk = orgClient(server, server.root);
      const created = await sdk.CreateUserSyncProvisioning({
        ZoneId: zone.directory_id,
        UserSyncProvisionings: targets.map((t) => ({ PrincipalId: group.group_id, PrincipalType: "Group", TargetUin: t, TargetType: "MemberUin" })),
      });
      const lastTask = created.Tasks![TARGETS - 1]!.TaskId!;
      // Ask for the last task's status at once: the answer must come while the fan-out is still going.
      const { TaskStatus } = await sdk.GetProvisioningTaskStatus({ ZoneId: zone.directory_id, TaskId: lastTask });
      assert.equal(TaskStatus?.Status, "InProgress", "the API answered only after the whole fan-out had finished");
      for (;;) {
        const s = await sdk.GetProvisioningTaskStatus({ ZoneId: zone.directory_id, TaskId: lastTask });
        if (s.TaskStatus?.Status === "Success") break;
        assert.equal(s.TaskStatus?.Status, "InProgress");
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await server.close();
    }
  });
}
