/**
 * Organizations: a management account and the member accounts it creates.
 * One server hosts many organizations; every operation is scoped to the caller's own.
 */
import { checkTags, type Tag } from "./tags.js";
import type { Kysely } from "kysely";
import { all, containsText, exec, first, isUniqueViolation, lockRow, nextSequence, precompiled, precompiledExec, precompiledRow } from "../store/database.js";
import type { Database, Organization, OrgMember } from "../store/schema.js";
import type { Accounts, Caller } from "./accounts.js";
import type { Announcer } from "./announcements.js";
import type { Clock } from "./clock.js";
import { CoreError, fail } from "./errors.js";
import { isNumericId } from "./ids.js";
import type { Limits } from "./limits.js";
import { checkSearchText, textLength } from "./text.js";
import { type MaybePromise, then } from "../lib/maybe-promise.js";

export type { Tag };

/**
 * Financial permissions a member may be granted. 1 and 2 are mandatory: Tencent's English API page
 * says "1, 2 and 7 are required", its Chinese page "1、2 默认必须", and its own examples send [1, 2]
 * (the Chinese API page) and [1, 2, 4] (the Terraform/Pulumi provider): what the clients send wins.
 */
export const FINANCIAL_PERMISSIONS: Record<number, string> = {
  1: "View bills",
  2: "View balance",
  4: "Consolidate bills",
  5: "Invoice",
  6: "Inherit offers",
  7: "Pay on behalf",
  8: "Cost explorer",
  9: "Budget management",
};
const MANDATORY_PERMISSIONS = [1, 2];
export const POLICY_TYPES: Record<string, string> = { Financial: "Financial management" };
export const ROOT_NODE_NAME = "Root";
const MEMBER_NAME = /^[\p{L}\p{N}+@&._\[\]\-:,]{1,25}$/u;

/** Omitted policy, permissions, node and account name default to Financial, the mandatory permissions, the root node and the member name. */
export interface NewMember {
  name: string;
  accountName?: string;
  policyType?: string;
  permissionIds?: number[];
  nodeId?: number;
  remark?: string;
  tags?: Tag[];
}

export interface MemberFilter {
  searchKey?: string;
  nodeId?: number;
  nodeName?: string;
  tags?: Tag[];
}

export interface MemberQuery extends MemberFilter {
  offset: number;
  limit: number;
}

export interface MemberView {
  uin: number;
  name: string;
  /** The member account's own name. */
  accountName: string;
  memberType: OrgMember["member_type"];
  policyType: string;
  permissionIds: number[];
  nodeId: number;
  nodeName: string;
  remark: string;
  tags: Tag[];
  isManager: boolean;
  joinedAt: number;
  updatedAt: number;
}

export interface OrganizationView {
  orgId: number;
  managerUin: number;
  managerName: string;
  rootNodeId: number;
  createdAt: number;
  /** The calling account's own membership. */
  caller: MemberView;
}

export class Organizations {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly accounts: Accounts,
    private readonly limits: Limits,
    private readonly announcer: Announcer,
  ) {}

  async create(caller: Caller): Promise<{ orgId: number; managerName: string }> {
    const account = await this.accounts.get(caller.accountUin);
    if (!account) return fail("organization.not_found", "the calling account no longer exists");
    if (account.created_by_org !== null) {
      fail("organization.created_member_cannot_create", "an account created by an organization cannot create one");
    }
    try {
      return await this.db.transaction().execute(async (trx) => {
        const existing = await first(trx, trx.selectFrom("org_members").select("org_id").where("member_uin", "=", caller.accountUin));
        if (existing) fail("organization.already_member", `the account already belongs to organization ${existing.org_id}`);
        const now = this.clock.now();
        const orgId = await nextSequence(trx, "org_id");
        const rootNodeId = await nextSequence(trx, "node_id");
        await exec(trx, trx.insertInto("organizations").values({ org_id: orgId, manager_uin: caller.accountUin, root_node_id: rootNodeId, created_at: now, member_count: 1 }));
        await exec(trx, trx
          .insertInto("org_members")
          .values({
            member_uin: caller.accountUin,
            org_id: orgId,
            name: account.name,
            member_type: "Invite",
            node_id: rootNodeId,
            remark: "",
            policy_type: "Financial",
            permission_ids: "[]",
            tags: "[]",
            joined_at: now,
            updated_at: now,
          }));
        return { orgId, managerName: account.name };
      });
    } catch (err) {
      // Two concurrent CreateOrganization calls by one account: the loser hits a unique key.
      if (isUniqueViolation(err)) fail("organization.already_member", "the account already belongs to an organization");
      throw err;
    }
  }

  /** The caller's organization and the caller's own membership in it. */
  async describe(caller: Caller): Promise<OrganizationView> {
    const { org, member } = await this.membershipOf(caller.accountUin);
    const manager = await this.accounts.get(org.manager_uin);
    return { orgId: org.org_id, managerUin: org.manager_uin, managerName: manager?.name ?? "", rootNodeId: org.root_node_id, createdAt: org.created_at, caller: toView(member, org) };
  }

  async createMember(caller: Caller, given: NewMember): Promise<number> {
    const org = await this.managedBy(caller);
    const input = {
      ...given,
      accountName: given.accountName ?? given.name,
      policyType: given.policyType ?? "Financial",
      permissionIds: given.permissionIds ?? MANDATORY_PERMISSIONS,
      nodeId: given.nodeId ?? org.root_node_id,
    };
    if (!MEMBER_NAME.test(input.name)) fail("organization.member_name_invalid", "member name must be 1-25 letters, digits or +@&._[]-:, characters", "memberName");
    if (!MEMBER_NAME.test(input.accountName)) fail("organization.member_name_invalid", "account name must be 1-25 letters, digits or +@&._[]-:, characters", "accountName");
    if (!(input.policyType in POLICY_TYPES)) fail("organization.policy_invalid", `unsupported policy type "${input.policyType}"; valid: Financial`, "policyType");
    const perms = [...new Set(input.permissionIds)].sort((a, b) => a - b);
    if (perms.some((p) => !(p in FINANCIAL_PERMISSIONS)) || MANDATORY_PERMISSIONS.some((p) => !perms.includes(p))) {
      fail("organization.permission_invalid", "permission ids must be among 1,2,4,5,6,7,8,9 and include 1 and 2", "permissionIds");
    }
    if (input.nodeId !== org.root_node_id) fail("organization.node_not_found", `organization node ${input.nodeId} does not exist`, "nodeId");
    const tags = validateTags(input.tags ?? []);
    if (textLength(input.remark ?? "") > 1024) fail("value.invalid", "remark is longer than 1024 characters", "remark");
    try {
      return await this.db.transaction().execute(async (trx) => {
        await lockOrganization(trx, org.org_id);
        // Read under the organization's lock: every earlier membership change is counted.
        const count = (await memberCountOf(trx, org.org_id))!.member_count;
        if (count >= this.limits.orgMembers) fail("organization.member_quota", `the organization already has ${count} members`);
        const taken = await first(trx, trx.selectFrom("org_members").select("member_uin").where("org_id", "=", org.org_id).where("name", "=", input.name));
        if (taken) fail("organization.member_name_taken", `a member named "${input.name}" already exists`, "memberName");
        const account = await this.accounts.insertAccount(trx, input.accountName, "member", org.org_id);
        const now = this.clock.now();
        await exec(trx, trx
          .insertInto("org_members")
          .values({
            member_uin: account.uin,
            org_id: org.org_id,
            name: input.name,
            member_type: "Create",
            node_id: input.nodeId,
            remark: input.remark ?? "",
            policy_type: input.policyType,
            permission_ids: JSON.stringify(perms),
            tags: JSON.stringify(tags),
            joined_at: now,
            updated_at: now,
          }));
        await countMembersBy(trx, org.org_id, 1);
        return account.uin;
      });
    } catch (err) {
      if (isUniqueViolation(err)) fail("organization.member_name_taken", `a member named "${input.name}" already exists`, "memberName");
      throw err;
    }
  }

  /**
   * A page of the caller's organization's members and how many match. Without a tag filter the page
   * is read in SQL (in member order, by index), so a page costs its rows whatever the organization's
   * size, and only the page's rows are made into views; the total is the organization's kept count
   * (read with the membership), or a count when a search key is given. Tag filters are applied to the
   * rows read (members' tags are a JSON text), as in `members`.
   */
  listMembers(caller: Caller, q: MemberQuery): MaybePromise<{ items: MemberView[]; total: number }> {
    if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > 50) fail("value.invalid", "limit must be an integer from 1 to 50", "limit");
    if (!Number.isInteger(q.offset) || q.offset < 0 || q.offset % q.limit !== 0) fail("value.invalid", "offset must be a non-negative multiple of limit", "offset");
    return then(this.membershipOf(caller.accountUin), ({ org }) => {
      const tags = this.checkFilter(org, q);
      const view = (r: MemberRow) => toView(r, org, r.account_name);
      if (tags.length === 0) {
        const key = q.searchKey;
        if (!key) return then(memberPage(this.db, org.org_id, q.limit, q.offset), (rows) => ({ total: org.member_count, items: rows.map(view) }));
        const count = first(this.db, countMembers(searchMembers(this.db, org.org_id, key)));
        return then(count, (c) => then(all(this.db, searchMembers(this.db, org.org_id, key).limit(q.limit).offset(q.offset)), (rows) => ({ total: Number(c?.n ?? 0), items: rows.map(view) })));
      }
      return then(this.matchingRows(org, q, tags), (rows) => ({ total: rows.length, items: rows.slice(q.offset, q.offset + q.limit).map(view) }));
    });
  }

  /** Every member of the caller's organization that matches, in joining order (members per organization are bounded). */
  async members(caller: Caller, q: MemberFilter = {}): Promise<MemberView[]> {
    const { org } = await this.membershipOf(caller.accountUin);
    const rows = await this.matchingRows(org, q, this.checkFilter(org, q));
    return rows.map((r) => toView(r, org, r.account_name));
  }

  /** The filter's tags, once its values are checked. */
  private checkFilter(org: Organization, q: MemberFilter): Tag[] {
    const tags = validateTags(q.tags ?? []);
    checkSearchText(q.searchKey, "searchKey");
    if (q.nodeId !== undefined && q.nodeId !== org.root_node_id) fail("organization.node_not_found", `organization node ${q.nodeId} does not exist`, "nodeId");
    if (q.nodeName !== undefined && q.nodeName !== ROOT_NODE_NAME) fail("organization.node_not_found", `organization node "${q.nodeName}" does not exist`, "nodeName");
    return tags;
  }

  /** The rows of every member matching the search key and carrying every one of `tags`, in joining order. */
  private matchingRows(org: Organization, q: MemberFilter, tags: Tag[]): MaybePromise<MemberRow[]> {
    const key = q.searchKey;
    const rows = key ? all(this.db, searchMembers(this.db, org.org_id, key)) : allMembersOf(this.db, org.org_id);
    // Tag filters are few (≤10) and members per organization are bounded, so they are applied after the read.
    return tags.length === 0 ? rows : then(rows, (rs) => rs.filter((r) => tags.every((t) => parseTags(r.tags).some((m) => m.key === t.key && m.value === t.value))));
  }

  /** One member of the caller's organization. */
  async member(caller: Caller, uin: number): Promise<MemberView> {
    const { org } = await this.membershipOf(caller.accountUin);
    if (!isNumericId(uin)) return fail("organization.member_not_found", `account ${uin} is not a member of this organization`, "memberUin");
    const row = await first(this.db, this.db
      .selectFrom("org_members")
      .innerJoin("accounts", "accounts.uin", "org_members.member_uin")
      .selectAll("org_members")
      .select("accounts.name as account_name")
      .where("org_id", "=", org.org_id)
      .where("member_uin", "=", uin));
    if (!row) return fail("organization.member_not_found", `account ${uin} is not a member of this organization`, "memberUin");
    return toView(row, org, row.account_name);
  }

  async removeMembers(caller: Caller, uins: number[]): Promise<void> {
    const org = await this.managedBy(caller);
    if (uins.length === 0) fail("value.invalid", "at least one member UIN is required", "memberUins");
    const distinct = [...new Set(uins)];
    await this.announcer.transaction(this.db, async (trx) => {
      await lockOrganization(trx, org.org_id);
      for (const uin of distinct) {
        if (!isNumericId(uin)) fail("organization.member_not_found", `account ${uin} is not a member of this organization`, "memberUins");
        if (uin === org.manager_uin) fail("organization.manager_cannot_leave", "the management account cannot be removed from its own organization", "memberUins");
        const member = await first(trx, trx.selectFrom("org_members").select("member_uin").where("org_id", "=", org.org_id).where("member_uin", "=", uin));
        if (!member) fail("organization.member_not_found", `account ${uin} is not a member of this organization`, "memberUins");
      }
      const removed = await exec(trx, trx.deleteFrom("org_members").where("org_id", "=", org.org_id).where("member_uin", "in", distinct));
      await countMembersBy(trx, org.org_id, -removed);
      for (const uin of distinct) await this.announcer.announce(trx, "organization.member_left", { orgId: org.org_id, accountUin: uin });
    });
  }

  async quit(caller: Caller, orgId: number): Promise<void> {
    if (!isNumericId(orgId)) return fail("organization.not_found", `organization ${orgId} does not exist`, "orgId");
    const org = await first(this.db, this.db.selectFrom("organizations").selectAll().where("org_id", "=", orgId));
    if (!org) return fail("organization.not_found", `organization ${orgId} does not exist`, "orgId");
    if (org.manager_uin === caller.accountUin) fail("organization.manager_cannot_leave", "the management account cannot quit its own organization");
    await this.announcer.transaction(this.db, async (trx) => {
      // The organization's row first, as for every membership change (and before any provisioning row).
      await lockOrganization(trx, orgId);
      const removed = await exec(trx, trx.deleteFrom("org_members").where("org_id", "=", orgId).where("member_uin", "=", caller.accountUin));
      if (removed === 0) fail("organization.member_not_found", `the caller is not a member of organization ${orgId}`);
      await countMembersBy(trx, orgId, -removed);
      await this.announcer.announce(trx, "organization.member_left", { orgId, accountUin: caller.accountUin });
    });
  }

  async delete(caller: Caller): Promise<void> {
    const org = await this.managedBy(caller);
    await this.announcer.transaction(this.db, async (trx) => {
      await lockOrganization(trx, org.org_id);
      const other = await first(trx, trx.selectFrom("org_members").select("member_uin").where("org_id", "=", org.org_id).where("member_uin", "!=", org.manager_uin).limit(1));
      if (other) fail("organization.not_empty", "the organization still has members; remove them first");
      // The management account leaves with its organization: provisionings into it end as for any member.
      await this.announcer.announce(trx, "organization.member_left", { orgId: org.org_id, accountUin: org.manager_uin });
      await exec(trx, trx.deleteFrom("org_members").where("org_id", "=", org.org_id));
      await exec(trx, trx.deleteFrom("organizations").where("org_id", "=", org.org_id));
    });
  }

  /** The organization an account belongs to (as manager or member), if any: one read, as every organization action starts here. */
  /**
   * What `uin` is in `org`, inside `trx`: the management account ("ManagerUin"), a member
   * ("MemberUin"), or undefined when it is not in the organization or not what `claimed` says. The one
   * rule for the accounts sub-users and roles may target.
   */
  async targetType(trx: Kysely<Database>, org: Organization, uin: number, claimed?: "ManagerUin" | "MemberUin"): Promise<"ManagerUin" | "MemberUin" | undefined> {
    if (!isNumericId(uin)) return undefined;
    const member = await first(trx, trx.selectFrom("org_members").select("member_uin").where("org_id", "=", org.org_id).where("member_uin", "=", uin));
    if (!member) return undefined;
    const actual = uin === org.manager_uin ? "ManagerUin" : "MemberUin";
    return claimed === undefined || claimed === actual ? actual : undefined;
  }

  findMembership(uin: number): MaybePromise<{ org: Organization; member: OrgMember } | undefined> {
    return then(membershipOf(this.db, uin), (row) => {
      if (!row) return undefined;
      const { o_org_id, o_manager_uin, o_root_node_id, o_created_at, o_directory_service, o_member_count, ...member } = row;
      const org = { org_id: o_org_id, manager_uin: o_manager_uin, root_node_id: o_root_node_id, created_at: o_created_at, directory_service: o_directory_service, member_count: o_member_count };
      return { org, member };
    });
  }

  private membershipOf(uin: number): MaybePromise<{ org: Organization; member: OrgMember }> {
    return then(this.findMembership(uin), (m) => m ?? notInOrganization());
  }

  /** The caller's organization, which the caller must manage. */
  private async managedBy(caller: Caller): Promise<Organization> {
    const { org } = await this.membershipOf(caller.accountUin);
    if (org.manager_uin !== caller.accountUin) fail("organization.not_manager", "only the organization's management account may do this");
    return org;
  }
}

function toView(r: OrgMember, org: Organization, accountName = ""): MemberView {
  return {
    uin: r.member_uin,
    name: r.name,
    accountName,
    memberType: r.member_type,
    policyType: r.policy_type,
    permissionIds: JSON.parse(r.permission_ids) as number[],
    nodeId: r.node_id,
    nodeName: ROOT_NODE_NAME,
    remark: r.remark,
    tags: parseTags(r.tags),
    isManager: r.member_uin === org.manager_uin,
    joinedAt: r.joined_at,
    updatedAt: r.updated_at,
  };
}

/** The account's membership and its organization in one row (the organization's columns prefixed `o_`). */
const membershipOf = precompiledRow((db: Kysely<Database>, uin: number) =>
  db
    .selectFrom("org_members")
    .innerJoin("organizations", "organizations.org_id", "org_members.org_id")
    .selectAll("org_members")
    .select([
      "organizations.org_id as o_org_id",
      "organizations.manager_uin as o_manager_uin",
      "organizations.root_node_id as o_root_node_id",
      "organizations.created_at as o_created_at",
      "organizations.directory_service as o_directory_service",
      "organizations.member_count as o_member_count",
    ])
    .where("org_members.member_uin", "=", uin),
);

/** An organization's members with their accounts' names (unordered; `inMemberOrder` orders them). */
const membersOf = (db: Kysely<Database>, orgId: number) =>
  db
    .selectFrom("org_members")
    .innerJoin("accounts", "accounts.uin", "org_members.member_uin")
    .selectAll("org_members")
    .select("accounts.name as account_name")
    .where("org_members.org_id", "=", orgId);
type MemberRow = OrgMember & { account_name: string };

/** Joining order, which the org_members_page index gives without a sort. */
const inMemberOrder = <Q extends ReturnType<typeof membersOf>>(q: Q) => q.orderBy("org_members.joined_at").orderBy("org_members.member_uin") as Q;
const searchMembers = (db: Kysely<Database>, orgId: number, key: string) =>
  inMemberOrder(membersOf(db, orgId).where((eb) => eb.or([containsText("org_members.name", key), containsText("org_members.member_uin", key, { castToText: true })])));
const countMembers = (q: ReturnType<typeof membersOf>) => q.clearSelect().clearOrderBy().select((eb) => eb.fn.countAll<number>().as("n"));
const allMembersOf = precompiled((db: Kysely<Database>, orgId: number) => inMemberOrder(membersOf(db, orgId)));
const memberPage = precompiled((db: Kysely<Database>, orgId: number, limit: number, offset: number) => inMemberOrder(membersOf(db, orgId)).limit(limit).offset(offset));
const memberCountOf = precompiledRow((db: Kysely<Database>, orgId: number) => db.selectFrom("organizations").select("member_count").where("org_id", "=", orgId));
const countMembersBy = precompiledExec((db: Kysely<Database>, orgId: number, change: number) =>
  db
    .updateTable("organizations")
    .set((eb) => ({ member_count: eb("member_count", "+", change) }))
    .where("org_id", "=", orgId),
);

const notInOrganization = (): never => {
  throw new CoreError("organization.not_found", "the calling account does not belong to an organization");
};

/** Serializes membership changes of one organization; fails when it was deleted meanwhile. */
async function lockOrganization(trx: Kysely<Database>, orgId: number): Promise<void> {
  if (!(await lockRow(trx, "organizations", "org_id", orgId))) fail("organization.not_found", `organization ${orgId} no longer exists`);
}

const parseTags = (json: string): Tag[] => JSON.parse(json) as Tag[];

function validateTags(tags: Tag[]): Tag[] {
  return checkTags(tags, { max: 10, keyMax: 127, valueMax: 255, reason: "organization.tag_invalid" });
}
