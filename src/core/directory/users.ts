/** Directory users: names, emails, status, type, quotas and the guards on deletion. */
import { type Kysely, sql } from "kysely";
import { all, containsText, exec, first, isUniqueViolation, lockedInDirectory, lockRow, matchesText, precompiled, precompiledExec, precompiledRow, withFreshId } from "../../store/database.js";
import type { Database, DirUser } from "../../store/schema.js";
import type { Caller } from "../accounts.js";
import type { Clock } from "../clock.js";
import { fail } from "../errors.js";
import { orderedId } from "../ids.js";
import { checkSearchText, textLength } from "../text.js";
import { checkTags, type Tag } from "../tags.js";
import { hashGeneratedSecret, hashPassword } from "../secrets.js";
import { generatePassword, isStrongPassword } from "../subusers.js";
import type { Announcer, UserField } from "../announcements.js";
import { type MaybePromise, then } from "../../lib/maybe-promise.js";
import type { Directories } from "./directories.js";
import { FilterValues, listPage, type Page, type PageRequest, type PageTokens, scopeOf } from "./paging.js";
import { insertRow } from "../../store/shapes.js";
import { type DirectoryUser, EXTERNAL_USER_COLUMNS, type ExternalUser, externalUser, type ExternalUserRow, type ListedUser, listedUser, type PrincipalOrigin, type TaggedUser, taggedUser, type TextMatch, USER_VIEW_COLUMNS, type UserStatus, userView } from "./views.js";
import { type UserConditionField, userColumnOf, userConditions } from "./conditions.js";
import { type ExternalPage, type ExternalQuery, type ExternalTable, searchExternal } from "./external-search.js";
import { ORIGINS, oneOf } from "../rules.js";
import { checkCreate, checkUserWrite, originOfNew } from "./ownership.js";

/** Tencent's user-name charset, which includes Alibaba's: letters, digits and + = , . @ - _ . */
const USER_NAME = /^[A-Za-z0-9+=,.@_-]{1,64}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX = { firstName: 64, lastName: 64, displayName: 256, description: 1024, email: 128 };
export const USER_STATUSES: readonly UserStatus[] = ["Enabled", "Disabled"];

export interface UserFields {
  firstName?: string;
  lastName?: string;
  displayName?: string;
  description?: string;
  email?: string;
  needResetPassword?: boolean;
}

export interface NewUser extends UserFields {
  userName: string;
  userStatus?: string;
  userType?: string;
  tags?: Tag[];
  /** The id an outside provider knows the user by. */
  externalId?: string;
  /** The provider's attributes without a field here, as its own JSON text (stored and returned, never read). */
  attributes?: string;
  /** `email` is offered, not required: the user gets it only when it is usable (`usableEmail`, and no other user has it), else none, without an error. */
  emailIfUsable?: boolean;
}

/** A change to a user in one transaction: its fields, its status, and what its outside provider keeps on it. */
export interface UserChange extends UserFields {
  /**
   * A new name (a rename: only an outside provider asks for one; the vendor APIs have none). The name
   * rule and case-insensitive uniqueness hold as at creation; a name equal to the stored one without
   * regard to case is no change. Sub-users already made for the user keep their names (see
   * ARCHITECTURE.md, "A renamed user").
   */
  userName?: string;
  /** `email` is offered, not required: the user gets it only when it is usable (`usableEmail`, and no other user has it), else none, without an error. */
  emailIfUsable?: boolean;
  userStatus?: string;
  /** null removes it. */
  externalId?: string | null;
  attributes?: string | null;
}

/** The longest external id (an IdP's object id, a GUID or an e-mail-like name, is far shorter). */
export const MAX_EXTERNAL_ID = 1024;
/** The most text of kept provider attributes on one user or group. */
export const MAX_KEPT_ATTRIBUTES = 64 * 1024;

/** The bounds on what an outside provider keeps on a user or group. */
export function checkExternal(externalId: string | null | undefined, attributes: string | null | undefined): void {
  if (externalId != null && (externalId === "" || textLength(externalId) > MAX_EXTERNAL_ID)) fail("directory.field_invalid", `externalId is 1 to ${MAX_EXTERNAL_ID} characters`, "externalId");
  if (attributes != null && attributes.length > MAX_KEPT_ATTRIBUTES) fail("directory.field_invalid", `the kept attributes exceed ${MAX_KEPT_ATTRIBUTES} characters`, "attributes");
}

/** Users' tag rules (CloudSSO's): at most 20, keys 1-128 characters, values at most 128. */
const USER_TAGS = { max: 20, keyMax: 128, valueMax: 128, reason: "directory.field_invalid" } as const;

// The reads and writes every call of a user action makes, compiled once per database.
const userById = precompiledRow((db: Kysely<Database>, directoryId: string, userId: string) =>
  db.selectFrom("dir_users").selectAll().where("user_id", "=", userId).where("directory_id", "=", directoryId),
);
const lockedUser = lockedInDirectory<DirUser>("dir_users", "user_id");
const userViewById = precompiledRow((db: Kysely<Database>, directoryId: string, userId: string) =>
  db.selectFrom("dir_users").select(USER_VIEW_COLUMNS).where("user_id", "=", userId).where("directory_id", "=", directoryId),
);
const tagsOfUser = precompiled((db: Kysely<Database>, directoryId: string, userId: string) =>
  db.selectFrom("dir_user_tags").select(["tag_key", "tag_value"]).where("directory_id", "=", directoryId).where("user_id", "=", userId).orderBy("tag_key"),
);
const userIdByName = precompiledRow((db: Kysely<Database>, directoryId: string, lowerName: string) =>
  db.selectFrom("dir_users").select("user_id").where("directory_id", "=", directoryId).where((eb) => eb(eb.fn("lower", ["user_name"]), "=", lowerName)),
);
// `email <> ''` lets both engines use the partial unique index on emails.
const userIdByEmail = precompiledRow((db: Kysely<Database>, directoryId: string, lowerEmail: string) =>
  db
    .selectFrom("dir_users")
    .select("user_id")
    .where("directory_id", "=", directoryId)
    .where(sql<boolean>`email <> ''`)
    .where((eb) => eb(eb.fn("lower", ["email"]), "=", lowerEmail)),
);
const countUsers = precompiledExec((db: Kysely<Database>, directoryId: string, change: number) =>
  db
    .updateTable("directories")
    .set((eb) => ({ user_count: eb("user_count", "+", change) }))
    .where("directory_id", "=", directoryId),
);
const NO_USERS: ReadonlySet<string> = new Set();
const externalUserById = precompiledRow((db: Kysely<Database>, directoryId: string, userId: string) =>
  db.selectFrom("dir_users").select(EXTERNAL_USER_COLUMNS).where("user_id", "=", userId).where("directory_id", "=", directoryId).where("user_type", "=", "Synchronized"),
);
const userIdByExternal = precompiledRow((db: Kysely<Database>, directoryId: string, externalId: string) =>
  db.selectFrom("dir_users").select("user_id").where("directory_id", "=", directoryId).where("external_id", "=", externalId).orderBy("created_at").limit(1),
);
/** Issuer of the external ids OpenCIC keeps: they all come from SCIM (Alibaba's ExternalId.Issuer is fixed to it). */
export const EXTERNAL_ID_ISSUER = "SCIM";

export interface UserQuery extends PageRequest {
  userStatus?: string;
  userType?: string;
  /** Case-insensitive substring of the name, email, id or description. */
  filter?: string;
  /** The user name, without regard to case: equal to, or starting with, a value. */
  userName?: TextMatch;
  /** Users in any of these groups come back selected. */
  selectedIfInGroups?: string[];
  /** Only users carrying every one of these tags. */
  tags?: Tag[];
}

/** A password reset: a chosen password, or one generated and returned once. */
export interface PasswordReset {
  password?: string;
  generate?: boolean;
  needResetPassword?: boolean;
}

/** An identity an outside provider (SCIM) gave a user. */
export interface ExternalId {
  id: string;
  issuer: string;
}

export class Users {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly directories: Directories,
    private readonly tokens: PageTokens,
    private readonly announcer: Announcer,
  ) {}

  async create(caller: Caller, directoryId: string, input: NewUser): Promise<{ user: DirectoryUser; password: string }> {
    await this.directories.scope(caller, directoryId);
    checkUserName(input.userName);
    checkFields(input, input.emailIfUsable === true);
    checkExternal(input.externalId, input.attributes);
    const tags = checkTags(input.tags ?? [], USER_TAGS);
    const status = oneOf(input.userStatus, USER_STATUSES, "userStatus") ?? "Enabled";
    const type = originOfNew(caller, input.userType, "userType");
    const password = generatePassword(16);
    const now = this.clock.now();
    const user: DirUser = {
      user_id: orderedId("u-"),
      directory_id: directoryId,
      user_name: input.userName,
      first_name: input.firstName ?? "",
      last_name: input.lastName ?? "",
      display_name: input.displayName ?? "",
      description: input.description ?? "",
      email: input.email === undefined ? "" : input.emailIfUsable ? usableEmail(input.email) : input.email,
      user_status: status,
      user_type: type,
      need_reset_password: input.needResetPassword ? 1 : 0,
      password_hash: hashGeneratedSecret(password),
      created_at: now,
      updated_at: now,
      external_id: input.externalId ?? null,
      scim_attributes: input.attributes ?? null,
    };
    const insert = () =>
      this.db.transaction().execute(async (trx) => {
        const dir = await this.directories.lock(trx, directoryId);
        checkCreate(caller, dir);
        const quota = this.directories.quotas(dir).users;
        if (dir.user_count >= quota) fail("directory.user_quota", `the directory already has ${dir.user_count} users (quota ${quota})`);
        // The unique indexes check the name and the address: a clash fails the insert (below).
        await exec(trx, insertRow(trx, "dir_users", user));
        if (tags.length) await exec(trx, trx.insertInto("dir_user_tags").values(tags.map((t) => ({ user_id: user.user_id, directory_id: directoryId, tag_key: t.key, tag_value: t.value }))));
        await countUsers(trx, directoryId, 1);
      });
    // Another process made the same id in the same millisecond (ids.ts): the user gets another.
    const insertWithFreshId = () => withFreshId(insert, () => (user.user_id = orderedId("u-")));
    for (let attempt = 1; ; attempt++) {
      try {
        await insertWithFreshId();
        break;
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        // Which one clashed: the name is refused; so is the address, unless it was only offered (then
        // the user is made without one).
        await this.assertUnique(this.db, directoryId, user.user_name, undefined);
        if (await this.emailTaken(this.db, directoryId, user.email, undefined)) {
          if (!input.emailIfUsable) emailTakenError(user.email);
          user.email = "";
        } else if (attempt >= CLASH_ATTEMPTS) throw err;
        // Otherwise the user that held the name or address went meanwhile: the insert runs again.
      }
    }
    return { user: userView(user), password };
  }

  /** A user of the caller's directory: one read after the directory's, at once when the store can. */
  get(caller: Caller, directoryId: string, userId: string): MaybePromise<DirectoryUser> {
    return then(this.directories.scope(caller, directoryId), () => then(userViewById(this.db, directoryId, userId), (u) => (u ? userView(u) : userNotFound(userId))));
  }

  /** `get` with the user's tags (CloudSSO's users carry them). */
  getTagged(caller: Caller, directoryId: string, userId: string): MaybePromise<TaggedUser> {
    return then(this.get(caller, directoryId, userId), (user) => then(tagsOfUser(this.db, directoryId, userId), (rows) => taggedUser(user, rows.map(tagOf))));
  }

  async update(caller: Caller, directoryId: string, userId: string, input: UserChange): Promise<ExternalUser> {
    await this.directories.scope(caller, directoryId);
    if (input.userName !== undefined) checkUserName(input.userName);
    const offered = input.emailIfUsable === true;
    checkFields(input, offered);
    checkExternal(input.externalId, input.attributes);
    const status = oneOf(input.userStatus, USER_STATUSES, "userStatus");
    const write = (email: string | undefined) =>
      this.announcer.transaction(this.db, async (trx) => {
        const user = await this.find(trx, directoryId, userId);
        await checkUserWrite(trx, caller, directoryId, user.user_type, "update");
        const renamed = input.userName !== undefined && input.userName.toLowerCase() !== user.user_name.toLowerCase();
        if (renamed) await this.assertUnique(trx, directoryId, input.userName, undefined);
        if (email !== undefined && email !== "" && email.toLowerCase() !== user.email.toLowerCase() && (await this.emailTaken(trx, directoryId, email, userId))) {
          if (offered) email = "";
          else emailTakenError(email);
        }
        const changes = {
          user_name: renamed ? input.userName! : user.user_name,
          first_name: input.firstName ?? user.first_name,
          last_name: input.lastName ?? user.last_name,
          display_name: input.displayName ?? user.display_name,
          description: input.description ?? user.description,
          email: email ?? user.email,
          need_reset_password: input.needResetPassword === undefined ? user.need_reset_password : input.needResetPassword ? 1 : 0,
          user_status: status ?? user.user_status,
          external_id: input.externalId === undefined ? user.external_id : input.externalId,
          scim_attributes: input.attributes === undefined ? user.scim_attributes : input.attributes,
          updated_at: this.clock.now(),
        };
        await exec(trx, trx.updateTable("dir_users").set(changes).where("user_id", "=", userId));
        const changed = (Object.keys(FIELD_COLUMNS) as UserField[]).filter((f) => changes[FIELD_COLUMNS[f]] !== user[FIELD_COLUMNS[f]]);
        if (changed.length) await this.announcer.announce(trx, "directory.user_changed", { directoryId, userId, changed });
        return externalUser({ ...user, ...changes });
      });
    const email = input.email === undefined ? undefined : offered ? usableEmail(input.email) : input.email;
    try {
      return await write(email);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // Another writer took the name or the address between the check and the write.
      if (input.userName !== undefined && (await userIdByName(this.db, directoryId, input.userName.toLowerCase()))?.user_id !== userId) {
        await this.assertUnique(this.db, directoryId, input.userName, undefined);
      }
      if (!offered) fail("directory.email_taken", `the email "${input.email}" is already used`, "email");
      return write("");
    }
  }

  async setStatus(caller: Caller, directoryId: string, userId: string, status: string): Promise<void> {
    await this.directories.scope(caller, directoryId);
    const s = oneOf(status, USER_STATUSES, "userStatus")!;
    await this.db.transaction().execute(async (trx) => {
      // Found under its lock: a user deleted meanwhile is user_not_found, not a silent no-op.
      const user = await this.find(trx, directoryId, userId);
      await checkUserWrite(trx, caller, directoryId, user.user_type, "signIn");
      await exec(trx, trx.updateTable("dir_users").set({ user_status: s, updated_at: this.clock.now() }).where("user_id", "=", userId));
    });
  }

  /**
   * Sets a user's password: the one given (which must be strong), or a generated one that is
   * returned once. Exactly one of the two.
   */
  async resetPassword(caller: Caller, directoryId: string, userId: string, input: PasswordReset): Promise<{ generated?: string }> {
    await this.directories.scope(caller, directoryId);
    if (input.generate && input.password !== undefined) fail("value.invalid", "give a password or ask for a generated one, not both", "password");
    if (!input.generate && input.password === undefined) fail("value.missing", "a password is required unless one is generated", "password");
    if (input.password !== undefined && !isStrongPassword(input.password)) {
      fail("directory.password_weak", "passwords are 8-32 characters mixing upper case, lower case, digits and symbols", "password");
    }
    await this.find(this.db, directoryId, userId);
    const generated = input.generate ? generatePassword(16) : undefined;
    // A chosen password gets the slow hash; a generated one is random enough for a fast one (see ARCHITECTURE).
    // Hashed before the transaction, so no lock is held while scrypt runs.
    const patch: { password_hash: string; updated_at: number; need_reset_password?: number } = {
      password_hash: generated !== undefined ? hashGeneratedSecret(generated) : hashPassword(input.password!),
      updated_at: this.clock.now(),
    };
    if (input.needResetPassword !== undefined) patch.need_reset_password = input.needResetPassword ? 1 : 0;
    await this.db.transaction().execute(async (trx) => {
      // Found again under its lock: a user deleted meanwhile is user_not_found, not a silent no-op.
      const user = await this.find(trx, directoryId, userId);
      await checkUserWrite(trx, caller, directoryId, user.user_type, "signIn");
      await exec(trx, trx.updateTable("dir_users").set(patch).where("user_id", "=", userId));
    });
    return { generated };
  }

  /**
   * The user an outside provider knows by `externalId` (the oldest, should a provider have given two
   * users one id). Every kept external id was issued through SCIM, so another issuer names no user.
   */
  async idByExternalId(caller: Caller, directoryId: string, externalId: ExternalId): Promise<string> {
    await this.directories.scope(caller, directoryId);
    const row = externalId.issuer.toUpperCase() === EXTERNAL_ID_ISSUER ? await userIdByExternal(this.db, directoryId, externalId.id) : undefined;
    return row?.user_id ?? fail("directory.user_not_found", `no user has the external id ${externalId.issuer}/${externalId.id}`, "externalId");
  }

  /**
   * A user as its outside provider sees it: only synchronized users (hand-made ones are the
   * administrator's; a provider neither sees nor matches them). At once when the store can.
   */
  getExternal(caller: Caller, directoryId: string, userId: string): MaybePromise<ExternalUser> {
    return then(this.directories.scope(caller, directoryId), () => then(externalUserById(this.db, directoryId, userId), (u) => (u ? externalUser(u) : userNotFound(userId))));
  }

  /** Synchronized users matching a condition, in an order, by position or by cursor (external-search.ts). */
  searchExternal(caller: Caller, directoryId: string, q: ExternalQuery<UserConditionField>): MaybePromise<ExternalPage<ExternalUser>> {
    return then(this.directories.scope(caller, directoryId), () => searchExternal(this.db, this.tokens, EXTERNAL_USERS, directoryId, q));
  }

  /**
   * Deletes a user. One rule for every door: a hand-made user still in a group is refused (the
   * vendors' DeleteUser); a synchronized one leaves its groups with it, each departure announced (its
   * outside provider deletes users that are in groups, and owns those groups too). A user that is a
   * provisioning's principal is refused either way.
   */
  async delete(caller: Caller, directoryId: string, userId: string): Promise<void> {
    await this.directories.scope(caller, directoryId);
    await this.announcer.transaction(this.db, async (trx) => {
      await this.directories.lock(trx, directoryId);
      // Groups before the user, the order every path that takes both locks them in.
      const groupsOf = async () => (await all(trx, trx.selectFrom("dir_memberships").select("group_id").where("user_id", "=", userId).orderBy("group_id"))).map((r) => r.group_id);
      const before = await groupsOf();
      for (const groupId of before) await lockRow(trx, "dir_groups", "group_id", groupId);
      // find() locks the user, so a concurrent AddUserToGroup cannot slip a membership in after the check.
      const user = await this.find(trx, directoryId, userId);
      await checkUserWrite(trx, caller, directoryId, user.user_type, "delete");
      const groups = await groupsOf();
      if (groups.length > 0 && user.user_type !== "Synchronized") fail("directory.user_in_group", "the user still belongs to a group; remove it from its groups first", "userId");
      const provisioned = await first(trx, trx.selectFrom("provisionings").select("provisioning_id").where("principal_type", "=", "User").where("principal_id", "=", userId).limit(1));
      if (provisioned) fail("directory.principal_provisioned", `the user is provisioned by ${provisioned.provisioning_id}; delete that provisioning first`, "userId");
      const assigned = await first(trx, trx.selectFrom("access_assignments").select("configuration_id").where("principal_type", "=", "User").where("principal_id", "=", userId).limit(1));
      if (assigned) fail("directory.principal_assigned", `the user is assigned configuration ${assigned.configuration_id}; delete its assignments first`, "userId");
      for (const groupId of groups) {
        await exec(trx, trx.deleteFrom("dir_memberships").where("group_id", "=", groupId).where("user_id", "=", userId));
        await exec(trx, trx.updateTable("dir_groups").set((eb) => ({ member_count: eb("member_count", "-", 1) })).where("group_id", "=", groupId));
        await this.announcer.announce(trx, "directory.membership_changed", { directoryId, groupId, userId });
      }
      await exec(trx, trx.deleteFrom("dir_user_tags").where("user_id", "=", userId));
      await exec(trx, trx.deleteFrom("dir_users").where("user_id", "=", userId));
      await countUsers(trx, directoryId, -1);
    });
  }

  /**
   * A page of the directory's users. Each combination of filters is one query shape, compiled once
   * (see `listPage`); an unfiltered list takes its total from the directory's kept count.
   */
  list(caller: Caller, directoryId: string, q: UserQuery): MaybePromise<Page<ListedUser>> {
    return then(this.directories.resolve(caller, directoryId), (dir) => {
      const status = oneOf(q.userStatus, USER_STATUSES, "userStatus");
      const type = oneOf(q.userType, ORIGINS, "userType");
      checkSearchText(q.filter, "filter");
      checkSearchText(q.userName?.value, "userName");
      const tags = q.tags?.length ? checkTags(q.tags, USER_TAGS) : undefined;
      const filter = q.filter || undefined;
      const userName = q.userName;
      // Which filters are present is the query's shape; their values are bound per call.
      const f = new FilterValues(directoryId);
      const statusAt = f.at(status);
      const typeAt = f.at(type);
      const filterAt = f.at(filter);
      const nameAt = f.at(userName?.value);
      const tagsAt = (tags ?? []).map((t) => [f.at(t.key), f.at(t.value)] as const);
      const prefix = userName?.prefix === true;
      const key = `users ${statusAt >= 0} ${typeAt >= 0} ${filterAt >= 0} ${userName ? (prefix ? "sw" : "eq") : "-"} ${tagsAt.length}`;
      const filtered = Boolean(status || type || filter || userName || tags);
      const page = listPage(
        this.db,
        {
          key,
          values: f.values,
          rows: (slot) => {
            let base = this.db.selectFrom("dir_users").select(USER_VIEW_COLUMNS).where("directory_id", "=", slot.value<string>(0));
            if (statusAt >= 0) base = base.where("user_status", "=", slot.value<UserStatus>(statusAt));
            if (typeAt >= 0) base = base.where("user_type", "=", slot.value<PrincipalOrigin>(typeAt));
            if (filterAt >= 0) {
              base = base.where((eb) =>
                eb.or(["user_name", "email", "user_id", "description"].map((column) => slot.text(filterAt, (text) => containsText(column, text)))),
              );
            }
            if (nameAt >= 0) base = base.where(slot.text(nameAt, (text) => matchesText("user_name", { value: text, prefix })));
            for (const [keyAt, valueAt] of tagsAt) {
              base = base.where((eb) =>
                eb.exists(
                  eb
                    .selectFrom("dir_user_tags")
                    .select("dir_user_tags.user_id")
                    .whereRef("dir_user_tags.user_id", "=", "dir_users.user_id")
                    .where("dir_user_tags.tag_key", "=", slot.value<string>(keyAt))
                    .where("dir_user_tags.tag_value", "=", slot.value<string>(valueAt)),
                ),
              );
            }
            return base;
          },
        },
        {
          timeColumn: "created_at",
          idColumn: "user_id",
          tokens: this.tokens,
          scope: () => scopeOf("users", directoryId, { status, type, filter: q.filter, userName: q.userName, desc: q.descending === true, ...(tags ? { tags } : {}) }),
          request: q,
          total: filtered ? undefined : dir.user_count,
        },
      );
      return then(page, (p) =>
        then(this.membersAmong(p.items.map((u) => u.user_id), q.selectedIfInGroups), (selected) => ({
          ...p,
          items: p.items.map((u) => listedUser(u, selected.has(u.user_id))),
        })),
      );
    });
  }

  /** The tags of each of these users (of the caller's directory), in key order. */
  async tagsOf(caller: Caller, directoryId: string, userIds: string[]): Promise<Map<string, Tag[]>> {
    await this.directories.scope(caller, directoryId);
    const out = new Map<string, Tag[]>(userIds.map((id) => [id, []]));
    if (userIds.length === 0) return out;
    const rows = await all(this.db, this.db.selectFrom("dir_user_tags").select(["user_id", "tag_key", "tag_value"]).where("directory_id", "=", directoryId).where("user_id", "in", userIds).orderBy("tag_key"));
    for (const r of rows) out.get(r.user_id)?.push(tagOf(r));
    return out;
  }

  /** Users of `userIds` that belong to any of `groupIds`. */
  private membersAmong(userIds: string[], groupIds: string[] | undefined): MaybePromise<ReadonlySet<string>> {
    if (!groupIds?.length || !userIds.length) return NO_USERS;
    return then(all(this.db, this.db.selectFrom("dir_memberships").select("user_id").where("group_id", "in", groupIds).where("user_id", "in", userIds)), (rows) => new Set(rows.map((r) => r.user_id)));
  }

  /**
   * A user of this directory, or user_not_found. Inside a transaction the user's row is locked
   * before it is read, so whoever goes on to change or reference the user (UpdateUser, DeleteUser,
   * AddUserToGroup, provisioning) sees every concurrent change to it first.
   */
  async find(db: Kysely<Database>, directoryId: string, userId: string): Promise<DirUser> {
    return (await (db.isTransaction ? lockedUser : userById)(db, directoryId, userId)) ?? userNotFound(userId);
  }

  private async assertUnique(db: Kysely<Database>, directoryId: string, userName: string | undefined, email: string | undefined): Promise<void> {
    if (userName !== undefined && (await userIdByName(db, directoryId, userName.toLowerCase()))) {
      fail("directory.user_name_taken", `a user named "${userName}" already exists`, "userName");
    }
    if (email !== undefined && (await this.emailTaken(db, directoryId, email, undefined))) emailTakenError(email);
  }

  /** Whether another user of the directory than `userId` has `email` (without regard to case). */
  private async emailTaken(db: Kysely<Database>, directoryId: string, email: string, userId: string | undefined): Promise<boolean> {
    if (email === "") return false;
    const holder = await userIdByEmail(db, directoryId, email.toLowerCase());
    return holder !== undefined && holder.user_id !== userId;
  }
}

/** Inserts of a new user that a clash with a user deleted meanwhile may fail, before the clash is the answer. */
const CLASH_ATTEMPTS = 3;

/** User fields compared (and sorted) without regard to case. */
const TEXT_FIELDS: ReadonlySet<string> = new Set(["userName", "displayName", "email", "firstName", "lastName"]);

/** Synchronized users, as an outside provider searches them (external-search.ts). */
const EXTERNAL_USERS: ExternalTable<UserConditionField, ExternalUserRow, ExternalUser> = {
  kind: "users",
  rows: (db, directoryId) => db.selectFrom("dir_users").select(EXTERNAL_USER_COLUMNS).where("directory_id", "=", directoryId as string).where("user_type", "=", "Synchronized"),
  conditions: userConditions,
  timeColumn: "dir_users.created_at",
  idColumn: "dir_users.user_id",
  columnOf: (f) => userColumnOf(f as UserConditionField),
  isText: (f) => TEXT_FIELDS.has(f),
  view: externalUser,
};

const emailTakenError = (email: string): never => fail("directory.email_taken", `the email "${email}" is already used`, "email");

function checkUserName(userName: string): void {
  if (!USER_NAME.test(userName)) fail("directory.user_name_invalid", "user names are 1-64 letters, digits or + = , . @ - _ characters", "userName");
}

/**
 * An offered e-mail (an outside provider's, whose `emails` are kept whole elsewhere): the directory's
 * Email takes it only when it is a valid address within the length bound, and "" otherwise, with no
 * error. Whether another user has it is checked under the write's locks.
 */
function usableEmail(email: string): string {
  return email !== "" && EMAIL.test(email) && textLength(email) <= MAX.email ? email : "";
}

const userNotFound = (userId: string): never => fail("directory.user_not_found", `user ${userId} does not exist`, "userId");
const tagOf = (r: { tag_key: string; tag_value: string }): Tag => ({ key: r.tag_key, value: r.tag_value });

/** The column behind each announced user field. */
const FIELD_COLUMNS = {
  firstName: "first_name",
  lastName: "last_name",
  displayName: "display_name",
  description: "description",
  email: "email",
  needResetPassword: "need_reset_password",
  userName: "user_name",
} as const satisfies Record<UserField, keyof DirUser>;

/** The fields' bounds; an offered e-mail is not checked here (`usableEmail` drops an unusable one instead). */
function checkFields(f: UserFields, emailOffered = false): void {
  for (const k of ["firstName", "lastName", "displayName", "description", "email"] as const) {
    const v = f[k];
    if (k === "email" && emailOffered) continue;
    if (v !== undefined && textLength(v) > MAX[k]) fail("directory.field_invalid", `${k} is longer than ${MAX[k]} characters`, k);
  }
  if (!emailOffered && f.email !== undefined && f.email !== "" && !EMAIL.test(f.email)) fail("directory.field_invalid", "email is not a valid address", "email");
}
