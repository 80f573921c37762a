/**
 * Console sessions: a person signs in once with an account's API key (or a one-time link an operator
 * printed) and the browser then holds only a random session token, never the SecretKey.
 *
 * - The token is random; the store keeps its keyed digest (SecretBox.mac), so the table alone signs
 *   nobody in. The rows live in the database, so every process serving a PostgreSQL store knows them.
 * - A session ends when idle for `idleMs`, `absoluteMs` after sign-in, at sign-out, and when the API
 *   key it was opened with is disabled or deleted (the key is resolved again, as a bearer key is).
 * - State-changing requests must also carry the session's anti-forgery token: derived from the
 *   session token with the server's MAC key (so it is bound to the session and never stored), given
 *   at sign-in and by `describe`, and sent back by the console in a header a cross-site form cannot set.
 * - Sign-in attempts are counted per client address (per process, in memory; a fixed minute window).
 * - One-time links: random, stored as digests, expire after `linkTtlMs`, and are deleted by their use
 *   (one delete decides, so two processes cannot both accept one link).
 */
import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import { type MaybePromise, then } from "../lib/maybe-promise.js";
import { exec, first } from "../store/database.js";
import type { ConsoleSessionTable, Database } from "../store/schema.js";
import type { Accounts, Caller } from "./accounts.js";
import type { Clock } from "./clock.js";
import { CoreError, fail } from "./errors.js";
import { type SecretBox, safeEqual } from "./secrets.js";

export interface ConsoleSessionOptions {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, used or not. */
  absoluteMs: number;
  /** A one-time sign-in link works for this long (once). */
  linkTtlMs: number;
  /** Sign-in attempts (right or wrong) one client address may make per minute. */
  signInAttemptsPerMinute: number;
}

export const DEFAULT_CONSOLE_SESSION_OPTIONS: ConsoleSessionOptions = {
  idleMs: 30 * 60_000,
  absoluteMs: 12 * 3600_000,
  linkTtlMs: 10 * 60_000,
  signInAttemptsPerMinute: 10,
};

/** A session just opened: the token for the cookie (shown only here) and its anti-forgery token. */
export interface OpenedSession extends SessionInfo {
  token: string;
}

/** What a session is, as its holder may read it. */
export interface SessionInfo {
  caller: Caller;
  csrfToken: string;
  createdAt: number;
  /** When the session ends unless used before (idle expiry). */
  idleExpiresAt: number;
  /** When the session ends whatever happens (absolute expiry). */
  expiresAt: number;
}

/** How often last-seen is written: a session used every second is not a write per request. */
const TOUCH_EVERY_MS = 60_000;
const PRUNE_EVERY_MS = 60_000;
const MINUTE_MS = 60_000;

const randomToken = () => randomBytes(32).toString("base64url");
/** Tokens are 43 base64url characters; anything else is refused without a query. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

const sessionEnded = () => new CoreError("auth.unknown_key", "the console session is unknown or has ended; sign in again");
const sessionExpired = () => new CoreError("auth.expired", "the console session expired; sign in again");

export class ConsoleSessions {
  readonly options: ConsoleSessionOptions;
  /** Sign-in attempts per client address in the current minute window. */
  private readonly attempts = new Map<string, { windowStart: number; count: number }>();
  private lastPrune = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly box: SecretBox,
    private readonly accounts: Accounts,
    options: Partial<ConsoleSessionOptions> = {},
  ) {
    this.options = { ...DEFAULT_CONSOLE_SESSION_OPTIONS, ...options };
  }

  /** Forgets the sign-in attempts counted so far (the emulator's reset). */
  forgetAttempts(): void {
    this.attempts.clear();
    this.lastPrune = 0;
  }

  /** Opens a session with an API key: the same lookup, and the same refusal for every wrong key, as a bearer key. */
  async signInWithKey(clientAddress: string, secretId: string, secretKey: string): Promise<OpenedSession> {
    this.countAttempt(clientAddress);
    const found = await this.accounts.resolve(secretId);
    if (!found || !safeEqual(found.secretKey, secretKey)) return fail("auth.unknown_key", "the SecretId is unknown or disabled, or the SecretKey is wrong");
    return this.open(found.caller, secretId);
  }

  /** Opens a session with a one-time link, which is used up whether or not it is still valid. */
  async signInWithLink(clientAddress: string, link: string): Promise<OpenedSession> {
    this.countAttempt(clientAddress);
    const refused = () => new CoreError("auth.unknown_key", "the sign-in link is unknown, was used already, or expired; ask for a new one (opencic console-link)");
    if (!TOKEN_SHAPE.test(link)) throw refused();
    const digest = this.digest("link", link);
    const row = await first(this.db, this.db.deleteFrom("console_links").where("link_digest", "=", digest).returning(["account_uin", "expires_at"]));
    if (!row || row.expires_at <= this.clock.now()) throw refused();
    const uin = Number(row.account_uin);
    return this.open({ accountUin: uin, principalUin: uin, isSubUser: false }, null);
  }

  /** A one-time sign-in link's token for an account (an operator's: the CLI makes them). */
  async createLink(accountUin: number): Promise<{ token: string; expiresAt: number }> {
    const token = randomToken();
    const now = this.clock.now();
    const expiresAt = now + this.options.linkTtlMs;
    await exec(this.db, this.db.insertInto("console_links").values({ link_digest: this.digest("link", token), account_uin: accountUin, created_at: now, expires_at: expiresAt }));
    return { token, expiresAt };
  }

  /** The session behind a cookie's token, refreshed (idle expiry); refused when unknown, ended or expired. */
  resume(token: string): MaybePromise<SessionInfo> {
    if (!TOKEN_SHAPE.test(token)) throw sessionEnded();
    const digest = this.digest("session", token);
    const row = first(this.db, this.db.selectFrom("console_sessions").selectAll().where("session_digest", "=", digest));
    return then(row, (r) => {
      if (!r) throw sessionEnded();
      const now = this.clock.now();
      if (now >= Number(r.expires_at) || now >= Number(r.last_seen_at) + this.options.idleMs) {
        return then(this.end(digest), () => {
          throw sessionExpired();
        });
      }
      const info = (caller: Caller, lastSeen: number): SessionInfo => ({
        caller,
        csrfToken: this.csrfToken(token),
        createdAt: Number(r.created_at),
        idleExpiresAt: Math.min(lastSeen + this.options.idleMs, Number(r.expires_at)),
        expiresAt: Number(r.expires_at),
      });
      const touched = now - Number(r.last_seen_at) >= TOUCH_EVERY_MS ? exec(this.db, this.db.updateTable("console_sessions").set({ last_seen_at: now }).where("session_digest", "=", digest)) : 0;
      const lastSeen = touched === 0 ? Number(r.last_seen_at) : now;
      if (r.secret_id === null) {
        const uin = Number(r.account_uin);
        return then(touched, () => info({ accountUin: uin, principalUin: Number(r.principal_uin), isSubUser: Number(r.principal_uin) !== uin }, lastSeen));
      }
      // The key the session was opened with still decides: disabled or deleted, the session ends.
      const secretId = r.secret_id;
      return then(touched, () =>
        then(this.accounts.cached(secretId) ?? this.accounts.resolve(secretId), (found) => {
          if (!found) {
            return then(this.end(digest), () => {
              throw sessionEnded();
            });
          }
          return info(found.caller, lastSeen);
        }),
      );
    });
  }

  /** Whether `sent` is the anti-forgery token of the session whose cookie token is `token`. */
  csrfMatches(token: string, sent: string | undefined): boolean {
    return sent !== undefined && safeEqual(this.csrfToken(token), sent);
  }

  /** Ends the session (sign-out); an unknown token is no error. */
  async signOut(token: string): Promise<void> {
    if (TOKEN_SHAPE.test(token)) await this.end(this.digest("session", token));
  }

  private async open(caller: Caller, secretId: string | null): Promise<OpenedSession> {
    const token = randomToken();
    const now = this.clock.now();
    await this.prune(now);
    const row: ConsoleSessionTable = {
      session_digest: this.digest("session", token),
      account_uin: caller.accountUin,
      principal_uin: caller.principalUin,
      secret_id: secretId,
      created_at: now,
      last_seen_at: now,
      expires_at: now + this.options.absoluteMs,
    };
    await exec(this.db, this.db.insertInto("console_sessions").values(row));
    return { token, caller, csrfToken: this.csrfToken(token), createdAt: now, idleExpiresAt: Math.min(now + this.options.idleMs, row.expires_at), expiresAt: row.expires_at };
  }

  private end(digest: string): MaybePromise<number> {
    return exec(this.db, this.db.deleteFrom("console_sessions").where("session_digest", "=", digest));
  }

  private countAttempt(clientAddress: string): void {
    const now = this.clock.now();
    let a = this.attempts.get(clientAddress);
    if (!a || now - a.windowStart >= MINUTE_MS || now < a.windowStart) {
      // Addresses are forgotten wholesale rather than one by one: the map cannot grow without bound.
      if (this.attempts.size >= 10_000) this.attempts.clear();
      a = { windowStart: now, count: 0 };
      this.attempts.set(clientAddress, a);
    }
    if (a.count >= this.options.signInAttemptsPerMinute) {
      fail("throttled", `too many sign-in attempts from this address: at most ${this.options.signInAttemptsPerMinute} a minute`);
    }
    a.count++;
  }

  /** Expired sessions and links are deleted at most once a minute per process, at a sign-in. */
  private async prune(now: number): Promise<void> {
    if (now - this.lastPrune < PRUNE_EVERY_MS && now >= this.lastPrune) return;
    this.lastPrune = now;
    await exec(this.db, this.db.deleteFrom("console_sessions").where((eb) => eb.or([eb("expires_at", "<=", now), eb("last_seen_at", "<=", now - this.options.idleMs)])));
    await exec(this.db, this.db.deleteFrom("console_links").where("expires_at", "<=", now));
  }

  private csrfToken(token: string): string {
    return this.box.mac(`console-csrf\u0000${token}`);
  }

  private digest(kind: "session" | "link", token: string): string {
    return this.box.mac(`console-${kind}\u0000${token}`);
  }
}
