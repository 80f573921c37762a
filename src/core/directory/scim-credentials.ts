/**
 * SCIM: the bearer credentials an identity provider presents to the SCIM endpoint, and each
 * directory's synchronization switch. A credential belongs to one directory and selects it: the SCIM
 * base URL is the same for every directory, as on both clouds. The secret is shown once, at creation,
 * and only its keyed digest is stored; a presented token is found by that digest.
 */
import type { Kysely } from "kysely";
import { all, exec, first, precompiledRow } from "../../store/database.js";
import type { Database, ScimCredential } from "../../store/schema.js";
import type { Caller } from "../accounts.js";
import type { Clock } from "../clock.js";
import { CoreError, fail, type Reason } from "../errors.js";
import { prefixedId } from "../ids.js";
import { type MaybePromise, then } from "../../lib/maybe-promise.js";
import { pooledRandomBytes, type SecretBox } from "../secrets.js";
import type { Directories } from "./directories.js";
import { syncDisabled } from "./ownership.js";

export type ScimStatus = "Enabled" | "Disabled";
export const SCIM_STATUSES: readonly ScimStatus[] = ["Enabled", "Disabled"];

/** Both clouds: at most two SCIM credentials per directory. */
export const SCIM_CREDENTIALS_PER_DIRECTORY = 2;
const HOUR_S = 3600;
/** Tencent's documented bounds and default for ExpireDuration; Alibaba's credentials live one year. */
export const SCIM_LIFETIME = { minSeconds: HOUR_S, maxSeconds: 99 * 365 * 24 * HOUR_S, defaultSeconds: 365 * 24 * HOUR_S } as const;
/** How long another process's change to a credential or the switch may take to reach this one. */
export const SCIM_SESSION_TTL_MS = 1000;

export interface ScimCredentialView {
  credentialId: string;
  directoryId: string;
  /** Always a bearer token, on both clouds. */
  type: "BearerToken";
  status: ScimStatus;
  createdAt: number;
  expiresAt: number;
}

/** What a valid SCIM bearer token stands for. */
export interface ScimSession {
  directoryId: string;
  credentialId: string;
  /** The directory's organization's management account, acting through its identity provider. */
  caller: Caller;
  /** The directory's synchronization switch: while off, the SCIM endpoint refuses users and groups. */
  syncEnabled: boolean;
}

function credentialView(c: ScimCredential): ScimCredentialView {
  return { credentialId: c.credential_id, directoryId: c.directory_id, type: "BearerToken", status: c.status, createdAt: c.created_at, expiresAt: c.expires_at };
}

/** The credential a token's digest names, with what a session needs of its directory and organization. */
const credentialByDigest = precompiledRow((db: Kysely<Database>, digest: string) =>
  db
    .selectFrom("scim_credentials")
    .innerJoin("directories", "directories.directory_id", "scim_credentials.directory_id")
    .innerJoin("organizations", "organizations.org_id", "directories.org_id")
    .select(["scim_credentials.credential_id", "scim_credentials.directory_id", "scim_credentials.status", "scim_credentials.expires_at", "directories.scim_sync_status", "organizations.manager_uin"])
    .where("scim_credentials.secret_digest", "=", digest),
);

interface CachedSession {
  session: ScimSession | undefined;
  status: ScimStatus;
  expiresAt: number;
  until: number;
}

export class ScimCredentials {
  /** Sessions by token digest, kept SCIM_SESSION_TTL_MS: a SCIM request then costs no query to authenticate. */
  private readonly cache = new Map<string, CachedSession>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly box: SecretBox,
    private readonly directories: Directories,
    /** What the cache's freshness is measured by (expiry is the clock's): real time under an emulator, whose clock may stand still. */
    private readonly cacheClock: Clock = clock,
  ) {}

  /** Drops every cached session (the emulator replaced the whole state). */
  forgetAll(): void {
    this.cache.clear();
  }

  /** A new enabled credential; its secret is returned here and never again. */
  async create(caller: Caller, directoryId: string, lifetimeSeconds: number = SCIM_LIFETIME.defaultSeconds): Promise<{ credential: ScimCredentialView; secret: string }> {
    await this.directories.scope(caller, directoryId);
    if (!Number.isSafeInteger(lifetimeSeconds) || lifetimeSeconds < SCIM_LIFETIME.minSeconds || lifetimeSeconds > SCIM_LIFETIME.maxSeconds) {
      fail("value.invalid", `the lifetime must be between ${SCIM_LIFETIME.minSeconds} and ${SCIM_LIFETIME.maxSeconds} seconds`, "expireDuration");
    }
    const secret = pooledRandomBytes(36).toString("base64");
    const now = this.clock.now();
    const row: ScimCredential = {
      credential_id: prefixedId("scimcred-"),
      directory_id: directoryId,
      secret_digest: this.digest(secret),
      status: "Enabled",
      created_at: now,
      expires_at: now + lifetimeSeconds * 1000,
    };
    await this.db.transaction().execute(async (trx) => {
      // The directory's row orders concurrent creations, so the count below is exact.
      await this.directories.lock(trx, directoryId);
      const n = await first(trx, trx.selectFrom("scim_credentials").select((eb) => eb.fn.countAll<number>().as("n")).where("directory_id", "=", directoryId));
      if (Number(n?.n ?? 0) >= SCIM_CREDENTIALS_PER_DIRECTORY) fail("scim.credential_quota", `a directory has at most ${SCIM_CREDENTIALS_PER_DIRECTORY} SCIM credentials`);
      await exec(trx, trx.insertInto("scim_credentials").values(row));
    });
    return { credential: credentialView(row), secret };
  }

  /** The directory's credentials, oldest first; with `credentialId`, that one or none (never an error: Terraform reads a credential back this way). */
  async list(caller: Caller, directoryId: string, credentialId?: string): Promise<ScimCredentialView[]> {
    await this.directories.scope(caller, directoryId);
    let q = this.db.selectFrom("scim_credentials").selectAll().where("directory_id", "=", directoryId);
    if (credentialId !== undefined) q = q.where("credential_id", "=", credentialId);
    return (await all(this.db, q.orderBy("created_at").orderBy("credential_id"))).map(credentialView);
  }

  async setStatus(caller: Caller, directoryId: string, credentialId: string, status: string): Promise<ScimCredentialView> {
    await this.directories.scope(caller, directoryId);
    const s = scimStatus(status, "scim.credential_status_invalid", "newStatus");
    const row = await this.find(directoryId, credentialId);
    // Scoped to the directory again, and counted: a credential deleted meanwhile is not found, not silently "updated".
    const changed = await exec(this.db, this.db.updateTable("scim_credentials").set({ status: s }).where("credential_id", "=", credentialId).where("directory_id", "=", directoryId));
    this.cache.clear();
    if (changed === 0) credentialNotFound();
    return credentialView({ ...row, status: s });
  }

  async delete(caller: Caller, directoryId: string, credentialId: string): Promise<void> {
    await this.directories.scope(caller, directoryId);
    const deleted = await exec(this.db, this.db.deleteFrom("scim_credentials").where("credential_id", "=", credentialId).where("directory_id", "=", directoryId));
    this.cache.clear();
    if (deleted === 0) credentialNotFound();
  }

  async syncStatus(caller: Caller, directoryId: string): Promise<ScimStatus> {
    return (await this.directories.resolve(caller, directoryId)).scim_sync_status;
  }

  async setSyncStatus(caller: Caller, directoryId: string, status: string): Promise<void> {
    await this.directories.scope(caller, directoryId);
    const s = scimStatus(status, "scim.sync_status_invalid", "scimSynchronizationStatus");
    await exec(this.db, this.db.updateTable("directories").set({ scim_sync_status: s, updated_at: this.clock.now() }).where("directory_id", "=", directoryId));
    this.cache.clear();
  }

  /**
   * The session a bearer token opens: refused (`scim.credential_invalid`) when the token is unknown,
   * disabled, deleted or past its expiry, alike, so a caller learns nothing about which. At once, from
   * the cache, when the token was seen less than SCIM_SESSION_TTL_MS ago.
   */
  authenticate(token: string): MaybePromise<ScimSession> {
    const digest = this.digest(token);
    const now = this.clock.now();
    const fresh = this.cacheClock.now();
    const hit = this.cache.get(digest);
    if (hit && hit.until > fresh) return usable(hit, now);
    return then(credentialByDigest(this.db, digest), (row) => {
      const entry: CachedSession = row
        ? {
            session: {
              directoryId: row.directory_id,
              credentialId: row.credential_id,
              caller: { accountUin: row.manager_uin, principalUin: row.manager_uin, isSubUser: false, scimCredentialId: row.credential_id, scimDirectoryId: row.directory_id },
              syncEnabled: row.scim_sync_status === "Enabled",
            },
            status: row.status,
            expiresAt: row.expires_at,
            until: fresh + SCIM_SESSION_TTL_MS,
          }
        : { session: undefined, status: "Disabled", expiresAt: 0, until: fresh + SCIM_SESSION_TTL_MS };
      // Unknown tokens are kept too (briefly), so a flood of bad tokens costs one query each per second at most;
      // the bound keeps random guesses from growing the map.
      if (this.cache.size >= 10_000) this.cache.clear();
      this.cache.set(digest, entry);
      return usable(entry, now);
    });
  }

  private async find(directoryId: string, credentialId: string): Promise<ScimCredential> {
    const row = await first(this.db, this.db.selectFrom("scim_credentials").selectAll().where("credential_id", "=", credentialId).where("directory_id", "=", directoryId));
    return row ?? credentialNotFound();
  }

  /** The keyed digest a secret is stored and found by: without the master key, the table reveals nothing. */
  private digest(secret: string): string {
    return this.box.mac(`scim-credential:${secret}`);
  }
}

/** The id is not echoed: a secret pasted where an id belongs must not come back in an answer. */
function credentialNotFound(): never {
  return fail("scim.credential_not_found", "the SCIM credential does not exist in this directory", "credentialId");
}

/**
 * Spec §3.3: while the directory's synchronization is off its users and groups are not served (discovery
 * is). Checked per request from the session, so reads cost no query; writes check again in their transaction.
 */
export function checkServing(session: ScimSession): void {
  if (!session.syncEnabled) syncDisabled();
}

function usable(entry: CachedSession, now: number): ScimSession {
  if (!entry.session || entry.status !== "Enabled" || entry.expiresAt <= now) {
    throw new CoreError("scim.credential_invalid", "the bearer token is not a valid SCIM credential (unknown, disabled, deleted or expired)");
  }
  return entry.session;
}

function scimStatus(value: string, reason: Reason, field: string): ScimStatus {
  if (!(SCIM_STATUSES as readonly string[]).includes(value)) fail(reason, `${field} must be Enabled or Disabled`, field);
  return value as ScimStatus;
}
