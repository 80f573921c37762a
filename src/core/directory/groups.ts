/** Directory groups and their memberships: names, types, exact member counts, caps and guards. */
import type { Kysely } from "kysely";
import { all, containsText, exec, first, isUniqueViolation, lockedInDirectory, matchesText, precompiled, precompiledExec, precompiledRow } from "../../store/database.js";
import type { Database, DirGroup } from "../../store/schema.js";
import type { Caller } from "../accounts.js";
import type { Clock } from "../clock.js";
import { fail } from "../errors.js";
import { prefixedId } from "../ids.js";
import { checkSearchText, textLength } from "../text.js";
import type { Announcer } from "../announcements.js";
import { type MaybePromise, then } from "../../lib/maybe-promise.js";
import type { Directories } from "./directories.js";
import { FilterValues, listPage, type Page, type PageRequest, type PageTokens, scopeOf } from "./paging.js";
import { insertRow } from "../../store/shapes.js";
import { checkExternal, type Users } from "./users.js";
import {
  type DirectoryGroup,
  type ExternalGroup,
  externalGroup,
  type GroupMember,
  type GroupRef,
  groupMember,
  groupView,
  type JoinedGroup,
  joinedGroup,
  type ListedGroup,
  listedGroup,
  type MemberRef,
  type PrincipalOrigin,
  type TextMatch,
  USER_VIEW_COLUMNS,
} from "./views.js";
import { type GroupConditionField, groupColumnOf, groupConditions } from "./conditions.js";
import { type ExternalPage, type ExternalQuery, type ExternalTable, searchExternal } from "./external-search.js";
import { hasControlCharacters, isWellFormedText } from "../text.js";
import { ORIGINS, oneOf } from "../rules.js";
import { checkCreate, checkGroupWrite, originOfNew } from "./ownership.js";

/** Letters, digits, '-', '_' and '.': Tencent's documented set plus what Alibaba CloudSSO allows. */
const GROUP_NAME = /^[A-Za-z0-9._-]{1,128}$/;
const MAX_GROUP_NAME = 128;
const MAX_DESCRIPTION = 1024;

export interface NewGroup {
  groupName: string;
  description?: string;
  groupType?: string;
  /** The id an outside provider knows the group by. */
  externalId?: string;
  /** The provider's attributes without a field here, as its own JSON text (stored and returned, never read). */
  attributes?: string;
  /** Users who join the group as it is created, in the same transaction. */
  members?: readonly string[];
}

/**
 * A change to a group in one transaction: its fields, what its outside provider keeps on it, and its
 * members (these join, those leave; a user already in, or not in, the group is left as it is).
 */
export interface GroupChange {
  groupName?: string;
  description?: string;
  /** null removes it. */
  externalId?: string | null;
  attributes?: string | null;
  members?: { add: readonly string[]; remove: readonly string[] };
}

/** Ids per statement when a change names many users (far inside both engines' parameter limits). */
const CHUNK = 500;

export interface GroupQuery extends PageRequest {
  filter?: string;
  /** The group name, without regard to case: equal to, or starting with, a value. */
  groupName?: TextMatch;
  groupType?: string;
  /** Groups containing any of these users come back selected. */
  selectedIfContainsUsers?: string[];
}

// The reads and writes every call of a group action makes, compiled once per database.
const groupById = precompiledRow((db: Kysely<Database>, directoryId: string, groupId: string) =>
  db.selectFrom("dir_groups").selectAll().where("group_id", "=", groupId).where("directory_id", "=", directoryId),
);
const lockedGroup = lockedInDirectory<DirGroup>("dir_groups", "group_id");
const groupIdByName = precompiledRow((db: Kysely<Database>, directoryId: string, lowerName: string) =>
  db.selectFrom("dir_groups").select("group_id").where("directory_id", "=", directoryId).where((eb) => eb(eb.fn("lower", ["group_name"]), "=", lowerName)),
);
const countGroups = precompiledExec((db: Kysely<Database>, directoryId: string, change: number) =>
  db
    .updateTable("directories")
    .set((eb) => ({ group_count: eb("group_count", "+", change) }))
    .where("directory_id", "=", directoryId),
);
const groupsOfUser = precompiled((db: Kysely<Database>, directoryId: string, userId: string) =>
  db
    .selectFrom("dir_memberships")
    .innerJoin("dir_groups", "dir_groups.group_id", "dir_memberships.group_id")
    .select(["dir_memberships.user_id", "dir_groups.group_id", "dir_groups.group_name"])
    .where("dir_memberships.directory_id", "=", directoryId)
    .where("dir_memberships.user_id", "=", userId)
    .orderBy("dir_groups.group_id"),
);
const groupsOfUsers = (db: Kysely<Database>, directoryId: string, userIds: readonly string[]) =>
  db
    .selectFrom("dir_memberships")
    .innerJoin("dir_groups", "dir_groups.group_id", "dir_memberships.group_id")
    .select(["dir_memberships.user_id", "dir_groups.group_id", "dir_groups.group_name"])
    .where("dir_memberships.directory_id", "=", directoryId)
    .where("dir_memberships.user_id", "in", userIds as string[])
    .orderBy("dir_memberships.user_id")
    .orderBy("dir_groups.group_id");
const countMembers = precompiledExec((db: Kysely<Database>, groupId: string, change: number) =>
  db
    .updateTable("dir_groups")
    .set((eb) => ({ member_count: eb("member_count", "+", change) }))
    .where("group_id", "=", groupId),
);
/** When each of a directory's groups last had a member join (the member count and this move with every membership change). */
const lastJoinedOfGroup = precompiledRow((db: Kysely<Database>, directoryId: string, groupId: string) =>
  db
    .selectFrom("dir_memberships")
    .select((eb) => eb.fn.max("joined_at").as("last"))
    .where("directory_id", "=", directoryId)
    .where("group_id", "=", groupId),
);

export class Groups {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly directories: Directories,
    private readonly users: Users,
    private readonly tokens: PageTokens,
    private readonly announcer: Announcer,
  ) {}

  async create(caller: Caller, directoryId: string, input: NewGroup): Promise<DirectoryGroup> {
    await this.directories.scope(caller, directoryId);
    const type = originOfNew(caller, input.groupType, "groupType");
    checkName(input.groupName, type);
    checkDescription(input.description);
    checkExternal(input.externalId, input.attributes);
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
      external_id: input.externalId ?? null,
      scim_attributes: input.attributes ?? null,
    };
    try {
      await this.announcer.transaction(this.db, async (trx) => {
        const dir = await this.directories.lock(trx, directoryId);
        checkCreate(caller, dir);
        const quota = this.directories.quotas(dir).groups;
        if (dir.group_count >= quota) fail("directory.group_quota", `the directory already has ${dir.group_count} groups (quota ${quota})`);
        await this.assertNameFree(trx, directoryId, input.groupName);
        await exec(trx, insertRow(trx, "dir_groups", group));
        await countGroups(trx, directoryId, 1);
        if (input.members?.length) group.member_count = await this.changeMembers(trx, directoryId, group, { add: input.members, remove: [] }, this.directories.quotas(dir));
      });
    } catch (err) {
      if (isUniqueViolation(err)) fail("directory.group_name_taken", `a group named "${input.groupName}" already exists`, "groupName");
      throw err;
    }
    return groupView(group);
  }

  /** A group of the caller's directory: one read after the directory's, at once when the store can. */
  get(caller: Caller, directoryId: string, groupId: string): MaybePromise<DirectoryGroup> {
    return then(this.directories.scope(caller, directoryId), () => then(groupById(this.db, directoryId, groupId), (g) => (g ? groupView(g) : groupNotFound(groupId))));
  }

  /** Changes a group's fields and members in one transaction: all of it, or (on any refusal) none. */
  async update(caller: Caller, directoryId: string, groupId: string, input: GroupChange): Promise<ExternalGroup> {
    const dir = await this.directories.resolve(caller, directoryId);
    checkDescription(input.description);
    checkExternal(input.externalId, input.attributes);
    try {
      return await this.announcer.transaction(this.db, async (trx) => {
        // Locked, so a concurrent update of the other field is not overwritten with a stale value.
        const group = await this.lock(trx, directoryId, groupId);
        const fieldsChange = input.groupName !== undefined || input.description !== undefined || input.externalId !== undefined || input.attributes !== undefined;
        if (fieldsChange || !input.members) await checkGroupWrite(trx, caller, directoryId, group.group_type, "update");
        if (input.members?.add.length) await checkGroupWrite(trx, caller, directoryId, group.group_type, "addMember");
        if (input.members?.remove.length) await checkGroupWrite(trx, caller, directoryId, group.group_type, "removeMember");
        if (input.groupName !== undefined) checkName(input.groupName, group.group_type);
        if (input.groupName !== undefined && input.groupName.toLowerCase() !== group.group_name.toLowerCase()) {
          await this.assertNameFree(trx, directoryId, input.groupName);
        }
        let memberCount = group.member_count;
        if (input.members) memberCount = await this.changeMembers(trx, directoryId, group, input.members, this.directories.quotas(dir));
        const changes = {
          group_name: input.groupName ?? group.group_name,
          description: input.description ?? group.description,
          external_id: input.externalId === undefined ? group.external_id : input.externalId,
          scim_attributes: input.attributes === undefined ? group.scim_attributes : input.attributes,
          updated_at: this.clock.now(),
        };
        await exec(trx, trx.updateTable("dir_groups").set(changes).where("group_id", "=", groupId));
        return externalGroup({ ...group, ...changes, member_count: memberCount });
      });
    } catch (err) {
      if (isUniqueViolation(err)) fail("directory.group_name_taken", `a group named "${input.groupName}" already exists`, "groupName");
      throw err;
    }
  }

  /**
   * Deletes a group. One rule for every door: a hand-made group with members is refused (the vendors'
   * DeleteGroup); a synchronized one takes its memberships with it, each departure announced (its
   * outside provider deletes groups that have members). A group that is a provisioning's principal is
   * refused either way.
   */
  async delete(caller: Caller, directoryId: string, groupId: string): Promise<void> {
    await this.directories.scope(caller, directoryId);
    await this.announcer.transaction(this.db, async (trx) => {
      await this.directories.lock(trx, directoryId);
      const group = await this.lock(trx, directoryId, groupId);
      await checkGroupWrite(trx, caller, directoryId, group.group_type, "delete");
      if (group.member_count > 0 && group.group_type !== "Synchronized") fail("directory.group_has_members", `the group still has ${group.member_count} members; remove them first`, "groupId");
      const provisioned = await first(trx, trx.selectFrom("provisionings").select("provisioning_id").where("principal_type", "=", "Group").where("principal_id", "=", groupId).limit(1));
      if (provisioned) fail("directory.principal_provisioned", `the group is provisioned by ${provisioned.provisioning_id}; delete that provisioning first`, "groupId");
      const assigned = await first(trx, trx.selectFrom("access_assignments").select("configuration_id").where("principal_type", "=", "Group").where("principal_id", "=", groupId).limit(1));
      if (assigned) fail("directory.principal_assigned", `the group is assigned configuration ${assigned.configuration_id}; delete its assignments first`, "groupId");
      if (group.member_count > 0) {
        const members = (await all(trx, trx.selectFrom("dir_memberships").select("user_id").where("group_id", "=", groupId).orderBy("user_id"))).map((r) => r.user_id);
        await exec(trx, trx.deleteFrom("dir_memberships").where("group_id", "=", groupId));
        for (const userId of members) await this.announcer.announce(trx, "directory.membership_changed", { directoryId, groupId, userId });
      }
      await exec(trx, trx.deleteFrom("dir_groups").where("group_id", "=", groupId));
      await countGroups(trx, directoryId, -1);
    });
  }

  /**
   * A page of the directory's groups. Each combination of filters is one query shape, compiled once
   * (see `listPage`); an unfiltered list takes its total from the directory's kept count.
   */
  list(caller: Caller, directoryId: string, q: GroupQuery): MaybePromise<Page<ListedGroup>> {
    return then(this.directories.resolve(caller, directoryId), (dir) => {
      const type = oneOf(q.groupType, ORIGINS, "groupType");
      checkSearchText(q.filter, "filter");
      checkSearchText(q.groupName?.value, "groupName");
      const filter = q.filter || undefined;
      const groupName = q.groupName;
      // Which filters are present is the query's shape; their values are bound per call.
      const f = new FilterValues(directoryId);
      const typeAt = f.at(type);
      const filterAt = f.at(filter);
      const nameAt = f.at(groupName?.value);
      const prefix = groupName?.prefix === true;
      const page = listPage(
        this.db,
        {
          key: `groups ${typeAt >= 0} ${filterAt >= 0} ${groupName ? (prefix ? "sw" : "eq") : "-"}`,
          values: f.values,
          rows: (slot) => {
            let base = this.db.selectFrom("dir_groups").selectAll().where("directory_id", "=", slot.value<string>(0));
            if (typeAt >= 0) base = base.where("group_type", "=", slot.value<PrincipalOrigin>(typeAt));
            if (filterAt >= 0) base = base.where(slot.text(filterAt, (text) => containsText("group_name", text)));
            if (nameAt >= 0) base = base.where(slot.text(nameAt, (text) => matchesText("group_name", { value: text, prefix })));
            return base;
          },
        },
        {
          timeColumn: "created_at",
          idColumn: "group_id",
          tokens: this.tokens,
          scope: () => scopeOf("groups", directoryId, { type, filter: q.filter, groupName: q.groupName, desc: q.descending === true }),
          request: q,
          total: type || filter || groupName ? undefined : dir.group_count,
        },
      );
      return then(page, (p) => {
        const users = q.selectedIfContainsUsers;
        const selected: MaybePromise<{ group_id: string }[]> =
          users?.length && p.items.length
            ? all(this.db, this.db.selectFrom("dir_memberships").select("group_id").where("user_id", "in", users).where("group_id", "in", p.items.map((g) => g.group_id)))
            : [];
        return then(selected, (rows) => {
          const chosen = new Set(rows.map((r) => r.group_id));
          return { ...p, items: p.items.map((g) => listedGroup(g, chosen.has(g.group_id))) };
        });
      });
    });
  }

  /** A group as its outside provider sees it: only synchronized groups (see Users.getExternal). */
  getExternal(caller: Caller, directoryId: string, groupId: string): MaybePromise<ExternalGroup> {
    return then(this.directories.scope(caller, directoryId), () =>
      then(groupById(this.db, directoryId, groupId), (g) => (g && g.group_type === "Synchronized" ? externalGroup(g) : groupNotFound(groupId))),
    );
  }

  /** Synchronized groups matching a condition, in an order, by position or by cursor (external-search.ts). */
  searchExternal(caller: Caller, directoryId: string, q: ExternalQuery<GroupConditionField>): MaybePromise<ExternalPage<ExternalGroup>> {
    return then(this.directories.scope(caller, directoryId), () => searchExternal(this.db, this.tokens, EXTERNAL_GROUPS, directoryId, q));
  }

  /** The members of each of these groups (of the caller's directory), in user-id order. */
  membersOf(caller: Caller, directoryId: string, groupIds: readonly string[]): MaybePromise<Map<string, MemberRef[]>> {
    return then(this.directories.scope(caller, directoryId), () => {
      const out = new Map<string, MemberRef[]>(groupIds.map((id) => [id, []]));
      if (groupIds.length === 0) return out;
      const rows = all(
        this.db,
        this.db
          .selectFrom("dir_memberships")
          .innerJoin("dir_users", "dir_users.user_id", "dir_memberships.user_id")
          .select(["dir_memberships.group_id", "dir_users.user_id", "dir_users.user_name", "dir_users.display_name"])
          .where("dir_memberships.directory_id", "=", directoryId)
          .where("dir_memberships.group_id", "in", groupIds as string[])
          .orderBy("dir_memberships.group_id")
          .orderBy("dir_users.user_id"),
      );
      return then(rows, (rs) => {
        for (const r of rs) out.get(r.group_id)?.push({ userId: r.user_id, userName: r.user_name, displayName: r.display_name });
        return out;
      });
    });
  }

  /**
   * When a member last joined each of these groups (null: none has), the caller's directory's. With
   * the member count it changes with every membership change (but two within one millisecond), so an
   * outside provider's version of a group can follow its members without reading them.
   */
  lastJoined(caller: Caller, directoryId: string, groupIds: readonly string[]): MaybePromise<Map<string, number | null>> {
    return then(this.directories.scope(caller, directoryId), () => {
      if (groupIds.length === 1) {
        const id = groupIds[0]!;
        return then(lastJoinedOfGroup(this.db, directoryId, id), (r) => new Map([[id, r?.last == null ? null : Number(r.last)]]));
      }
      const out = new Map<string, number | null>(groupIds.map((id) => [id, null]));
      if (groupIds.length === 0) return out;
      const rows = all(
        this.db,
        this.db
          .selectFrom("dir_memberships")
          .select(["group_id", (eb) => eb.fn.max("joined_at").as("last")])
          .where("directory_id", "=", directoryId)
          .where("group_id", "in", groupIds as string[])
          .groupBy("group_id"),
      );
      return then(rows, (rs) => {
        for (const r of rs) out.set(r.group_id, r.last == null ? null : Number(r.last));
        return out;
      });
    });
  }

  /** The groups each of these users (of the caller's directory) belongs to, in group-id order. */
  joinedBy(caller: Caller, directoryId: string, userIds: readonly string[]): MaybePromise<Map<string, GroupRef[]>> {
    return then(this.directories.scope(caller, directoryId), () => {
      const out = new Map<string, GroupRef[]>(userIds.map((id) => [id, []]));
      if (userIds.length === 0) return out;
      const rows = userIds.length === 1 ? groupsOfUser(this.db, directoryId, userIds[0]!) : all(this.db, groupsOfUsers(this.db, directoryId, userIds));
      return then(rows, (rs) => {
        for (const r of rs) out.get(r.user_id)?.push({ groupId: r.group_id, groupName: r.group_name });
        return out;
      });
    });
  }

  /**
   * Applies a member change to a locked group inside `trx`: leavers first (so a replacement of every
   * member fits the caps), then joiners, checked as AddUserToGroup checks one (same directory, same
   * type, caps) but read in chunks. Returns the new member count.
   */
  private async changeMembers(trx: Kysely<Database>, directoryId: string, group: DirGroup, change: NonNullable<GroupChange["members"]>, quotas: { membersPerGroup: number; groupsPerUser: number }): Promise<number> {
    const groupId = group.group_id;
    let count = group.member_count;
    const leaving = [...new Set(change.remove)];
    for (let i = 0; i < leaving.length; i += CHUNK) {
      const chunk = leaving.slice(i, i + CHUNK);
      const gone = await all(trx, trx.deleteFrom("dir_memberships").where("group_id", "=", groupId).where("user_id", "in", chunk).returning("user_id"));
      count -= gone.length;
      for (const r of gone) await this.announcer.announce(trx, "directory.membership_changed", { directoryId, groupId, userId: r.user_id });
    }
    const joining = [...new Set(change.add)];
    if (joining.length > quotas.membersPerGroup) {
      // More ids than the group can ever hold: refused before any of them is read.
      fail("directory.group_full", `the group may have at most ${quotas.membersPerGroup} members`, "members");
    }
    const now = this.clock.now();
    for (let i = 0; i < joining.length; i += CHUNK) {
      const chunk = joining.slice(i, i + CHUNK);
      // Locks the users (as find() does for one), so a concurrent DeleteUser cannot leave a membership behind.
      const users = await all(
        trx,
        trx.updateTable("dir_users").set((eb) => ({ user_id: eb.ref("user_id") })).where("directory_id", "=", directoryId).where("user_id", "in", chunk).returning(["user_id", "user_type"]),
      );
      if (users.length < chunk.length) {
        const found = new Set(users.map((u) => u.user_id));
        const missing = chunk.find((id) => !found.has(id))!;
        fail("directory.user_not_found", `user ${missing} does not exist`, "members");
      }
      const other = users.find((u) => u.user_type !== group.group_type);
      if (other) fail("directory.type_mismatch", `a ${group.group_type} group takes ${group.group_type} users only; ${other.user_id} is ${other.user_type}`, "members");
      const already = new Set((await all(trx, trx.selectFrom("dir_memberships").select("user_id").where("group_id", "=", groupId).where("user_id", "in", chunk))).map((r) => r.user_id));
      const fresh = chunk.filter((id) => !already.has(id));
      if (fresh.length === 0) continue;
      if (count + fresh.length > quotas.membersPerGroup) fail("directory.group_full", `the group would have ${count + fresh.length} members (cap ${quotas.membersPerGroup})`, "members");
      const joined = await all(
        trx,
        trx.selectFrom("dir_memberships").select(["user_id", (eb) => eb.fn.countAll<number>().as("n")]).where("user_id", "in", fresh).groupBy("user_id"),
      );
      const full = joined.find((r) => Number(r.n) >= quotas.groupsPerUser);
      if (full) fail("directory.user_groups_full", `user ${full.user_id} is already in ${full.n} groups (cap ${quotas.groupsPerUser})`, "members");
      await exec(trx, trx.insertInto("dir_memberships").values(fresh.map((userId) => ({ group_id: groupId, user_id: userId, directory_id: directoryId, joined_at: now }))));
      count += fresh.length;
      for (const userId of fresh) await this.announcer.announce(trx, "directory.membership_changed", { directoryId, groupId, userId });
    }
    if (count !== group.member_count) await countMembers(trx, groupId, count - group.member_count);
    return count;
  }

  async addMember(caller: Caller, directoryId: string, groupId: string, userId: string): Promise<void> {
    const dir = await this.directories.resolve(caller, directoryId);
    const quotas = this.directories.quotas(dir);
    try {
      await this.announcer.transaction(this.db, async (trx) => {
        // Group first, then user: the same order as every other path that takes both.
        const group = await this.lock(trx, directoryId, groupId);
        await checkGroupWrite(trx, caller, directoryId, group.group_type, "addMember");
        // find() locks the user before reading it: a DeleteUser that held the lock has committed by
        // then, so the read sees the user gone instead of a membership being added for a deleted user.
        const user = await this.users.find(trx, directoryId, userId);
        if (group.group_type !== user.user_type) {
          fail("directory.type_mismatch", `a ${group.group_type} group takes ${group.group_type} users only; this user is ${user.user_type}`, "userId");
        }
        const existing = await first(trx, trx.selectFrom("dir_memberships").select("user_id").where("group_id", "=", groupId).where("user_id", "=", userId));
        if (existing) fail("directory.member_exists", "the user is already in the group", "userId");
        if (group.member_count >= quotas.membersPerGroup) fail("directory.group_full", `the group already has ${group.member_count} members (cap ${quotas.membersPerGroup})`);
        const joined = await first(trx, trx.selectFrom("dir_memberships").select((eb) => eb.fn.countAll<number>().as("n")).where("user_id", "=", userId));
        const n = Number(joined?.n ?? 0);
        if (n >= quotas.groupsPerUser) fail("directory.user_groups_full", `the user is already in ${n} groups (cap ${quotas.groupsPerUser})`);
        await exec(trx, insertRow(trx, "dir_memberships", { group_id: groupId, user_id: userId, directory_id: directoryId, joined_at: this.clock.now() }));
        await countMembers(trx, groupId, 1);
        await this.announcer.announce(trx, "directory.membership_changed", { directoryId, groupId, userId });
      });
    } catch (err) {
      if (isUniqueViolation(err)) fail("directory.member_exists", "the user is already in the group", "userId");
      throw err;
    }
  }

  async removeMember(caller: Caller, directoryId: string, groupId: string, userId: string): Promise<void> {
    await this.directories.scope(caller, directoryId);
    await this.announcer.transaction(this.db, async (trx) => {
      const group = await this.lock(trx, directoryId, groupId);
      await checkGroupWrite(trx, caller, directoryId, group.group_type, "removeMember");
      const removed = await exec(trx, trx.deleteFrom("dir_memberships").where("group_id", "=", groupId).where("user_id", "=", userId));
      if (removed === 0) {
        await this.users.find(trx, directoryId, userId);
        fail("directory.member_not_found", "the user is not in the group", "userId");
      }
      await countMembers(trx, groupId, -1);
      await this.announcer.announce(trx, "directory.membership_changed", { directoryId, groupId, userId });
    });
  }

  async listMembers(caller: Caller, directoryId: string, groupId: string, q: PageRequest & { userType?: string }): Promise<Page<GroupMember>> {
    await this.directories.scope(caller, directoryId);
    const group = await this.find(this.db, directoryId, groupId);
    const type = oneOf(q.userType, ORIGINS, "userType");
    const values: unknown[] = type ? [groupId, type] : [groupId];
    const page = await listPage(
      this.db,
      {
        key: `members ${type !== undefined}`,
        values,
        rows: (slot) => {
          const base = this.db
            .selectFrom("dir_memberships")
            .innerJoin("dir_users", "dir_users.user_id", "dir_memberships.user_id")
            .select(USER_VIEW_COLUMNS.map((c) => `dir_users.${c}` as const))
            .select("dir_memberships.joined_at")
            .where("dir_memberships.group_id", "=", slot.value<string>(0));
          return type ? base.where("dir_users.user_type", "=", slot.value<PrincipalOrigin>(1)) : base;
        },
      },
      { timeColumn: "dir_memberships.joined_at", idColumn: "dir_memberships.user_id", tokens: this.tokens, scope: () => scopeOf("members", groupId, { type }), request: q, total: type ? undefined : group.member_count },
    );
    return { ...page, items: page.items.map(groupMember) };
  }

  async listJoined(caller: Caller, directoryId: string, userId: string, q: PageRequest): Promise<Page<JoinedGroup>> {
    await this.directories.scope(caller, directoryId);
    await this.users.find(this.db, directoryId, userId);
    const page = await listPage(
      this.db,
      {
        key: "joined",
        values: [userId],
        rows: (slot) =>
          this.db
            .selectFrom("dir_memberships")
            .innerJoin("dir_groups", "dir_groups.group_id", "dir_memberships.group_id")
            .selectAll("dir_groups")
            .select("dir_memberships.joined_at")
            .where("dir_memberships.user_id", "=", slot.value<string>(0)),
      },
      { timeColumn: "dir_memberships.joined_at", idColumn: "dir_memberships.group_id", tokens: this.tokens, scope: () => scopeOf("joined", userId, {}), request: q },
    );
    return { ...page, items: page.items.map(joinedGroup) };
  }

  /** A group of this directory, or group_not_found. */
  async find(db: Kysely<Database>, directoryId: string, groupId: string): Promise<DirGroup> {
    return (await groupById(db, directoryId, groupId)) ?? groupNotFound(groupId);
  }

  /** Locks a group for the rest of `trx` (exact member counts) and returns it fresh. */
  private async lock(trx: Kysely<Database>, directoryId: string, groupId: string): Promise<DirGroup> {
    return (await lockedGroup(trx, directoryId, groupId)) ?? groupNotFound(groupId);
  }

  private async assertNameFree(db: Kysely<Database>, directoryId: string, name: string): Promise<void> {
    if (await groupIdByName(db, directoryId, name.toLowerCase())) fail("directory.group_name_taken", `a group named "${name}" already exists`, "groupName");
  }
}

const groupNotFound = (groupId: string): never => fail("directory.group_not_found", `group ${groupId} does not exist`, "groupId");

/**
 * A hand-made group's name is the vendors' charset. A synchronized group is named by its outside
 * provider, whose names carry spaces and any letter ("Sales – EMEA"): any text of 1-128 characters
 * without control characters, not blank.
 */
function checkName(name: string, origin: PrincipalOrigin): void {
  if (origin === "Synchronized") {
    if (name.trim() === "" || textLength(name) > MAX_GROUP_NAME || hasControlCharacters(name) || !isWellFormedText(name)) {
      fail("directory.group_name_invalid", "a synchronized group's name is 1-128 characters without control characters", "groupName");
    }
    return;
  }
  if (!GROUP_NAME.test(name)) fail("directory.group_name_invalid", "group names are 1-128 letters, digits, '.', '_' or '-'", "groupName");
}

function checkDescription(d: string | undefined): void {
  if (d !== undefined && textLength(d) > MAX_DESCRIPTION) fail("directory.field_invalid", `description is longer than ${MAX_DESCRIPTION} characters`, "description");
}

/** Synchronized groups, as an outside provider searches them (external-search.ts). */
const EXTERNAL_GROUPS: ExternalTable<GroupConditionField, DirGroup, ExternalGroup> = {
  kind: "groups",
  rows: (db, directoryId) => db.selectFrom("dir_groups").selectAll().where("directory_id", "=", directoryId as string).where("group_type", "=", "Synchronized"),
  conditions: groupConditions,
  timeColumn: "dir_groups.created_at",
  idColumn: "dir_groups.group_id",
  columnOf: (f) => groupColumnOf(f as GroupConditionField),
  isText: (f) => f === "groupName",
  view: externalGroup,
};
