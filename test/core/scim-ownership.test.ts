/**
 * The core side of SCIM credentials and of the ownership rule (core/directory/scim-credentials.ts,
 * core/directory/ownership.ts), on both engines, without a wire: a credential's session ends at its
 * expiry (a hand-driven clock) even when cached, and when it is disabled or deleted; and a caller that a
 * SCIM credential authenticated (the SCIM door's) creates Synchronized objects, may not change or delete
 * Manual ones, and writes nothing while the directory's synchronization is off.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Caller } from "../../src/core/accounts.js";
import { ManualClock } from "../../src/core/clock.js";
import { SCIM_CREDENTIALS_PER_DIRECTORY, SCIM_LIFETIME, SCIM_SESSION_TTL_MS } from "../../src/core/directory/scim-credentials.js";
import { CoreError } from "../../src/core/errors.js";
import { ENGINES, snapshot, startServer, type TestServer } from "../helpers/harness.js";

/** The reason a call was refused with, or "ok". */
async function outcome(f: () => unknown): Promise<string> {
  try {
    await f();
    return "ok";
  } catch (err) {
    assert.ok(err instanceof CoreError, String(err));
    return err.reason;
  }
}

/** The reason, and that the store did not change. */
async function refused(server: TestServer, f: () => unknown): Promise<string> {
  const before = await snapshot(server.store);
  const reason = await outcome(f);
  assert.notEqual(reason, "ok", "the call was accepted");
  assert.equal(await snapshot(server.store), before, `refused with ${reason}, but the store changed`);
  return reason;
}

let n = 0;

for (const engine of ENGINES) {
  describe(`SCIM credentials and the ownership rule in the core (${engine})`, () => {
    let server: TestServer;
    const clock = new ManualClock(Date.UTC(2030, 0, 1));
    before(async () => {
      server = await startServer(engine, { clock, worker: false });
    });
    after(() => server.close());

    /** A management account with an open directory. */
    async function directory(): Promise<{ admin: Caller; directoryId: string }> {
      const root = await server.newRoot(`scim-core-${++n}`);
      const admin: Caller = { accountUin: root.uin, principalUin: root.uin, isSubUser: false };
      await server.core.organizations.create(admin);
      const dir = await server.core.directories.open(admin, `scim-core-${n}-${engine}`);
      return { admin, directoryId: dir.directoryId };
    }

    test("a session ends at the credential's expiry, to the millisecond, even while it is cached", async () => {
      const { admin, directoryId } = await directory();
      const { credential, secret } = await server.core.scimCredentials.create(admin, directoryId, SCIM_LIFETIME.minSeconds);
      assert.equal(credential.expiresAt - credential.createdAt, 3600_000);
      clock.advance(3600_000 - 1);
      const session = await server.core.scimCredentials.authenticate(secret);
      assert.deepEqual(session, {
        directoryId,
        credentialId: credential.credentialId,
        caller: { accountUin: admin.accountUin, principalUin: admin.accountUin, isSubUser: false, scimCredentialId: credential.credentialId, scimDirectoryId: directoryId },
        syncEnabled: false,
      });
      // The session is cached now; one millisecond later the credential has expired all the same.
      clock.advance(1);
      assert.equal(await outcome(() => server.core.scimCredentials.authenticate(secret)), "scim.credential_invalid");
      clock.advance(SCIM_SESSION_TTL_MS + 1);
      assert.equal(await outcome(() => server.core.scimCredentials.authenticate(secret)), "scim.credential_invalid");
      // Still listed (expired, not deleted), and still counted against the quota.
      assert.deepEqual((await server.core.scimCredentials.list(admin, directoryId)).map((c) => c.credentialId), [credential.credentialId]);
    });

    test("the default lifetime is a year; the bounds are an hour and 99 years", async () => {
      const { admin, directoryId } = await directory();
      const { credential } = await server.core.scimCredentials.create(admin, directoryId);
      assert.equal(credential.expiresAt - credential.createdAt, 365 * 24 * 3600_000);
      for (const bad of [SCIM_LIFETIME.minSeconds - 1, SCIM_LIFETIME.maxSeconds + 1, 1.5, Number.NaN]) {
        assert.equal(await refused(server, () => server.core.scimCredentials.create(admin, directoryId, bad)), "value.invalid");
      }
      await server.core.scimCredentials.create(admin, directoryId, SCIM_LIFETIME.maxSeconds);
      assert.equal(SCIM_CREDENTIALS_PER_DIRECTORY, 2);
      assert.equal(await refused(server, () => server.core.scimCredentials.create(admin, directoryId)), "scim.credential_quota");
    });

    test("disabled, deleted, unknown and garbage tokens are refused alike; enabling again restores the session", async () => {
      const { admin, directoryId } = await directory();
      const { credential, secret } = await server.core.scimCredentials.create(admin, directoryId);
      await server.core.scimCredentials.authenticate(secret);
      await server.core.scimCredentials.setStatus(admin, directoryId, credential.credentialId, "Disabled");
      const disabled = await outcome(() => server.core.scimCredentials.authenticate(secret));
      await server.core.scimCredentials.setStatus(admin, directoryId, credential.credentialId, "Enabled");
      assert.equal((await server.core.scimCredentials.authenticate(secret)).credentialId, credential.credentialId);
      await server.core.scimCredentials.delete(admin, directoryId, credential.credentialId);
      const deleted = await outcome(() => server.core.scimCredentials.authenticate(secret));
      const unknown = await outcome(() => server.core.scimCredentials.authenticate((secret.startsWith("A") ? "B" : "A") + secret.slice(1)));
      const garbage = await outcome(() => server.core.scimCredentials.authenticate(""));
      assert.deepEqual([disabled, deleted, unknown, garbage], Array(4).fill("scim.credential_invalid"));
    });

    test("the session carries the switch; the credential and its session are the directory's alone", async () => {
      const { admin, directoryId } = await directory();
      const other = await directory();
      const { credential, secret } = await server.core.scimCredentials.create(admin, directoryId);
      await server.core.scimCredentials.setSyncStatus(admin, directoryId, "Enabled");
      assert.equal((await server.core.scimCredentials.authenticate(secret)).syncEnabled, true);
      assert.equal(await refused(server, () => server.core.scimCredentials.setStatus(other.admin, other.directoryId, credential.credentialId, "Disabled")), "scim.credential_not_found");
      assert.equal(await refused(server, () => server.core.scimCredentials.delete(other.admin, other.directoryId, credential.credentialId)), "scim.credential_not_found");
      assert.equal(await refused(server, () => server.core.scimCredentials.list(other.admin, directoryId)), "directory.not_found");
    });

    describe("the synchronization as a writer (a Caller with scimCredentialId)", () => {
      async function world() {
        const { admin, directoryId } = await directory();
        const { secret } = await server.core.scimCredentials.create(admin, directoryId);
        await server.core.scimCredentials.setSyncStatus(admin, directoryId, "Enabled");
        const scim = (await server.core.scimCredentials.authenticate(secret)).caller;
        const { users, groups } = server.core;
        const manualUser = (await users.create(admin, directoryId, { userName: `hand-${++n}` })).user.userId;
        const manualGroup = (await groups.create(admin, directoryId, { groupName: `hand-${++n}` })).groupId;
        await groups.addMember(admin, directoryId, manualGroup, manualUser);
        const lonelyManual = (await users.create(admin, directoryId, { userName: `hand-${++n}` })).user.userId;
        return { admin, directoryId, scim, manualUser, manualGroup, lonelyManual };
      }

      test("what it creates is Synchronized, whatever it asks for; it changes its own objects freely", async () => {
        const w = await world();
        const { users, groups } = server.core;
        const { user } = await users.create(w.scim, w.directoryId, { userName: `idp-${++n}`, userType: "Manual" });
        assert.equal(user.origin, "Synchronized");
        const group = await groups.create(w.scim, w.directoryId, { groupName: `idp-${++n}`, groupType: "Manual" });
        assert.equal(group.origin, "Synchronized");
        assert.equal((await users.update(w.scim, w.directoryId, user.userId, { displayName: "from the IdP" })).displayName, "from the IdP");
        await users.setStatus(w.scim, w.directoryId, user.userId, "Disabled");
        await users.resetPassword(w.scim, w.directoryId, user.userId, { generate: true });
        await groups.update(w.scim, w.directoryId, group.groupId, { description: "from the IdP" });
        await groups.addMember(w.scim, w.directoryId, group.groupId, user.userId);
        await groups.removeMember(w.scim, w.directoryId, group.groupId, user.userId);
        await groups.delete(w.scim, w.directoryId, group.groupId);
        await users.delete(w.scim, w.directoryId, user.userId);
      });

      test("it may not change or delete a Manual user or group, nor its members: manual_* reasons, nothing changed", async () => {
        const w = await world();
        const { users, groups } = server.core;
        const d = w.directoryId;
        assert.equal(await refused(server, () => users.update(w.scim, d, w.manualUser, { displayName: "x" })), "ownership.manual_user_update");
        assert.equal(await refused(server, () => users.setStatus(w.scim, d, w.manualUser, "Disabled")), "ownership.manual_user_update");
        assert.equal(await refused(server, () => users.resetPassword(w.scim, d, w.manualUser, { generate: true })), "ownership.manual_user_update");
        assert.equal(await refused(server, () => users.delete(w.scim, d, w.lonelyManual)), "ownership.manual_user_delete");
        assert.equal(await refused(server, () => groups.update(w.scim, d, w.manualGroup, { description: "x" })), "ownership.manual_group_update");
        assert.equal(await refused(server, () => groups.addMember(w.scim, d, w.manualGroup, w.lonelyManual)), "ownership.manual_group_update");
        assert.equal(await refused(server, () => groups.removeMember(w.scim, d, w.manualGroup, w.manualUser)), "ownership.manual_group_update");
        assert.equal(await refused(server, () => groups.delete(w.scim, d, w.manualGroup)), "ownership.manual_group_delete");
        // Switching synchronization off does not hand Manual objects to it: it then writes nothing at all.
        await server.core.scimCredentials.setSyncStatus(w.admin, d, "Disabled");
        assert.equal(await refused(server, () => users.update(w.scim, d, w.manualUser, { displayName: "x" })), "scim.sync_disabled");
      });

      test("while the switch is off it writes nothing, its own objects included; the administrator then may", async () => {
        const w = await world();
        const { users, groups } = server.core;
        const d = w.directoryId;
        const own = (await users.create(w.scim, d, { userName: `idp-${++n}` })).user.userId;
        const ownGroup = (await groups.create(w.scim, d, { groupName: `idp-${++n}` })).groupId;
        await server.core.scimCredentials.setSyncStatus(w.admin, d, "Disabled");
        for (const write of [
          () => users.create(w.scim, d, { userName: `idp-${++n}` }),
          () => groups.create(w.scim, d, { groupName: `idp-${++n}` }),
          () => users.update(w.scim, d, own, { displayName: "x" }),
          () => users.setStatus(w.scim, d, own, "Disabled"),
          () => users.delete(w.scim, d, own),
          () => groups.update(w.scim, d, ownGroup, { description: "x" }),
          () => groups.addMember(w.scim, d, ownGroup, own),
          () => groups.delete(w.scim, d, ownGroup),
        ]) {
          assert.equal(await refused(server, write), "scim.sync_disabled");
        }
        await groups.addMember(w.admin, d, ownGroup, own);
        await groups.removeMember(w.admin, d, ownGroup, own);
        await users.update(w.admin, d, own, { displayName: "by hand" });
        await groups.delete(w.admin, d, ownGroup);
        await users.delete(w.admin, d, own);
      });

      test("the administrator, meanwhile: refused on Synchronized objects except their sign-in controls", async () => {
        const w = await world();
        const { users, groups } = server.core;
        const d = w.directoryId;
        const own = (await users.create(w.scim, d, { userName: `idp-${++n}` })).user.userId;
        const ownGroup = (await groups.create(w.scim, d, { groupName: `idp-${++n}` })).groupId;
        assert.equal(await refused(server, () => users.update(w.admin, d, own, { displayName: "x" })), "ownership.synchronized_user_update");
        assert.equal(await refused(server, () => users.delete(w.admin, d, own)), "ownership.synchronized_user_delete");
        assert.equal(await refused(server, () => groups.update(w.admin, d, ownGroup, { groupName: "renamed" })), "ownership.synchronized_group_update");
        assert.equal(await refused(server, () => groups.addMember(w.admin, d, ownGroup, own)), "ownership.synchronized_group_add_member");
        await groups.addMember(w.scim, d, ownGroup, own);
        assert.equal(await refused(server, () => groups.removeMember(w.admin, d, ownGroup, own)), "ownership.synchronized_group_remove_member");
        assert.equal(await refused(server, () => groups.delete(w.admin, d, ownGroup)), "ownership.synchronized_group_delete");
        await users.setStatus(w.admin, d, own, "Disabled");
        await users.resetPassword(w.admin, d, own, { password: "Str0ng!Passw0rd#2" });
      });
    });
  });
}
