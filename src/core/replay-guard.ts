/**
 * The request-nonce ledger: a signed request's (key, nonce) may be used once while its timestamp is
 * acceptable. Every signed Alibaba request asks it, so what it costs is paid on every such request.
 *
 * - A store several processes share (PostgreSQL): the database decides, so that a replay sent to
 *   another process is refused too; the primary key settles races (one upsert wins). The uses of one
 *   event-loop turn are recorded together (one round trip for all of them).
 * - A store one process serves (SQLite): the process decides, in memory, at once; what it accepted is
 *   appended to a log at most LOG_EVERY_MS later (one statement for all the uses since the last
 *   append, at the end of the table), on close, and read back at start, so that a replay after a
 *   restart is refused as well. Appending once per turn instead cost a write and a commit per turn
 *   under load (~15 µs of every signed request) and grew the WAL every read searches; what the delay
 *   risks is a replay, after a crash within that fraction of a second, of a request accepted in it.
 */
import { type Kysely, sql } from "kysely";
import { type MaybePromise, then } from "../lib/maybe-promise.js";
import type { Database } from "../store/schema.js";
import { all, exec, precompiledExec } from "../store/statements.js";
import type { Clock } from "./clock.js";
import { CoreError } from "./errors.js";

/** Expired rows (and remembered pairs) are swept at most this often per process. */
const PRUNE_EVERY_MS = 60_000;

/** One process: accepted uses reach the log at most this much later. */
const LOG_EVERY_MS = 100;

interface Use {
  keyId: string;
  nonce: string;
  expiresAt: number;
}

interface Waiting extends Use {
  accepted(): void;
  refused(err: unknown): void;
}

/**
 * Appends a turn's accepted uses to the log: one statement, compiled once, whatever their number (a
 * JSON list of [key, nonce, expiry] triples). SQLite's JSON functions: only the one-process ledger,
 * which is SQLite's, keeps a log.
 */
const appendUses = precompiledExec((db: Kysely<Database>, usesJson: string) =>
  sql`insert into request_nonce_log (key_id, nonce, expires_at) select json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') from json_each(${usesJson})`,
);

const pairOf = (keyId: string, nonce: string) => `${keyId}\u0000${nonce}`;
const nonceUsed = () => new CoreError("auth.nonce_used", "Specified signature nonce was used already.");

export class ReplayGuard {
  private lastPrune = 0;
  /** Shared store: the uses asked for in this turn, recorded together when it ends. */
  private waiting: Waiting[] = [];
  /** One process: every unexpired pair it accepted, with its expiry, oldest first (a Map keeps insertion order). */
  private readonly remembered = new Map<string, number>();
  /** One process: accepted uses not yet appended to the log, and the append that will take them. */
  private unlogged: Use[] = [];
  private appendTimer: NodeJS.Timeout | undefined;
  private appending: Promise<void> | undefined;
  private loaded: Promise<void> | undefined;
  /** One process: the log was read, so a use is decided at once (not after a turn of the microtask queue). */
  private ready = false;
  /** Counts `forget`s: a read of the log begun before one is not applied after it. */
  private generation = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    /** Whether several processes serve this store (and so must share one ledger in it). */
    private readonly sharedByProcesses: boolean,
  ) {}

  /**
   * Records (keyId, nonce) until `expiresAt` (epoch ms); fails with auth.nonce_used when it is already
   * recorded and unexpired. Call only after the signature checked out, so that nobody can burn
   * another key's nonces.
   */
  use(keyId: string, nonce: string, expiresAt: number): MaybePromise<void> {
    if (this.sharedByProcesses) return this.useShared({ keyId, nonce, expiresAt });
    // At once once the log is read: a request that waits for nothing stays on the pipeline's fast path.
    if (this.ready) return this.useLocal({ keyId, nonce, expiresAt });
    if (this.loaded === undefined) this.loaded = this.load();
    return then(this.loaded, () => this.useLocal({ keyId, nonce, expiresAt }));
  }

  /**
   * Forgets what the process remembers (the emulator replaced the whole state, log included): the
   * one-process ledger reads the log again at its next use.
   */
  forget(): void {
    this.remembered.clear();
    clearTimeout(this.appendTimer);
    this.appendTimer = undefined;
    this.unlogged = [];
    this.loaded = undefined;
    this.ready = false;
    this.generation++;
    this.lastPrune = 0;
  }

  private useLocal(u: Use): void {
    const now = this.clock.now();
    if (now - this.lastPrune >= PRUNE_EVERY_MS || now < this.lastPrune) this.pruneLocal(now);
    const pair = pairOf(u.keyId, u.nonce);
    const until = this.remembered.get(pair);
    if (until !== undefined && until > now) throw nonceUsed();
    // Re-inserted so that the map stays ordered by when pairs were accepted.
    this.remembered.delete(pair);
    this.remembered.set(pair, u.expiresAt);
    this.unlogged.push(u);
    // unref: a pending append does not keep a process alive that has nothing else to do (close() flushes).
    this.appendTimer ??= setTimeout(() => void this.flush(), LOG_EVERY_MS).unref();
  }

  /**
   * Appends what was accepted and not yet logged, now; resolves when it and every append before it
   * are written (appends run one after another, so the log keeps the order uses were accepted in).
   * The timer calls it, and so does the runtime on close.
   */
  flush(): Promise<void> {
    clearTimeout(this.appendTimer);
    this.appendTimer = undefined;
    const uses = this.unlogged;
    this.unlogged = [];
    const before = this.appending ?? Promise.resolve();
    if (uses.length === 0) return before;
    const append = before.then(() => this.appendLog(uses));
    this.appending = append;
    void append.then(() => {
      if (this.appending === append) this.appending = undefined;
    });
    return append;
  }

  /** What the log holds that has not expired: the pairs this process accepted before it (re)started. */
  private async load(): Promise<void> {
    const now = this.clock.now();
    const generation = this.generation;
    const rows = await all(this.db, this.db.selectFrom("request_nonce_log").select(["key_id", "nonce", "expires_at"]).where("expires_at", ">", now).orderBy("seq"));
    // Forgotten meanwhile (the emulator replaced the state): the next use reads the log afresh.
    if (this.generation !== generation) return;
    for (const r of rows) this.remembered.set(pairOf(r.key_id, r.nonce), r.expires_at);
    this.ready = true;
  }

  private async appendLog(uses: Use[]): Promise<void> {
    try {
      await appendUses(this.db, JSON.stringify(uses.map((u) => [u.keyId, u.nonce, u.expiresAt])));
    } catch {
      // The memory still refuses these replays; only a restart in the next minutes would not. Nothing to tell a client.
    }
  }

  private pruneLocal(now: number): void {
    this.lastPrune = now;
    // Expiries follow arrival within the allowed clock skew, so the expired pairs are found at the front.
    for (const [pair, until] of this.remembered) {
      if (until > now) break;
      this.remembered.delete(pair);
    }
    void Promise.resolve(exec(this.db, this.db.deleteFrom("request_nonce_log").where("expires_at", "<=", now))).catch(() => {});
  }

  private useShared(u: Use): Promise<void> {
    return new Promise<void>((accepted, refused) => {
      if (this.waiting.length === 0) setImmediate(() => void this.recordShared());
      this.waiting.push({ ...u, accepted, refused });
    });
  }

  private async recordShared(): Promise<void> {
    const uses = this.waiting;
    this.waiting = [];
    const now = this.clock.now();
    // The same pair twice in one turn: the first is recorded, the others are replays of it.
    const first = new Map<string, Waiting>();
    for (const u of uses) {
      const pair = pairOf(u.keyId, u.nonce);
      if (first.has(pair)) u.refused(nonceUsed());
      else first.set(pair, u);
    }
    try {
      if (now - this.lastPrune >= PRUNE_EVERY_MS || now < this.lastPrune) {
        this.lastPrune = now;
        await exec(this.db, this.db.deleteFrom("request_nonces").where("expires_at", "<=", now));
      }
      const recorded = await all(this.db, recordNonces(this.db, [...first.values()], now));
      const fresh = new Set(recorded.map((r) => pairOf(r.key_id, r.nonce)));
      for (const [pair, u] of first) {
        if (fresh.has(pair)) u.accepted();
        else u.refused(nonceUsed());
      }
    } catch (err) {
      for (const u of first.values()) u.refused(err);
    }
  }
}

/**
 * Inserts each pair, or takes over an expired row for it in place; an unexpired row makes its upsert
 * a no-op, so the statement returns exactly the pairs that were free.
 */
function recordNonces(db: Kysely<Database>, uses: Use[], now: number) {
  return db
    .insertInto("request_nonces")
    .values(uses.map((u) => ({ key_id: u.keyId, nonce: u.nonce, expires_at: u.expiresAt })))
    .onConflict((oc) => oc.columns(["key_id", "nonce"]).doUpdateSet((eb) => ({ expires_at: eb.ref("excluded.expires_at") })).where("request_nonces.expires_at", "<=", now))
    .returning(["key_id", "nonce"]);
}
