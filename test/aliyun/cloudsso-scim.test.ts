/**
 * CloudSSO 2021-05-15 SCIM server credentials and the directory's SCIM synchronization switch through
 * the official Alibaba clients over real HTTP: CreateSCIMServerCredential, ListSCIMServerCredentials,
 * UpdateSCIMServerCredentialStatus, DeleteSCIMServerCredential, GetSCIMSynchronizationStatus,
 * SetSCIMSynchronizationStatus, with GetDirectoryStatistics' SCIMServerCredentialCount and
 * SCIMSyncEnabled and the directory's SCIMSyncStatus; every code (spec alibaba-cloudsso.md §3.7, §3.8,
 * scim.md §2.2), the secret shown once, the 100/s limit; and the ownership rule as CloudSSO documents
 * it (SetSCIMSynchronizationStatus): while synchronization is on, synchronized users and groups refuse
 * changes, but their passwords and sign-in status stay the administrator's. The credentials and the
 * switch are the Tencent door's too: one directory, two wires.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ManualClock } from "../../src/core/clock.js";
import { CoreError } from "../../src/core/errors.js";
import { TENCENT_RATE_LIMITS } from "../../src/dialects/tencent/door.js";
import { parseRateLimits } from "../../src/server/rate-limit.js";
import { aliyunClient, expectAliyunError, popClient } from "../helpers/aliyun.js";
import { ALIYUN_TIME, DIRECTORY_ID, plain, ssoRejects, ssoTenant, type SsoTenant, UNKNOWN_DIRECTORY, uniq, zoneIdOf } from "../helpers/cloudsso.js";
import { ENGINES, orgWithMembers, snapshot, startServer, type TestServer } from "../helpers/harness.js";

const CREDENTIAL_ID = /^scimcred-[a-z0-9]+$/;
const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
const UNKNOWN_CREDENTIAL = "scimcred-000000000000";
const YEAR_MS = 365 * 24 * 3600 * 1000;

/** UTC `2021-11-09T08:12:52Z`, computed independently of the server's formatter. */
const utc = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

const isRefused = (e: unknown) => e instanceof CoreError && e.reason === "scim.credential_invalid";

for (const engine of ENGINES) {
  describe(`CloudSSO SCIM server credentials and the synchronization switch (${engine})`, () => {
    let server: TestServer;
    const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000 - 120_000);
    before(async () => {
      server = await startServer(engine, { clock });
    });
    after(() => server?.close());

    test("CreateSCIMServerCredential: every field, Enabled, one year; the secret once, and a working token", async () => {
      const t = await ssoTenant(server);
      const at = clock.now();
      const r = await t.sso.call("CreateSCIMServerCredential", { DirectoryId: t.directoryId });
      assert.match(r.RequestId, REQUEST_ID);
      const c = r.SCIMServerCredential;
      assert.deepEqual(Object.keys(c).sort(), ["CreateTime", "CredentialId", "CredentialSecret", "CredentialType", "DirectoryId", "ExpireTime", "Status"]);
      assert.match(c.CredentialId, CREDENTIAL_ID);
      assert.equal(c.CredentialType, "BearerToken");
      assert.equal(c.Status, "Enabled");
      assert.equal(c.DirectoryId, t.directoryId);
      assert.match(c.CreateTime, ALIYUN_TIME);
      assert.equal(c.CreateTime, utc(at));
      assert.equal(c.ExpireTime, utc(at + YEAR_MS));
      assert.ok(typeof c.CredentialSecret === "string" && c.CredentialSecret.length >= 40);
      const session = await server.core.scimCredentials.authenticate(c.CredentialSecret);
      assert.equal(session.directoryId, zoneIdOf(t.directoryId));
      // pop-core (V1, form body) gets the same answer shape.
      const viaPop = plain(await popClient(server, t.key, "cloudsso").call("CreateSCIMServerCredential", { DirectoryId: t.directoryId })) as Record<string, any>;
      assert.equal(viaPop.SCIMServerCredential.Status, "Enabled");
      assert.notEqual(viaPop.SCIMServerCredential.CredentialSecret, c.CredentialSecret);
    });

    test("two per directory: LimitExceeded.SCIMCredential (409), counted by GetDirectoryStatistics, shared with the Tencent door", async () => {
      const t = await ssoTenant(server);
      const stats = async () => (await t.sso.call("GetDirectoryStatistics", { DirectoryId: t.directoryId })).DirectoryStatistics;
      assert.equal((await stats()).SCIMServerCredentialCount, 0);
      const first = (await t.sso.call("CreateSCIMServerCredential", { DirectoryId: t.directoryId })).SCIMServerCredential;
      assert.equal((await stats()).SCIMServerCredentialCount, 1);
      // The second through the Tencent door: the same directory's credentials.
      await t.org.CreateSCIMCredential({ ZoneId: zoneIdOf(t.directoryId) });
      assert.equal((await stats()).SCIMServerCredentialCount, 2);
      await ssoRejects(server, "LimitExceeded.SCIMCredential", 409, () => t.sso.call("CreateSCIMServerCredential", { DirectoryId: t.directoryId }));
      await t.sso.call("DeleteSCIMServerCredential", { DirectoryId: t.directoryId, CredentialId: first.CredentialId });
      assert.equal((await stats()).SCIMServerCredentialCount, 1);
    });

    test("ListSCIMServerCredentials: TotalCounts and the credentials, oldest first, never a secret", async () => {
      const t = await ssoTenant(server);
      assert.deepEqual(plain(await t.sso.call("ListSCIMServerCredentials", { DirectoryId: t.directoryId })).TotalCounts, 0);
      const a = (await t.sso.call("CreateSCIMServerCredential", { DirectoryId: t.directoryId })).SCIMServerCredential;
      clock.advance(1000);
      const b = (await t.sso.call("CreateSCIMServerCredential", { DirectoryId: t.directoryId })).SCIMServerCredential;
      const list = await t.sso.call("ListSCIMServerCredentials", { DirectoryId: t.directoryId });
      assert.equal(list.TotalCounts, 2);
      const { CredentialSecret: _a, ...aListed } = a;
      const { CredentialSecret: _b, ...bListed } = b;
      assert.deepEqual(list.SCIMServerCredentials, [aListed, bListed]);
      assert.ok(!JSON.stringify(list).includes(a.CredentialSecret) && !JSON.stringify(list).includes(b.CredentialSecret));
      // The Tencent door lists the same two.
      assert.deepEqual((await t.org.ListSCIMCredentials({ ZoneId: zoneIdOf(t.directoryId) })).SCIMCredentials!.map((c) => c.CredentialId), [a.CredentialId, b.CredentialId]);
    });

    test("UpdateSCIMServerCredentialStatus answers the credential; Disabled refuses the token; NewStatus in any case; bad values and ids change nothing", async () => {
      const t = await ssoTenant(server);
      const c = (await t.sso.call("CreateSCIMServerCredential", { DirectoryId: t.directoryId })).SCIMServerCredential;
      const r = await t.sso.call("UpdateSCIMServerCredentialStatus", { DirectoryId: t.directoryId, CredentialId: c.CredentialId, NewStatus: "Disabled" });
      const { CredentialSecret: _s, ...listed } = c;
      assert.deepEqual(r.SCIMServerCredential, { ...listed, Status: "Disabled" });
      await assert.rejects(async () => server.core.scimCredentials.authenticate(c.CredentialSecret), isRefused);
      // CloudSSO takes enums in any case.
      await t.sso.call("UpdateSCIMServerCredentialStatus", { DirectoryId: t.directoryId, CredentialId: c.CredentialId, NewStatus: "enabled" });
      assert.equal((await t.sso.call("ListSCIMServerCredentials", { DirectoryId: t.directoryId })).SCIMServerCredentials[0].Status, "Enabled");
      assert.equal((await server.core.scimCredentials.authenticate(c.CredentialSecret)).credentialId, c.CredentialId);

      await ssoRejects(server, "InvalidParameter.NewStatus", 400, () => t.sso.call("UpdateSCIMServerCredentialStatus", { DirectoryId: t.directoryId, CredentialId: c.CredentialId, NewStatus: "On" }));
      await ssoRejects(server, "MissingNewStatus", 400, () => t.sso.call("UpdateSCIMServerCredentialStatus", { DirectoryId: t.directoryId, CredentialId: c.CredentialId }));
      await ssoRejects(server, "MissingCredentialId", 400, () => t.sso.call("UpdateSCIMServerCredentialStatus", { DirectoryId: t.directoryId, NewStatus: "Enabled" }));
      const other = await ssoTenant(server);
      const theirs = (await other.sso.call("CreateSCIMServerCredential", { DirectoryId: other.directoryId })).SCIMServerCredential;
      for (const id of [UNKNOWN_CREDENTIAL, theirs.CredentialId, "x"]) {
        await ssoRejects(server, "EntityNotExists.SCIMCredential", 404, () => t.sso.call("UpdateSCIMServerCredentialStatus", { DirectoryId: t.directoryId, CredentialId: id, NewStatus: "Disabled" }));
      }
    });

    test("DeleteSCIMServerCredential ends the token at once; again, or another directory's, is EntityNotExists.SCIMCredential", async () => {
      const t = await ssoTenant(server);
      const c = (await t.sso.call("CreateSCIMServerCredential", { DirectoryId: t.directoryId })).SCIMServerCredential;
      await server.core.scimCredentials.authenticate(c.CredentialSecret);
      assert.deepEqual(Object.keys(await t.sso.call("DeleteSCIMServerCredential", { DirectoryId: t.directoryId, CredentialId: c.CredentialId })), ["RequestId"]);
      await assert.rejects(async () => server.core.scimCredentials.authenticate(c.CredentialSecret), isRefused);
      assert.equal((await t.sso.call("ListSCIMServerCredentials", { DirectoryId: t.directoryId })).TotalCounts, 0);
      await ssoRejects(server, "EntityNotExists.SCIMCredential", 404, () => t.sso.call("DeleteSCIMServerCredential", { DirectoryId: t.directoryId, CredentialId: c.CredentialId }));
      const other = await ssoTenant(server);
      const theirs = (await other.sso.call("CreateSCIMServerCredential", { DirectoryId: other.directoryId })).SCIMServerCredential;
      await ssoRejects(server, "EntityNotExists.SCIMCredential", 404, () => t.sso.call("DeleteSCIMServerCredential", { DirectoryId: t.directoryId, CredentialId: theirs.CredentialId }));
    });

    test("the switch: Get and Set, SCIMSyncStatus on the directory, SCIMSyncEnabled in the statistics, DescribeIdentityCenter on the Tencent door", async () => {
      const t = await ssoTenant(server);
      const d = { DirectoryId: t.directoryId };
      const seen = async () => ({
        get: (await t.sso.call("GetSCIMSynchronizationStatus", d)).SCIMSynchronizationStatus,
        directory: (await t.sso.call("GetDirectory", d)).Directory.SCIMSyncStatus,
        listed: (await t.sso.call("ListDirectories")).Directories[0].SCIMSyncStatus,
        statistics: (await t.sso.call("GetDirectoryStatistics", d)).DirectoryStatistics.SCIMSyncEnabled,
        tencent: (await t.org.DescribeIdentityCenter()).ScimSyncStatus,
      });
      assert.deepEqual(await seen(), { get: "Disabled", directory: "Disabled", listed: "Disabled", statistics: false, tencent: "Disabled" });
      assert.deepEqual(Object.keys(await t.sso.call("SetSCIMSynchronizationStatus", { ...d, SCIMSynchronizationStatus: "Enabled" })), ["RequestId"]);
      assert.deepEqual(await seen(), { get: "Enabled", directory: "Enabled", listed: "Enabled", statistics: true, tencent: "Enabled" });
      await t.sso.call("SetSCIMSynchronizationStatus", { ...d, SCIMSynchronizationStatus: "DISABLED" });
      assert.deepEqual(await seen(), { get: "Disabled", directory: "Disabled", listed: "Disabled", statistics: false, tencent: "Disabled" });
      await ssoRejects(server, "InvalidParameter.SCIMSynchronizationStatus", 400, () => t.sso.call("SetSCIMSynchronizationStatus", { ...d, SCIMSynchronizationStatus: "On" }));
      await ssoRejects(server, "MissingSCIMSynchronizationStatus", 400, () => t.sso.call("SetSCIMSynchronizationStatus", d));
    });

    test("every action: an unknown or another tenant's directory is EntityNotExists.Directory (404); DirectoryId is mandatory", async () => {
      const t = await ssoTenant(server);
      const c = (await t.sso.call("CreateSCIMServerCredential", { DirectoryId: t.directoryId })).SCIMServerCredential;
      const other = await ssoTenant(server);
      const calls = (directoryId: string): [string, Record<string, string>][] => [
        ["CreateSCIMServerCredential", { DirectoryId: directoryId }],
        ["ListSCIMServerCredentials", { DirectoryId: directoryId }],
        ["UpdateSCIMServerCredentialStatus", { DirectoryId: directoryId, CredentialId: c.CredentialId, NewStatus: "Disabled" }],
        ["DeleteSCIMServerCredential", { DirectoryId: directoryId, CredentialId: c.CredentialId }],
        ["GetSCIMSynchronizationStatus", { DirectoryId: directoryId }],
        ["SetSCIMSynchronizationStatus", { DirectoryId: directoryId, SCIMSynchronizationStatus: "Enabled" }],
      ];
      for (const [action, params] of [...calls(UNKNOWN_DIRECTORY), ...calls(other.directoryId)]) {
        await ssoRejects(server, "EntityNotExists.Directory", 404, () => t.sso.call(action, params));
      }
      for (const [action, params] of calls(t.directoryId)) {
        await ssoRejects(server, "EntityNotExists.Directory", 404, () => other.sso.call(action, params));
        const { DirectoryId: _d, ...without } = params;
        await ssoRejects(server, "MissingDirectoryId", 400, () => t.sso.call(action, without));
      }
      // A management account that never created a directory.
      const key = await server.newRoot();
      await orgWithMembers(server, key, 0);
      await ssoRejects(server, "EntityNotExists.Directory", 404, () => aliyunClient(server, key, "cloudsso").call("ListSCIMServerCredentials", { DirectoryId: t.directoryId }));
    });

    test("DeleteDirectory is refused while SCIM credentials remain (DeletionConflict.Directory.SCIMCredential)", async () => {
      const t = await ssoTenant(server);
      const c = (await t.sso.call("CreateSCIMServerCredential", { DirectoryId: t.directoryId })).SCIMServerCredential;
      await ssoRejects(server, "DeletionConflict.Directory.SCIMCredential", 409, () => t.sso.call("DeleteDirectory", { DirectoryId: t.directoryId }));
      await t.sso.call("DeleteSCIMServerCredential", { DirectoryId: t.directoryId, CredentialId: c.CredentialId });
      await t.sso.call("DeleteDirectory", { DirectoryId: t.directoryId });
      assert.deepEqual((await t.sso.call("ListDirectories")).Directories, []);
    });

    test("the secret is in Create's answer only: not in the store, not in a list or an error", async () => {
      const t = await ssoTenant(server);
      const c = (await t.sso.call("CreateSCIMServerCredential", { DirectoryId: t.directoryId })).SCIMServerCredential;
      const secret: string = c.CredentialSecret;
      assert.ok(!(await snapshot(server.store)).includes(secret));
      assert.ok(!JSON.stringify(await t.sso.call("UpdateSCIMServerCredentialStatus", { DirectoryId: t.directoryId, CredentialId: c.CredentialId, NewStatus: "Disabled" })).includes(secret));
      const err = await expectAliyunError(t.sso.call("DeleteSCIMServerCredential", { DirectoryId: t.directoryId, CredentialId: secret }), "EntityNotExists.SCIMCredential", 404);
      assert.ok(!JSON.stringify(err.data).includes(secret) && !err.message.includes(secret));
    });
  });

  describe(`CloudSSO SCIM rate limits (${engine})`, () => {
    test("100 calls per second per account for the SCIM credential actions; then Throttling.User", async () => {
      const clock = new ManualClock(Date.now());
      const server = await startServer(engine, { clock, rateLimits: parseRateLimits(undefined, TENCENT_RATE_LIMITS) });
      try {
        const t = await ssoTenant(server);
        clock.advance(1000);
        const d = { DirectoryId: t.directoryId };
        for (let i = 0; i < 100; i++) await t.sso.call("ListSCIMServerCredentials", d);
        await expectAliyunError(t.sso.call("ListSCIMServerCredentials", d), "Throttling.User", 400);
        // Another action has its own budget, and so has the next second.
        for (let i = 0; i < 21; i++) await t.sso.call("GetSCIMSynchronizationStatus", d);
        clock.advance(1000);
        await t.sso.call("ListSCIMServerCredentials", d);
      } finally {
        await server.close();
      }
    });
  });

  describe(`CloudSSO: who may change what while SCIM synchronization is on (${engine})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(engine);
    });
    after(() => server?.close());

    /** A directory with the switch on, and a Synchronized user in a Synchronized group, made through its SCIM credential. */
    async function world() {
      const t: SsoTenant = await ssoTenant(server);
      const { CredentialSecret } = (await t.sso.call("CreateSCIMServerCredential", { DirectoryId: t.directoryId })).SCIMServerCredential;
      await t.sso.call("SetSCIMSynchronizationStatus", { DirectoryId: t.directoryId, SCIMSynchronizationStatus: "Enabled" });
      const scim = (await server.core.scimCredentials.authenticate(CredentialSecret)).caller;
      const zone = zoneIdOf(t.directoryId);
      const synced = (await server.core.users.create(scim, zone, { userName: uniq("idp-user") })).user.userId;
      const other = (await server.core.users.create(scim, zone, { userName: uniq("idp-other") })).user.userId;
      const group = (await server.core.groups.create(scim, zone, { groupName: uniq("idp-group") })).groupId;
      await server.core.groups.addMember(scim, zone, group, synced);
      return { ...t, scim, zone, synced, other, group };
    }

    test("synchronized users and groups refuse updates, deletes and membership changes (409), changing nothing", async () => {
      const w = await world();
      const d = { DirectoryId: w.directoryId };
      assert.equal((await w.sso.call("GetUser", { ...d, UserId: w.synced })).User.ProvisionType, "Synchronized");
      assert.equal((await w.sso.call("GetGroup", { ...d, GroupId: w.group })).Group.ProvisionType, "Synchronized");
      await ssoRejects(server, "OperationConflict.User.SCIMSynchronized", 409, () => w.sso.call("UpdateUser", { ...d, UserId: w.synced, NewDisplayName: "edited" }));
      await ssoRejects(server, "DeletionConflict.User.SCIMSynchronized", 409, () => w.sso.call("DeleteUser", { ...d, UserId: w.other }));
      await ssoRejects(server, "OperationConflict.Group.SCIMSynchronized", 409, () => w.sso.call("UpdateGroup", { ...d, GroupId: w.group, NewDescription: "edited" }));
      await ssoRejects(server, "OperationConflict.GroupMember.SCIMSynchronized", 409, () => w.sso.call("AddUserToGroup", { ...d, GroupId: w.group, UserId: w.other }));
      await ssoRejects(server, "OperationConflict.GroupMember.SCIMSynchronized", 409, () => w.sso.call("RemoveUserFromGroup", { ...d, GroupId: w.group, UserId: w.synced }));
      await server.core.groups.removeMember(w.scim, w.zone, w.group, w.synced);
      await ssoRejects(server, "DeletionConflict.Group.SCIMSynchronized", 409, () => w.sso.call("DeleteGroup", { ...d, GroupId: w.group }));
    });

    test("as documented, the administrator still resets a synchronized user's password and turns its sign-in off and on", async () => {
      const w = await world();
      const d = { DirectoryId: w.directoryId, UserId: w.synced };
      const { NewPassword } = await w.sso.call("ResetUserPassword", { ...d, GenerateRandomPassword: true });
      assert.ok(typeof NewPassword === "string" && NewPassword.length >= 8);
      await w.sso.call("ResetUserPassword", { ...d, Password: "Str0ng!Passw0rd#1" });
      await w.sso.call("UpdateUserStatus", { ...d, NewStatus: "Disabled" });
      assert.equal((await w.sso.call("GetUser", d)).User.Status, "Disabled");
      await w.sso.call("UpdateUserStatus", { ...d, NewStatus: "Enabled" });
      assert.equal((await w.sso.call("GetUser", d)).User.Status, "Enabled");
      // Hand-made objects are the administrator's whatever the switch.
      const { User } = await w.sso.call("CreateUser", { DirectoryId: w.directoryId, UserName: uniq("hand") });
      assert.equal(User.ProvisionType, "Manual");
      assert.equal((await w.sso.call("UpdateUser", { DirectoryId: w.directoryId, UserId: User.UserId, NewDisplayName: "edited" })).User.DisplayName, "edited");
      await w.sso.call("DeleteUser", { DirectoryId: w.directoryId, UserId: User.UserId });
    });

    test("SetSCIMSynchronizationStatus Disabled lifts the rule: the same changes go through", async () => {
      const w = await world();
      const d = { DirectoryId: w.directoryId };
      await w.sso.call("SetSCIMSynchronizationStatus", { ...d, SCIMSynchronizationStatus: "Disabled" });
      assert.equal((await w.sso.call("UpdateUser", { ...d, UserId: w.synced, NewDisplayName: "edited" })).User.DisplayName, "edited");
      assert.equal((await w.sso.call("UpdateGroup", { ...d, GroupId: w.group, NewDescription: "edited" })).Group.Description, "edited");
      await w.sso.call("AddUserToGroup", { ...d, GroupId: w.group, UserId: w.other });
      await w.sso.call("RemoveUserFromGroup", { ...d, GroupId: w.group, UserId: w.other });
      await w.sso.call("RemoveUserFromGroup", { ...d, GroupId: w.group, UserId: w.synced });
      await w.sso.call("DeleteGroup", { ...d, GroupId: w.group });
      await w.sso.call("DeleteUser", { ...d, UserId: w.synced });
      // The directory id in either spelling names the same directory.
      assert.match(w.directoryId, DIRECTORY_ID);
    });
  });
}
