/**
 * The emulator routes of the native API over real HTTP: refused (404 `emulator.disabled`) on a server
 * that is not an emulator, refused to anything but a root account's own key, bad names refused; and a
 * reset with a provisioning in flight waits for the reconcile in hand, so nothing is written into the
 * wiped database, and the worker runs again after it.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { settled } from "../helpers/cloudsso.js";
import { camClient, ENGINES, orgClient, orgWithMembers, snapshot, startServer, type TestServer } from "../helpers/harness.js";
import { nativeClient, refused } from "../helpers/native.js";

/** Every emulator route, with a request it takes. */
const CALLS: [string, string, unknown?][] = [
  ["GET", "/emulator/clock"],
  ["PUT", "/emulator/clock", { time: "real" }],
  ["POST", "/emulator/clock/freeze"],
  ["POST", "/emulator/clock/resume"],
  ["POST", "/emulator/clock/advance", { seconds: 1 }],
  ["POST", "/emulator/reset"],
  ["GET", "/emulator/snapshots"],
  ["POST", "/emulator/snapshots", { name: "s1" }],
  ["POST", "/emulator/snapshots/s1/restore"],
  ["DELETE", "/emulator/snapshots/s1"],
];

for (const engine of ENGINES) {
  describe(`emulator routes on a server that is not an emulator (${engine})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(engine);
    });
    after(() => server?.close());

    test("every emulator route answers the emulator.disabled problem (404) and changes nothing", async () => {
      const api = nativeClient(server, server.root);
      for (const [method, path, body] of CALLS) {
        const r = await refused(server, 404, "emulator.disabled", () => api.call(method, path, body === undefined ? {} : { body }));
        assert.match(r.body.detail, /--emulator/);
      }
    });
  });

  describe(`emulator routes: who may use them (${engine})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(engine, { emulator: true });
    });
    after(() => server?.close());

    test("a sub-user's key, a member account's key and no key are refused; another root account's key is served", async () => {
      const sub = await camClient(server, server.root).AddUser({ Name: "emulator-sub", UseApi: 1 });
      const subKey = { secretId: sub.SecretId!, secretKey: sub.SecretKey! };
      const { members } = await orgWithMembers(server, server.root, 1);
      const memberKey = await server.keyFor(members[0]!);
      for (const [method, path, body] of CALLS) {
        const opts = body === undefined ? {} : { body };
        await refused(server, 403, "auth.not_permitted", () => nativeClient(server, subKey).call(method, path, opts));
        await refused(server, 403, "emulator.not_root", () => nativeClient(server, memberKey).call(method, path, opts));
        await refused(server, 401, "auth.malformed", () => nativeClient(server).call(method, path, opts));
      }
      const other = await server.newRoot("emulator-other");
      assert.equal((await nativeClient(server, other).ok(200, "GET", "/emulator/clock")).frozen, false);
    });

    test("snapshot names outside 1-64 of letters, digits, . _ - are refused; an unknown one is emulator.snapshot_not_found", async () => {
      const api = nativeClient(server, server.root);
      for (const name of ["", "-x", "a b", "x".repeat(65), "ü"]) {
        const r = await api.call("POST", "/emulator/snapshots", { body: { name } });
        assert.equal(r.status, 400, name);
      }
      await refused(server, 400, "request.missing_parameter", () => api.call("POST", "/emulator/snapshots", { body: {} }), "name");
      await refused(server, 404, "emulator.snapshot_not_found", () => api.call("POST", "/emulator/snapshots/nothing-here/restore"));
      await refused(server, 404, "emulator.snapshot_not_found", () => api.call("DELETE", "/emulator/snapshots/nothing-here"));
      assert.deepEqual(await api.ok(200, "GET", "/emulator/snapshots"), { items: [], totalCount: 0 });
    });
  });

  describe(`emulator reset with a provisioning in flight (${engine})`, () => {
    let server: TestServer;
    let release: () => void = () => {};
    let inFlight: () => void = () => {};
    const gate = { closed: false, reached: new Promise<void>(() => {}) };

    before(async () => {
      server = await startServer(engine, {
        emulator: true,
        workerOptions: {
          faults: {
            // While closed, a reconcile stops before its first write batch until the test lets it go on.
            beforeBatch: async () => {
              if (!gate.closed) return;
              inFlight();
              await new Promise<void>((resolve) => (release = resolve));
            },
          },
        },
      });
    });
    after(() => {
      release();
      return server?.close();
    });

    test("reset waits for the reconcile in hand, wipes after it, and the worker runs again", async () => {
      const fresh = await snapshot(server.store);
      const api = nativeClient(server, server.root);
      const { members } = await orgWithMembers(server, server.root, 1);
      const org = orgClient(server, server.root);
      const { ZoneId } = await org.OpenIdentityCenter({ ZoneName: "in-flight" });
      const user = (await org.CreateUser({ ZoneId: ZoneId!, UserName: "walker" })).UserInfo!;
      gate.closed = true;
      gate.reached = new Promise<void>((resolve) => (inFlight = resolve));
      await org.CreateUserSyncProvisioning({
        ZoneId: ZoneId!,
        UserSyncProvisionings: [{ PrincipalId: user.UserId, PrincipalType: "User", TargetUin: members[0], TargetType: "MemberUin", DeletionStrategy: "Delete", DuplicationStrategy: "KeepBoth" }],
      });
      await gate.reached;
      let resetDone = false;
      const reset = api.call("POST", "/emulator/reset").then((r) => {
        resetDone = true;
        return r;
      });
      // The reset waits behind the reconcile: however long, it cannot finish while the reconcile is held.
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(resetDone, false, "reset finished while a reconcile was still writing");
      gate.closed = false;
      release();
      assert.equal((await reset).status, 204);
      // Nothing the reconcile did lands after the wipe: the store is the first start's.
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(await snapshot(server.store), fresh);
      // The worker was started again: new work converges.
      const again = await orgWithMembers(server, server.root, 1);
      const zone = (await org.OpenIdentityCenter({ ZoneName: "after-reset" })).ZoneId!;
      const u2 = (await org.CreateUser({ ZoneId: zone, UserName: "walker" })).UserInfo!;
      const { Tasks } = await org.CreateUserSyncProvisioning({
        ZoneId: zone,
        UserSyncProvisionings: [{ PrincipalId: u2.UserId, PrincipalType: "User", TargetUin: again.members[0], TargetType: "MemberUin", DeletionStrategy: "Delete", DuplicationStrategy: "KeepBoth" }],
      });
      assert.equal(await settled(org, zone, Tasks![0]!.TaskId!), "Success");
      assert.ok(server.core.worker.isRunning);
    });
  });
}
