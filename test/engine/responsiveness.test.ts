/**
 * The worker must not starve the API: while a large fan-out runs in the server's own process,
 * API calls are answered before it ends. (better-sqlite3 is synchronous: a reconcile that never
 * yielded to the event loop would hold every request until it finished.)
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Announcer } from "../../src/core/announcements.js";
import { systemClock } from "../../src/core/clock.js";
import { ReconcileQueue } from "../../src/core/engine/queue.js";
import { seedFanout } from "../helpers/fanout.js";
import { ENGINES, openTestStore, orgClient, startServer } from "../helpers/harness.js";

const USERS = 3000;
const TARGETS = 4;

for (const engine of ENGINES) {
  test(`API calls are answered while a ${USERS}×${TARGETS} fan-out runs (${engine})`, async () => {
    const server = await startServer(engine, { limits: { usersPerDirectory: USERS, membersPerGroup: USERS, subUsersPerAccount: USERS + 10 } });
    try {
      const caller = { accountUin: server.root.uin, principalUin: server.root.uin, isSubUser: false };
      const { targets, zoneId, groupId } = await seedFanout(server.core, caller, { users: USERS, targets: TARGETS, zoneName: `busy-${engine}` });
      const sdk = orgClient(server, server.root);
      const created = await sdk.CreateUserSyncProvisioning({
        ZoneId: zoneId,
        UserSyncProvisionings: targets.map((t) => ({ PrincipalId: groupId, PrincipalType: "Group", TargetUin: t, TargetType: "MemberUin" })),
      });
      const lastTask = created.Tasks![TARGETS - 1]!.TaskId!;
      // Ask for the last task's status at once: the answer must come while the fan-out is still going.
      const { TaskStatus } = await sdk.GetProvisioningTaskStatus({ ZoneId: zoneId, TaskId: lastTask });
      assert.equal(TaskStatus?.Status, "InProgress", "the API answered only after the whole fan-out had finished");
      for (;;) {
        const s = await sdk.GetProvisioningTaskStatus({ ZoneId: zoneId, TaskId: lastTask });
        if (s.TaskStatus?.Status === "Success") break;
        assert.equal(s.TaskStatus?.Status, "InProgress");
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await server.close();
    }
  });
}

for (const engine of ENGINES) {
  // An idle worker polls ten times a second: a transaction per poll would hold SQLite's one
  // connection across awaits, and the requests reading in those turns would wait behind it.
  test(`an idle poll reads the queue without opening a transaction; a due key is taken in one (${engine})`, async () => {
    const { store, cleanup } = await openTestStore(engine);
    try {
      const announcer = new Announcer();
      const queue = new ReconcileQueue(store.db, engine, systemClock, announcer);
      const open = store.db.transaction.bind(store.db);
      let transactions = 0;
      store.db.transaction = () => {
        transactions++;
        return open();
      };
      assert.equal(await queue.take("worker-1", 10_000), undefined);
      assert.equal(transactions, 0);
      await announcer.transaction(store.db, (trx) => queue.enqueue(trx, ["k-1"]));
      transactions = 0;
      assert.equal((await queue.take("worker-1", 10_000))?.key, "k-1");
      assert.equal(transactions, 1);
      // Leased now: the next poll finds nothing due, again without a transaction.
      assert.equal(await queue.take("worker-2", 10_000), undefined);
      assert.equal(transactions, 1);
    } finally {
      await cleanup();
    }
  });
}
