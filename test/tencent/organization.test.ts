/**
 * organization 2021-03-31 through the official tencentcloud-sdk-nodejs client over real HTTP:
 * CreateOrganization, DescribeOrganization, CreateOrganizationMember, DescribeOrganizationMembers,
 * DeleteOrganizationMembers, QuitOrganization, DeleteOrganization. Every rejected request is
 * also checked to have left the store exactly as it was.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ManualClock } from "../../src/core/clock.js";
import {
  ENGINES,
  expectCode,
  isUuid,
  type Key,
  orgClient,
  orgWithMembers,
  snapshot,
  startServer,
  type TestServer,
  rejects,
} from "../helpers/harness.js";

type OrgClient = ReturnType<typeof orgClient>;
type Member = NonNullable<Awaited<ReturnType<OrgClient["DescribeOrganizationMembers"]>>["Items"]>[number];

const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const MANDATORY = [
  { Id: 1, Name: "View bills" },
  { Id: 2, Name: "View balance" },
  { Id: 7, Name: "Pay on behalf" },
];

/** Beijing time (UTC+8) as Tencent writes it, computed independently of the server's formatter. */
function beijing(ms: number): string {
  const d = new Date(ms + 8 * 3600_000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}


/** All members visible to `org`, walking every page. */
async function allMembers(org: OrgClient, extra: { SearchKey?: string } = {}): Promise<Member[]> {
  const out: Member[] = [];
  for (let offset = 0; ; offset += 50) {
    const r = await org.DescribeOrganizationMembers({ Offset: offset, Limit: 50, ...extra });
    out.push(...(r.Items ?? []));
    if (out.length >= (r.Total ?? 0) || (r.Items ?? []).length === 0) return out;
  }
}

const uinsOf = (items: Member[]) => items.map((m) => m.MemberUin);

async function countRows(server: TestServer, table: "organizations" | "org_members" | "accounts"): Promise<number> {
  const r = await server.store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** A fresh tenant with its own organization and `n` members. */
async function tenant(server: TestServer, n: number, name?: string) {
  const key = await server.newRoot(name);
  const org = orgClient(server, key);
  const { rootNodeId, members } = await orgWithMembers(server, key, n);
  const { OrgId } = await org.DescribeOrganization({});
  return { key, org, orgId: OrgId!, rootNodeId, members };
}

function memberInput(nodeId: number, overrides: Record<string, unknown> = {}) {
  return {
    Name: `m-${Math.random().toString(36).slice(2, 10)}`,
    PolicyType: "Financial",
    PermissionIds: [1, 2, 7],
    NodeId: nodeId,
    AccountName: "acct",
    ...overrides,
  } as never as { Name: string; PolicyType: string; PermissionIds: number[]; NodeId: number; AccountName: string };
}

for (const engine of ENGINES) {
  describe(`organization 2021-03-31 [${engine}]`, () => {
    describe("CreateOrganization and DescribeOrganization", () => {
      let server: TestServer;
      before(async () => {
        server = await startServer(engine);
      });
      after(async () => {
        await server?.close();
      });

      test("the bootstrap root creates an organization; DescribeOrganization returns every field", async () => {
        const org = orgClient(server, server.root);
        const created = await org.CreateOrganization();
        assert.ok(isUuid(created.RequestId));
        assert.ok(Number.isSafeInteger(created.OrgId) && created.OrgId! > 0, `OrgId ${created.OrgId}`);
        assert.equal(created.NickName, "root");

        const d = await org.DescribeOrganization({});
        assert.ok(isUuid(d.RequestId));
        assert.equal(d.OrgId, created.OrgId);
        assert.equal(d.HostUin, server.root.uin);
        assert.equal(d.NickName, "root");
        assert.equal(d.OrgType, null);
        assert.equal(d.IsManager, true);
        assert.equal(d.OrgPolicyType, "Financial");
        assert.equal(d.OrgPolicyName, "Financial management");
        assert.deepEqual(d.OrgPermission, []);
        assert.ok(Number.isSafeInteger(d.RootNodeId) && d.RootNodeId! > 0, `RootNodeId ${d.RootNodeId}`);
        assert.match(d.CreateTime!, TIME);
        assert.equal(d.JoinTime, d.CreateTime);
        assert.equal(d.IsAllowQuit, "Denied");
        assert.equal(d.PayUin, "");
        assert.equal(d.PayName, "");
        assert.equal(d.IsAssignManager, false);
        assert.equal(d.IsAuthManager, true);

        // Lang and Product are accepted and change nothing.
        const en = await org.DescribeOrganization({ Lang: "en", Product: "x" });
        assert.equal(en.OrgId, d.OrgId);

        // The manager is the organization's first member.
        const list = await org.DescribeOrganizationMembers({ Offset: 0, Limit: 10 });
        assert.equal(list.Total, 1);
        assert.equal(list.Items!.length, 1);
        const { CreateTime, UpdateTime, ...rest } = list.Items![0]!;
        assert.equal(CreateTime, d.CreateTime);
        assert.equal(UpdateTime, d.CreateTime);
        assert.deepEqual(rest, {
          MemberUin: server.root.uin,
          Name: "root",
          MemberType: "Invite",
          OrgPolicyType: "Financial",
          OrgPolicyName: "Financial management",
          OrgPermission: [],
          NodeId: d.RootNodeId,
          NodeName: "Root",
          Remark: "",
          IsAllowQuit: "Denied",
          PayUin: "",
          PayName: "",
          OrgIdentity: [],
          BindStatus: "Unbound",
          PermissionStatus: "Confirmed",
          Tags: [],
          NickName: "root",
        });
      });

      test("a second organization gets a different OrgId and RootNodeId; NickName is the creator's name", async () => {
        const a = await server.newRoot("Alpha Corp");
        const b = await server.newRoot("beta");
        const ca = await orgClient(server, a).CreateOrganization();
        const cb = await orgClient(server, b).CreateOrganization();
        assert.equal(ca.NickName, "Alpha Corp");
        assert.equal(cb.NickName, "beta");
        assert.notEqual(ca.OrgId, cb.OrgId);
        const da = await orgClient(server, a).DescribeOrganization({});
        const db = await orgClient(server, b).DescribeOrganization({});
        assert.equal(da.OrgId, ca.OrgId);
        assert.equal(db.OrgId, cb.OrgId);
        assert.equal(da.HostUin, a.uin);
        assert.equal(db.HostUin, b.uin);
        assert.notEqual(da.RootNodeId, db.RootNodeId);
      });

      test("creating a second organization fails with FailedOperation.OrganizationExistAlready", async () => {
        const key = await server.newRoot();
        const org = orgClient(server, key);
        const { OrgId } = await org.CreateOrganization();
        await rejects(server, "FailedOperation.OrganizationExistAlready", () => org.CreateOrganization());
        assert.equal((await org.DescribeOrganization({})).OrgId, OrgId);
      });

      test("a member account of another organization cannot create one (UnsupportedOperation.CreateMemberNotAllowCreateOrganization)", async () => {
        const t = await tenant(server, 1);
        const memberKey = await server.keyFor(t.members[0]!);
        const member = orgClient(server, memberKey);
        await rejects(server, "UnsupportedOperation.CreateMemberNotAllowCreateOrganization", () => member.CreateOrganization());
        // Still refused after it has left the organization: it was created by one.
        await member.QuitOrganization({ OrgId: t.orgId });
        await rejects(server, "UnsupportedOperation.CreateMemberNotAllowCreateOrganization", () => member.CreateOrganization());
        await rejects(server, "ResourceNotFound.OrganizationNotExist", () => member.DescribeOrganization({}));
      });

      test("CreateOrganization takes no parameters: UnknownParameter", async () => {
        const org = orgClient(server, await server.newRoot());
        await rejects(server, "UnknownParameter", () => org.CreateOrganization({ OrgType: 1 } as never), "OrgType");
        await rejects(server, "ResourceNotFound.OrganizationNotExist", () => org.DescribeOrganization({}));
      });

      test("DescribeOrganization rejects unknown parameters and wrong types", async () => {
        const t = await tenant(server, 0);
        await rejects(server, "UnknownParameter", () => t.org.DescribeOrganization({ OrgId: t.orgId } as never), "OrgId");
        await rejects(server, "InvalidParameter", () => t.org.DescribeOrganization({ Lang: 5 } as never), "Lang");
      });

      test("two concurrent CreateOrganization calls by one account: exactly one organization", async () => {
        const key = await server.newRoot();
        const org = orgClient(server, key);
        const orgsBefore = await countRows(server, "organizations");
        const results = await Promise.allSettled([org.CreateOrganization(), org.CreateOrganization(), org.CreateOrganization()]);
        const ok = results.filter((r) => r.status === "fulfilled");
        const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
        assert.equal(ok.length, 1, JSON.stringify(results.map((r) => (r.status === "rejected" ? (r.reason as { code?: string }).code : "ok"))));
        for (const f of failed) assert.equal((f.reason as { code?: string }).code, "FailedOperation.OrganizationExistAlready");
        assert.equal(await countRows(server, "organizations"), orgsBefore + 1);
        assert.equal((await org.DescribeOrganization({})).OrgId, (ok[0] as PromiseFulfilledResult<{ OrgId?: number }>).value.OrgId);
      });

      test("an account with no organization gets ResourceNotFound.OrganizationNotExist from every org-scoped action", async () => {
        const key = await server.newRoot();
        const org = orgClient(server, key);
        await rejects(server, "ResourceNotFound.OrganizationNotExist", () => org.DescribeOrganization({}));
        await rejects(server, "ResourceNotFound.OrganizationNotExist", () => org.DescribeOrganizationMembers({ Offset: 0, Limit: 10 }));
        await rejects(server, "ResourceNotFound.OrganizationNotExist", () => org.CreateOrganizationMember(memberInput(100001)));
        await rejects(server, "ResourceNotFound.OrganizationNotExist", () => org.DeleteOrganizationMembers({ MemberUin: [server.root.uin] }));
        await rejects(server, "ResourceNotFound.OrganizationNotExist", () => org.DeleteOrganization());
        await rejects(server, "ResourceNotFound.OrganizationNotExist", () => org.QuitOrganization({ OrgId: 987654321 }));
      });
    });

    describe("times", () => {
      let timed: TestServer;
      let clock: ManualClock;
      before(async () => {
        // Whole seconds, a little in the past: request signatures must stay within the 300 s skew.
        clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000 - 120_000);
        timed = await startServer(engine, { clock });
      });
      after(async () => {
        await timed?.close();
      });

      test("CreateTime, JoinTime and UpdateTime are the server clock in UTC+8, YYYY-MM-DD HH:MM:SS", async () => {
        const org = orgClient(timed, timed.root);
        const createdAt = clock.now();
        await org.CreateOrganization();
        const d = await org.DescribeOrganization({});
        assert.equal(d.CreateTime, beijing(createdAt));
        assert.equal(d.JoinTime, beijing(createdAt));

        clock.advance(61_000);
        const joinedAt = clock.now();
        const { Uin } = await org.CreateOrganizationMember(memberInput(d.RootNodeId!, { Name: "timed" }));
        const member = orgClient(timed, await timed.keyFor(Uin!));
        const md = await member.DescribeOrganization({});
        assert.equal(md.CreateTime, beijing(createdAt), "organization creation time");
        assert.equal(md.JoinTime, beijing(joinedAt), "member join time");
        const items = (await org.DescribeOrganizationMembers({ Offset: 0, Limit: 10 })).Items!;
        assert.deepEqual(
          items.map((m) => [m.MemberUin, m.CreateTime, m.UpdateTime]),
          [
            [timed.root.uin, beijing(createdAt), beijing(createdAt)],
            [Uin, beijing(joinedAt), beijing(joinedAt)],
          ],
        );
        for (const t of [d.CreateTime, md.JoinTime, items[1]!.UpdateTime]) assert.match(t!, TIME);
      });
    });

    describe("CreateOrganizationMember", () => {
      let server: TestServer;
      before(async () => {
        server = await startServer(engine);
      });
      after(async () => {
        await server?.close();
      });

      test("creates a member: Uin, list entry field by field, member's own view, account row", async () => {
        const manager = await server.newRoot("Mgr");
        const org = orgClient(server, manager);
        const { OrgId } = await org.CreateOrganization();
        const { RootNodeId } = await org.DescribeOrganization({});
        const r = await org.CreateOrganizationMember({
          Name: "Finance-01",
          PolicyType: "Financial",
          PermissionIds: [8, 7, 1, 2, 1],
          NodeId: RootNodeId!,
          AccountName: "finance.acct",
          Remark: "first member",
          Tags: [
            { TagKey: "env", TagValue: "prod" },
            { TagKey: "team", TagValue: "" },
          ],
        });
        assert.ok(isUuid(r.RequestId));
        assert.ok(Number.isSafeInteger(r.Uin) && r.Uin! > 0);
        assert.notEqual(r.Uin, manager.uin);

        const list = await org.DescribeOrganizationMembers({ Offset: 0, Limit: 10 });
        assert.equal(list.Total, 2);
        assert.deepEqual(uinsOf(list.Items!), [manager.uin, r.Uin]);
        const { CreateTime, UpdateTime, ...rest } = list.Items![1]!;
        assert.match(CreateTime!, TIME);
        assert.equal(UpdateTime, CreateTime);
        assert.deepEqual(rest, {
          MemberUin: r.Uin,
          Name: "Finance-01",
          MemberType: "Create",
          OrgPolicyType: "Financial",
          OrgPolicyName: "Financial management",
          OrgPermission: [...MANDATORY, { Id: 8, Name: "Cost explorer" }],
          NodeId: RootNodeId,
          NodeName: "Root",
          Remark: "first member",
          IsAllowQuit: "Allow",
          PayUin: "",
          PayName: "",
          OrgIdentity: [],
          BindStatus: "Unbound",
          PermissionStatus: "Confirmed",
          Tags: [
            { TagKey: "env", TagValue: "prod" },
            { TagKey: "team", TagValue: "" },
          ],
          NickName: "Finance-01",
        });

        // The member account's own key sees the organization from the inside.
        const member = orgClient(server, await server.keyFor(r.Uin!));
        const md = await member.DescribeOrganization({});
        assert.equal(md.OrgId, OrgId);
        assert.equal(md.HostUin, manager.uin);
        assert.equal(md.NickName, "Mgr");
        assert.equal(md.IsManager, false);
        assert.equal(md.OrgPolicyType, "Financial");
        assert.equal(md.OrgPolicyName, "Financial management");
        assert.deepEqual(md.OrgPermission, [...MANDATORY, { Id: 8, Name: "Cost explorer" }]);
        assert.equal(md.RootNodeId, RootNodeId);
        assert.equal(md.IsAllowQuit, "Allow");
        assert.equal(md.IsAuthManager, false);
        assert.equal(md.IsAssignManager, false);
        assert.equal(md.JoinTime, CreateTime);

        // A real account was made, named AccountName and owned by the organization.
        const account = await server.store.db.selectFrom("accounts").selectAll().where("uin", "=", r.Uin!).executeTakeFirstOrThrow();
        assert.equal(account.name, "finance.acct");
        assert.equal(account.kind, "member");
        assert.equal(Number(account.created_by_org), OrgId);
      });

      test("every financial permission id is accepted and named", async () => {
        const t = await tenant(server, 0);
        const { Uin } = await t.org.CreateOrganizationMember(memberInput(t.rootNodeId, { PermissionIds: [9, 8, 7, 6, 5, 4, 2, 1] }));
        const item = (await t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 10, SearchKey: String(Uin) })).Items![0]!;
        assert.deepEqual(item.OrgPermission, [
          { Id: 1, Name: "View bills" },
          { Id: 2, Name: "View balance" },
          { Id: 4, Name: "Consolidate bills" },
          { Id: 5, Name: "Invoice" },
          { Id: 6, Name: "Inherit offers" },
          { Id: 7, Name: "Pay on behalf" },
          { Id: 8, Name: "Cost explorer" },
          { Id: 9, Name: "Budget management" },
        ]);
      });

      test("member Name and AccountName: 25 characters, letters in any script and +@&._[]-:, are accepted", async () => {
        const t = await tenant(server, 0);
        const names = ["a".repeat(25), "成员-财务_01", "x+y@z&w._[1]-:,", "Ünïcödé"];
        for (const [i, name] of names.entries()) {
          const { Uin } = await t.org.CreateOrganizationMember(memberInput(t.rootNodeId, { Name: name, AccountName: names[(i + 1) % names.length] }));
          assert.ok(Uin! > 0);
        }
        const items = await allMembers(t.org);
        assert.deepEqual(items.map((m) => m.Name).slice(1), names);
      });

      test("invalid member Name or AccountName: InvalidParameter naming the field", async () => {
        const t = await tenant(server, 0);
        const bad = ["a".repeat(26), "", "has space", "slash/name", "quote'", "semi;colon", "hash#", "pct%", "tab\t"];
        for (const name of bad) {
          await rejects(server, "InvalidParameter", () => t.org.CreateOrganizationMember(memberInput(t.rootNodeId, { Name: name })), "parameter `Name`");
          await rejects(
            server,
            "InvalidParameter",
            () => t.org.CreateOrganizationMember(memberInput(t.rootNodeId, { AccountName: name })),
            "parameter `AccountName`",
          );
        }
        assert.equal((await t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 10 })).Total, 1);
      });

      test("an unknown PolicyType: FailedOperation.OrganizationPolicyIllegal", async () => {
        const t = await tenant(server, 0);
        for (const p of ["Bogus", "financial", ""]) {
          await rejects(server, "FailedOperation.OrganizationPolicyIllegal", () => t.org.CreateOrganizationMember(memberInput(t.rootNodeId, { PolicyType: p })), "PolicyType");
        }
      });

      test("PermissionIds need 1 and 2, as Tencent's own examples send them: [1, 2] and [1, 2, 4] are members", async () => {
        const t = await tenant(server, 0);
        for (const [i, ids] of [[1, 2], [1, 2, 4], [2, 1, 7]].entries()) {
          const { Uin } = await t.org.CreateOrganizationMember(memberInput(t.rootNodeId, { PermissionIds: ids, Name: `perm-${i}`, AccountName: `perm-${i}` }));
          const { Items } = await t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 50, SearchKey: `perm-${i}` });
          assert.deepEqual(Items![0]!.MemberUin, Uin);
          assert.deepEqual(Items![0]!.OrgPermission!.map((p) => p.Id), [...ids].sort((a, b) => a - b));
        }
      });

      test("unknown or incomplete PermissionIds: FailedOperation.OrganizationPermissionIllegal", async () => {
        const t = await tenant(server, 0);
        const bad = [[1, 2, 3, 7], [2, 7], [1, 7], [1, 4], [], [1, 2, 7, 10], [0, 1, 2, 7], [1, 2, 7, 1.5], [-1, 1, 2, 7]];
        for (const ids of bad) {
          await rejects(
            server,
            "FailedOperation.OrganizationPermissionIllegal",
            () => t.org.CreateOrganizationMember(memberInput(t.rootNodeId, { PermissionIds: ids })),
            "PermissionIds",
          );
        }
      });

      test("a NodeId that is not the organization's: ResourceNotFound.OrganizationNodeNotExist", async () => {
        const t = await tenant(server, 0);
        const other = await tenant(server, 0);
        for (const node of [t.rootNodeId + 1, 0, other.rootNodeId, 999999999]) {
          await rejects(server, "ResourceNotFound.OrganizationNodeNotExist", () => t.org.CreateOrganizationMember(memberInput(t.rootNodeId, { NodeId: node })), "NodeId");
        }
      });

      test("tags: 10 tags and 127/255-character keys/values pass; 11 tags, empty or long keys, long values: InvalidParameter.TagError", async () => {
        const t = await tenant(server, 0);
        const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ TagKey: `k${i}`, TagValue: `v${i}` }));
        await t.org.CreateOrganizationMember(memberInput(t.rootNodeId, { Tags: tags(10) }));
        await t.org.CreateOrganizationMember(memberInput(t.rootNodeId, { Tags: [{ TagKey: "k".repeat(127), TagValue: "v".repeat(255) }] }));
        const bad = [tags(11), [{ TagKey: "", TagValue: "v" }], [{ TagKey: "k".repeat(128), TagValue: "v" }], [{ TagKey: "k", TagValue: "v".repeat(256) }]];
        for (const Tags of bad) {
          await rejects(server, "InvalidParameter.TagError", () => t.org.CreateOrganizationMember(memberInput(t.rootNodeId, { Tags })), "Tags");
        }
        assert.equal((await t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 10 })).Total, 3);
      });

      test("Remark up to 1024 characters; longer: InvalidParameterValue", async () => {
        const t = await tenant(server, 0);
        const { Uin } = await t.org.CreateOrganizationMember(memberInput(t.rootNodeId, { Remark: "r".repeat(1024) }));
        const item = (await t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 10, SearchKey: String(Uin) })).Items![0]!;
        assert.equal(item.Remark, "r".repeat(1024));
        await rejects(server, "InvalidParameterValue", () => t.org.CreateOrganizationMember(memberInput(t.rootNodeId, { Remark: "r".repeat(1025) })), "Remark");
      });

      test("a Name already used in the organization: FailedOperation.OrganizationMemberNameUsed; other organizations may reuse it", async () => {
        const t = await tenant(server, 0);
        const other = await tenant(server, 0);
        await t.org.CreateOrganizationMember(memberInput(t.rootNodeId, { Name: "shared-name" }));
        await rejects(
          server,
          "FailedOperation.OrganizationMemberNameUsed",
          () => t.org.CreateOrganizationMember(memberInput(t.rootNodeId, { Name: "shared-name", AccountName: "different" })),
          "Name",
        );
        const { Uin } = await other.org.CreateOrganizationMember(memberInput(other.rootNodeId, { Name: "shared-name" }));
        assert.ok(Uin! > 0);
        // The manager's own member name counts too.
        const mgrName = (await t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 1 })).Items![0]!.Name!;
        await rejects(server, "FailedOperation.OrganizationMemberNameUsed", () => t.org.CreateOrganizationMember(memberInput(t.rootNodeId, { Name: mgrName })));
      });

      test("a member's key is not the manager: UnauthorizedOperation", async () => {
        const t = await tenant(server, 1);
        const member = orgClient(server, await server.keyFor(t.members[0]!));
        await rejects(server, "UnauthorizedOperation", () => member.CreateOrganizationMember(memberInput(t.rootNodeId)));
      });

      test("request shape: MissingParameter, UnknownParameter, InvalidParameter for wrong types", async () => {
        const t = await tenant(server, 0);
        const input = memberInput(t.rootNodeId) as unknown as Record<string, unknown>;
        const without = (k: string) => Object.fromEntries(Object.entries(input).filter(([key]) => key !== k));
        for (const k of ["Name", "PolicyType", "PermissionIds", "NodeId", "AccountName"]) {
          await rejects(server, "MissingParameter", () => t.org.CreateOrganizationMember(without(k) as never), `\`${k}\``);
        }
        await rejects(server, "UnknownParameter", () => t.org.CreateOrganizationMember({ ...input, Foo: 1 } as never), "`Foo`");
        await rejects(server, "InvalidParameter", () => t.org.CreateOrganizationMember({ ...input, Name: 5 } as never), "`Name`");
        await rejects(server, "InvalidParameter", () => t.org.CreateOrganizationMember({ ...input, PermissionIds: "x" } as never), "`PermissionIds`");
        await rejects(server, "InvalidParameter", () => t.org.CreateOrganizationMember({ ...input, PermissionIds: ["x"] } as never), "PermissionIds");
        await rejects(server, "InvalidParameter", () => t.org.CreateOrganizationMember({ ...input, NodeId: "abc" } as never), "`NodeId`");
        await rejects(server, "InvalidParameter", () => t.org.CreateOrganizationMember({ ...input, Tags: "env" } as never), "`Tags`");
        await rejects(server, "MissingParameter", () => t.org.CreateOrganizationMember({ ...input, Tags: [{ TagKey: "a" }] } as never), "TagValue");
        await rejects(server, "UnknownParameter", () => t.org.CreateOrganizationMember({ ...input, Tags: [{ TagKey: "a", TagValue: "b", X: 1 }] } as never), "X");
        assert.equal((await t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 10 })).Total, 1);
      });

      test("two concurrent creates with the same Name: one succeeds, one gets FailedOperation.OrganizationMemberNameUsed", async () => {
        const t = await tenant(server, 0);
        for (let round = 0; round < 5; round++) {
          const accountsBefore = await countRows(server, "accounts");
          const name = `race-${round}`;
          const results = await Promise.allSettled([
            t.org.CreateOrganizationMember(memberInput(t.rootNodeId, { Name: name, AccountName: "one" })),
            t.org.CreateOrganizationMember(memberInput(t.rootNodeId, { Name: name, AccountName: "two" })),
          ]);
          const ok = results.filter((r) => r.status === "fulfilled");
          const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
          assert.equal(ok.length, 1, `round ${round}: ${JSON.stringify(failed.map((f) => (f.reason as Error).message))}`);
          assert.equal(failed.length, 1);
          assert.equal((failed[0]!.reason as { code?: string }).code, "FailedOperation.OrganizationMemberNameUsed");
          const found = await t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 50, SearchKey: name });
          assert.equal(found.Total, 1);
          assert.equal(found.Items![0]!.MemberUin, (ok[0] as PromiseFulfilledResult<{ Uin?: number }>).value.Uin);
          assert.equal(await countRows(server, "accounts"), accountsBefore + 1, "the losing request left no account behind");
        }
      });
    });

    describe("member limit (orgMembers: 3)", () => {
      let small: TestServer;
      before(async () => {
        small = await startServer(engine, { limits: { orgMembers: 3 } });
      });
      after(async () => {
        await small?.close();
      });

      test("LimitExceeded.OrganizationMemberOverLimit at the member limit (the manager counts); room frees up after a removal", async () => {
        const org = orgClient(small, small.root);
        await org.CreateOrganization();
        const { RootNodeId } = await org.DescribeOrganization({});
        const a = await org.CreateOrganizationMember(memberInput(RootNodeId!));
        await org.CreateOrganizationMember(memberInput(RootNodeId!));
        await rejects(small, "LimitExceeded.OrganizationMemberOverLimit", () => org.CreateOrganizationMember(memberInput(RootNodeId!)));
        assert.equal((await org.DescribeOrganizationMembers({ Offset: 0, Limit: 10 })).Total, 3);
        await org.DeleteOrganizationMembers({ MemberUin: [a.Uin!] });
        await org.CreateOrganizationMember(memberInput(RootNodeId!));
        await rejects(small, "LimitExceeded.OrganizationMemberOverLimit", () => org.CreateOrganizationMember(memberInput(RootNodeId!)));
        // The limit is per organization: another tenant still has room for two.
        const other = await small.newRoot();
        const { rootNodeId, members } = await orgWithMembers(small, other, 2);
        assert.equal(members.length, 2);
        await rejects(small, "LimitExceeded.OrganizationMemberOverLimit", () => orgClient(small, other).CreateOrganizationMember(memberInput(rootNodeId)));
      });

      test("the organization's kept member count follows every change and refusal, and is the unfiltered Total", async () => {
        const key = await small.newRoot();
        const org = orgClient(small, key);
        await org.CreateOrganization();
        const { RootNodeId, OrgId } = await org.DescribeOrganization({});
        const kept = async () => Number((await small.store.db.selectFrom("organizations").select("member_count").where("org_id", "=", OrgId!).executeTakeFirstOrThrow()).member_count);
        const counted = async () => Number((await small.store.db.selectFrom("org_members").select((eb) => eb.fn.countAll<number>().as("n")).where("org_id", "=", OrgId!).executeTakeFirstOrThrow()).n);
        const check = async (expected: number) => {
          assert.equal(await kept(), expected);
          assert.equal(await counted(), expected);
          assert.equal((await org.DescribeOrganizationMembers({ Offset: 0, Limit: 10 })).Total, expected);
        };
        await check(1);
        const a = await org.CreateOrganizationMember(memberInput(RootNodeId!, { Name: "kept-a" }));
        await check(2);
        // Refused inside the transaction (the name is taken): nothing of it is counted.
        await rejects(small, "FailedOperation.OrganizationMemberNameUsed", () => org.CreateOrganizationMember(memberInput(RootNodeId!, { Name: "kept-a" })));
        await check(2);
        const b = await org.CreateOrganizationMember(memberInput(RootNodeId!));
        await check(3);
        await rejects(small, "LimitExceeded.OrganizationMemberOverLimit", () => org.CreateOrganizationMember(memberInput(RootNodeId!)));
        await check(3);
        await org.DeleteOrganizationMembers({ MemberUin: [a.Uin!, a.Uin!] });
        await check(2);
        await rejects(small, "ResourceNotFound.OrganizationMemberNotExist", () => org.DeleteOrganizationMembers({ MemberUin: [b.Uin!, a.Uin!] }));
        await check(2);
        await orgClient(small, await small.keyFor(b.Uin!)).QuitOrganization({ OrgId: OrgId! });
        await check(1);
      });

      test("concurrent creates at the member limit never exceed it", async () => {
        for (let round = 0; round < 3; round++) {
          const key = await small.newRoot();
          const org = orgClient(small, key);
          await org.CreateOrganization();
          const { RootNodeId, OrgId } = await org.DescribeOrganization({});
          const results = await Promise.allSettled(Array.from({ length: 6 }, () => org.CreateOrganizationMember(memberInput(RootNodeId!))));
          const codes = results.map((r) => (r.status === "fulfilled" ? "ok" : (r.reason as { code?: string }).code));
          assert.equal(codes.filter((c) => c === "ok").length, 2, `round ${round}: ${codes.join()}`);
          assert.equal(codes.filter((c) => c === "LimitExceeded.OrganizationMemberOverLimit").length, 4, `round ${round}: ${codes.join()}`);
          assert.equal((await org.DescribeOrganizationMembers({ Offset: 0, Limit: 10 })).Total, 3);
          const created = await small.store.db.selectFrom("accounts").select("uin").where("created_by_org", "=", OrgId!).execute();
          assert.equal(created.length, 2, "no orphan accounts from refused creates");
        }
      });
    });

    describe("DescribeOrganizationMembers", () => {
      let t: Awaited<ReturnType<typeof tenant>>;
      const names = ["alpha", "Bravo", "charlie_1", "charlieX1", "delta", "echo", "foxtrot"];
      const uins: number[] = [];
      const tagsOf = (i: number) => [
        { TagKey: "env", TagValue: i % 2 === 0 ? "prod" : "dev" },
        ...(i < 3 ? [{ TagKey: "team", TagValue: "core" }] : []),
      ];

      let server: TestServer;
      after(async () => {
        await server?.close();
      });
      before(async () => {
        server = await startServer(engine);
        t = await tenant(server, 0, "lister");
        for (const [i, name] of names.entries()) {
          const r = await t.org.CreateOrganizationMember(memberInput(t.rootNodeId, { Name: name, Tags: tagsOf(i) }));
          uins.push(r.Uin!);
        }
      });

      test("Offset/Limit paging: pages in join order, Total on every page", async () => {
        const all = [t.key.uin, ...uins];
        const seen: number[] = [];
        for (const [offset, size] of [
          [0, 3],
          [3, 3],
          [6, 2],
          [9, 0],
        ] as const) {
          const r = await t.org.DescribeOrganizationMembers({ Offset: offset, Limit: 3 });
          assert.equal(r.Total, 8);
          assert.equal(r.Items!.length, size, `offset ${offset}`);
          seen.push(...uinsOf(r.Items!).map(Number));
        }
        assert.deepEqual(seen, all);
        const one = await t.org.DescribeOrganizationMembers({ Offset: 5, Limit: 1 });
        assert.deepEqual(uinsOf(one.Items!), [all[5]]);
        const max = await t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 50 });
        assert.deepEqual(uinsOf(max.Items!), all);
      });

      test("Limit outside 1-50, Offset not a non-negative multiple of Limit: InvalidParameterValue", async () => {
        for (const [Offset, Limit, field] of [
          [0, 0, "Limit"],
          [0, 51, "Limit"],
          [0, -1, "Limit"],
          [0, 1.5, "Limit"],
          [1, 3, "Offset"],
          [4, 3, "Offset"],
          [-3, 3, "Offset"],
          [1.5, 1, "Offset"],
        ] as const) {
          await rejects(server, "InvalidParameterValue", () => t.org.DescribeOrganizationMembers({ Offset, Limit }), field);
        }
      });

      test("request shape: MissingParameter, UnknownParameter, InvalidParameter", async () => {
        await rejects(server, "InvalidParameter", () => t.org.DescribeOrganizationMembers({ Offset: 0, Limit: "abc" } as never), "`Limit`");
        await rejects(server, "InvalidParameter", () => t.org.DescribeOrganizationMembers({ Offset: "x", Limit: 10 } as never), "`Offset`");
        await rejects(server, "InvalidParameter", () => t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 10, SearchKey: 5 } as never), "`SearchKey`");
        await rejects(server, "InvalidParameter", () => t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 10, Tags: {} } as never), "`Tags`");
        await rejects(server, "MissingParameter", () => t.org.DescribeOrganizationMembers({ Offset: 0 } as never), "`Limit`");
        await rejects(server, "MissingParameter", () => t.org.DescribeOrganizationMembers({ Limit: 10 } as never), "`Offset`");
        await rejects(server, "UnknownParameter", () => t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 10, Page: 1 } as never), "`Page`");
      });

      test("SearchKey matches names case-insensitively as a substring; _ and % are literal", async () => {
        const search = async (SearchKey: string) => {
          const r = await t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 50, SearchKey });
          assert.equal(r.Total, r.Items!.length);
          return r.Items!.map((m) => m.Name);
        };
        assert.deepEqual(await search("alpha"), ["alpha"]);
        assert.deepEqual(await search("BRAVO"), ["Bravo"]);
        assert.deepEqual(await search("charlie"), ["charlie_1", "charlieX1"]);
        assert.deepEqual(await search("charlie_"), ["charlie_1"]);
        assert.deepEqual(await search("_"), ["charlie_1"]);
        assert.deepEqual(await search("%"), []);
        assert.deepEqual(await search("ha"), ["alpha", "charlie_1", "charlieX1"]);
        assert.deepEqual(await search("LIST"), ["lister"]);
        assert.deepEqual(await search("nobody"), []);
        // An empty SearchKey filters nothing.
        assert.equal((await t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 50, SearchKey: "" })).Total, 8);
      });

      test("SearchKey matches a member UIN", async () => {
        for (const uin of [t.key.uin, uins[3]!]) {
          const r = await t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 50, SearchKey: String(uin) });
          assert.equal(r.Total, 1);
          assert.deepEqual(uinsOf(r.Items!), [uin]);
        }
      });

      test("SearchKey with paging: Total counts the matches, not the page", async () => {
        const p1 = await t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 1, SearchKey: "charlie" });
        const p2 = await t.org.DescribeOrganizationMembers({ Offset: 1, Limit: 1, SearchKey: "charlie" });
        assert.equal(p1.Total, 2);
        assert.equal(p2.Total, 2);
        assert.deepEqual([...p1.Items!, ...p2.Items!].map((m) => m.Name), ["charlie_1", "charlieX1"]);
      });

      test("Tags filter: every given tag must match; Total counts the matches", async () => {
        const byTags = async (Tags: { TagKey: string; TagValue: string }[], Limit = 50) => {
          const r = await t.org.DescribeOrganizationMembers({ Offset: 0, Limit, Tags });
          return { total: r.Total, names: r.Items!.map((m) => m.Name) };
        };
        assert.deepEqual(await byTags([{ TagKey: "env", TagValue: "prod" }]), { total: 4, names: ["alpha", "charlie_1", "delta", "foxtrot"] });
        assert.deepEqual(await byTags([{ TagKey: "env", TagValue: "dev" }]), { total: 3, names: ["Bravo", "charlieX1", "echo"] });
        assert.deepEqual(
          await byTags([
            { TagKey: "env", TagValue: "prod" },
            { TagKey: "team", TagValue: "core" },
          ]),
          { total: 2, names: ["alpha", "charlie_1"] },
        );
        assert.deepEqual(await byTags([{ TagKey: "env", TagValue: "PROD" }]), { total: 0, names: [] });
        assert.deepEqual(await byTags([{ TagKey: "team", TagValue: "core" }], 1), { total: 3, names: ["alpha"] });
        assert.deepEqual(await byTags([]), { total: 8, names: ["lister", ...names] });
        const withTags = (await t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 1, SearchKey: "delta" })).Items![0]!;
        assert.deepEqual(withTags.Tags, tagsOf(4));
      });

      test("Tags filter: more than 10 or a bad key: InvalidParameter.TagError", async () => {
        const eleven = Array.from({ length: 11 }, (_, i) => ({ TagKey: `k${i}`, TagValue: "v" }));
        await rejects(server, "InvalidParameter.TagError", () => t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 10, Tags: eleven }), "Tags");
        await rejects(server, "InvalidParameter.TagError", () => t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 10, Tags: [{ TagKey: "", TagValue: "v" }] }));
        const ten = eleven.slice(0, 10);
        assert.equal((await t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 10, Tags: ten })).Total, 0);
      });

      test("NodeId / NodeName: the root node lists everyone; any other node: ResourceNotFound.OrganizationNodeNotExist", async () => {
        const r = await t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 50, NodeId: t.rootNodeId });
        assert.equal(r.Total, 8);
        assert.ok(r.Items!.every((m) => m.NodeId === t.rootNodeId && m.NodeName === "Root"));
        assert.equal((await t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 50, NodeName: "Root" })).Total, 8);
        const other = await tenant(server, 0);
        for (const NodeId of [t.rootNodeId + 1, other.rootNodeId, 0]) {
          await rejects(server, "ResourceNotFound.OrganizationNodeNotExist", () => t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 10, NodeId }), "NodeId");
        }
        await rejects(server, "ResourceNotFound.OrganizationNodeNotExist", () => t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 10, NodeName: "Finance" }), "NodeName");
      });

      test("filters combine: SearchKey + Tags + NodeId", async () => {
        const r = await t.org.DescribeOrganizationMembers({
          Offset: 0,
          Limit: 50,
          SearchKey: "a",
          Tags: [{ TagKey: "env", TagValue: "prod" }],
          NodeId: t.rootNodeId,
        });
        assert.deepEqual(
          r.Items!.map((m) => m.Name),
          ["alpha", "charlie_1", "delta"],
        );
        assert.equal(r.Total, 3);
      });

      test("the same query signed for GET (HmacSHA256, flattened Tags) returns the same page", async () => {
        const get = orgClient(server, t.key, { reqMethod: "GET", signMethod: "HmacSHA256" });
        const q = { Offset: 0, Limit: 2, SearchKey: "a", Tags: [{ TagKey: "env", TagValue: "prod" }] };
        const viaGet = await get.DescribeOrganizationMembers(q);
        const viaPost = await t.org.DescribeOrganizationMembers(q);
        assert.equal(viaGet.Total, 3);
        assert.deepEqual(viaGet.Items, viaPost.Items);
      });
    });

    describe("DeleteOrganizationMembers", () => {
      let server: TestServer;
      before(async () => {
        server = await startServer(engine);
      });
      after(async () => {
        await server?.close();
      });

      test("removes members from the organization without deleting their accounts", async () => {
        const t = await tenant(server, 3);
        const [a, b, c] = t.members as [number, number, number];
        const r = await t.org.DeleteOrganizationMembers({ MemberUin: [a, c, a] });
        assert.ok(isUuid(r.RequestId));
        assert.deepEqual(uinsOf(await allMembers(t.org)), [t.key.uin, b]);
        for (const uin of [a, c]) {
          const account = await server.store.db.selectFrom("accounts").selectAll().where("uin", "=", uin).executeTakeFirst();
          assert.ok(account, `account ${uin} still exists`);
          const gone = orgClient(server, await server.keyFor(uin));
          await rejects(server, "ResourceNotFound.OrganizationNotExist", () => gone.DescribeOrganization({}));
        }
        // Removing an already-removed member.
        await rejects(server, "ResourceNotFound.OrganizationMemberNotExist", () => t.org.DeleteOrganizationMembers({ MemberUin: [a] }), "MemberUin");
      });

      test("the manager in the list: FailedOperation.DisableQuitSelfCreatedOrganization, and nothing is removed", async () => {
        const t = await tenant(server, 2);
        await rejects(server, "FailedOperation.DisableQuitSelfCreatedOrganization", () => t.org.DeleteOrganizationMembers({ MemberUin: [t.key.uin] }));
        await rejects(server, "FailedOperation.DisableQuitSelfCreatedOrganization", () => t.org.DeleteOrganizationMembers({ MemberUin: [t.members[0]!, t.key.uin] }));
        await rejects(server, "FailedOperation.DisableQuitSelfCreatedOrganization", () => t.org.DeleteOrganizationMembers({ MemberUin: [t.key.uin, t.members[1]!] }));
        assert.equal((await t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 10 })).Total, 3);
      });

      test("a UIN that is not a member: ResourceNotFound.OrganizationMemberNotExist, and nothing is removed", async () => {
        const t = await tenant(server, 2);
        const loner = await server.newRoot();
        for (const list of [[123], [loner.uin], [t.members[0]!, 123], [123, t.members[1]!], [server.root.uin]]) {
          await rejects(server, "ResourceNotFound.OrganizationMemberNotExist", () => t.org.DeleteOrganizationMembers({ MemberUin: list }), "MemberUin");
        }
        assert.equal((await t.org.DescribeOrganizationMembers({ Offset: 0, Limit: 10 })).Total, 3);
      });

      test("an empty MemberUin list: InvalidParameterValue", async () => {
        const t = await tenant(server, 1);
        await rejects(server, "InvalidParameterValue", () => t.org.DeleteOrganizationMembers({ MemberUin: [] }), "MemberUin");
      });

      test("a member's key: UnauthorizedOperation", async () => {
        const t = await tenant(server, 2);
        const member = orgClient(server, await server.keyFor(t.members[0]!));
        await rejects(server, "UnauthorizedOperation", () => member.DeleteOrganizationMembers({ MemberUin: [t.members[1]!] }));
        await rejects(server, "UnauthorizedOperation", () => member.DeleteOrganizationMembers({ MemberUin: [t.members[0]!] }));
      });

      test("request shape: MissingParameter, UnknownParameter, InvalidParameter", async () => {
        const t = await tenant(server, 1);
        await rejects(server, "MissingParameter", () => t.org.DeleteOrganizationMembers({} as never), "`MemberUin`");
        await rejects(server, "InvalidParameter", () => t.org.DeleteOrganizationMembers({ MemberUin: "x" } as never), "`MemberUin`");
        await rejects(server, "InvalidParameter", () => t.org.DeleteOrganizationMembers({ MemberUin: ["abc"] } as never), "MemberUin");
        await rejects(server, "InvalidParameter", () => t.org.DeleteOrganizationMembers({ MemberUin: t.members[0] } as never), "`MemberUin`");
        await rejects(server, "UnknownParameter", () => t.org.DeleteOrganizationMembers({ MemberUin: [t.members[0]!], Force: 1 } as never), "`Force`");
      });
    });

    describe("QuitOrganization", () => {
      let server: TestServer;
      before(async () => {
        server = await startServer(engine);
      });
      after(async () => {
        await server?.close();
      });

      test("a member quits: it leaves the list and no longer sees the organization", async () => {
        const t = await tenant(server, 2);
        const member = orgClient(server, await server.keyFor(t.members[0]!));
        const r = await member.QuitOrganization({ OrgId: t.orgId });
        assert.ok(isUuid(r.RequestId));
        assert.deepEqual(uinsOf(await allMembers(t.org)), [t.key.uin, t.members[1]]);
        await rejects(server, "ResourceNotFound.OrganizationNotExist", () => member.DescribeOrganization({}));
        await rejects(server, "ResourceNotFound.OrganizationMemberNotExist", () => member.QuitOrganization({ OrgId: t.orgId }));
      });

      test("the manager: FailedOperation.DisableQuitSelfCreatedOrganization", async () => {
        const t = await tenant(server, 1);
        await rejects(server, "FailedOperation.DisableQuitSelfCreatedOrganization", () => t.org.QuitOrganization({ OrgId: t.orgId }));
      });

      test("an OrgId that does not exist: ResourceNotFound.OrganizationNotExist", async () => {
        const t = await tenant(server, 1);
        const member = orgClient(server, await server.keyFor(t.members[0]!));
        await rejects(server, "ResourceNotFound.OrganizationNotExist", () => member.QuitOrganization({ OrgId: 987654321 }), "OrgId");
        await rejects(server, "ResourceNotFound.OrganizationNotExist", () => member.QuitOrganization({ OrgId: 0 }));
      });

      test("request shape: MissingParameter, InvalidParameter, UnknownParameter", async () => {
        const t = await tenant(server, 1);
        const member = orgClient(server, await server.keyFor(t.members[0]!));
        await rejects(server, "MissingParameter", () => member.QuitOrganization({} as never), "`OrgId`");
        await rejects(server, "InvalidParameter", () => member.QuitOrganization({ OrgId: "abc" } as never), "`OrgId`");
        await rejects(server, "InvalidParameter", () => member.QuitOrganization({ OrgId: [t.orgId] } as never), "`OrgId`");
        await rejects(server, "UnknownParameter", () => member.QuitOrganization({ OrgId: t.orgId, MemberUin: 1 } as never), "`MemberUin`");
      });
    });

    describe("DeleteOrganization", () => {
      let server: TestServer;
      before(async () => {
        server = await startServer(engine);
      });
      after(async () => {
        await server?.close();
      });

      test("with members: FailedOperation.OrganizationNotEmpty", async () => {
        const t = await tenant(server, 1);
        await rejects(server, "FailedOperation.OrganizationNotEmpty", () => t.org.DeleteOrganization());
        assert.equal((await t.org.DescribeOrganization({})).OrgId, t.orgId);
      });

      test("a member's key: UnauthorizedOperation", async () => {
        const t = await tenant(server, 1);
        const member = orgClient(server, await server.keyFor(t.members[0]!));
        await rejects(server, "UnauthorizedOperation", () => member.DeleteOrganization());
      });

      test("an empty organization is deleted; DescribeOrganization then gives ResourceNotFound.OrganizationNotExist", async () => {
        const t = await tenant(server, 0);
        const orgs = await countRows(server, "organizations");
        const rows = await countRows(server, "org_members");
        const r = await t.org.DeleteOrganization();
        assert.ok(isUuid(r.RequestId));
        assert.equal(await countRows(server, "organizations"), orgs - 1);
        assert.equal(await countRows(server, "org_members"), rows - 1);
        await rejects(server, "ResourceNotFound.OrganizationNotExist", () => t.org.DescribeOrganization({}));
        await rejects(server, "ResourceNotFound.OrganizationNotExist", () => t.org.DeleteOrganization());
      });

      test("request shape: UnknownParameter", async () => {
        const t = await tenant(server, 0);
        await rejects(server, "UnknownParameter", () => t.org.DeleteOrganization({ OrgId: t.orgId } as never), "`OrgId`");
      });

      test("concurrent DeleteOrganization and CreateOrganizationMember leave a consistent store", async () => {
        for (let round = 0; round < 5; round++) {
          const t = await tenant(server, 0);
          const [del, add] = await Promise.allSettled([t.org.DeleteOrganization(), t.org.CreateOrganizationMember(memberInput(t.rootNodeId))]);
          const code = (r: PromiseSettledResult<unknown>) => (r.status === "fulfilled" ? "ok" : (r.reason as { code?: string; message?: string }).code);
          const outcome = `${code(del!)} / ${code(add!)}`;
          assert.ok(
            ["ok / ResourceNotFound.OrganizationNotExist", "FailedOperation.OrganizationNotEmpty / ok"].includes(outcome),
            `round ${round}: ${outcome}`,
          );
          const orphans = await server.store.db
            .selectFrom("org_members")
            .leftJoin("organizations", "organizations.org_id", "org_members.org_id")
            .select("org_members.member_uin")
            .where("organizations.org_id", "is", null)
            .execute();
          assert.deepEqual(orphans, [], `round ${round}: members of a deleted organization`);
        }
      });
    });

    describe("tenant isolation", () => {
      let a: Awaited<ReturnType<typeof tenant>>;
      let b: Awaited<ReturnType<typeof tenant>>;
      let server: TestServer;
      after(async () => {
        await server?.close();
      });
      before(async () => {
        server = await startServer(engine);
        a = await tenant(server, 2, "tenant-a");
        b = await tenant(server, 2, "tenant-b");
      });

      test("each organization lists only its own members", async () => {
        assert.deepEqual(uinsOf(await allMembers(a.org)), [a.key.uin, ...a.members]);
        assert.deepEqual(uinsOf(await allMembers(b.org)), [b.key.uin, ...b.members]);
        for (const uin of [b.key.uin, ...b.members]) {
          const r = await a.org.DescribeOrganizationMembers({ Offset: 0, Limit: 10, SearchKey: String(uin) });
          assert.equal(r.Total, 0);
          assert.deepEqual(r.Items, []);
        }
        assert.equal((await a.org.DescribeOrganizationMembers({ Offset: 0, Limit: 10, SearchKey: "tenant-b" })).Total, 0);
      });

      test("members see their own organization", async () => {
        const ma = await orgClient(server, await server.keyFor(a.members[0]!)).DescribeOrganization({});
        const mb = await orgClient(server, await server.keyFor(b.members[0]!)).DescribeOrganization({});
        assert.deepEqual([ma.OrgId, ma.HostUin, ma.NickName, ma.RootNodeId], [a.orgId, a.key.uin, "tenant-a", a.rootNodeId]);
        assert.deepEqual([mb.OrgId, mb.HostUin, mb.NickName, mb.RootNodeId], [b.orgId, b.key.uin, "tenant-b", b.rootNodeId]);
      });

      test("removing the other organization's members or manager: ResourceNotFound.OrganizationMemberNotExist", async () => {
        for (const uin of [...b.members, b.key.uin]) {
          await rejects(server, "ResourceNotFound.OrganizationMemberNotExist", () => a.org.DeleteOrganizationMembers({ MemberUin: [uin] }), "MemberUin");
        }
        await rejects(server, "ResourceNotFound.OrganizationMemberNotExist", () => b.org.DeleteOrganizationMembers({ MemberUin: [a.members[0]!] }));
        await rejects(server, "ResourceNotFound.OrganizationMemberNotExist", () => a.org.DeleteOrganizationMembers({ MemberUin: [a.members[0]!, b.members[0]!] }));
        assert.deepEqual(uinsOf(await allMembers(b.org)), [b.key.uin, ...b.members]);
        assert.deepEqual(uinsOf(await allMembers(a.org)), [a.key.uin, ...a.members]);
      });

      test("quitting the other organization: ResourceNotFound.OrganizationMemberNotExist", async () => {
        const memberOfA = orgClient(server, await server.keyFor(a.members[0]!));
        await rejects(server, "ResourceNotFound.OrganizationMemberNotExist", () => memberOfA.QuitOrganization({ OrgId: b.orgId }));
        await rejects(server, "ResourceNotFound.OrganizationMemberNotExist", () => a.org.QuitOrganization({ OrgId: b.orgId }));
        const outsider = orgClient(server, await server.newRoot());
        await rejects(server, "ResourceNotFound.OrganizationMemberNotExist", () => outsider.QuitOrganization({ OrgId: a.orgId }));
      });

      test("the other organization's root node: ResourceNotFound.OrganizationNodeNotExist", async () => {
        await rejects(server, "ResourceNotFound.OrganizationNodeNotExist", () => a.org.CreateOrganizationMember(memberInput(b.rootNodeId)));
        await rejects(server, "ResourceNotFound.OrganizationNodeNotExist", () => a.org.DescribeOrganizationMembers({ Offset: 0, Limit: 10, NodeId: b.rootNodeId }));
      });

      test("one tenant deleting its organization leaves the other intact", async () => {
        const c = await tenant(server, 1, "tenant-c");
        const before = await allMembers(a.org);
        await c.org.DeleteOrganizationMembers({ MemberUin: c.members });
        await c.org.DeleteOrganization();
        assert.deepEqual(await allMembers(a.org), before);
        assert.equal((await a.org.DescribeOrganization({})).OrgId, a.orgId);
      });
    });

    describe("lifecycle", () => {
      let server: TestServer;
      before(async () => {
        server = await startServer(engine);
      });
      after(async () => {
        await server?.close();
      });

      test("create, add members, member view, quit, remove, delete, recreate", async () => {
        const key: Key & { uin: number } = await server.newRoot("lifecycle");
        const org = orgClient(server, key);
        const { OrgId } = await org.CreateOrganization();
        const { RootNodeId } = await org.DescribeOrganization({});

        const m1 = (await org.CreateOrganizationMember(memberInput(RootNodeId!, { Name: "one" }))).Uin!;
        const m2 = (await org.CreateOrganizationMember(memberInput(RootNodeId!, { Name: "two" }))).Uin!;
        const m3 = (await org.CreateOrganizationMember(memberInput(RootNodeId!, { Name: "three" }))).Uin!;
        assert.deepEqual(uinsOf(await allMembers(org)), [key.uin, m1, m2, m3]);

        const member1 = orgClient(server, await server.keyFor(m1));
        const view = await member1.DescribeOrganization({});
        assert.equal(view.IsManager, false);
        assert.equal(view.OrgId, OrgId);
        assert.equal(view.HostUin, key.uin);
        assert.equal(view.NickName, "lifecycle");
        assert.deepEqual(view.OrgPermission, MANDATORY);

        await rejects(server, "FailedOperation.OrganizationNotEmpty", () => org.DeleteOrganization());

        await member1.QuitOrganization({ OrgId: OrgId! });
        assert.deepEqual(uinsOf(await allMembers(org)), [key.uin, m2, m3]);
        await rejects(server, "ResourceNotFound.OrganizationNotExist", () => member1.DescribeOrganization({}));

        await org.DeleteOrganizationMembers({ MemberUin: [m2] });
        assert.deepEqual(uinsOf(await allMembers(org)), [key.uin, m3]);
        await rejects(server, "FailedOperation.OrganizationNotEmpty", () => org.DeleteOrganization());
        await org.DeleteOrganizationMembers({ MemberUin: [m3] });
        assert.deepEqual(uinsOf(await allMembers(org)), [key.uin]);

        await org.DeleteOrganization();
        await rejects(server, "ResourceNotFound.OrganizationNotExist", () => org.DescribeOrganization({}));
        await rejects(server, "ResourceNotFound.OrganizationNotExist", () => org.DescribeOrganizationMembers({ Offset: 0, Limit: 10 }));
        await rejects(server, "ResourceNotFound.OrganizationNotExist", () => member1.QuitOrganization({ OrgId: OrgId! }));

        const again = await org.CreateOrganization();
        assert.ok(again.OrgId! > OrgId!, `new OrgId ${again.OrgId} after ${OrgId}`);
        const d = await org.DescribeOrganization({});
        assert.equal(d.OrgId, again.OrgId);
        assert.equal(d.IsManager, true);
        assert.notEqual(d.RootNodeId, RootNodeId);
        const list = await org.DescribeOrganizationMembers({ Offset: 0, Limit: 10 });
        assert.deepEqual(uinsOf(list.Items!), [key.uin]);
        // Names of the old organization's members are free again in the new one.
        await org.CreateOrganizationMember(memberInput(d.RootNodeId!, { Name: "one" }));
      });
    });
  });
}
