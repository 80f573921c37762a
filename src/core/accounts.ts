/**
 * Accounts (each with a numeric UIN) and the API credentials that act in them.
 * A credential authenticates either the account itself or one of its sub-users.
 */
import type { Kysely } from "kysely";
import { all, exec, first, nextSequence } from "../store/database.js";
import type { Account, CredentialStatus, Database } from "../store/schema.js";
import type { Clock } from "./clock.js";
import { CoreError } from "./errors.js";
import { randomAlnum } from "./ids.js";
import type { SecretBox } from "./secrets.js";

/** Who is calling, once a signature has been verified. */
export interface Caller {
  accountUin: number;
  /** The account UIN, or the sub-user's UIN when a sub-user's key signed the request. */
  principalUin: number;
  isSubUser: boolean;
  /**
   * Set when an identity provider's SCIM credential authenticated the request: the writer is then the
   * directory's synchronization, not an administrator, and the ownership rules tell the two apart.
   */
  scimCredentialId?: string;
  /**
   * The one directory such a credential belongs to. A credential is bound to its directory, and a
   * directory is not deleted while it has credentials, so scoping a request to it is this comparison.
   */
  scimDirectoryId?: string;
}

export interface IssuedKey {
  secretId: string;
  secretKey: string;
  accountUin: number;
}

export interface KeyInfo {
  secretId: string;
  accountUin: number;
  subjectUin: number;
  status: CredentialStatus;
  createdAt: number;
}

export interface ResolvedCredential {
  secretKey: string;
  caller: Caller;
}

const KEY_CHECK = "master_key_check";
/** How long another process's key changes (disable, delete) may take to reach this one. */
export const CREDENTIAL_TTL_MS = 1000;

export class Accounts {
  /**
   * Resolved credentials, kept for CREDENTIAL_TTL_MS: a signature check then costs no query and no
   * decryption. Changes made through this process apply at once (forget); changes made by another
   * process (the CLI, a second server) apply within the TTL.
   */
  private readonly cache = new Map<string, { value: ResolvedCredential | undefined; until: number }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly box: SecretBox,
    /** What the cache's freshness is measured by: real time under an emulator, whose clock may stand still. */
    private readonly cacheClock: Clock = clock,
  ) {}

  /**
   * Fails fast when the master key cannot open what this database holds
   * (e.g. a second process started with another key), instead of rejecting every signature later.
   */
  async checkMasterKey(): Promise<void> {
    const row = await first(this.db, this.db.selectFrom("meta").select("value").where("key", "=", KEY_CHECK));
    if (!row) {
      await exec(this.db, this.db
        .insertInto("meta")
        .values({ key: KEY_CHECK, value: this.box.seal("opencic") })
        .onConflict((oc) => oc.column("key").doNothing()));
      return;
    }
    try {
      if (this.box.open(row.value) === "opencic") return;
    } catch {
      /* fall through */
    }
    throw new Error("the master key does not match this database (check OPENCIC_MASTER_KEY or <data dir>/master.key)");
  }

  /**
   * On first start with an empty store: create a root account and its credential.
   * Returns the key when one was created (generated: true when OpenCIC made it up), or null.
   */
  async bootstrap(given?: { secretId: string; secretKey: string }): Promise<(IssuedKey & { generated: boolean }) | null> {
    return this.db.transaction().execute(async (trx) => {
      const any = await first(trx, trx.selectFrom("accounts").select("uin").limit(1));
      if (any) return null;
      const account = await this.insertAccount(trx, "root", "root", null);
      const key = given ?? generateKey();
      await this.insertKey(trx, account.uin, account.uin, key.secretId, key.secretKey);
      return { ...key, accountUin: account.uin, generated: !given };
    });
  }

  async createRootAccount(name: string): Promise<Account> {
    validateAccountName(name);
    return this.insertAccount(this.db, name, "root", null);
  }

  /** Used by the organization service inside its own transaction. */
  async insertAccount(
    db: Kysely<Database>,
    name: string,
    kind: Account["kind"],
    createdByOrg: number | null,
  ): Promise<Account> {
    const uin = await nextSequence(db, "uin");
    const row = { uin, name, kind, created_by_org: createdByOrg, created_at: this.clock.now() };
    await exec(db, db.insertInto("accounts").values(row));
    return { ...row, sub_user_count: 0 };
  }

  async get(uin: number): Promise<Account | undefined> {
    return first(this.db, this.db.selectFrom("accounts").selectAll().where("uin", "=", uin));
  }

  async list(): Promise<Account[]> {
    return all(this.db, this.db.selectFrom("accounts").selectAll().orderBy("uin"));
  }

  /** Issue an API key for an account (root or member). The secret is returned once and stored sealed. */
  async createKey(accountUin: number): Promise<IssuedKey> {
    const account = await this.get(accountUin);
    if (!account) throw new CoreError("organization.member_not_found", `no account with UIN ${accountUin}`);
    const key = generateKey();
    await this.insertKey(this.db, accountUin, accountUin, key.secretId, key.secretKey);
    return { ...key, accountUin };
  }

  async insertKey(db: Kysely<Database>, accountUin: number, subjectUin: number, secretId: string, secretKey: string) {
    await exec(db, db
      .insertInto("credentials")
      .values({
        secret_id: secretId,
        account_uin: accountUin,
        subject_uin: subjectUin,
        secret_key_enc: this.box.seal(secretKey),
        status: "Enabled",
        created_at: this.clock.now(),
      }));
  }

  /** Every key, or one account's (its own and its sub-users'), oldest first. */
  async listKeys(accountUin?: number): Promise<KeyInfo[]> {
    let q = this.db.selectFrom("credentials");
    if (accountUin !== undefined) q = q.where("account_uin", "=", accountUin);
    const rows = await all(this.db, q
      .select(["secret_id", "account_uin", "subject_uin", "status", "created_at"])
      .orderBy("created_at")
      .orderBy("secret_id"));
    return rows.map((r) => ({
      secretId: r.secret_id,
      accountUin: r.account_uin,
      subjectUin: r.subject_uin,
      status: r.status,
      createdAt: r.created_at,
    }));
  }

  /** Enables or disables a key; given an account, only a key of that account (false: no such key there). */
  async setKeyStatus(secretId: string, status: CredentialStatus, accountUin?: number): Promise<boolean> {
    let q = this.db.updateTable("credentials").set({ status }).where("secret_id", "=", secretId);
    if (accountUin !== undefined) q = q.where("account_uin", "=", accountUin);
    const changed = await exec(this.db, q);
    this.forget([secretId]);
    return changed > 0;
  }

  /** Deletes one key of an account; false when the account has no such key. */
  async deleteKey(accountUin: number, secretId: string): Promise<boolean> {
    const changed = await exec(this.db, this.db.deleteFrom("credentials").where("secret_id", "=", secretId).where("account_uin", "=", accountUin));
    this.forget([secretId]);
    return changed > 0;
  }

  /** Drops every cached credential (the emulator replaced the whole state). */
  forgetAll(): void {
    this.cache.clear();
  }

  /** Drops cached credentials after they were changed or deleted. */
  forget(secretIds: string[]): void {
    for (const id of secretIds) this.cache.delete(id);
  }

  /**
   * The credential `resolve` would return without asking the database, while it is fresh in the cache
   * (the same CREDENTIAL_TTL_MS); undefined otherwise. Lets a signature check skip a wait.
   */
  cached(secretId: string): ResolvedCredential | undefined {
    const hit = this.cache.get(secretId);
    return hit && hit.until > this.cacheClock.now() ? hit.value : undefined;
  }

  /** The enabled credential behind a SecretId, or undefined (unknown and disabled look the same to callers). */
  async resolve(secretId: string): Promise<ResolvedCredential | undefined> {
    const now = this.cacheClock.now();
    const hit = this.cache.get(secretId);
    if (hit && hit.until > now) return hit.value;
    const row = await first(this.db, this.db
      .selectFrom("credentials")
      .select(["secret_key_enc", "account_uin", "subject_uin", "status"])
      .where("secret_id", "=", secretId));
    const value =
      row && row.status === "Enabled"
        ? {
            secretKey: this.box.open(row.secret_key_enc),
            caller: { accountUin: row.account_uin, principalUin: row.subject_uin, isSubUser: row.subject_uin !== row.account_uin },
          }
        : undefined;
    // Unknown ids are not kept, so guessing random SecretIds cannot fill the cache.
    if (value) {
      if (this.cache.size >= 10_000) this.cache.clear();
      this.cache.set(secretId, { value, until: now + CREDENTIAL_TTL_MS });
    } else {
      this.cache.delete(secretId);
    }
    return value;
  }
}

/** SecretIds look like Tencent's (`AKID` + 32) and double as Alibaba AccessKeyIds. */
export function generateKey(): { secretId: string; secretKey: string } {
  return { secretId: "AKID" + randomAlnum(32), secretKey: randomAlnum(32) };
}

function validateAccountName(name: string): void {
  if (!/^[\p{L}\p{N}+@&._\[\]\-:, ]{1,64}$/u.test(name)) {
    throw new CoreError("value.invalid", "account name must be 1-64 letters, digits or +@&._[]-:, characters", "name");
  }
}
