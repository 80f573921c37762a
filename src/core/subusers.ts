/**
 * Sub-users of an account (Tencent CAM users, Alibaba RAM users): one store that both
 * dialects serve, and that provisioning writes into. Sub-users that provisioning manages
 * (directory_user_id set) refuse direct edits.
 */
import { textLength } from "./text.js";
import { randomInt } from "node:crypto";
import type { Kysely } from "kysely";
import { isUniqueViolation, lockRow, nextSequence, precompiledRow } from "../store/database.js";
import type { Database, SubUser, SubUserPatch } from "../store/schema.js";
import { type Accounts, type Caller, generateKey } from "./accounts.js";
import type { Clock } from "./clock.js";
import type { PageTokens } from "./directory/paging.js";
import { fail } from "./errors.js";
import type { Limits } from "./limits.js";
import { type MaybePromise, then } from "./maybe-promise.js";
import { hashGeneratedSecret, hashPassword } from "./secrets.js";

export const SUBUSER_NAME = /^[A-Za-z0-9+=,.@_-]{1,64}$/;
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
  items: SubUser[];
  /** Opaque; present when more sub-users follow. */
  marker?: string;
}

export interface NewSubUserInput extends SubUserInput {
  name: string;
  /** Also issue an API key for the sub-user. */
  useApi?: number;
}

export interface CreatedSubUser {
  user: SubUser;
  /** Present when OpenCIC generated the console password. */
  generatedPassword?: string;
  key?: { secretId: string; secretKey: string };
}

/** What a read of one sub-user answers with (CAM GetUser): no password hash, no bookkeeping. */
export type SubUserView = Pick<SubUser, "uin" | "name" | "uid" | "remark" | "console_login" | "phone_num" | "country_code" | "email">;

// The reads by name, compiled once per database (see `precompiledRow`): GetUser runs one on every call.
const subUserByName = precompiledRow((db: Kysely<Database>, accountUin: number, name: string) =>
  db.selectFrom("sub_users").selectAll().where("account_uin", "=", accountUin).where("name", "=", name),
);
const subUserViewByName = precompiledRow((db: Kysely<Database>, accountUin: number, name: string) =>
  db
    .selectFrom("sub_users")
    .select(["uin", "name", "uid", "remark", "console_login", "phone_num", "country_code", "email"])
    .where("account_uin", "=", accountUin)
    .where("name", "=", name),
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
        // One creator per account at a time, so the quota count sees every earlier creation.
        await lockRow(trx, "accounts", "uin", accountUin);
        const { count } = await trx
          .selectFrom("sub_users")
          .select((eb) => eb.fn.countAll<number>().as("count"))
          .where("account_uin", "=", accountUin)
          .executeTakeFirstOrThrow();
        if (Number(count) >= this.limits.subUsersPerAccount) fail("subuser.quota", `the account already has ${count} sub-users`);
        const taken = await trx.selectFrom("sub_users").select("uin").where("account_uin", "=", accountUin).where("name", "=", input.name).executeTakeFirst();
        if (taken) fail("subuser.name_taken", `a sub-user named "${input.name}" already exists`, "name");
        const now = this.clock.now();
        const row: SubUser = {
          uin: await nextSequence(trx, "uin"),
          uid: await nextSequence(trx, "uid"),
          account_uin: accountUin,
          name: input.name,
          remark: input.remark ?? "",
          description: input.description ?? "",
          console_login: input.consoleLogin ?? 0,
          password_hash: password === undefined ? null : generatedPassword !== undefined ? hashGeneratedSecret(password) : hashPassword(password),
          need_reset_password: input.needResetPassword ?? 0,
          phone_num: input.phoneNum ?? "",
          country_code: input.countryCode ?? "",
          email: input.email ?? "",
          created_at: now,
          updated_at: now,
          directory_user_id: null,
        };
        await trx.insertInto("sub_users").values(row).execute();
        if (key) await this.accounts.insertKey(trx, accountUin, row.uin, key.secretId, key.secretKey);
        return row;
      });
      return { user, generatedPassword, key };
    } catch (err) {
      if (isUniqueViolation(err)) fail("subuser.name_taken", `a sub-user named "${input.name}" already exists`, "name");
      throw err;
    }
  }

  async get(caller: Caller, name: string): Promise<SubUser> {
    const row = await subUserByName(this.db, caller.accountUin, name);
    return row ?? fail("subuser.not_found", `no sub-user named "${name}"`, "name");
  }

  /** `get` for reading: only the fields a GetUser answers with, at once when the store reads at once. */
  view(caller: Caller, name: string): MaybePromise<SubUserView> {
    return then(subUserViewByName(this.db, caller.accountUin, name), (row) => row ?? fail("subuser.not_found", `no sub-user named "${name}"`, "name"));
  }

  async list(caller: Caller): Promise<SubUser[]> {
    return this.db.selectFrom("sub_users").selectAll().where("account_uin", "=", caller.accountUin).orderBy("uin").execute();
  }

  /**
   * One page of the account's sub-users in creation (UIN) order, read after the marker's position,
   * so sub-users created or deleted between pages never make another be skipped or repeated.
   */
  async page(caller: Caller, req: { limit?: number; marker?: string }): Promise<SubUserPage> {
    const limit = req.limit ?? SUBUSER_PAGE.default;
    if (!Number.isInteger(limit) || limit < 1 || limit > SUBUSER_PAGE.max) fail("subuser.field_invalid", `limit must be an integer from 1 to ${SUBUSER_PAGE.max}`, "limit");
    const scope = `subusers\n${caller.accountUin}`;
    let q = this.db.selectFrom("sub_users").selectAll().where("account_uin", "=", caller.accountUin);
    if (req.marker) q = q.where("uin", ">", this.tokens.decode(req.marker, scope).at);
    const rows = await q.orderBy("uin").limit(limit + 1).execute();
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, marker: rows.length > limit && last ? this.tokens.encode({ at: last.uin, id: "" }, scope) : undefined };
  }

  async update(caller: Caller, name: string, input: SubUserUpdate): Promise<void> {
    validateFields(input);
    if (input.newName !== undefined && !SUBUSER_NAME.test(input.newName)) fail("subuser.name_invalid", "sub-user names are 1-64 letters, digits or +=,.@_- characters", "newName");
    const user = await this.get(caller, name);
    if (user.directory_user_id !== null) fail("subuser.managed", `sub-user "${name}" is managed by user provisioning and cannot be changed directly`, "name");
    const patch: SubUserPatch = { updated_at: this.clock.now() };
    if (input.newName !== undefined && input.newName !== user.name) patch.name = input.newName;
    if (input.remark !== undefined) patch.remark = input.remark;
    if (input.description !== undefined) patch.description = input.description;
    if (input.consoleLogin !== undefined) patch.console_login = input.consoleLogin;
    if (input.password !== undefined) patch.password_hash = hashPassword(input.password);
    if (input.needResetPassword !== undefined) patch.need_reset_password = input.needResetPassword;
    if (input.phoneNum !== undefined) patch.phone_num = input.phoneNum;
    if (input.countryCode !== undefined) patch.country_code = input.countryCode;
    if (input.email !== undefined) patch.email = input.email;
    try {
      await this.db.transaction().execute(async (trx) => {
        if (patch.name !== undefined) {
          const taken = await trx.selectFrom("sub_users").select("uin").where("account_uin", "=", caller.accountUin).where("name", "=", patch.name).executeTakeFirst();
          if (taken) fail("subuser.name_taken", `a sub-user named "${patch.name}" already exists`, "newName");
        }
        await trx.updateTable("sub_users").set(patch).where("uin", "=", user.uin).execute();
      });
    } catch (err) {
      if (isUniqueViolation(err)) fail("subuser.name_taken", `a sub-user named "${patch.name}" already exists`, "newName");
      throw err;
    }
  }

  /** Without `force`, a sub-user that still has API keys is kept. */
  async delete(caller: Caller, name: string, force = 0): Promise<void> {
    flag(force, "force");
    const user = await this.get(caller, name);
    if (user.directory_user_id !== null) fail("subuser.managed", `sub-user "${name}" is managed by user provisioning and cannot be deleted directly`, "name");
    const removedKeys = await this.db.transaction().execute(async (trx) => {
      const keys = await trx.selectFrom("credentials").select("secret_id").where("subject_uin", "=", user.uin).execute();
      if (keys.length > 0 && force !== 1) fail("subuser.has_keys", `sub-user "${name}" still has API keys; delete them first or pass force`);
      await trx.deleteFrom("credentials").where("subject_uin", "=", user.uin).execute();
      await trx.deleteFrom("sub_users").where("uin", "=", user.uin).execute();
      return keys.map((k) => k.secret_id);
    });
    this.accounts.forget(removedKeys);
  }
}

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

/** A random 32-character password with every character class, as CAM generates for console login. */
export function generatePassword(length = 32): string {
  const all = PASSWORD_CLASSES.join("");
  const chars = PASSWORD_CLASSES.map((c) => c[randomInt(c.length)]!);
  while (chars.length < length) chars.push(all[randomInt(all.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join("");
}
