/**
 * ResourceManager 2020-03-31 through the official Alibaba clients: the resource directory is the
 * caller's organization and its accounts are the organization's members, the same ones the Tencent
 * organization actions serve. Every action, its documented errors, and tenant isolation.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { aliyunClient, popClient } from "../helpers/aliyun.js";
import { ENGINES, type Key, orgClient, startServer, type TestServer } from "../helpers/harness.js";
import { rejects } from "./support.js";

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

for (const engine of ENGINES) {
  describe(`ResourceManager resource directory and accounts (${engine})`, () => {
    let server: TestServer;
    let rm: ReturnType<typeof aliyunClient>;
    let rdId: string;
    let rootFolderId: string;
    let devId: string;
    before(async () => {
      server = await startServer(engine, { limits: { orgMembers: 6 } });
      rm = aliyunClient(server, server.root, "resourcemanager");
    });
    after(() => server.close());

    test("before EnableResourceDirectory: GetResourceDirectory is ResourceDirectoryNotInUse, the others EntityNotExists.ResourceDirectory (404)", async () => {
      await rejects(server, "ResourceDirectoryNotInUse", 404, () => rm.call("GetResourceDirectory"));
      await rejects(server, "EntityNotExists.ResourceDirectory", 404, () => rm.call("ListAccounts"));
      await rejects(server, "EntityNotExists.ResourceDirectory", 404, () => rm.call("GetAccount", { AccountId: String(server.root.uin) }));
      await rejects(server, "EntityNotExists.ResourceDirectory", 404, () => rm.call("CreateResourceAccount", { DisplayName: "dev" }));
    });

    test("EnableResourceDirectory: EnableMode is required and only CurrentAccount is served", async () => {
      await rejects(server, "MissingEnableMode", 400, () => rm.call("EnableResourceDirectory"));
      await rejects(server, "InvalidParameter.EnableMode", 400, () => rm.call("EnableResourceDirectory", { EnableMode: "NewManagementAccount", MAName: "x" }));
    });

    test("EnableResourceDirectory makes the caller the management account", async () => {
      const { ResourceDirectory: rd } = await rm.call("EnableResourceDirectory", { EnableMode: "CurrentAccount" });
      assert.match(rd.ResourceDirectoryId, /^rd-/);
      assert.match(rd.RootFolderId, /^r-/);
      assert.equal(rd.MasterAccountId, String(server.root.uin));
      assert.equal(rd.MasterAccountName, "root");
      assert.match(rd.CreateTime, TIME);
      rdId = rd.ResourceDirectoryId;
      rootFolderId = rd.RootFolderId;
      await rejects(server, "EntityAlreadyExists.ResourceDirectory", 409, () => rm.call("EnableResourceDirectory", { EnableMode: "CurrentAccount" }));
    });

    test("GetResourceDirectory describes it", async () => {
      const { ResourceDirectory: rd } = await rm.call("GetResourceDirectory");
      assert.equal(rd.ResourceDirectoryId, rdId);
      assert.equal(rd.RootFolderId, rootFolderId);
      assert.equal(rd.MasterAccountId, String(server.root.uin));
      assert.equal(rd.ControlPolicyStatus, "Disabled");
    });

    test("CreateResourceAccount creates a member in the root folder", async () => {
      const { Account } = await rm.call("CreateResourceAccount", {
        DisplayName: "dev",
        AccountNamePrefix: "alice",
        ParentFolderId: rootFolderId,
        Tag: [{ Key: "env", Value: "dev" }],
      });
      assert.match(Account.AccountId, /^\d+$/);
      assert.equal(Account.DisplayName, "dev");
      assert.equal(Account.AccountName, `alice@${rdId}.aliyunid.com`);
      assert.equal(Account.Type, "ResourceAccount");
      assert.equal(Account.JoinMethod, "created");
      assert.equal(Account.Status, "CreateSuccess");
      assert.equal(Account.FolderId, rootFolderId);
      assert.equal(Account.ResourceDirectoryId, rdId);
      assert.match(Account.JoinTime, TIME);
      assert.match(Account.ModifyTime, TIME);
      devId = Account.AccountId;
      // Without a prefix the account is named after the member.
      const { Account: ops } = await rm.call("CreateResourceAccount", { DisplayName: "ops" });
      assert.equal(ops.AccountName, `ops@${rdId}.aliyunid.com`);
    });

    test("CreateResourceAccount errors", async () => {
      await rejects(server, "MissingDisplayName", 400, () => rm.call("CreateResourceAccount", {}));
      await rejects(server, "InvalidParameter.Account.DisplayName.AlreadyUsed", 409, () => rm.call("CreateResourceAccount", { DisplayName: "dev" }));
      await rejects(server, "InvalidParameter.Account.DisplayName", 400, () => rm.call("CreateResourceAccount", { DisplayName: "no/slashes" }));
      await rejects(server, "InvalidParameter.Account.AccountNamePrefix", 400, () => rm.call("CreateResourceAccount", { DisplayName: "qa", AccountNamePrefix: "bad/prefix" }));
      await rejects(server, "EntityNotExists.Folder", 404, () => rm.call("CreateResourceAccount", { DisplayName: "qa", ParentFolderId: "fd-r23M55abcd" }));
      await rejects(server, "EntityNotExists.Folder", 404, () => rm.call("CreateResourceAccount", { DisplayName: "qa", ParentFolderId: "r-1" }));
      await rejects(server, "InvalidParameter.ParentFolderId", 400, () => rm.call("CreateResourceAccount", { DisplayName: "qa", ParentFolderId: "not a folder" }));
      await rejects(server, "InvalidParameter.Tag", 400, () => rm.call("CreateResourceAccount", { DisplayName: "qa", Tag: [{ Value: "no key" }] }));
    });

    test("GetAccount reads a member (and the management account); IncludeTags adds its tags", async () => {
      const { Account } = await rm.call("GetAccount", { AccountId: devId, IncludeTags: true });
      assert.equal(Account.DisplayName, "dev");
      assert.equal(Account.ResourceDirectoryPath, `${rdId}/${rootFolderId}/${devId}`);
      assert.deepEqual(Account.Tags, [{ Key: "env", Value: "dev" }]);
      assert.equal((await rm.call("GetAccount", { AccountId: devId })).Account.Tags, undefined);
      const manager = (await rm.call("GetAccount", { AccountId: String(server.root.uin) })).Account;
      assert.equal(manager.Type, "CloudAccount");
      assert.equal(manager.JoinMethod, "invited");
    });

    test("GetAccount errors", async () => {
      await rejects(server, "MissingAccountId", 400, () => rm.call("GetAccount"));
      await rejects(server, "InvalidParameter.AccountId", 400, () => rm.call("GetAccount", { AccountId: "abc" }));
      await rejects(server, "EntityNotExists.Account", 404, () => rm.call("GetAccount", { AccountId: "999999999999" }));
    });

    test("ListAccounts pages with PageNumber/PageSize, filters by keyword and tag", async () => {
      const all = await rm.call("ListAccounts");
      assert.equal(all.TotalCount, 3);
      assert.equal(all.PageNumber, 1);
      assert.equal(all.PageSize, 10);
      assert.deepEqual(all.Accounts.Account.map((a: any) => a.DisplayName), ["root", "dev", "ops"]);
      const p2 = await rm.call("ListAccounts", { PageNumber: 2, PageSize: 2 });
      assert.deepEqual(p2.Accounts.Account.map((a: any) => a.DisplayName), ["ops"]);
      assert.equal(p2.TotalCount, 3);
      assert.deepEqual((await rm.call("ListAccounts", { PageNumber: 9 })).Accounts.Account, []);
      assert.deepEqual((await rm.call("ListAccounts", { QueryKeyword: "OP" })).Accounts.Account.map((a: any) => a.DisplayName), ["ops"]);
      const tagged = await rm.call("ListAccounts", { Tag: [{ Key: "env", Value: "dev" }], IncludeTags: true });
      assert.deepEqual(tagged.Accounts.Account.map((a: any) => [a.DisplayName, a.Tags]), [["dev", { Tag: [{ Key: "env", Value: "dev" }] }]]);
      await rejects(server, "InvalidParameter.PageSize", 400, () => rm.call("ListAccounts", { PageSize: 101 }));
      await rejects(server, "InvalidParameter.PageSize", 400, () => rm.call("ListAccounts", { PageSize: 0 }));
      await rejects(server, "InvalidParameter.PageNumber", 400, () => rm.call("ListAccounts", { PageNumber: 0 }));
    });

    test("the directory's accounts are the Tencent organization's members, and back", async () => {
      const org = orgClient(server, server.root);
      const { Items } = await org.DescribeOrganizationMembers({ Offset: 0, Limit: 50 });
      assert.deepEqual(Items!.map((m) => String(m.MemberUin)).sort(), [String(server.root.uin), devId, (await rm.call("ListAccounts")).Accounts.Account[2].AccountId].sort());
      const { RootNodeId } = await org.DescribeOrganization({});
      assert.equal(`r-${RootNodeId}`, rootFolderId);
      const { Uin } = await org.CreateOrganizationMember({ Name: "from-tc", AccountName: "tc", PolicyType: "Financial", PermissionIds: [1, 2, 7], NodeId: RootNodeId! });
      assert.equal((await rm.call("GetAccount", { AccountId: String(Uin) })).Account.DisplayName, "from-tc");
    });

    test("the member quota is LimitExceeded.Account (409)", async () => {
      const { TotalCount } = await rm.call("ListAccounts");
      for (let i = TotalCount; i < 6; i++) await rm.call("CreateResourceAccount", { DisplayName: `fill-${i}` });
      await rejects(server, "LimitExceeded.Account", 409, () => rm.call("CreateResourceAccount", { DisplayName: "one-too-many" }));
    });

    test("a member account sees its directory but cannot create accounts (NoPermission, 403)", async () => {
      const memberKey = await server.keyFor(Number(devId));
      const asMember = aliyunClient(server, memberKey, "resourcemanager");
      assert.equal((await asMember.call("GetResourceDirectory")).ResourceDirectory.ResourceDirectoryId, rdId);
      await rejects(server, "NoPermission", 403, () => asMember.call("CreateResourceAccount", { DisplayName: "sneaky" }));
      // A member created by the directory cannot enable its own.
      await rejects(server, "NotSupport.AccountInAnotherResourceDirectory", 409, () => asMember.call("EnableResourceDirectory", { EnableMode: "CurrentAccount" }));
    });

    test("pop-core and V1 clients see the same directory", async () => {
      const pop = popClient(server, server.root, "resourcemanager");
      assert.equal((await pop.call<any>("GetResourceDirectory", {})).ResourceDirectory.ResourceDirectoryId, rdId);
      assert.equal((await aliyunClient(server, server.root, "resourcemanager", "v1").call("GetAccount", { AccountId: devId }, { inBody: true })).Account.DisplayName, "dev");
    });
  });

  describe(`ResourceManager tenant isolation (${engine})`, () => {
    let server: TestServer;
    let tenant: Key & { uin: number };
    let memberOfRoot: string;
    before(async () => {
      server = await startServer(engine);
      tenant = await server.newRoot("other-tenant");
      const rm = aliyunClient(server, server.root, "resourcemanager");
      await rm.call("EnableResourceDirectory", { EnableMode: "CurrentAccount" });
      memberOfRoot = (await rm.call("CreateResourceAccount", { DisplayName: "private" })).Account.AccountId;
    });
    after(() => server.close());

    test("another tenant has no directory until it enables its own, and never sees the first one's accounts", async () => {
      const theirs = aliyunClient(server, tenant, "resourcemanager");
      await rejects(server, "ResourceDirectoryNotInUse", 404, () => theirs.call("GetResourceDirectory"));
      await rejects(server, "EntityNotExists.ResourceDirectory", 404, () => theirs.call("GetAccount", { AccountId: memberOfRoot }));
      const { ResourceDirectory } = await theirs.call("EnableResourceDirectory", { EnableMode: "CurrentAccount" });
      assert.equal(ResourceDirectory.MasterAccountId, String(tenant.uin));
      await rejects(server, "EntityNotExists.Account", 404, () => theirs.call("GetAccount", { AccountId: memberOfRoot }));
      assert.deepEqual((await theirs.call("ListAccounts")).Accounts.Account.map((a: any) => a.AccountId), [String(tenant.uin)]);
      // Display names are unique per directory, not across tenants.
      assert.equal((await theirs.call("CreateResourceAccount", { DisplayName: "private" })).Account.DisplayName, "private");
    });
  });
}
