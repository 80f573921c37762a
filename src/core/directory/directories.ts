/**
 * The identity-center directory of an organization (Tencent "zone"/space, Alibaba "directory"):
 * one per organization, opened by the management account. Every directory operation starts by
 * resolving the caller's directory here.
 */
import { type Kysely, sql } from "kysely";
import { all, exec, first, isUniqueViolation, lockedRow, lockRow, precompiledRow } from "../../store/database.js";
import type { Database, Directory } from "../../store/schema.js";
import type { Caller } from "../accounts.js";
import type { Clock } from "../clock.js";
import { fail } from "../errors.js";
import { prefixedId } from "../ids.js";
import type { Limits } from "../limits.js";
import { type MaybePromise, then } from "../../lib/maybe-promise.js";
import type { Organizations } from "../organizations.js";
import { type DirectoryView, directoryView } from "./views.js";

/** 2-64 lowercase letters, digits and '-', not starting or ending with '-', no "--". */
const DIRECTORY_NAME = /^(?!-)(?!.*--)[a-z0-9-]{2,64}(?<!-)$/;

export interface Quotas {
  users: number;
  groups: number;
  membersPerGroup: number;
  groupsPerUser: number;
}

export interface DirectoryStatistics {
  directory: DirectoryView;
  quotas: Quotas;
  userCount: number;
  groupCount: number;
  provisionedUserCount: number;
  scimCredentialCount: number;
  /** Permission configurations (role/access configurations) in the directory. */
  accessConfigurationCount: number;
  /** Assignments of configurations to users and groups on accounts. */
  accessAssignmentCount: number;
  /** Configurations deployed into accounts (roles; Tencent RoleConfigurationSyncCount). */
  deployedConfigurationCount: number;
  /** Deployment tasks not finished yet (Alibaba InProgressTaskCount). */
  inProgressAccessTaskCount: number;
}

/** The identity-center service of the caller's account: whether it may be, and is, turned on. */
export interface ServiceStatus {
  /** The caller manages an organization, which the service needs. */
  eligible: boolean;
  enabled: boolean;
  directory?: DirectoryView;
}

/**
 * The caller's membership, its organization's manager and the organization's directory (all null
 * when it has none), by the caller's account: what every directory action reads first. Compiled once
 * (see `precompiledRow`).
 */
const memberDirectory = (db: Kysely<Database>, memberUin: number) =>
  db
    .selectFrom("org_members")
    .innerJoin("organizations", "organizations.org_id", "org_members.org_id")
    .leftJoin("directories", "directories.org_id", "org_members.org_id")
    .where("org_members.member_uin", "=", memberUin);
const directoryOfMember = precompiledRow((db: Kysely<Database>, memberUin: number) => memberDirectory(db, memberUin).selectAll("directories").select("organizations.manager_uin"));

/** `directoryOfMember` for scoping alone: the directory's id and the manager, without the rest of the row. */
const directoryIdOfMember = precompiledRow((db: Kysely<Database>, memberUin: number) => memberDirectory(db, memberUin).select(["directories.directory_id", "organizations.manager_uin"]));

/** The directory row, read fresh under its write lock (store/sql.ts). */
const lockedDirectory = lockedRow<Directory>("directories", "directory_id");

export class Directories {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly organizations: Organizations,
    private readonly limits: Limits,
  ) {}

  /** Whether the service is on; never refuses (an account outside an organization is simply not eligible). */
  async serviceStatus(caller: Caller): Promise<ServiceStatus> {
    const m = await this.organizations.findMembership(caller.accountUin);
    if (!m || m.org.manager_uin !== caller.accountUin) return { eligible: false, enabled: false };
    const directory = await first(this.db, this.db.selectFrom("directories").selectAll().where("org_id", "=", m.org.org_id));
    return { eligible: true, enabled: m.org.directory_service === 1, directory: directory && directoryView(directory) };
  }

  /** Turns the service on; idempotent (Terraform's cloud_sso_service enables on every read). */
  async enableService(caller: Caller): Promise<void> {
    const org = await this.managedOrgId(caller);
    await exec(this.db, this.db.updateTable("organizations").set({ directory_service: 1 }).where("org_id", "=", org));
  }

  /** Turns the service off; refused while the organization has a directory. Idempotent. */
  async disableService(caller: Caller): Promise<void> {
    const org = await this.managedOrgId(caller);
    await this.db.transaction().execute(async (trx) => {
      // The organization's row orders this against a concurrent open().
      await lockRow(trx, "organizations", "org_id", org);
      const dir = await first(trx, trx.selectFrom("directories").select("directory_id").where("org_id", "=", org));
      if (dir) fail("directory.service_in_use", `the identity center still has directory ${dir.directory_id}; delete it first`);
      await exec(trx, trx.updateTable("organizations").set({ directory_service: 0 }).where("org_id", "=", org));
    });
  }

  /** Opens the organization's directory, turning the service on with it; without a name one is generated. */
  async open(caller: Caller, name: string = prefixedId("directory-")): Promise<DirectoryView> {
    const org = await this.managedOrgId(caller);
    checkName(name);
    const now = this.clock.now();
    const row: Directory = {
      directory_id: prefixedId("z-"),
      org_id: org,
      name,
      scim_sync_status: "Disabled",
      user_count: 0,
      group_count: 0,
      user_quota: null,
      group_quota: null,
      group_member_quota: null,
      user_group_quota: null,
      created_at: now,
      updated_at: now,
      subuser_landing_page: null,
      subuser_session_hours: null,
      subuser_settings_updated_at: null,
    };
    try {
      await this.db.transaction().execute(async (trx) => {
        await lockRow(trx, "organizations", "org_id", org);
        const existing = await first(trx, trx.selectFrom("directories").select("directory_id").where("org_id", "=", org));
        if (existing) fail("directory.already_open", "the organization's identity center is already open");
        const taken = await first(trx, trx.selectFrom("directories").select("directory_id").where("name", "=", name));
        if (taken) fail("directory.name_taken", `the name "${name}" is taken`, "name");
        await exec(trx, trx.insertInto("directories").values(row));
        await exec(trx, trx.updateTable("organizations").set({ directory_service: 1 }).where("org_id", "=", org));
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // Lost a race: tell which uniqueness was hit.
      const mine = await first(this.db, this.db.selectFrom("directories").select("directory_id").where("org_id", "=", org));
      if (mine) fail("directory.already_open", "the organization's identity center is already open");
      fail("directory.name_taken", `the name "${name}" is taken`, "name");
    }
    return directoryView(row);
  }

  /** The caller's directory, or undefined when its organization has not opened one. */
  find(caller: Caller): MaybePromise<DirectoryView | undefined> {
    return then(this.row(caller), (dir) => dir && directoryView(dir));
  }

  /** The directory `directoryId`, which must be the caller's own. */
  get(caller: Caller, directoryId: string): MaybePromise<DirectoryView> {
    return then(this.resolve(caller, directoryId), directoryView);
  }

  /**
   * The directory row of `directoryId`, which must be the caller's own: how every service of the core
   * scopes a directory action to its caller, with the counts, quotas and settings it may need.
   */
  resolve(caller: Caller, directoryId: string): MaybePromise<Directory> {
    return then(directoryOfMember(this.db, caller.accountUin), (row) => {
      checkDirectory(caller, row, directoryId);
      return row as Directory;
    });
  }

  /**
   * `resolve` for a read that needs only the scoping, not the directory's row (a user, a group, a
   * provisioning or a task by id): the same checks and refusals, reading two columns instead of the row.
   */
  scope(caller: Caller, directoryId: string): MaybePromise<void> {
    // A SCIM credential's caller is bound to its directory: nothing to read.
    if (caller.scimDirectoryId !== undefined) {
      if (caller.scimDirectoryId !== directoryId) fail("directory.not_found", "the directory does not exist", "directoryId");
      return;
    }
    return then(directoryIdOfMember(this.db, caller.accountUin), (row) => {
      checkDirectory(caller, row, directoryId);
    });
  }

  /** The caller's directory row, or undefined; refused for an account outside an organization or not its manager. One read. */
  private row(caller: Caller): MaybePromise<Directory | undefined> {
    return then(directoryOfMember(this.db, caller.accountUin), (row) => {
      checkManager(caller, row);
      // The row carries manager_uin besides the directory's columns; no caller reads it.
      return row.directory_id === null ? undefined : (row as Directory);
    });
  }

  async rename(caller: Caller, directoryId: string, name: string): Promise<DirectoryView> {
    const dir = await this.resolve(caller, directoryId);
    checkName(name);
    const updatedAt = this.clock.now();
    try {
      const taken = await first(this.db, this.db.selectFrom("directories").select("directory_id").where("name", "=", name).where("directory_id", "!=", dir.directory_id));
      if (taken) fail("directory.name_taken", `the name "${name}" is taken`, "name");
      await exec(this.db, this.db.updateTable("directories").set({ name, updated_at: updatedAt }).where("directory_id", "=", dir.directory_id));
    } catch (err) {
      if (isUniqueViolation(err)) fail("directory.name_taken", `the name "${name}" is taken`, "name");
      throw err;
    }
    return directoryView({ ...dir, name, updated_at: updatedAt });
  }

  /**
   * Deletes the directory, only when it holds no users, no groups (and so no provisionings, which
   * need a principal) and no SCIM credentials. The service stays on; the organization may open a new directory.
   */
  async delete(caller: Caller, directoryId: string): Promise<void> {
    await this.resolve(caller, directoryId);
    await this.db.transaction().execute(async (trx) => {
      // Creations lock this row too, so no user or group can appear after the check.
      const dir = await this.lock(trx, directoryId);
      if (dir.user_count > 0) fail("directory.has_users", `the directory still has ${dir.user_count} users; delete them first`, "directoryId");
      if (dir.group_count > 0) fail("directory.has_groups", `the directory still has ${dir.group_count} groups; delete them first`, "directoryId");
      // SCIM credentials are created under this row's lock too (CloudSSO requires them gone first).
      const credential = await first(trx, trx.selectFrom("scim_credentials").select("credential_id").where("directory_id", "=", directoryId).limit(1));
      if (credential) fail("directory.has_scim_credentials", "the directory still has SCIM credentials; delete them first", "directoryId");
      // Configurations are created under this row's lock too (CloudSSO requires them gone first).
      const configuration = await first(trx, trx.selectFrom("access_configurations").select("configuration_id").where("directory_id", "=", directoryId).limit(1));
      if (configuration) fail("directory.has_access_configurations", "the directory still has access configurations; delete them first", "directoryId");
      // Task and event history is only reachable through the directory.
      await exec(trx, trx.deleteFrom("provisioning_tasks").where("directory_id", "=", directoryId));
      await exec(trx, trx.deleteFrom("provisioning_events").where("directory_id", "=", directoryId));
      await exec(trx, trx.deleteFrom("directories").where("directory_id", "=", directoryId));
    });
  }

  quotas(dir: Directory): Quotas {
    return {
      users: dir.user_quota ?? this.limits.usersPerDirectory,
      groups: dir.group_quota ?? this.limits.groupsPerDirectory,
      membersPerGroup: dir.group_member_quota ?? this.limits.membersPerGroup,
      groupsPerUser: dir.user_group_quota ?? this.limits.groupsPerUser,
    };
  }

  /** Administrative: per-directory quota overrides (null restores the server default). */
  async setQuotas(directoryId: string, q: Partial<Record<keyof Quotas, number | null>>): Promise<boolean> {
    const patch: Partial<Directory> = { updated_at: this.clock.now() };
    if (q.users !== undefined) patch.user_quota = q.users;
    if (q.groups !== undefined) patch.group_quota = q.groups;
    if (q.membersPerGroup !== undefined) patch.group_member_quota = q.membersPerGroup;
    if (q.groupsPerUser !== undefined) patch.user_group_quota = q.groupsPerUser;
    return (await exec(this.db, this.db.updateTable("directories").set(patch).where("directory_id", "=", directoryId))) > 0;
  }

  /**
   * Administrative (the CLI's `scim-credential`): the directory's organization's management account,
   * as the caller that may act on the directory; undefined when there is no such directory.
   */
  async managerOf(directoryId: string): Promise<Caller | undefined> {
    const row = await first(
      this.db,
      this.db.selectFrom("directories").innerJoin("organizations", "organizations.org_id", "directories.org_id").select("organizations.manager_uin").where("directories.directory_id", "=", directoryId),
    );
    return row && { accountUin: row.manager_uin, principalUin: row.manager_uin, isSubUser: false };
  }

  /** Administrative (the CLI's `directories list`): every directory row, oldest first. */
  async list(): Promise<Directory[]> {
    return all(this.db, this.db.selectFrom("directories").selectAll().orderBy("created_at"));
  }

  async statistics(caller: Caller, directoryId: string): Promise<DirectoryStatistics> {
    const dir = await this.resolve(caller, directoryId);
    // Sub-users that represent this directory's users, in any account.
    const row = await first(
      this.db,
      this.db
        .selectFrom("sub_users")
        .innerJoin("dir_users", "dir_users.user_id", "sub_users.directory_user_id")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("dir_users.directory_id", "=", dir.directory_id),
    );
    const credentials = await first(this.db, this.db.selectFrom("scim_credentials").select((eb) => eb.fn.countAll<number>().as("n")).where("directory_id", "=", dir.directory_id));
    const configurations = await first(this.db, this.db.selectFrom("access_configurations").select((eb) => eb.fn.countAll<number>().as("n")).where("directory_id", "=", dir.directory_id));
    const access = await first(
      this.db,
      this.db.selectNoFrom((eb) => [
        eb.selectFrom("access_assignments").select(eb.fn.countAll<number>().as("n")).where("directory_id", "=", dir.directory_id).as("assignments"),
        eb.selectFrom("access_deployments").select(eb.fn.countAll<number>().as("n")).where("directory_id", "=", dir.directory_id).where("removing", "=", 0).as("deployments"),
        eb.selectFrom("access_tasks").select(eb.fn.countAll<number>().as("n")).where("directory_id", "=", dir.directory_id).where("status", "=", "InProgress").as("in_progress"),
      ]),
    );
    return {
      directory: directoryView(dir),
      quotas: this.quotas(dir),
      userCount: dir.user_count,
      groupCount: dir.group_count,
      provisionedUserCount: Number(row?.n ?? 0),
      scimCredentialCount: Number(credentials?.n ?? 0),
      accessConfigurationCount: Number(configurations?.n ?? 0),
      accessAssignmentCount: Number(access?.assignments ?? 0),
      deployedConfigurationCount: Number(access?.deployments ?? 0),
      inProgressAccessTaskCount: Number(access?.in_progress ?? 0),
    };
  }

  /** Locks the directory row for the rest of `trx` and returns it fresh (counts and quotas are then exact). */
  lock(trx: Kysely<Database>, directoryId: string): MaybePromise<Directory> {
    return then(lockedDirectory(trx, directoryId), (dir) => dir ?? fail("directory.not_found", "the directory does not exist", "directoryId"));
  }

  private async managedOrgId(caller: Caller): Promise<number> {
    const m = await this.organizations.findMembership(caller.accountUin);
    if (!m) return fail("directory.no_organization", "the calling account has no organization");
    if (m.org.manager_uin !== caller.accountUin) fail("directory.not_manager", "only the organization's management account manages its identity center");
    return m.org.org_id;
  }
}

function checkName(name: string): void {
  if (!DIRECTORY_NAME.test(name)) {
    fail("directory.name_invalid", "names are 2-64 lowercase letters, digits and '-', not starting or ending with '-' and without '--'", "name");
  }
}

/** The caller's membership row (with its organization's manager) must exist and name the caller as manager. */
function checkManager(caller: Caller, row: { manager_uin: number } | undefined): asserts row {
  if (!row) return fail("directory.no_organization", "the calling account has no organization");
  if (row.manager_uin !== caller.accountUin) fail("directory.not_manager", "only the organization's management account manages its identity center");
}

/** …and its organization's directory must be open and be `directoryId`: how every directory action is scoped to its caller. */
function checkDirectory(caller: Caller, row: { manager_uin: number; directory_id: string | null } | undefined, directoryId: string): void {
  checkManager(caller, row);
  if (row.directory_id === null) fail("directory.not_open", "the organization has not opened its identity center");
  if (row.directory_id !== directoryId) fail("directory.not_found", "the directory does not exist", "directoryId");
}
