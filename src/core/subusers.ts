/**
 * Sub-users of an account (Tencent CAM users, Alibaba RAM users): one store that both dialects
 * serve, and that provisioning writes into. Sub-users that provisioning manages (directory_user_id
 * set) refuse direct edits.
 *
 * Every write to sub_users goes through this file, whether a CAM/RAM call or the reconcile engine
 * asked: the name rule, UIN/Uid numbering, the per-account quota and its kept count, key deletion
 * and credential-cache invalidation are written once. Every write that adds, removes, renames or
 * adopts a sub-user first locks the account's row (`lockAccount`), so a quota check, or a plan made
 * from the account's sub-users, sees every earlier writer on PostgreSQL too.
 */
import { textLength } from "./text.js";
import type { Kysely } from "kysely";
import { all, exec, first, isUniqueViolation, nextSequence, precompiledRow } from "../store/database.js";
import type { Database, SubUser, SubUserPatch } from "../store/schema.js";
import { type Accounts, type Caller, generateKey } from "./accounts.js";
import type { Clock } from "./clock.js";
import type { PageTokens } from "./directory/paging.js";
import { insertRows } from "../store/shapes.js";
import { fail } from "./errors.js";
import type { Limits } from "./limits.js";
import { type MaybePromise, then } from "../lib/maybe-promise.js";
import { SUBUSER_NAME } from "./rules.js";
import { hashGeneratedSecret, hashPassword, pooledRandomIndex } from "./secrets.js";

const LIMITS = { remark: 255, description: 128, email: 128, phoneNum: 32, countryCode: 8, password: { min: 8, max: 32 } };
/** Sub-users per page of `page()`, and the default. */
export const SUBUSER_PAGE = { max: 1000, default: 100 };

export interface SubUserInput {
  remark?: string;
  /** Free text beside the remark (RAM Comments). */
  description?: string;
  consoleLogin?: number;
  password?: string;
  needResetPassword?: number;
  phoneNum?: string;
  countryCode?: string;
  email?: string;
}

/** An update may also rename the sub-user; its keys and provisioning claims follow it (they key on the UIN). */
export interface SubUserUpdate extends SubUserInput {
  newName?: string;
}

export interface SubUserPage {
  items: SubUserView[];
  /** Opaque; present when more sub-users follow. */
  marker?: string;
}

export interface NewSubUserInput extends SubUserInput {
  name: string;
  /** Also issue an API key for the sub-user. */
  useApi?: number;
}

/** A sub-user for `createMany`; what is not given is empty. */
export interface NewSubUserRow {
  name: string;
  remark?: string;
  description?: string;
  consoleLogin?: number;
  passwordHash?: string | null;
  needResetPassword?: number;
  phoneNum?: string;
  countryCode?: string;
  email?: string;
  /** The directory user a managed sub-user represents. */
  directoryUserId?: string | null;
}

/** Rows per insert statement. */
const INSERT_CHUNK = 100;

export interface CreatedSubUser {
  user: SubUserView;
  /** Present when OpenCIC generated the console password. */
  generatedPassword?: string;
  key?: { secretId: string; secretKey: string };
}

/** A sub-user as the core answers with it: no password hash, no bookkeeping. */
export interface SubUserView {
  uin: number;
  uid: number;
  name: string;
  remark: string;
  /** Free text beside the remark (RAM Comments); "" when none. */
  description: string;
  /** 1 when the sub-user may sign in to the console. */
  consoleLogin: number;
  phoneNum: string;
  countryCode: string;
  email: string;
  createdAt: number;
  updatedAt: number;
}

/** The columns a view is made from. */
const VIEW_COLUMNS = ["uin", "uid", "name", "remark", "description", "console_login", "phone_num", "country_code", "email", "created_at", "updated_at"] as const;
type SubUserViewRow = Pick<SubUser, Exclude<(typeof VIEW_COLUMNS)[number], "description">> & { description?: string };

function subUserView(r: SubUserViewRow): SubUserView {
  return {
    uin: r.uin,
    uid: r.uid,
    name: r.name,
    remark: r.remark,
    description: r.description ?? "",
    consoleLogin: r.console_login,
    phoneNum: r.phone_num,
    countryCode: r.country_code,
    email: r.email,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

// The reads by name, compiled once per database (see `precompiledRow`): CAM and RAM GetUser run one on every call.
const subUserByName = precompiledRow((db: Kysely<Database>, accountUin: number, name: string) =>
  db.selectFrom("sub_users").selectAll().where("account_uin", "=", accountUin).where("name", "=", name),
);
const subUserViewByName = precompiledRow((db: Kysely<Database>, accountUin: number, name: string) =>
  db.selectFrom("sub_users").select(VIEW_COLUMNS).where("account_uin", "=", accountUin).where("name", "=", name),
);

export class SubUsers {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly accounts: Accounts,
    private readonly limits: Limits,
    private readonly tokens: PageTokens,
  ) {}

  async create(caller: Caller, given: NewSubUserInput): Promise<CreatedSubUser> {
    // An empty password means none was given: with console login, one is generated (as CAM documents).
    const input = given.password === "" ? { ...given, password: undefined } : given;
    if (!SUBUSER_NAME.test(input.name)) fail("subuser.name_invalid", "sub-user names are 1-64 letters, digits or +=,.@_- characters", "name");
    validateFields(input);
    flag(input.useApi, "useApi");
    let generatedPassword: string | undefined;
    let password = input.password;
    if (input.consoleLogin === 1 && password === undefined) password = generatedPassword = generatePassword();
    const key = input.useApi === 1 ? generateKey() : undefined;
    const accountUin = caller.accountUin;
    try {
      const user = await this.db.transaction().execute(async (trx) => {
        await this.reserve(trx, accountUin, 1);
        const taken = await first(trx, trx.selectFrom("sub_users").select("uin").where("account_uin", "=", accountUin).where("name", "=", input.name));
        if (taken) fail("subuser.name_taken", `a sub-user named "${input.name}" already exists`, "name");
        const [row] = await this.insert(trx, accountUin, [
          {
            name: input.name,
            remark: input.remark,
            description: input.description ?? "",
            consoleLogin: input.consoleLogin,
            passwordHash: password === undefined ? null : generatedPassword !== undefined ? hashGeneratedSecret(password) : hashPassword(password),
            needResetPassword: input.needResetPassword,
            phoneNum: input.phoneNum,
            countryCode: input.countryCode,
            email: input.email,
          },
        ]);
        if (key) await this.accounts.insertKey(trx, accountUin, row!.uin, key.secretId, key.secretKey);
        return row!;
      });
      return { user: subUserView(user), generatedPassword, key };
    } catch (err) {
      if (isUniqueViolation(err)) fail("subuser.name_taken", `a sub-user named "${input.name}" already exists`, "name");
      throw err;
    }
  }

  /** The caller's sub-user by name, at once when the store reads at once (GetUser). */
  get(caller: Caller, name: string): MaybePromise<SubUserView> {
    return then(subUserViewByName(this.db, caller.accountUin, name), (row) => (row ? subUserView(row) : notFound(name)));
  }

  async list(caller: Caller): Promise<SubUserView[]> {
    const rows = await all(this.db, this.db.selectFrom("sub_users").select(VIEW_COLUMNS).where("account_uin", "=", caller.accountUin).orderBy("uin"));
    return rows.map(subUserView);
  }

  /**
   * One page of the account's sub-users in creation (UIN) order, read after the marker's position,
   * so sub-users created or deleted between pages never make another be skipped or repeated.
   */
  async page(caller: Caller, req: { limit?: number; marker?: string }): Promise<SubUserPage> {
    const limit = req.limit ?? SUBUSER_PAGE.default;
    if (!Number.isInteger(limit) || limit < 1 || limit > SUBUSER_PAGE.max) fail("subuser.field_invalid", `limit must be an integer from 1 to ${SUBUSER_PAGE.max}`, "limit");
    const scope = `subusers\n${caller.accountUin}`;
    let q = this.db.selectFrom("sub_users").select(VIEW_COLUMNS).where("account_uin", "=", caller.accountUin);
    if (req.marker) q = q.where("uin", ">", this.tokens.decode(req.marker, scope).at);
    const rows = await all(this.db, q.orderBy("uin").limit(limit + 1));
    const items = rows.slice(0, limit).map(subUserView);
    const last = items[items.length - 1];
    return { items, marker: rows.length > limit && last ? this.tokens.encode({ at: last.uin, id: "" }, scope) : undefined };
  }

  async update(caller: Caller, name: string, input: SubUserUpdate): Promise<void> {
    validateFields(input);
    if (input.newName !== undefined && !SUBUSER_NAME.test(input.newName)) fail("subuser.name_invalid", "sub-user names are 1-64 letters, digits or +=,.@_- characters", "newName");
    await this.find(this.db, caller.accountUin, name);
    // Hashed before the transaction, so no lock is held while scrypt runs.
    const passwordHash = input.password !== undefined ? hashPassword(input.password) : undefined;
    let newName: string | undefined;
    try {
      await this.db.transaction().execute(async (trx) => {
        // Under the account's lock, so the sub-user cannot be adopted by provisioning between the check and the write.
        await this.lockAccount(trx, caller.accountUin);
        const user = await this.find(trx, caller.accountUin, name);
        if (user.directory_user_id !== null) fail("subuser.managed", `sub-user "${name}" is managed by user provisioning and cannot be changed directly`, "name");
        const patch: SubUserPatch = { updated_at: this.clock.now() };
        if (input.newName !== undefined && input.newName !== user.name) patch.name = newName = input.newName;
        if (input.remark !== undefined) patch.remark = input.remark;
        if (input.description !== undefined) patch.description = input.description;
        if (input.consoleLogin !== undefined) patch.console_login = input.consoleLogin;
        if (passwordHash !== undefined) patch.password_hash = passwordHash;
        if (input.needResetPassword !== undefined) patch.need_reset_password = input.needResetPassword;
        if (input.phoneNum !== undefined) patch.phone_num = input.phoneNum;
        if (input.countryCode !== undefined) patch.country_code = input.countryCode;
        if (input.email !== undefined) patch.email = input.email;
        if (patch.name !== undefined) {
          const taken = await first(trx, trx.selectFrom("sub_users").select("uin").where("account_uin", "=", caller.accountUin).where("name", "=", patch.name));
          if (taken) fail("subuser.name_taken", `a sub-user named "${patch.name}" already exists`, "newName");
        }
        await exec(trx, trx.updateTable("sub_users").set(patch).where("uin", "=", user.uin));
      });
    } catch (err) {
      if (isUniqueViolation(err)) fail("subuser.name_taken", `a sub-user named "${newName}" already exists`, "newName");
      throw err;
    }
  }

  /** Without `force`, a sub-user that still has API keys is kept. */
  async delete(caller: Caller, name: string, force = 0): Promise<void> {
    flag(force, "force");
    await this.find(this.db, caller.accountUin, name);
    const removedKeys = await this.db.transaction().execute(async (trx) => {
      await this.lockAccount(trx, caller.accountUin);
      const user = await this.find(trx, caller.accountUin, name);
      if (user.directory_user_id !== null) fail("subuser.managed", `sub-user "${name}" is managed by user provisioning and cannot be deleted directly`, "name");
      const keys = await all(trx, trx.selectFrom("credentials").select("secret_id").where("subject_uin", "=", user.uin).limit(1));
      if (keys.length > 0 && force !== 1) fail("subuser.has_keys", `sub-user "${name}" still has API keys; delete them first or pass force`);
      return this.release(trx, caller.accountUin, [user.uin], "delete");
    });
    this.forget(removedKeys);
  }

  // ---- the write path the reconcile engine shares (inside the caller's transaction) ----

  /**
   * Locks the account's row for the rest of `trx` (one update that changes nothing, which also reads
   * the kept count), and says how many sub-users it has and how many more it takes.
   */
  async lockAccount(trx: Kysely<Database>, accountUin: number): Promise<{ count: number; room: number }> {
    const row = await first(
      trx,
      trx
        .updateTable("accounts")
        .set((eb) => ({ sub_user_count: eb.ref("sub_user_count") }))
        .where("uin", "=", accountUin)
        .returning("sub_user_count"),
    );
    if (!row) throw new Error(`account ${accountUin} does not exist`);
    const count = Number(row.sub_user_count);
    return { count, room: this.limits.subUsersPerAccount - count };
  }

  /** Creates sub-users in one account: names checked, quota held, numbered, counted. */
  async createMany(trx: Kysely<Database>, accountUin: number, rows: readonly NewSubUserRow[]): Promise<SubUser[]> {
    if (rows.length === 0) return [];
    for (const r of rows) if (!SUBUSER_NAME.test(r.name)) fail("subuser.name_invalid", `"${r.name}" is not a valid sub-user name`, "name");
    await this.reserve(trx, accountUin, rows.length);
    return this.insert(trx, accountUin, rows);
  }

  /** Makes a hand-made sub-user the managed representative of a directory user (TakeOver). */
  async adopt(trx: Kysely<Database>, accountUin: number, uin: number, directoryUserId: string): Promise<void> {
    const adopted = await exec(
      trx,
      trx
        .updateTable("sub_users")
        .set({ directory_user_id: directoryUserId, updated_at: this.clock.now() })
        .where("uin", "=", uin)
        .where("account_uin", "=", accountUin)
        .where("directory_user_id", "is", null),
    );
    // The caller planned under the account's lock, so this only fails if that rule was broken; the reconcile retries.
    if (adopted !== 1) throw new Error(`sub-user ${uin} of account ${accountUin} is no longer there to adopt`);
  }

  /**
   * Lets managed sub-users go: "delete" deletes them and their keys, "keep" leaves them as ordinary
   * sub-users. Returns the deleted keys' ids, to `forget` once the transaction has committed.
   */
  async release(trx: Kysely<Database>, accountUin: number, uins: readonly number[], mode: "delete" | "keep"): Promise<string[]> {
    if (uins.length === 0) return [];
    if (mode === "keep") {
      await exec(trx, trx.updateTable("sub_users").set({ directory_user_id: null, updated_at: this.clock.now() }).where("account_uin", "=", accountUin).where("uin", "in", uins));
      return [];
    }
    const keys = await all(trx, trx.selectFrom("credentials").select("secret_id").where("account_uin", "=", accountUin).where("subject_uin", "in", uins));
    await exec(trx, trx.deleteFrom("credentials").where("account_uin", "=", accountUin).where("subject_uin", "in", uins));
    const removed = await exec(trx, trx.deleteFrom("sub_users").where("account_uin", "=", accountUin).where("uin", "in", uins));
    if (removed > 0) await exec(trx, trx.updateTable("accounts").set((eb) => ({ sub_user_count: eb("sub_user_count", "-", removed) })).where("uin", "=", accountUin));
    return keys.map((k) => k.secret_id);
  }

  /** Sets managed sub-users' email and remark (what provisioning keeps equal to the directory user's). */
  async updateAttributes(trx: Kysely<Database>, updates: readonly { uin: number; email: string; remark: string }[]): Promise<void> {
    const now = this.clock.now();
    for (const u of updates) await exec(trx, trx.updateTable("sub_users").set({ email: u.email, remark: u.remark, updated_at: now }).where("uin", "=", u.uin));
  }

  /** Drops deleted keys from the credential cache; after the deleting transaction committed. */
  forget(secretIds: string[]): void {
    if (secretIds.length) this.accounts.forget(secretIds);
  }

  /** The sub-user's row; `db` is the caller's transaction when there is one. */
  private async find(db: Kysely<Database>, accountUin: number, name: string): Promise<SubUser> {
    return (await subUserByName(db, accountUin, name)) ?? notFound(name);
  }

  /** Locks the account and refuses `adding` more sub-users than its quota leaves room for. */
  private async reserve(trx: Kysely<Database>, accountUin: number, adding: number): Promise<void> {
    const { count, room } = await this.lockAccount(trx, accountUin);
    if (adding > room) fail("subuser.quota", `the account already has ${count} sub-users`);
  }

  /** Numbers, inserts and counts sub-users; the caller holds the account's lock and checked the quota. */
  private async insert(trx: Kysely<Database>, accountUin: number, given: readonly NewSubUserRow[]): Promise<SubUser[]> {
    const firstUin = await nextSequence(trx, "uin", given.length);
    const firstUid = await nextSequence(trx, "uid", given.length);
    const now = this.clock.now();
    // The description column is left to its default ("") unless a row has one: the engine's never do,
    // and every value a multi-row insert binds costs on a large fan-out.
    const described = given.some((r) => r.description !== undefined);
    const rows: SubUser[] = given.map((r, i) => ({
      uin: firstUin + i,
      uid: firstUid + i,
      account_uin: accountUin,
      name: r.name,
      remark: r.remark ?? "",
      ...(described ? { description: r.description ?? "" } : {}),
      console_login: r.consoleLogin ?? 0,
      password_hash: r.passwordHash ?? null,
      need_reset_password: r.needResetPassword ?? 0,
      phone_num: r.phoneNum ?? "",
      country_code: r.countryCode ?? "",
      email: r.email ?? "",
      created_at: now,
      updated_at: now,
      directory_user_id: r.directoryUserId ?? null,
    }));
    await insertRows(trx, "sub_users", rows, { chunk: INSERT_CHUNK });
    await exec(trx, trx.updateTable("accounts").set((eb) => ({ sub_user_count: eb("sub_user_count", "+", rows.length) })).where("uin", "=", accountUin));
    return rows;
  }
}

const notFound = (name: string): never => fail("subuser.not_found", `no sub-user named "${name}"`, "name");

function flag(v: number | undefined, field: string): void {
  if (v !== undefined && v !== 0 && v !== 1) fail("subuser.field_invalid", `${field} must be 0 or 1`, field);
}

function validateFields(input: SubUserInput): void {
  flag(input.consoleLogin, "consoleLogin");
  flag(input.needResetPassword, "needResetPassword");
  if (input.remark !== undefined && textLength(input.remark) > LIMITS.remark) fail("subuser.field_invalid", `remark is longer than ${LIMITS.remark} characters`, "remark");
  if (input.description !== undefined && textLength(input.description) > LIMITS.description) {
    fail("subuser.field_invalid", `description is longer than ${LIMITS.description} characters`, "description");
  }
  if (input.email !== undefined && input.email !== "" && (input.email.length > LIMITS.email || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(input.email))) {
    fail("subuser.field_invalid", "email is not a valid address of at most 128 characters", "email");
  }
  if (input.phoneNum !== undefined && input.phoneNum !== "" && !/^[0-9]{1,32}$/.test(input.phoneNum)) fail("subuser.field_invalid", "phone number must be 1-32 digits", "phoneNum");
  if (input.countryCode !== undefined && input.countryCode !== "" && !/^\+?[0-9]{1,7}$/.test(input.countryCode)) fail("subuser.field_invalid", "country code must be 1-7 digits", "countryCode");
  if (input.password !== undefined && !isStrongPassword(input.password)) {
    fail("subuser.password_weak", "passwords are 8-32 characters mixing upper case, lower case, digits and symbols", "password");
  }
}

export function isStrongPassword(p: string): boolean {
  return (
    p.length >= LIMITS.password.min &&
    p.length <= LIMITS.password.max &&
    /[A-Z]/.test(p) &&
    /[a-z]/.test(p) &&
    /[0-9]/.test(p) &&
    /[^A-Za-z0-9]/.test(p) &&
    !/\s/.test(p)
  );
}

const PASSWORD_CLASSES = ["ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "!@#$%^&*()-_=+"];
const PASSWORD_ALPHABET = PASSWORD_CLASSES.join("");

/** A random 32-character password with every character class, as CAM generates for console login. */
export function generatePassword(length = 32): string {
  const chars = PASSWORD_CLASSES.map((c) => c[pooledRandomIndex(c.length)]!);
  while (chars.length < length) chars.push(PASSWORD_ALPHABET[pooledRandomIndex(PASSWORD_ALPHABET.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = pooledRandomIndex(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join("");
}
