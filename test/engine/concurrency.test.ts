/**
 * The worker reconciles up to `concurrency` keys at once, never one key twice at once; `stop` waits
 * for every key in hand; what the concurrent reconciles write is what one at a time would write.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ssoTenant, until, zoneIdOf } from "../helpers/cloudsso.js";
import { camClient, ENGINES, startServer, type TestServer } from "../helpers/harness.js";
import { checkWorkerSetting } from "../helpers/worker-setting.js";

const CONCURRENCY = 3;
const ACCOUNTS = 7;

for (const engine of ENGINES) {
  describe(`concurrent reconciles (${engine})`, () => {
    let server: TestServer;
    /** Keys whose reconcile has started and not yet been let go. */
    const inHand = new Set<string>();
    let most = 0;
    let twice: string | undefined;
    let gate: Promise<void> = Promise.resolve();
    before(async () => {
      server = await startServer(engine, {
        workerOptions: {
          concurrency: CONCURRENCY,
          faults: {
            beforeReconcile: async (key) => {
              if (inHand.has(key)) twice = key;
              inHand.add(key);
              most = Math.max(most, inHand.size);
              await gate;
              inHand.delete(key);
            },
          },
        },
      });
    });
    after(() => server?.close());

    test(`at most ${CONCURRENCY} keys at once, each once; stop waits for those in hand; every account converges`, async () => {
      const t = await ssoTenant(server, { members: ACCOUNTS });
      const zoneId = zoneIdOf(t.directoryId);
      const group = (await t.org.CreateGroup({ ZoneId: zoneId, GroupName: "team" })).GroupInfo!.GroupId!;
      for (const n of ["ann", "ben", "cid"]) {
        const u = (await t.org.CreateUser({ ZoneId: zoneId, UserName: n })).UserInfo!.UserId!;
        await t.org.AddUserToGroup({ ZoneId: zoneId, GroupId: group, UserId: u });
      }
      await server.core.worker.stop();
      let open!: () => void;
      gate = new Promise<void>((r) => (open = r));
      const { Tasks } = await t.org.CreateUserSyncProvisioning({
        ZoneId: zoneId,
        UserSyncProvisionings: t.members.map((uin) => ({ PrincipalId: group, PrincipalType: "Group", TargetUin: uin, TargetType: "MemberUin" })),
      });
      assert.equal(Tasks!.length, ACCOUNTS);
      server.core.worker.start();
      await until(async () => inHand.size === CONCURRENCY, `${CONCURRENCY} keys in hand`);
      // The others wait for a free slot: give the worker turns and polls to take more if it would.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(inHand.size, CONCURRENCY);

      // stop() finishes the keys in hand: it cannot end while they wait at the gate.
      let stopped = false;
      const stopping = server.core.worker.stop().then(() => (stopped = true));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(stopped, false, "stop waits for the reconciles in hand");
      open();
      await stopping;
      assert.equal(inHand.size, 0);
      const leased = await server.store.db.selectFrom("reconcile_queue").select("work_key").where("leased_by", "is not", null).execute();
      assert.deepEqual(leased, [], "no key is left leased by a stopped worker");

      server.core.worker.start();
      for (const task of Tasks!) {
        await until(async () => (await t.org.GetProvisioningTaskStatus({ ZoneId: zoneId, TaskId: task.TaskId! })).TaskStatus?.Status === "Success", `task ${task.TaskId}`);
      }
      for (const uin of t.members) {
        const names = ((await camClient(server, await server.keyFor(uin)).ListUsers()).Data ?? []).map((u) => u.Name!).sort();
        assert.deepEqual(names, ["ann", "ben", "cid"], `account ${uin}`);
      }
      assert.equal(most, CONCURRENCY);
      assert.equal(twice, undefined, "no key was reconciled twice at once");
    });
  });
}

test("OPENCIC_WORKER_CONCURRENCY sets the keys reconciled at once (default 1); anything but a whole number from 1 is refused", () => checkWorkerSetting("OPENCIC_WORKER_CONCURRENCY", "workerConcurrency", "concurrency", 1));
