/**
 * The client matrix: one complete, realistic lifecycle that calls every action OpenCIC serves on the
 * Alibaba door (every key of the ResourceManager, RAM, IMS and CloudSSO action tables), run over real HTTP
 * by each official client shape:
 *
 * - @alicloud/openapi-client with the default signature V3 (parameters in the query, headers signed);
 * - @alicloud/openapi-client with signature V1 (signatureAlgorithm "v2"), alternating between
 *   parameters in the query and business parameters in a form body (Terraform's shape);
 * - @alicloud/pop-core's RPCClient, V1 with everything in a form body (POST), or in the query for
 *   read actions (GET).
 *
 * Each client gets its own tenant (a new root account). Every step checks what the answer means, not
 * only that it came: the RAM users provisioning makes really are in the member account (read with the
 * member's own key), failed events appear for a double name clash and clear after a retry or a delete,
 * statistics follow; an access assignment deploys a role the member reads (and cannot change) through
 * RAM and IMS. The actions each client called are recorded, and at the end must be exactly the
 * union of the four tables, so an action added later without coverage here fails this test.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { cloudssoActions } from "../../src/dialects/aliyun/actions/cloudsso.js";
import { imsActions } from "../../src/dialects/aliyun/actions/ims.js";
import { ramActions } from "../../src/dialects/aliyun/actions/ram.js";
import { resourceManagerActions } from "../../src/dialects/aliyun/actions/resource-manager.js";
import { type AliyunProduct, aliyunClient, popClient } from "../helpers/aliyun.js";
import { ALIYUN_TIME, DIRECTORY_ID, GROUP_ID, plain, uniq, USER_ID } from "../helpers/cloudsso.js";
import { ENGINES, type Key, startServer, type TestServer } from "../helpers/harness.js";

type Kind = "openapi-client V3" | "openapi-client V1" | "pop-core";
const KINDS: Kind[] = ["openapi-client V3", "openapi-client V1", "pop-core"];

type Call = (action: string, params?: Record<string, unknown>) => Promise<Record<string, any>>;
interface Door {
  sso: Call;
  ram: Call;
  rm: Call;
  ims: Call;
}

/** Every action the Alibaba door serves, as `product:Action` (CreateUser is two actions: RAM's and CloudSSO's). */
const ALL_ACTIONS: string[] = [
  ...Object.keys(resourceManagerActions).map((a) => `resourcemanager:${a}`),
  ...Object.keys(ramActions).map((a) => `ram:${a}`),
  ...Object.keys(cloudssoActions).map((a) => `cloudsso:${a}`),
  ...Object.keys(imsActions).map((a) => `ims:${a}`),
].sort();

const READ = /^(Get|List)/;
/** Characters the clients percent-encode differently (RFC 3986 extras, "+", "&", "=", "%", non-ASCII), carried through every shape. */
const AWKWARD = "R&D = a+b; 100% (ops) *!'~ é 中文";
const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

/** One client shape: opens doors for any key, and records every action called and every wire shape used. */
function clientOf(kind: Kind, server: TestServer) {
  const called = new Set<string>();
  const shapes = new Set<string>();
  let turn = 0;
  function open(key: Key): Door {
    const make = (product: AliyunProduct): Call => {
      if (kind === "pop-core") {
        const pop = popClient(server, key, product);
        return async (action, params = {}) => {
          called.add(`${product}:${action}`);
          const method = READ.test(action) ? "GET" : "POST";
          shapes.add(method === "GET" ? "GET, all in the query" : "POST, all in a form body");
          // pop-core hands back null-prototype objects.
          return plain(await pop.call<Record<string, any>>(action, params, method));
        };
      }
      const client = aliyunClient(server, key, product, kind === "openapi-client V3" ? "v3" : "v1");
      return async (action, params = {}) => {
        called.add(`${product}:${action}`);
        const inBody = kind === "openapi-client V1" && turn++ % 2 === 1;
        shapes.add(inBody ? "POST, common parameters in the query, the rest in a form body" : "POST, all in the query");
        const body = await client.call(action, params, { inBody });
        assert.match(String(body.RequestId), REQUEST_ID);
        return body;
      };
    };
    return { sso: make("cloudsso"), ram: make("ram"), rm: make("resourcemanager"), ims: make("ims") };
  }
  return { open, called, shapes };
}

/** An Alibaba error from either client: exactly `code` and HTTP `status`, in the JSON envelope. */
async function refused(call: Promise<unknown>, code: string, status: number): Promise<void> {
  try {
    await call;
  } catch (e) {
    const err = e as { code?: string; message?: string; statusCode?: number; entry?: { response?: { statusCode?: number } }; data?: { RequestId?: string } };
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    // openapi-client reports the status on the error, pop-core on the exchange it records.
    assert.equal(err.statusCode ?? err.entry?.response?.statusCode, status, `HTTP status of ${code}`);
    assert.match(String(err.data?.RequestId), REQUEST_ID);
    return;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/**
 * Waits until the worker has nothing left to do for a provisioning (its queue row is gone), so the
 * reconcile that the last change asked for has committed, events included. Marking happens in the
 * same transaction as the change, so the row exists from the moment the call returned.
 */
async function settled(server: TestServer, provisioningId: string): Promise<void> {
  await until(
    async () => !(await server.store.db.selectFrom("reconcile_queue").select("work_key").where("work_key", "=", provisioningId).executeTakeFirst()),
    `the worker to finish with ${provisioningId}`,
  );
}

const names = (items: { UserName?: string; GroupName?: string }[]) => items.map((i) => i.UserName ?? i.GroupName).sort();

async function lifecycle(server: TestServer, kind: Kind): Promise<void> {
  const client = clientOf(kind, server);
  const tenant = `matrix-${kind.replace(/[^A-Za-z0-9]/g, "")}`;
  const key = await server.newRoot(tenant);
  const { rm, ram: rootRam, sso } = client.open(key);

  // ---- ResourceManager: the resource directory and two member accounts ----
  await refused(rm("GetResourceDirectory"), "ResourceDirectoryNotInUse", 404);
  const rd = (await rm("EnableResourceDirectory", { EnableMode: "CurrentAccount" })).ResourceDirectory;
  assert.match(rd.ResourceDirectoryId, /^rd-\d+$/);
  assert.match(rd.RootFolderId, /^r-\d+$/);
  assert.deepEqual([rd.MasterAccountId, rd.MasterAccountName], [String(key.uin), tenant]);
  assert.match(rd.CreateTime, ALIYUN_TIME);
  const rdGot = (await rm("GetResourceDirectory")).ResourceDirectory;
  assert.deepEqual(
    [rdGot.ResourceDirectoryId, rdGot.RootFolderId, rdGot.MasterAccountId, rdGot.ControlPolicyStatus, rdGot.MemberDeletionStatus],
    [rd.ResourceDirectoryId, rd.RootFolderId, String(key.uin), "Disabled", "Disabled"],
  );
  const dev = (await rm("CreateResourceAccount", { DisplayName: "dev", AccountNamePrefix: "dev-team", ParentFolderId: rd.RootFolderId, Tag: [{ Key: "env", Value: "dev" }] })).Account;
  assert.match(dev.AccountId, /^\d+$/);
  assert.deepEqual(
    [dev.DisplayName, dev.AccountName, dev.Type, dev.JoinMethod, dev.Status, dev.FolderId, dev.ResourceDirectoryId],
    ["dev", `dev-team@${rd.ResourceDirectoryId}.aliyunid.com`, "ResourceAccount", "created", "CreateSuccess", rd.RootFolderId, rd.ResourceDirectoryId],
  );
  const ops = (await rm("CreateResourceAccount", { DisplayName: "ops" })).Account;
  assert.equal(ops.AccountName, `ops@${rd.ResourceDirectoryId}.aliyunid.com`);
  const page1 = await rm("ListAccounts", { PageNumber: 1, PageSize: 2, IncludeTags: true });
  assert.deepEqual([page1.TotalCount, page1.PageNumber, page1.PageSize], [3, 1, 2]);
  assert.deepEqual(
    page1.Accounts.Account.map((a: any) => [a.AccountId, a.DisplayName, a.Type]),
    [
      [String(key.uin), tenant, "CloudAccount"],
      [dev.AccountId, "dev", "ResourceAccount"],
    ],
  );
  assert.deepEqual(page1.Accounts.Account[1].Tags, { Tag: [{ Key: "env", Value: "dev" }] });
  const page2 = await rm("ListAccounts", { PageNumber: 2, PageSize: 2 });
  assert.deepEqual(page2.Accounts.Account.map((a: any) => a.AccountId), [ops.AccountId]);
  const devGot = (await rm("GetAccount", { AccountId: dev.AccountId, IncludeTags: true })).Account;
  assert.deepEqual(
    [devGot.DisplayName, devGot.ResourceDirectoryPath, devGot.Tags],
    ["dev", `${rd.ResourceDirectoryId}/${rd.RootFolderId}/${dev.AccountId}`, [{ Key: "env", Value: "dev" }]],
  );

  // ---- RAM in the member account, with the member's own key: the users a provisioning will clash with ----
  const { ram } = client.open(await server.keyFor(Number(dev.AccountId)));
  const ramUsers = async (): Promise<string[]> => {
    const seen: string[] = [];
    let marker: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await ram("ListUsers", { MaxItems: 2, ...(marker ? { Marker: marker } : {}) });
      assert.equal(page.IsTruncated, page.Marker !== undefined);
      assert.ok(page.Users.User.length <= 2);
      seen.push(...page.Users.User.map((u: any) => u.UserName as string));
      if (!page.IsTruncated) return seen.sort();
      marker = page.Marker;
    }
    return assert.fail("RAM ListUsers never reached its last page");
  };
  assert.deepEqual(await ramUsers(), []);
  const handMade = (await ram("CreateUser", { UserName: "clash", DisplayName: "Hand-made", Comments: "made before CloudSSO" })).User;
  assert.match(handMade.UserId, /^\d+$/);
  assert.deepEqual([handMade.UserName, handMade.DisplayName, handMade.Comments], ["clash", "Hand-made", "made before CloudSSO"]);
  assert.match(handMade.CreateDate, ALIYUN_TIME);
  for (const name of ["clash_sso", "dup", "dup_sso"]) assert.equal((await ram("CreateUser", { UserName: name })).User.UserName, name);
  const temp = (await ram("CreateUser", { UserName: "temp", Email: "temp@example.com", MobilePhone: "86-18600008888" })).User;
  assert.deepEqual([temp.Email, temp.MobilePhone], ["temp@example.com", "86-18600008888"]);
  const tempGot = (await ram("GetUser", { UserName: "temp" })).User;
  assert.deepEqual([tempGot.UserId, tempGot.Email, tempGot.MobilePhone], [temp.UserId, "temp@example.com", "86-18600008888"]);
  const renamed = (await ram("UpdateUser", { UserName: "temp", NewUserName: "temp2", NewDisplayName: "Temporary", NewComments: "renamed" })).User;
  assert.deepEqual([renamed.UserId, renamed.UserName, renamed.DisplayName, renamed.Comments, renamed.Email], [temp.UserId, "temp2", "Temporary", "renamed", "temp@example.com"]);
  await refused(ram("GetUser", { UserName: "temp" }), "EntityNotExist.User", 404);
  assert.deepEqual(await ramUsers(), ["clash", "clash_sso", "dup", "dup_sso", "temp2"]);
  await ram("DeleteUser", { UserName: "temp2" });
  await refused(ram("GetUser", { UserName: "temp2" }), "EntityNotExist.User", 404);
  // RAM users are per account: the management account has none of these.
  assert.deepEqual((await rootRam("ListUsers")).Users.User, []);

  // ---- CloudSSO service and directory ----
  const status = async () => (await sso("GetServiceStatus")).ServiceStatus;
  assert.deepEqual(await status(), { AccountId: String(key.uin), Status: "Disabled", PrerequisiteCheckResult: "Success", RegionsInUse: [] });
  await sso("EnableService");
  assert.equal((await status()).Status, "Enabled");
  // Without a directory, the service may be turned off again.
  await sso("DisableService");
  assert.equal((await status()).Status, "Disabled");
  await sso("EnableService");
  assert.deepEqual(await sso("ListDirectories").then((r) => [r.Directories, r.TotalCounts]), [[], 0]);
  const firstName = uniq("matrix");
  const dir = (await sso("CreateDirectory", { DirectoryName: firstName })).Directory;
  assert.match(dir.DirectoryId, DIRECTORY_ID);
  assert.deepEqual([dir.DirectoryName, dir.Region], [firstName, "cn-shanghai"]);
  const DirectoryId = dir.DirectoryId as string;
  await refused(sso("DisableService"), "DeletionConflict.Directory", 409);
  assert.deepEqual(await status(), { AccountId: String(key.uin), Status: "Enabled", PrerequisiteCheckResult: "Success", RegionsInUse: ["cn-shanghai"] });
  assert.equal((await sso("GetDirectory", { DirectoryId })).Directory.DirectoryName, firstName);
  const newName = uniq("matrix-renamed");
  assert.equal((await sso("UpdateDirectory", { DirectoryId, NewDirectoryName: newName })).Directory.DirectoryName, newName);
  const dirs = await sso("ListDirectories");
  assert.deepEqual([dirs.TotalCounts, dirs.Directories.map((d: any) => [d.DirectoryId, d.DirectoryName])], [1, [[DirectoryId, newName]]]);
  const statistics = async () => (await sso("GetDirectoryStatistics", { DirectoryId })).DirectoryStatistics;
  const empty = await statistics();
  assert.deepEqual([empty.DirectoryId, empty.DirectoryName, empty.UserCount, empty.GroupCount], [DirectoryId, newName, 0, 0]);
  assert.ok(empty.UserQuota > 0 && empty.GroupQuota > 0);

  const config = (await sso("GetUserProvisioningConfiguration", { DirectoryId })).UserProvisioningConfiguration;
  assert.deepEqual([config.DirectoryId, config.DefaultLandingPage, config.SessionDuration], [DirectoryId, "https://homenew.console.aliyun.com", 6]);
  const changed = (await sso("UpdateUserProvisioningConfiguration", { DirectoryId, NewDefaultLandingPage: "https://example.com/portal", NewSessionDuration: 12 })).UserProvisioningConfiguration;
  assert.deepEqual([changed.DefaultLandingPage, changed.SessionDuration], ["https://example.com/portal", 12]);
  assert.equal((await sso("GetUserProvisioningConfiguration", { DirectoryId })).UserProvisioningConfiguration.SessionDuration, 12);

  // ---- CloudSSO SCIM credentials and the synchronization switch ----
  const credential = (await sso("CreateSCIMServerCredential", { DirectoryId })).SCIMServerCredential;
  assert.deepEqual([credential.DirectoryId, credential.Status, credential.CredentialType], [DirectoryId, "Enabled", "BearerToken"]);
  assert.ok(typeof credential.CredentialSecret === "string" && credential.CredentialSecret.length >= 40, "the secret is returned at creation");
  const credentials = await sso("ListSCIMServerCredentials", { DirectoryId });
  assert.deepEqual([credentials.TotalCounts, credentials.SCIMServerCredentials.map((c: any) => [c.CredentialId, "CredentialSecret" in c])], [1, [[credential.CredentialId, false]]]);
  assert.equal((await sso("UpdateSCIMServerCredentialStatus", { DirectoryId, CredentialId: credential.CredentialId, NewStatus: "Disabled" })).SCIMServerCredential.Status, "Disabled");
  assert.equal((await statistics()).SCIMServerCredentialCount, 1);
  await refused(sso("DeleteDirectory", { DirectoryId }), "DeletionConflict.Directory.SCIMCredential", 409);
  await sso("DeleteSCIMServerCredential", { DirectoryId, CredentialId: credential.CredentialId });
  await refused(sso("DeleteSCIMServerCredential", { DirectoryId, CredentialId: credential.CredentialId }), "EntityNotExists.SCIMCredential", 404);
  assert.equal((await sso("GetSCIMSynchronizationStatus", { DirectoryId })).SCIMSynchronizationStatus, "Disabled");
  await sso("SetSCIMSynchronizationStatus", { DirectoryId, SCIMSynchronizationStatus: "Enabled" });
  assert.deepEqual([(await sso("GetSCIMSynchronizationStatus", { DirectoryId })).SCIMSynchronizationStatus, (await statistics()).SCIMSyncEnabled], ["Enabled", true]);
  await sso("SetSCIMSynchronizationStatus", { DirectoryId, SCIMSynchronizationStatus: "Disabled" });

  // ---- CloudSSO access configurations and their policies ----
  const access = (await sso("CreateAccessConfiguration", { DirectoryId, AccessConfigurationName: "matrix-admins", Description: "admins", SessionDuration: 7200 })).AccessConfiguration;
  const AccessConfigurationId = access.AccessConfigurationId as string;
  assert.deepEqual([access.AccessConfigurationName, access.SessionDuration], ["matrix-admins", 7200]);
  assert.equal((await sso("GetAccessConfiguration", { DirectoryId, AccessConfigurationId })).AccessConfiguration.Description, "admins");
  assert.equal((await sso("UpdateAccessConfiguration", { DirectoryId, AccessConfigurationId, NewDescription: "operators" })).AccessConfiguration.Description, "operators");
  assert.deepEqual((await sso("ListAccessConfigurations", { DirectoryId })).AccessConfigurations.map((c: any) => c.AccessConfigurationId), [AccessConfigurationId]);
  const inline = JSON.stringify({ Version: "1", Statement: [{ Effect: "Allow", Action: "ecs:Describe*", Resource: "*" }] });
  const inline2 = JSON.stringify({ Version: "1", Statement: [{ Effect: "Allow", Action: "oss:GetObject", Resource: "*" }] });
  await sso("AddPermissionPolicyToAccessConfiguration", { DirectoryId, AccessConfigurationId, PermissionPolicyType: "System", PermissionPolicyName: "ReadOnlyAccess" });
  await sso("AddPermissionPolicyToAccessConfiguration", { DirectoryId, AccessConfigurationId, PermissionPolicyType: "Inline", PermissionPolicyName: "matrix-inline", InlinePolicyDocument: inline });
  await sso("UpdateInlinePolicyForAccessConfiguration", { DirectoryId, AccessConfigurationId, InlinePolicyName: "matrix-inline", NewInlinePolicyDocument: inline2 });
  const attached = (await sso("ListPermissionPoliciesInAccessConfiguration", { DirectoryId, AccessConfigurationId })).PermissionPolicies;
  assert.deepEqual(
    attached.map((p: any) => [p.PermissionPolicyName, p.PermissionPolicyType, p.PermissionPolicyDocument ?? null]),
    [["ReadOnlyAccess", "System", null], ["matrix-inline", "Inline", inline2]],
  );
  await sso("RemovePermissionPolicyFromAccessConfiguration", { DirectoryId, AccessConfigurationId, PermissionPolicyType: "System", PermissionPolicyName: "ReadOnlyAccess" });
  await refused(sso("DeleteAccessConfiguration", { DirectoryId, AccessConfigurationId }), "DeletionConflict.AccessConfiguration.PermissionPolicy", 409);
  await sso("DeleteAccessConfiguration", { DirectoryId, AccessConfigurationId, ForceRemovePermissionPolicies: true });
  await refused(sso("GetAccessConfiguration", { DirectoryId, AccessConfigurationId }), "EntityNotExists.AccessConfiguration", 404);

  // ---- CloudSSO users ----
  const clash = (
    await sso("CreateUser", { DirectoryId, UserName: "clash", DisplayName: "Clash Person", FirstName: "Clash", LastName: "Person", Email: "clash@example.com", Description: "collides twice" })
  ).User;
  assert.match(clash.UserId, USER_ID);
  assert.deepEqual([clash.UserName, clash.DisplayName, clash.Email, clash.Status, clash.ProvisionType], ["clash", "Clash Person", "clash@example.com", "Enabled", "Manual"]);
  const bob = (await sso("CreateUser", { DirectoryId, UserName: "bob", DisplayName: "Bob", Email: "bob@example.com" })).User;
  const dup = (await sso("CreateUser", { DirectoryId, UserName: "dup", DisplayName: "Dup" })).User;
  const bobGot = (await sso("GetUser", { DirectoryId, UserId: bob.UserId })).User;
  assert.deepEqual([bobGot.UserId, bobGot.UserName, bobGot.DisplayName, bobGot.Email], [bob.UserId, "bob", "Bob", "bob@example.com"]);
  // Users made through the API carry no external id (only SCIM gives one).
  await refused(sso("GetUserId", { DirectoryId, ExternalId: JSON.stringify({ Id: "bob", Issuer: "SCIM" }) }), "EntityNotExists.User", 404);
  const usersPage = await sso("ListUsers", { DirectoryId, MaxResults: 2 });
  assert.deepEqual([usersPage.TotalCounts, usersPage.IsTruncated, usersPage.MaxResults, usersPage.Users.length], [3, true, 2, 2]);
  const usersRest = await sso("ListUsers", { DirectoryId, MaxResults: 2, NextToken: usersPage.NextToken });
  assert.deepEqual([usersRest.IsTruncated, "NextToken" in usersRest], [false, false]);
  assert.deepEqual(names([...usersPage.Users, ...usersRest.Users]), ["bob", "clash", "dup"]);
  assert.deepEqual(names((await sso("ListUsers", { DirectoryId, Filter: "UserName sw b" })).Users), ["bob"]);
  const bobUpdated = (await sso("UpdateUser", { DirectoryId, UserId: bob.UserId, NewFirstName: "Robert", NewDescription: "builds things" })).User;
  assert.deepEqual([bobUpdated.FirstName, bobUpdated.Description, bobUpdated.DisplayName], ["Robert", "builds things", "Bob"]);
  await sso("UpdateUserStatus", { DirectoryId, UserId: bob.UserId, NewStatus: "Disabled" });
  assert.equal((await sso("GetUser", { DirectoryId, UserId: bob.UserId })).User.Status, "Disabled");
  assert.deepEqual(names((await sso("ListUsers", { DirectoryId, Status: "Disabled" })).Users), ["bob"]);
  await sso("UpdateUserStatus", { DirectoryId, UserId: bob.UserId, NewStatus: "Enabled" });
  assert.deepEqual((await sso("ListUsers", { DirectoryId, Status: "Disabled" })).Users, []);
  const generated = await sso("ResetUserPassword", { DirectoryId, UserId: bob.UserId, GenerateRandomPassword: true, RequirePasswordResetForNextLogin: true });
  assert.ok(typeof generated.NewPassword === "string" && generated.NewPassword.length >= 8, "a generated password is returned once");
  const chosen = await sso("ResetUserPassword", { DirectoryId, UserId: bob.UserId, Password: "Str0ng!Passw0rd" });
  assert.equal("NewPassword" in chosen, false);

  // ---- CloudSSO groups ----
  const eng = (await sso("CreateGroup", { DirectoryId, GroupName: "eng", Description: "engineers" })).Group;
  assert.match(eng.GroupId, GROUP_ID);
  assert.deepEqual([eng.GroupName, eng.Description, eng.ProvisionType], ["eng", "engineers", "Manual"]);
  assert.equal((await sso("GetGroup", { DirectoryId, GroupId: eng.GroupId })).Group.GroupName, "eng");
  const groups = await sso("ListGroups", { DirectoryId, Filter: "GroupName eq ENG" });
  assert.deepEqual([groups.TotalCounts, groups.Groups.map((g: any) => g.GroupId)], [1, [eng.GroupId]]);
  assert.equal((await sso("UpdateGroup", { DirectoryId, GroupId: eng.GroupId, NewDescription: AWKWARD })).Group.Description, AWKWARD);
  for (const u of [clash, bob]) await sso("AddUserToGroup", { DirectoryId, GroupId: eng.GroupId, UserId: u.UserId });
  const members = await sso("ListGroupMembers", { DirectoryId, GroupId: eng.GroupId });
  assert.deepEqual([members.TotalCounts, names(members.GroupMembers)], [2, ["bob", "clash"]]);
  assert.ok(members.GroupMembers.every((m: any) => m.GroupId === eng.GroupId && ALIYUN_TIME.test(m.JoinTime)));
  const joined = (await sso("ListJoinedGroupsForUser", { DirectoryId, UserId: bob.UserId })).JoinedGroups;
  assert.deepEqual(joined.map((g: any) => [g.GroupId, g.GroupName, g.UserId]), [[eng.GroupId, "eng", bob.UserId]]);
  const filled = await statistics();
  assert.deepEqual([filled.UserCount, filled.GroupCount], [3, 1]);

  // ---- Provisioning: the group into the dev account ----
  const created = (
    await sso("CreateUserProvisioning", {
      DirectoryId,
      PrincipalId: eng.GroupId,
      PrincipalType: "Group",
      TargetId: dev.AccountId,
      TargetType: "RD-Account",
      DuplicationStrategy: "KeepBoth",
      DeletionStrategy: "Delete",
      Description: "eng into dev",
    })
  ).UserProvisioning;
  const UserProvisioningId = created.UserProvisioningId as string;
  assert.match(UserProvisioningId, /^up-[a-z0-9]{20}$/);
  assert.deepEqual(
    [created.DirectoryId, created.PrincipalId, created.PrincipalType, created.PrincipalName, created.TargetId, created.TargetType, created.TargetName, created.DuplicationStrategy, created.DeletionStrategy, created.Status, created.OwnerPk],
    [DirectoryId, eng.GroupId, "Group", "eng", dev.AccountId, "RD-Account", "dev", "KeepBoth", "Delete", "Enabled", String(key.uin)],
  );
  assert.ok(String(created.TargetPath).startsWith(`${rd.ResourceDirectoryId}/`), created.TargetPath);
  assert.equal((await sso("GetUserProvisioning", { DirectoryId, UserProvisioningId })).UserProvisioning.Description, "eng into dev");
  const toDev = await sso("ListUserProvisionings", { DirectoryId, TargetId: dev.AccountId });
  assert.deepEqual([toDev.TotalCounts, toDev.UserProvisionings.map((p: any) => p.UserProvisioningId)], [1, [UserProvisioningId]]);
  assert.equal((await sso("ListUserProvisionings", { DirectoryId, TargetId: ops.AccountId })).TotalCounts, 0);
  assert.equal((await sso("UpdateUserProvisioning", { DirectoryId, UserProvisioningId, NewDescription: `eng → dev: ${AWKWARD}` })).UserProvisioning.Description, `eng → dev: ${AWKWARD}`);

  const provStats = async () => (await sso("GetUserProvisioningStatistics", { DirectoryId, UserProvisioningId })).UserProvisioningStatistics;
  const devStats = async () => (await sso("GetUserProvisioningRdAccountStatistics", { DirectoryId, RdMemberId: dev.AccountId })).UserProvisioningStatistics;
  const events = async (extra: Record<string, unknown> = {}) => await sso("ListUserProvisioningEvents", { DirectoryId, ...extra });

  await settled(server, UserProvisioningId);
  // bob is made; clash finds both `clash` and `clash_sso` taken, which KeepBoth cannot resolve.
  assert.deepEqual(await ramUsers(), ["bob", "clash", "clash_sso", "dup", "dup_sso"]);
  const bobRam = (await ram("GetUser", { UserName: "bob" })).User;
  assert.deepEqual([bobRam.DisplayName, bobRam.Email], ["Bob", "bob@example.com"]);
  assert.equal((await ram("GetUser", { UserName: "clash" })).User.DisplayName, "Hand-made");
  const s1 = await provStats();
  assert.deepEqual([s1.DirectoryId, s1.EntityId, s1.Type, s1.FailedEventCount, s1.OwnerPk], [DirectoryId, UserProvisioningId, "User Provisioning", 1, String(key.uin)]);
  assert.match(s1.LatestAsyncTime, ALIYUN_TIME);
  const d1 = await devStats();
  assert.deepEqual([d1.EntityId, d1.Type, d1.FailedEventCount], [dev.AccountId, "RD Account", 1]);
  assert.match(d1.LatestAsyncTime, ALIYUN_TIME);
  const opsStats = (await sso("GetUserProvisioningRdAccountStatistics", { DirectoryId, RdMemberId: ops.AccountId })).UserProvisioningStatistics;
  assert.deepEqual([opsStats.FailedEventCount, "LatestAsyncTime" in opsStats], [0, false]);

  // A second double clash, from a user who joins the group after it was provisioned.
  await sso("AddUserToGroup", { DirectoryId, GroupId: eng.GroupId, UserId: dup.UserId });
  await settled(server, UserProvisioningId);
  const all = await events();
  assert.deepEqual([all.TotalCounts, all.IsTruncated], [2, false]);
  const byUser = new Map<string, any>(all.UserProvisioningEvents.map((e: any) => [JSON.parse(e.Content).UserName as string, e]));
  assert.deepEqual([...byUser.keys()].sort(), ["clash", "dup"]);
  const clashEvent = byUser.get("clash");
  const dupEvent = byUser.get("dup");
  for (const [e, source] of [
    [clashEvent, "StartProvisioning"],
    [dupEvent, "AddUserToGroup"],
  ] as const) {
    assert.match(e.EventId, /^upe-[A-Za-z0-9]{20}$/);
    assert.deepEqual(
      [e.UserProvisioningId, e.DirectoryId, e.PrincipalId, e.PrincipalType, e.TargetId, e.TargetType, e.SourceType, e.DuplicationStrategy, e.DeletionStrategy],
      [UserProvisioningId, DirectoryId, eng.GroupId, "Group", dev.AccountId, "RD-Account", source, "KeepBoth", "Delete"],
    );
    assert.match(e.ErrorInfo, /^OperationConflict\.UserProvisioning\.Process\.fail\.ImsUserExists: /);
    assert.ok(e.ErrorCount >= 1);
    assert.match(e.LatestAsyncTime, ALIYUN_TIME);
  }
  assert.match(clashEvent.ErrorInfo, /"clash" and "clash_sso" both exist/);
  // Paged by provisioning, one event a page.
  const ev1 = await events({ UserProvisioningId, MaxResults: 1 });
  assert.deepEqual([ev1.TotalCounts, ev1.IsTruncated, ev1.UserProvisioningEvents.length], [2, true, 1]);
  const ev2 = await events({ UserProvisioningId, MaxResults: 1, NextToken: ev1.NextToken });
  assert.deepEqual([ev2.IsTruncated, "NextToken" in ev2], [false, false]);
  assert.deepEqual([...ev1.UserProvisioningEvents, ...ev2.UserProvisioningEvents].map((e: any) => e.EventId).sort(), [clashEvent.EventId, dupEvent.EventId].sort());
  const one = (await sso("GetUserProvisioningEvent", { DirectoryId, EventId: clashEvent.EventId })).UserProvisioningEvent;
  assert.deepEqual([one.EventId, one.SourceType, JSON.parse(one.Content).UserId], [clashEvent.EventId, "StartProvisioning", clash.UserId]);
  assert.ok(one.ErrorCount >= 2, "the unit failed again when dup joined");
  assert.deepEqual([(await provStats()).FailedEventCount, (await devStats()).FailedEventCount], [2, 2]);

  // Retrying clash with TakeOver adopts the hand-made RAM user; the event clears.
  await sso("RetryUserProvisioningEvent", { DirectoryId, EventId: clashEvent.EventId, DuplicationStrategy: "TakeOver" });
  await settled(server, UserProvisioningId);
  await refused(sso("GetUserProvisioningEvent", { DirectoryId, EventId: clashEvent.EventId }), "EntityNotExists.UserProvisioningEvent", 404);
  assert.deepEqual([(await provStats()).FailedEventCount, (await devStats()).FailedEventCount], [1, 1]);
  assert.deepEqual(await ramUsers(), ["bob", "clash", "clash_sso", "dup", "dup_sso"]);
  const adopted = (await ram("GetUser", { UserName: "clash" })).User;
  assert.deepEqual([adopted.UserId, adopted.DisplayName, adopted.Email], [handMade.UserId, "Clash Person", "clash@example.com"]);
  await refused(ram("UpdateUser", { UserName: "clash", NewDisplayName: "mine again" }), "Forbidden.User.ManagedByProvisioning", 403);

  // Discarding dup's event instead: it goes, and nothing re-runs it.
  await sso("DeleteUserProvisioningEvent", { DirectoryId, EventId: dupEvent.EventId, UserProvisioningId });
  assert.deepEqual([(await provStats()).FailedEventCount, (await devStats()).FailedEventCount, (await events()).TotalCounts], [0, 0, 0]);

  // A profile change through CloudSSO reaches the RAM user.
  await sso("UpdateUser", { DirectoryId, UserId: clash.UserId, NewDisplayName: `Clash ${AWKWARD}`, NewEmail: "clash2@example.com" });
  await settled(server, UserProvisioningId);
  const followed = (await ram("GetUser", { UserName: "clash" })).User;
  assert.deepEqual([followed.DisplayName, followed.Email], [`Clash ${AWKWARD}`, "clash2@example.com"]);

  // dup leaves the group: no longer covered, so no event comes back.
  await sso("RemoveUserFromGroup", { DirectoryId, GroupId: eng.GroupId, UserId: dup.UserId });
  await settled(server, UserProvisioningId);
  assert.deepEqual((await sso("ListJoinedGroupsForUser", { DirectoryId, UserId: dup.UserId })).JoinedGroups, []);
  assert.equal((await events()).TotalCounts, 0);

  // Deleting the provisioning (Delete) removes the RAM users it manages, the adopted one included.
  await refused(sso("DeleteGroup", { DirectoryId, GroupId: eng.GroupId }), "DeletionConflict.Group.User", 409);
  await sso("DeleteUserProvisioning", { DirectoryId, UserProvisioningId, DeletionStrategy: "Delete" });
  await settled(server, UserProvisioningId);
  await refused(sso("GetUserProvisioning", { DirectoryId, UserProvisioningId }), "EntityNotExists.UserProvisioning", 404);
  assert.equal((await sso("ListUserProvisionings", { DirectoryId })).TotalCounts, 0);
  assert.deepEqual(await ramUsers(), ["clash_sso", "dup", "dup_sso"]);
  // The hand-made RAM users it never managed were left alone, and their own account may change them.
  assert.equal((await ram("UpdateUser", { UserName: "dup", NewDisplayName: "hand-kept" })).User.DisplayName, "hand-kept");

  // ---- CloudSSO access: an assignment deploys a role into the dev account, which reads it through RAM and IMS ----
  const roleConfig = (await sso("CreateAccessConfiguration", { DirectoryId, AccessConfigurationName: "matrix-roles", SessionDuration: 3600 })).AccessConfiguration;
  const rolesId = roleConfig.AccessConfigurationId as string;
  await sso("AddPermissionPolicyToAccessConfiguration", { DirectoryId, AccessConfigurationId: rolesId, PermissionPolicyType: "Inline", PermissionPolicyName: "matrix-inline", InlinePolicyDocument: inline });
  const taskDone = (TaskId: string) => until(async () => (await sso("GetTaskStatus", { DirectoryId, TaskId })).TaskStatus.Status === "Success", `access task ${TaskId}`);
  const onDev = { DirectoryId, AccessConfigurationId: rolesId, TargetType: "RD-Account", TargetId: dev.AccountId };
  const assigned = (await sso("CreateAccessAssignment", { ...onDev, PrincipalType: "Group", PrincipalId: eng.GroupId })).Task;
  assert.deepEqual([assigned.TaskType, assigned.PrincipalName, assigned.TargetName], ["CreateAccessAssignment", "eng", "dev"]);
  await taskDone(assigned.TaskId);
  assert.equal((await sso("GetTask", { DirectoryId, TaskId: assigned.TaskId })).Task.Status, "Success");
  assert.deepEqual((await sso("ListAccessAssignments", { DirectoryId, TargetType: "RD-Account", TargetId: dev.AccountId })).AccessAssignments.map((x: any) => x.PrincipalId), [eng.GroupId]);
  const provisioned = (await sso("ListAccessConfigurationProvisionings", { DirectoryId, AccessConfigurationId: rolesId })).AccessConfigurationProvisionings;
  assert.deepEqual(
    provisioned.map((x: any) => [x.TargetId, x.Status, x.RAMRoleName, x.RAMPolicyNames, x.SAMLProviderName]),
    [[dev.AccountId, "Provisioned", "AliyunReservedSSO-matrix-roles", ["AliyunReservedSSO-matrix-roles-InlinePolicy"], `AliyunReservedSSO-${DirectoryId}`]],
  );
  assert.equal((await statistics()).AccessAssignmentCount, 1);
  const member = client.open(await server.keyFor(Number(dev.AccountId)));
  const role = (await member.ram("GetRole", { RoleName: "AliyunReservedSSO-matrix-roles" })).Role;
  assert.deepEqual([role.Arn, role.MaxSessionDuration], [`acs:ram::${dev.AccountId}:role/aliyunreservedsso-matrix-roles`, 3600]);
  assert.ok(String(role.AssumeRolePolicyDocument).includes(`saml-provider/AliyunReservedSSO-${DirectoryId}`));
  assert.deepEqual((await member.ram("ListRoles")).Roles.Role.map((r: any) => r.RoleName), ["AliyunReservedSSO-matrix-roles"]);
  assert.deepEqual((await member.ram("ListPoliciesForRole", { RoleName: role.RoleName })).Policies.Policy.map((x: any) => [x.PolicyName, x.PolicyType]), [["AliyunReservedSSO-matrix-roles-InlinePolicy", "Custom"]]);
  const inlinePolicy = "AliyunReservedSSO-matrix-roles-InlinePolicy";
  assert.equal((await member.ram("GetPolicy", { PolicyName: inlinePolicy, PolicyType: "Custom" })).DefaultPolicyVersion.PolicyDocument, inline);
  const provider = `AliyunReservedSSO-${DirectoryId}`;
  assert.equal((await member.ims("GetSAMLProvider", { SAMLProviderName: provider })).SAMLProvider.Arn, `acs:ram::${dev.AccountId}:saml-provider/${provider}`);
  assert.deepEqual((await member.ims("ListSAMLProviders")).SAMLProviders.SAMLProvider.map((x: any) => x.SAMLProviderName), [provider]);
  const RESERVED = "NoPermission.ReservedByCloudSSO";
  await refused(member.ram("DeleteRole", { RoleName: role.RoleName }), RESERVED, 403);
  await refused(member.ram("UpdateRole", { RoleName: role.RoleName, NewDescription: "mine" }), RESERVED, 403);
  await refused(member.ram("AttachPolicyToRole", { RoleName: role.RoleName, PolicyType: "System", PolicyName: "AdministratorAccess" }), RESERVED, 403);
  await refused(member.ram("DetachPolicyFromRole", { RoleName: role.RoleName, PolicyType: "Custom", PolicyName: inlinePolicy }), RESERVED, 403);
  await refused(member.ram("DeletePolicy", { PolicyName: inlinePolicy }), RESERVED, 403);
  await refused(member.ram("CreatePolicyVersion", { PolicyName: inlinePolicy, PolicyDocument: inline2 }), RESERVED, 403);
  await refused(member.ram("DeletePolicyVersion", { PolicyName: inlinePolicy, VersionId: "v1" }), RESERVED, 403);
  await refused(member.ram("SetDefaultPolicyVersion", { PolicyName: inlinePolicy, VersionId: "v1" }), RESERVED, 403);
  await refused(member.ims("UpdateSAMLProvider", { SAMLProviderName: provider, NewDescription: "mine" }), RESERVED, 403);
  await refused(member.ims("DeleteSAMLProvider", { SAMLProviderName: provider }), RESERVED, 403);
  // Provisioned into ops without an assignment, then taken out again.
  const onOps = { ...onDev, TargetId: ops.AccountId };
  await taskDone((await sso("ProvisionAccessConfiguration", onOps)).Tasks[0].TaskId);
  await taskDone((await sso("DeprovisionAccessConfiguration", onOps)).Tasks[0].TaskId);
  const tasks = (await sso("ListTasks", { DirectoryId, AccessConfigurationId: rolesId })).Tasks;
  assert.deepEqual(tasks.map((x: any) => x.TaskType), ["DeprovisionAccessConfiguration", "ProvisionAccessConfiguration", "CreateAccessAssignment"]);
  // The assignment goes with the last-assignment strategy: the role and the identity provider go with it.
  await taskDone((await sso("DeleteAccessAssignment", { ...onDev, PrincipalType: "Group", PrincipalId: eng.GroupId, DeprovisionStrategy: "DeprovisionForLastAccessAssignmentOnAccount" })).Task.TaskId);
  await refused(member.ram("GetRole", { RoleName: role.RoleName }), "EntityNotExist.Role", 404);
  await refused(member.ims("GetSAMLProvider", { SAMLProviderName: provider }), "EntityNotExist.SAMLProvider", 404);
  await sso("DeleteAccessConfiguration", { DirectoryId, AccessConfigurationId: rolesId, ForceRemovePermissionPolicies: true });

  // ---- Tear down: memberships, group, users, directory, service ----
  for (const u of [clash, bob]) await sso("RemoveUserFromGroup", { DirectoryId, GroupId: eng.GroupId, UserId: u.UserId });
  assert.equal((await sso("ListGroupMembers", { DirectoryId, GroupId: eng.GroupId })).TotalCounts, 0);
  await sso("DeleteGroup", { DirectoryId, GroupId: eng.GroupId });
  await refused(sso("GetGroup", { DirectoryId, GroupId: eng.GroupId }), "EntityNotExists.Group", 404);
  await refused(sso("DeleteDirectory", { DirectoryId }), "DeletionConflict.Directory.User", 409);
  for (const u of [clash, bob, dup]) await sso("DeleteUser", { DirectoryId, UserId: u.UserId });
  await refused(sso("GetUser", { DirectoryId, UserId: bob.UserId }), "EntityNotExists.User", 404);
  assert.equal((await sso("ListUsers", { DirectoryId })).TotalCounts, 0);
  const emptied = await statistics();
  assert.deepEqual([emptied.UserCount, emptied.GroupCount], [0, 0]);
  await sso("DeleteDirectory", { DirectoryId });
  await refused(sso("GetDirectory", { DirectoryId }), "EntityNotExists.Directory", 404);
  assert.equal((await sso("ListDirectories")).TotalCounts, 0);
  // The service stays on after the directory goes, and may now be turned off.
  assert.equal((await status()).Status, "Enabled");
  await sso("DisableService");
  assert.deepEqual(await status(), { AccountId: String(key.uin), Status: "Disabled", PrerequisiteCheckResult: "Success", RegionsInUse: [] });
  // The RAM users outlive the directory: they belong to the member account.
  assert.deepEqual(await ramUsers(), ["clash_sso", "dup", "dup_sso"]);

  // ---- Coverage: exactly the actions the door serves ----
  const missing = ALL_ACTIONS.filter((a) => !client.called.has(a));
  const unknown = [...client.called].filter((a) => !ALL_ACTIONS.includes(a));
  assert.deepEqual({ missing, unknown }, { missing: [], unknown: [] }, `${kind} must call every action of the four tables`);
  assert.deepEqual([...client.called].sort(), ALL_ACTIONS);
  const expectedShapes: Record<Kind, string[]> = {
    "openapi-client V3": ["POST, all in the query"],
    "openapi-client V1": ["POST, all in the query", "POST, common parameters in the query, the rest in a form body"],
    "pop-core": ["GET, all in the query", "POST, all in a form body"],
  };
  assert.deepEqual([...client.shapes].sort(), expectedShapes[kind]);
}

for (const engine of ENGINES) {
  describe(`every Alibaba action through every official client shape (${engine})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(engine);
    });
    after(() => server?.close());

    test("the four action tables are what this matrix expects to cover", () => {
      assert.equal(new Set(ALL_ACTIONS).size, ALL_ACTIONS.length);
      for (const a of ["resourcemanager:EnableResourceDirectory", "ram:CreateUser", "ram:GetRole", "ims:GetSAMLProvider", "cloudsso:CreateUser", "cloudsso:RetryUserProvisioningEvent", "cloudsso:CreateAccessAssignment"]) assert.ok(ALL_ACTIONS.includes(a), a);
    });

    for (const kind of KINDS) {
      test(`${kind}: a whole tenant's lifecycle calls every ResourceManager, RAM, IMS and CloudSSO action`, async () => {
        await lifecycle(server, kind);
      });
    }
  });
}
