/** Directory groups and their memberships: names, types, exact member counts, caps and guards. */
import type { Kysely } from "kysely";
import { containsText, isUniqueViolation, lockRow, matchesText, type TextMatch } from "../../store/database.js";
import type { Database, DirGroup, DirUser } from "../../store/schema.js";
import type { Caller } from "../accounts.js";
import type { Clock } from "../clock.js";
import { fail } from "../errors.js";
import { prefixedId } from "../ids.js";
import { checkSearchText, textLength } from "../text.js";
import type { Announcer } from "../announcements.js";
import type { Directories } from "./directories.js";
import { countRows, type Page, type PageRequest, type PageTokens, readPage, scopeOf } from "./paging.js";
import { ORIGINS, oneOf } from "../rules.js";
import type { Users } from "./users.js";

/** Letters, digits, '-', '_' and '.': Tencent's documented set plus what Alibaba CloudSSO allows. */
const GROUP_NAME = /^[A-Za-z0-9._-]{1,128}$/;
const MAX_DESCRIPTION = 1024;

export interface NewGroup {
  groupName: string;
  description?: string;
  groupType?: string;
}

export interface GroupQuery extends PageRequest {
  filter?: string;
  /** The group name, without regard to case: equal to, or starting with, a value. */
  groupName?: TextMatch;
  groupType?: string;
  /** Groups containing any of these users come back selected. */
  selectedIfContainsUsers?: string[];
}

export interface GroupView extends DirGroup {
  selected: boolean;
}

export type MemberView = DirUser & { joined_at: number };
export type JoinedGroupView = DirGroup & { joined_at: number };

export class Groups {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly directories: Directories,
    private readonly users: Users,
    private readonly tokens: PageTokens,
    private readonly announcer: Announcer,
  ) {}

  async create(caller: Caller, directoryId: string, input: NewGroup): Promise<DirGroup> {
    await this.directories.resolve(caller, directoryId);
    checkName(input.groupName);
    checkDescription(input.description);
    const type = oneOf(input.groupType, ORIGINS, "groupType") ?? "Manual";
    const now = this.clock.now();
    const group: DirGroup = {
      group_id: prefixedId("g-"),
      directory_id: directoryId,
      group_name: input.groupName,
      description: input.description ?? "",
      group_type: type,
      member_count: 0,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.db.transaction().execute(async (trx) => {
        const dir = await this.directories.lock(trx, directoryId);
        const quota = this.directories.quotas(dir).groups;
        if (dir.group_count >= quota) fail("directory.group_quota", `the directory already has ${dir.group_count} groups (quota ${quota})`);
        await this.assertNameFree(trx, directoryId, input.groupName);
        await trx.insertInto("dir_groups").values(group).execute();
        await trx.updateTable("directories").set((eb) => ({ group_count: eb("group_count", "+", 1) })).where("directory_id", "=", directoryId).execute();
      });
    } catch (err) {
      if (isUniqueViolation(err)) fail("directory.group_name_taken", `a group named "${input.groupName}" already exists`, "groupName");
      throw err;
    }
    return group;
  }

  async get(caller: Caller, directoryId: string, groupId: string): Promise<DirGroup> {
    await this.directories.resolve(caller, directoryId);
    return this.find(this.db, directoryId, groupId);
  }

  async update(caller: Caller, directoryId: string, groupId: string, input: { groupName?: string; description?: string }): Promise<DirGroup> {
    await this.directories.resolve(caller, directoryId);
    if (input.groupName !== undefined) checkName(input.groupName);
    checkDescription(input.description);
    try {
      return await this.db.transaction().execute(async (trx) => {
        // Locked, so a concurrent update of the other field is not overwritten with a stale value.
        const group = await this.lock(trx, directoryId, groupId);
        if (input.groupName !== undefined && input.groupName.toLowerCase() !== group.group_name.toLowerCase()) {
          await this.assertNameFree(trx, directoryId, input.groupName);
        }
        const changes = {
          group_name: input.groupName ?? group.group_name,
          description: input.description ?? group.description,
          updated_at: this.clock.now(),
        };
        await trx.updateTable("dir_groups").set(changes).where("group_id", "=", groupId).execute();
        return { ...group, ...changes };
      });
    } catch (err) {
      if (isUniqueViolation(err)) fail("directory.group_name_taken", `a group named "${input.groupName}" already exists`, "groupName");
      throw err;
    }
  }

  async delete(caller: Caller, directoryId: string, groupId: string): Promise<void> {
    await this.directories.resolve(caller, directoryId);
    await this.db.transaction().execute(async (trx) => {
      await this.directories.lock(trx, directoryId);
      const group = await this.lock(trx, directoryId, groupId);
      if (group.member_count > 0) fail("directory.group_has_members", `the group still has ${group.member_count} members; remove them first`, "groupId");
      const provisioned = await trx.selectFrom("provisionings").select("provisioning_id").where("principal_type", "=", "Group").where("principal_id", "=", groupId).limit(1).executeTakeFirst();
      if (provisioned) fail("directory.principal_provisioned", `the group is provisioned by ${provisioned.provisioning_id}; delete that provisioning first`, "groupId");
      await trx.deleteFrom("dir_groups").where("group_id", "=", groupId).execute();
      await trx.updateTable("directories").set((eb) => ({ group_count: eb("group_count", "-", 1) })).where("directory_id", "=", directoryId).execute();
    });
  }

  async list(caller: Caller, directoryId: string, q: GroupQuery): Promise<Page<GroupView>> {
    const dir = await this.directories.resolve(caller, directoryId);
    const type = oneOf(q.groupType, ORIGINS, "groupType");
    checkSearchText(q.filter, "filter");
    checkSearchText(q.groupName?.value, "groupName");
    let base = this.db.selectFrom("dir_groups").selectAll().where("directory_id", "=", directoryId);
    if (type) base = base.where("group_type", "=", type);
    if (q.filter) base = base.where(containsText("group_name", q.filter));
    if (q.groupName) base = base.where(matchesText("group_name", q.groupName));
    const total = type || q.filter || q.groupName ? await countRows(base) : dir.group_count;
    const scope = scopeOf("groups", directoryId, { type, filter: q.filter, groupName: q.groupName, desc: q.descending === true });
    const page = await readPage(base, { timeColumn: "created_at", idColumn: "group_id", tokens: this.tokens, scope, request: q, total });
    const selected = new Set<string>();
    if (q.selectedIfContainsUsers?.length && page.items.length) {
      const rows = await this.db
        .selectFrom("dir_memberships")
        .select("group_id")
        .where("user_id", "in", q.selectedIfContainsUsers)
        .where("group_id", "in", page.items.map((g) => g.group_id))
        .execute();
      for (const r of rows) selected.add(r.group_id);
    }
    return { ...page, items: page.items.map((g) => ({ ...g, selected: selected.has(g.group_id) })) };
  }

  async addMember(caller: Caller, directoryId: string, groupId: string, userId: string): Promise<void> {
    const dir = await this.directories.resolve(caller, directoryId);
    const quotas = this.directories.quotas(dir);
    try {
      await this.announcer.transaction(this.db, async (trx) => {
        // Group first, then user: the same order as every other path that takes both.
        const group = await this.lock(trx, directoryId, groupId);
        // find() locks the user before reading it: a DeleteUser that held the lock has committed by
        // then, so the read sees the user gone instead of a membership being added for a deleted user.
        const user = await this.users.find(trx, directoryId, userId);
        if (group.group_type !== user.user_type) {
          fail("directory.type_mismatch", `a ${group.group_type} group takes ${group.group_type} users only; this user is ${user.user_type}`, "userId");
        }
        const existing = await trx.selectFrom("dir_memberships").select("user_id").where("group_id", "=", groupId).where("user_id", "=", userId).executeTakeFirst();
        if (existing) fail("directory.member_exists", "the user is already in the group", "userId");
        if (group.member_count >= quotas.membersPerGroup) fail("directory.group_full", `the group already has ${group.member_count} members (cap ${quotas.membersPerGroup})`);
        const { n } = await trx.selectFrom("dir_memberships").select((eb) => eb.fn.countAll<number>().as("n")).where("user_id", "=", userId).executeTakeFirstOrThrow();
        if (Number(n) >= quotas.groupsPerUser) fail("directory.user_groups_full", `the user is already in ${n} groups (cap ${quotas.groupsPerUser})`);
        await trx.insertInto("dir_memberships").values({ group_id: groupId, user_id: userId, directory_id: directoryId, joined_at: this.clock.now() }).execute();
        await trx.updateTable("dir_groups").set((eb) => ({ member_count: eb("member_count", "+", 1) })).where("group_id", "=", groupId).execute();
        await this.announcer.announce(trx, "directory.membership_changed", { directoryId, groupId, userId });
      });
    } catch (err) {
      if (isUniqueViolation(err)) fail("directory.member_exists", "the user is already in the group", "userId");
      throw err;
    }
  }

  async removeMember(caller: Caller, directoryId: string, groupId: string, userId: string): Promise<void> {
    await this.directories.resolve(caller, directoryId);
    await this.announcer.transaction(this.db, async (trx) => {
      await this.lock(trx, directoryId, groupId);
      const res = await trx.deleteFrom("dir_memberships").where("group_id", "=", groupId).where("user_id", "=", userId).executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) {
        await this.users.find(trx, directoryId, userId);
        fail("directory.member_not_found", "the user is not in the group", "userId");
      }
      await trx.updateTable("dir_groups").set((eb) => ({ member_count: eb("member_count", "-", 1) })).where("group_id", "=", groupId).execute();
      await this.announcer.announce(trx, "directory.membership_changed", { directoryId, groupId, userId });
    });
  }

  async listMembers(caller: Caller, directoryId: string, groupId: string, q: PageRequest & { userType?: string }): Promise<Page<MemberView>> {
    await this.directories.resolve(caller, directoryId);
    const group = await this.find(this.db, directoryId, groupId);
    const type = oneOf(q.userType, ORIGINS, "userType");
    let base = this.db
      .selectFrom("dir_memberships")
      .innerJoin("dir_users", "dir_users.user_id", "dir_memberships.user_id")
      .selectAll("dir_users")
      .select("dir_memberships.joined_at")
      .where("dir_memberships.group_id", "=", groupId);
    if (type) base = base.where("dir_users.user_type", "=", type);
    const total = type ? await countRows(base) : group.member_count;
    const scope = scopeOf("members", groupId, { type });
    return readPage(base, { timeColumn: "dir_memberships.joined_at", idColumn: "dir_memberships.user_id", tokens: this.tokens, scope, request: q, total });
  }

  async listJoined(caller: Caller, directoryId: string, userId: string, q: PageRequest): Promise<Page<JoinedGroupView>> {
    await this.directories.resolve(caller, directoryId);
    await this.users.find(this.db, directoryId, userId);
    const base = this.db
      .selectFrom("dir_memberships")
      .innerJoin("dir_groups", "dir_groups.group_id", "dir_memberships.group_id")
      .selectAll("dir_groups")
      .select("dir_memberships.joined_at")
      .where("dir_memberships.user_id", "=", userId);
    const scope = scopeOf("joined", userId, {});
    return readPage(base, { timeColumn: "dir_memberships.joined_at", idColumn: "dir_memberships.group_id", tokens: this.tokens, scope, request: q, total: await countRows(base) });
  }

  async find(db: Kysely<Database>, directoryId: string, groupId: string): Promise<DirGroup> {
    const g = await db.selectFrom("dir_groups").selectAll().where("group_id", "=", groupId).where("directory_id", "=", directoryId).executeTakeFirst();
    return g ?? fail("directory.group_not_found", `group ${groupId} does not exist`, "groupId");
  }

  /** Locks a group for the rest of `trx` (exact member counts) and returns it fresh. */
  private async lock(trx: Kysely<Database>, directoryId: string, groupId: string): Promise<DirGroup> {
    await this.find(trx, directoryId, groupId);
    await lockRow(trx, "dir_groups", "group_id", groupId);
    return this.find(trx, directoryId, groupId);
  }

  private async assertNameFree(db: Kysely<Database>, directoryId: string, name: string): Promise<void> {
    const taken = await db.selectFrom("dir_groups").select("group_id").where("directory_id", "=", directoryId).where((eb) => eb(eb.fn("lower", ["group_name"]), "=", name.toLowerCase())).executeTakeFirst();
    if (taken) fail("directory.group_name_taken", `a group named "${name}" already exists`, "groupName");
  }
}

function checkName(name: string): void {
  if (!GROUP_NAME.test(name)) fail("directory.group_name_invalid", "group names are 1-128 letters, digits, '.', '_' or '-'", "groupName");
}

function checkDescription(d: string | undefined): void {
  if (d !== undefined && textLength(d) > MAX_DESCRIPTION) fail("directory.field_invalid", `description is longer than ${MAX_DESCRIPTION} characters`, "description");
}
