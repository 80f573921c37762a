/**
 * organization 2021-03-31 SCIM credentials and the zone's SCIM synchronization switch, through the
 * official tencentcloud-sdk-nodejs client over real HTTP: CreateSCIMCredential, ListSCIMCredentials,
 * UpdateSCIMCredentialStatus, DeleteSCIMCredential, GetSCIMSynchronizationStatus,
 * UpdateSCIMSynchronizationStatus and DescribeIdentityCenter's ScimSyncStatus; every documented code
 * (spec tencent-cic.md §3.6, scim.md §2.1), the secret shown once and nowhere else (answers, store, log
 * lines), the 20/s limit; and the ownership rule as the vendor API sees it (scim.md §4.4): while the
 * switch is on, synchronized users and groups refuse changes with the Synchronized* codes.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { ManualClock } from "../../src/core/clock.js";
import { CoreError } from "../../src/core/errors.js";
import { TENCENT_RATE_LIMITS } from "../../src/dialects/tencent/door.js";
import { parseRateLimits } from "../../src/server/rate-limit.js";
import { ENGINES, expectCode, isUuid, type Key, orgClient, orgWithMembers, rejects, snapshot, startServer, type TestServer } from "../helpers/harness.js";

type OrgClient = ReturnType<typeof orgClient>;

const CREDENTIAL_ID = /^scimcred-[a-z0-9]{12}$/;
const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const UNKNOWN_ZONE = "z-000000000000";
const UNKNOWN_CREDENTIAL = "scimcred-000000000000";
const YEAR_S = 365 * 24 * 3600;

/** Beijing time (UTC+8) as Tencent writes it, computed independently of the server's formatter. */
function beijing(ms: number): string {
  const d = new Date(ms + 8 * 3600_000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

let seq = 0;
const uniq = (prefix: string) => `${prefix}-${(++seq).toString(36)}${randomBytes(3).toString("hex")}`;

interface Tenant {
  key: Key & { uin: number };
  org: OrgClient;
  zoneId: string;
}

async function openTenant(server: TestServer): Promise<Tenant> {
  const key = await server.newRoot();
  await orgWithMembers(server, key, 0);
  const org = orgClient(server, key);
  const { ZoneId } = await org.OpenIdentityCenter({ ZoneName: uniq("zone") });
  return { key, org, zoneId: ZoneId! };
}

/** A whole second a couple of minutes behind real time: the signature window allows it, and times are exact. */
const manualClock = () => new ManualClock(Math.floor(Date.now() / 1000) * 1000 - 120_000);

for (const engine of ENGINES) {
  describe(`SCIM credentials and the synchronization switch, Tencent door (${engine})`, () => {
    let server: TestServer;
    const clock = manualClock();
    const lines: string[] = [];
    before(async () => {
      // Every log line the server writes, at its most verbose, to look for secrets in.
      server = await startServer(engine, { clock, logger: { level: "trace", stream: { write: (line: string) => void lines.push(line) } } });
    });
    after(() => server.close());

    test("CreateSCIMCredential: every field, the secret once; one year by default, ExpireDuration seconds otherwise", async () => {
      const t = await openTenant(server);
      const createdAt = clock.now();
      const c = await t.org.CreateSCIMCredential({ ZoneId: t.zoneId });
      assert.ok(isUuid(c.RequestId));
      assert.equal(c.ZoneId, t.zoneId);
      assert.match(c.CredentialId!, CREDENTIAL_ID);
      assert.equal(c.CredentialType, "BearerToken");
      assert.equal(c.CredentialStatus, "Enabled");
      assert.match(c.CreateTime!, TIME);
      assert.equal(c.CreateTime, beijing(createdAt));
      assert.equal(c.ExpireTime, beijing(createdAt + YEAR_S * 1000));
      assert.match(c.CredentialSecret!, /^[A-Za-z0-9+/]{40,}={0,2}$/);
      // The secret is a working bearer token for this zone.
      const session = await server.core.scimCredentials.authenticate(c.CredentialSecret!);
      assert.equal(session.directoryId, t.zoneId);
      assert.equal(session.credentialId, c.CredentialId);

      const hour = await t.org.CreateSCIMCredential({ ZoneId: t.zoneId, ExpireDuration: 3600 });
      assert.equal(hour.ExpireTime, beijing(createdAt + 3600_000));
      assert.notEqual(hour.CredentialId, c.CredentialId);
      assert.notEqual(hour.CredentialSecret, c.CredentialSecret);
    });

    test("at most two credentials per zone: LimitExceeded.ScimCredentialLimitExceeded, until one is deleted", async () => {
      const t = await openTenant(server);
      const first = await t.org.CreateSCIMCredential({ ZoneId: t.zoneId });
      await t.org.CreateSCIMCredential({ ZoneId: t.zoneId });
      await rejects(server, "LimitExceeded.ScimCredentialLimitExceeded", () => t.org.CreateSCIMCredential({ ZoneId: t.zoneId }));
      await t.org.DeleteSCIMCredential({ ZoneId: t.zoneId, CredentialId: first.CredentialId! });
      await t.org.CreateSCIMCredential({ ZoneId: t.zoneId });
      assert.equal((await t.org.ListSCIMCredentials({ ZoneId: t.zoneId })).TotalCounts, 2);
    });

    test("ExpireDuration: from one hour to 99 years; outside, a fraction or not a number is refused and changes nothing", async () => {
      const t = await openTenant(server);
      const max = 99 * YEAR_S;
      const longest = await t.org.CreateSCIMCredential({ ZoneId: t.zoneId, ExpireDuration: max });
      assert.equal(longest.ExpireTime, beijing(clock.now() + max * 1000));
      for (const bad of [3599, 0, -1, max + 1, 3600.5, Number.MAX_SAFE_INTEGER]) {
        await rejects(server, "InvalidParameterValue", () => t.org.CreateSCIMCredential({ ZoneId: t.zoneId, ExpireDuration: bad }), "ExpireDuration");
      }
      await rejects(server, "InvalidParameter", () => t.org.request("CreateSCIMCredential", { ZoneId: t.zoneId, ExpireDuration: "an hour" }));
    });

    test("ListSCIMCredentials: Status (not CredentialStatus), no secret; by CredentialId one or none, never an error", async () => {
      const t = await openTenant(server);
      const a = await t.org.CreateSCIMCredential({ ZoneId: t.zoneId });
      clock.advance(1000);
      const b = await t.org.CreateSCIMCredential({ ZoneId: t.zoneId, ExpireDuration: 7200 });
      const all = await t.org.ListSCIMCredentials({ ZoneId: t.zoneId });
      assert.equal(all.TotalCounts, 2);
      assert.deepEqual(
        all.SCIMCredentials!.map((c) => ({ ...c })),
        [a, b].map((c) => ({ ZoneId: t.zoneId, Status: "Enabled", CredentialId: c.CredentialId, CredentialType: "BearerToken", CreateTime: c.CreateTime, ExpireTime: c.ExpireTime })),
      );
      const text = JSON.stringify(all);
      assert.ok(!text.includes(a.CredentialSecret!) && !text.includes(b.CredentialSecret!), "a list shows a secret");
      assert.ok(!text.includes("CredentialSecret") && !text.includes("CredentialStatus"));

      const one = await t.org.ListSCIMCredentials({ ZoneId: t.zoneId, CredentialId: b.CredentialId });
      assert.equal(one.TotalCounts, 1);
      assert.equal(one.SCIMCredentials![0]!.CredentialId, b.CredentialId);
      // Terraform reads a credential back by listing it: gone means an empty list.
      const other = await openTenant(server);
      const theirs = await other.org.CreateSCIMCredential({ ZoneId: other.zoneId });
      for (const id of [UNKNOWN_CREDENTIAL, "nonsense", theirs.CredentialId!]) {
        const none = await t.org.ListSCIMCredentials({ ZoneId: t.zoneId, CredentialId: id });
        assert.equal(none.TotalCounts, 0);
        assert.deepEqual(none.SCIMCredentials, []);
      }
      // A new zone has none.
      const fresh = await openTenant(server);
      assert.deepEqual({ ...(await fresh.org.ListSCIMCredentials({ ZoneId: fresh.zoneId })), RequestId: undefined }, { TotalCounts: 0, SCIMCredentials: [], RequestId: undefined });
    });

    test("UpdateSCIMCredentialStatus: Disabled refuses the token, Enabled restores it; bad values and unknown ids change nothing", async () => {
      const t = await openTenant(server);
      const c = await t.org.CreateSCIMCredential({ ZoneId: t.zoneId });
      const id = c.CredentialId!;
      const r = await t.org.UpdateSCIMCredentialStatus({ ZoneId: t.zoneId, CredentialId: id, NewStatus: "Disabled" });
      assert.ok(isUuid(r.RequestId));
      assert.equal((await t.org.ListSCIMCredentials({ ZoneId: t.zoneId, CredentialId: id })).SCIMCredentials![0]!.Status, "Disabled");
      await assert.rejects(async () => server.core.scimCredentials.authenticate(c.CredentialSecret!), (e: unknown) => e instanceof CoreError && e.reason === "scim.credential_invalid");
      await t.org.UpdateSCIMCredentialStatus({ ZoneId: t.zoneId, CredentialId: id, NewStatus: "Enabled" });
      assert.equal((await server.core.scimCredentials.authenticate(c.CredentialSecret!)).credentialId, id);

      for (const bad of ["enabled", "DISABLED", "On", "", " Enabled"]) {
        await rejects(server, "InvalidParameter.UserScimCredentialStatusError", () => t.org.UpdateSCIMCredentialStatus({ ZoneId: t.zoneId, CredentialId: id, NewStatus: bad }));
      }
      const other = await openTenant(server);
      const theirs = await other.org.CreateSCIMCredential({ ZoneId: other.zoneId });
      for (const unknown of [UNKNOWN_CREDENTIAL, "", theirs.CredentialId!]) {
        await rejects(server, "InvalidParameter.ScimCredentialNotFound", () => t.org.UpdateSCIMCredentialStatus({ ZoneId: t.zoneId, CredentialId: unknown, NewStatus: "Disabled" }));
      }
      // The other tenant's credential is untouched.
      assert.equal((await other.org.ListSCIMCredentials({ ZoneId: other.zoneId })).SCIMCredentials![0]!.Status, "Enabled");
    });

    test("DeleteSCIMCredential: the token stops working at once; a second delete, or another zone's id, is ScimCredentialNotFound", async () => {
      const t = await openTenant(server);
      const c = await t.org.CreateSCIMCredential({ ZoneId: t.zoneId });
      // Seen once, so its session is cached: deleting must end it all the same.
      await server.core.scimCredentials.authenticate(c.CredentialSecret!);
      await t.org.DeleteSCIMCredential({ ZoneId: t.zoneId, CredentialId: c.CredentialId! });
      assert.equal((await t.org.ListSCIMCredentials({ ZoneId: t.zoneId })).TotalCounts, 0);
      await assert.rejects(async () => server.core.scimCredentials.authenticate(c.CredentialSecret!), (e: unknown) => e instanceof CoreError && e.reason === "scim.credential_invalid");
      await rejects(server, "InvalidParameter.ScimCredentialNotFound", () => t.org.DeleteSCIMCredential({ ZoneId: t.zoneId, CredentialId: c.CredentialId! }));
      const other = await openTenant(server);
      const theirs = await other.org.CreateSCIMCredential({ ZoneId: other.zoneId });
      await rejects(server, "InvalidParameter.ScimCredentialNotFound", () => t.org.DeleteSCIMCredential({ ZoneId: t.zoneId, CredentialId: theirs.CredentialId! }));
      assert.equal((await server.core.scimCredentials.authenticate(theirs.CredentialSecret!)).directoryId, other.zoneId);
    });

    test("the synchronization switch: Disabled at first; Get, Update and DescribeIdentityCenter agree; a bad value is ScimSyncStatusError", async () => {
      const t = await openTenant(server);
      assert.equal((await t.org.GetSCIMSynchronizationStatus({ ZoneId: t.zoneId })).SCIMSynchronizationStatus, "Disabled");
      assert.equal((await t.org.DescribeIdentityCenter()).ScimSyncStatus, "Disabled");
      const r = await t.org.UpdateSCIMSynchronizationStatus({ ZoneId: t.zoneId, SCIMSynchronizationStatus: "Enabled" });
      assert.ok(isUuid(r.RequestId));
      assert.equal((await t.org.GetSCIMSynchronizationStatus({ ZoneId: t.zoneId })).SCIMSynchronizationStatus, "Enabled");
      assert.equal((await t.org.DescribeIdentityCenter()).ScimSyncStatus, "Enabled");
      // Idempotent.
      await t.org.UpdateSCIMSynchronizationStatus({ ZoneId: t.zoneId, SCIMSynchronizationStatus: "Enabled" });
      assert.equal((await t.org.DescribeIdentityCenter()).ScimSyncStatus, "Enabled");
      for (const bad of ["enabled", "On", "", "Enabled "]) {
        await rejects(server, "InvalidParameter.ScimSyncStatusError", () => t.org.UpdateSCIMSynchronizationStatus({ ZoneId: t.zoneId, SCIMSynchronizationStatus: bad }));
      }
      await t.org.UpdateSCIMSynchronizationStatus({ ZoneId: t.zoneId, SCIMSynchronizationStatus: "Disabled" });
      assert.equal((await t.org.GetSCIMSynchronizationStatus({ ZoneId: t.zoneId })).SCIMSynchronizationStatus, "Disabled");
      assert.equal((await t.org.DescribeIdentityCenter()).ScimSyncStatus, "Disabled");
      // The credential keeps its own status; the switch is the zone's.
      const c = await t.org.CreateSCIMCredential({ ZoneId: t.zoneId });
      assert.equal((await server.core.scimCredentials.authenticate(c.CredentialSecret!)).syncEnabled, false);
    });

    test("every action: another zone's id is ZoneIdNotExist, a zone never opened is IdentityCenterNotOpen; nothing changes", async () => {
      const t = await openTenant(server);
      const c = await t.org.CreateSCIMCredential({ ZoneId: t.zoneId });
      const intruder = await openTenant(server);
      const calls = (org: OrgClient, zoneId: string): [string, () => Promise<unknown>][] => [
        ["CreateSCIMCredential", () => org.CreateSCIMCredential({ ZoneId: zoneId })],
        ["ListSCIMCredentials", () => org.ListSCIMCredentials({ ZoneId: zoneId })],
        ["ListSCIMCredentials by id", () => org.ListSCIMCredentials({ ZoneId: zoneId, CredentialId: c.CredentialId })],
        ["UpdateSCIMCredentialStatus", () => org.UpdateSCIMCredentialStatus({ ZoneId: zoneId, CredentialId: c.CredentialId!, NewStatus: "Disabled" })],
        ["DeleteSCIMCredential", () => org.DeleteSCIMCredential({ ZoneId: zoneId, CredentialId: c.CredentialId! })],
        ["GetSCIMSynchronizationStatus", () => org.GetSCIMSynchronizationStatus({ ZoneId: zoneId })],
        ["UpdateSCIMSynchronizationStatus", () => org.UpdateSCIMSynchronizationStatus({ ZoneId: zoneId, SCIMSynchronizationStatus: "Enabled" })],
      ];
      for (const [name, call] of [...calls(intruder.org, t.zoneId), ...calls(t.org, UNKNOWN_ZONE)]) {
        await rejects(server, "FailedOperation.ZoneIdNotExist", call).catch((e: unknown) => assert.fail(`${name}: ${String(e)}`));
      }
      const key = await server.newRoot();
      await orgWithMembers(server, key, 0);
      for (const [name, call] of calls(orgClient(server, key), t.zoneId)) {
        await rejects(server, "FailedOperation.IdentityCenterNotOpen", call).catch((e: unknown) => assert.fail(`${name}: ${String(e)}`));
      }
      const loner = await server.newRoot();
      for (const [name, call] of calls(orgClient(server, loner), t.zoneId)) {
        await rejects(server, "FailedOperation.IdentityCenterOrganizationNotOpen", call).catch((e: unknown) => assert.fail(`${name}: ${String(e)}`));
      }
      for (const action of ["CreateSCIMCredential", "ListSCIMCredentials", "GetSCIMSynchronizationStatus"]) await rejects(server, "MissingParameter", () => t.org.request(action, {}));
      await rejects(server, "MissingParameter", () => t.org.request("UpdateSCIMCredentialStatus", { ZoneId: t.zoneId, CredentialId: c.CredentialId }));
      await rejects(server, "UnknownParameter", () => t.org.request("ListSCIMCredentials", { ZoneId: t.zoneId, CredentialSecret: "x" }));
    });

    test("the secret appears once: in CreateSCIMCredential's answer, never in the store, an error or a log line", async () => {
      const t = await openTenant(server);
      const from = lines.length;
      const c = await t.org.CreateSCIMCredential({ ZoneId: t.zoneId });
      const secret = c.CredentialSecret!;
      await t.org.ListSCIMCredentials({ ZoneId: t.zoneId });
      await t.org.UpdateSCIMCredentialStatus({ ZoneId: t.zoneId, CredentialId: c.CredentialId!, NewStatus: "Disabled" });
      // A refused token's error says nothing of the token.
      const refused = await Promise.resolve()
        .then(() => server.core.scimCredentials.authenticate(secret))
        .then(() => assert.fail("a disabled credential authenticated"), (e: unknown) => e as Error);
      assert.ok(!refused.message.includes(secret));
      // Nor does an error about a secret pasted where an id belongs.
      const echoed = await expectCode(t.org.UpdateSCIMCredentialStatus({ ZoneId: t.zoneId, CredentialId: secret, NewStatus: "Enabled" }), "InvalidParameter.ScimCredentialNotFound");
      assert.ok(!echoed.includes(secret), echoed);
      const written = lines.slice(from);
      // The log is on and wrote about these requests, so its silence about the secret means something.
      assert.ok(written.some((l) => l.includes('"action":"CreateSCIMCredential"')), `no log line for CreateSCIMCredential in ${written.length} lines`);
      assert.ok(written.some((l) => l.includes("ScimCredentialNotFound")));
      for (const line of written) assert.ok(!line.includes(secret), `a log line shows the secret: ${line}`);
      const stored = await snapshot(server.store);
      assert.ok(!stored.includes(secret), "the store holds the secret");
      // The store holds a digest of it, not something reversible: the row has no column the secret fits into but that.
      const row = await server.store.db.selectFrom("scim_credentials").selectAll().where("credential_id", "=", c.CredentialId!).executeTakeFirstOrThrow();
      assert.notEqual(row.secret_digest, secret);
    });
  });

  describe(`SCIM credential rate limits, Tencent door (${engine})`, () => {
    test("20 calls per second per account, per action: then RequestLimitExceeded", async () => {
      const clock = new ManualClock(Date.now());
      const server = await startServer(engine, { clock, rateLimits: parseRateLimits(undefined, TENCENT_RATE_LIMITS) });
      try {
        const t = await openTenant(server);
        clock.advance(1000);
        for (let i = 0; i < 20; i++) await t.org.ListSCIMCredentials({ ZoneId: t.zoneId });
        await expectCode(t.org.ListSCIMCredentials({ ZoneId: t.zoneId }), "RequestLimitExceeded");
        assert.equal((await t.org.GetSCIMSynchronizationStatus({ ZoneId: t.zoneId })).SCIMSynchronizationStatus, "Disabled");
        clock.advance(1000);
        await t.org.ListSCIMCredentials({ ZoneId: t.zoneId });
      } finally {
        await server.close();
      }
    });
  });

  describe(`who may change what while SCIM synchronization is on, Tencent door (${engine})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(engine);
    });
    after(() => server.close());

    /** A zone with an enabled switch, a Synchronized user in a Synchronized group (made by the zone's SCIM credential), and a Manual pair. */
    async function world() {
      const t = await openTenant(server);
      const { CredentialSecret } = await t.org.CreateSCIMCredential({ ZoneId: t.zoneId });
      await t.org.UpdateSCIMSynchronizationStatus({ ZoneId: t.zoneId, SCIMSynchronizationStatus: "Enabled" });
      const scim = (await server.core.scimCredentials.authenticate(CredentialSecret!)).caller;
      const core = server.core;
      const synced = (await core.users.create(scim, t.zoneId, { userName: uniq("idp-user") })).user.userId;
      const syncedOther = (await core.users.create(scim, t.zoneId, { userName: uniq("idp-other") })).user.userId;
      const syncedGroup = (await core.groups.create(scim, t.zoneId, { groupName: uniq("idp-group") })).groupId;
      await core.groups.addMember(scim, t.zoneId, syncedGroup, synced);
      const manual = (await t.org.CreateUser({ ZoneId: t.zoneId, UserName: uniq("hand-user") })).UserInfo!.UserId!;
      const manualGroup = (await t.org.CreateGroup({ ZoneId: t.zoneId, GroupName: uniq("hand-group") })).GroupInfo!.GroupId!;
      return { ...t, scim, synced, syncedOther, syncedGroup, manual, manualGroup };
    }

    test("the SDK sees what SCIM made as Synchronized, and every change to it gets its Synchronized* code, changing nothing", async () => {
      const w = await world();
      const z = { ZoneId: w.zoneId };
      assert.equal((await w.org.GetUser({ ...z, UserId: w.synced })).UserInfo!.UserType, "Synchronized");
      assert.equal((await w.org.GetGroup({ ...z, GroupId: w.syncedGroup })).GroupInfo!.GroupType, "Synchronized");
      await rejects(server, "FailedOperation.SynchronizedUserNotUpdate", () => w.org.UpdateUser({ ...z, UserId: w.synced, NewDisplayName: "edited" }));
      await rejects(server, "FailedOperation.SynchronizedUserNotUpdate", () => w.org.UpdateUser({ ...z, UserId: w.synced, NeedResetPassword: true }));
      await rejects(server, "FailedOperation.SynchronizedUserNotDelete", () => w.org.DeleteUser({ ...z, UserId: w.syncedOther }));
      await rejects(server, "FailedOperation.SynchronizedGroupNotUpdate", () => w.org.UpdateGroup({ ...z, GroupId: w.syncedGroup, NewDescription: "edited" }));
      await rejects(server, "FailedOperation.SynchronizedGroupNotAddUser", () => w.org.AddUserToGroup({ ...z, GroupId: w.syncedGroup, UserId: w.syncedOther }));
      await rejects(server, "FailedOperation.SynchronizedGroupNotRemoveUser", () => w.org.RemoveUserFromGroup({ ...z, GroupId: w.syncedGroup, UserId: w.synced }));
      // Emptied by its provider, the group still may not be deleted by hand.
      await server.core.groups.removeMember(w.scim, w.zoneId, w.syncedGroup, w.synced);
      await rejects(server, "FailedOperation.SynchronizedGroupNotDelete", () => w.org.DeleteGroup({ ...z, GroupId: w.syncedGroup }));
    });

    test("the administrator keeps a synchronized user's sign-in: UpdateUserStatus works; hand-made objects are untouched by the rule", async () => {
      const w = await world();
      const z = { ZoneId: w.zoneId };
      await w.org.UpdateUserStatus({ ...z, UserId: w.synced, NewUserStatus: "Disabled" });
      assert.equal((await w.org.GetUser({ ...z, UserId: w.synced })).UserInfo!.UserStatus, "Disabled");
      await w.org.UpdateUserStatus({ ...z, UserId: w.synced, NewUserStatus: "Enabled" });
      assert.equal((await w.org.UpdateUser({ ...z, UserId: w.manual, NewDisplayName: "edited" })).UserInfo!.DisplayName, "edited");
      await w.org.AddUserToGroup({ ...z, GroupId: w.manualGroup, UserId: w.manual });
      await w.org.RemoveUserFromGroup({ ...z, GroupId: w.manualGroup, UserId: w.manual });
      await w.org.DeleteGroup({ ...z, GroupId: w.manualGroup });
      await w.org.DeleteUser({ ...z, UserId: w.manual });
      // What the administrator creates as Synchronized falls under the rule too.
      const made = (await w.org.CreateUser({ ...z, UserName: uniq("typed"), UserType: "Synchronized" })).UserInfo!;
      assert.equal(made.UserType, "Synchronized");
      await rejects(server, "FailedOperation.SynchronizedUserNotUpdate", () => w.org.UpdateUser({ ...z, UserId: made.UserId!, NewDescription: "x" }));
    });

    test("switching synchronization off lifts the rule: every one of those changes then goes through", async () => {
      const w = await world();
      const z = { ZoneId: w.zoneId };
      await w.org.UpdateSCIMSynchronizationStatus({ ...z, SCIMSynchronizationStatus: "Disabled" });
      assert.equal((await w.org.UpdateUser({ ...z, UserId: w.synced, NewDisplayName: "edited" })).UserInfo!.DisplayName, "edited");
      assert.equal((await w.org.UpdateGroup({ ...z, GroupId: w.syncedGroup, NewDescription: "edited" })).GroupInfo!.Description, "edited");
      await w.org.AddUserToGroup({ ...z, GroupId: w.syncedGroup, UserId: w.syncedOther });
      await w.org.RemoveUserFromGroup({ ...z, GroupId: w.syncedGroup, UserId: w.syncedOther });
      await w.org.RemoveUserFromGroup({ ...z, GroupId: w.syncedGroup, UserId: w.synced });
      await w.org.DeleteGroup({ ...z, GroupId: w.syncedGroup });
      await w.org.DeleteUser({ ...z, UserId: w.synced });
      // They stay Synchronized: switched on again, the rule is back.
      assert.equal((await w.org.GetUser({ ...z, UserId: w.syncedOther })).UserInfo!.UserType, "Synchronized");
      await w.org.UpdateSCIMSynchronizationStatus({ ...z, SCIMSynchronizationStatus: "Enabled" });
      await rejects(server, "FailedOperation.SynchronizedUserNotDelete", () => w.org.DeleteUser({ ...z, UserId: w.syncedOther }));
    });
  });
}
