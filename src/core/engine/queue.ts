/**
 * The durable reconcile queue (table reconcile_queue; a key names one piece of work, e.g. a provisioning or a deployment: see router.ts). All SQL on that
 * table lives here. A key is on the queue while it has work: marking it (in the transaction of the
 * change that makes the work) puts it there or re-arms it; a worker takes it under a lease, and
 * then drops it, runs it again, backs it off, or parks it after it gave up. Marks coalesce: a key
 * marked a thousand times before a worker gets to it is reconciled once.
 *
 * Engines differ here only: on PostgreSQL several processes take keys, so `take` skips rows another
 * transaction holds (FOR UPDATE SKIP LOCKED); on SQLite one process works the queue, so leases found
 * at start were left by a process that died and are freed.
 */
import type { Kysely, SelectQueryBuilder } from "kysely";
import { type Engine, exec, first } from "../../store/database.js";
import type { Database } from "../../store/schema.js";
import type { Announcer } from "../announcements.js";
import type { Clock } from "../clock.js";

/** A key a worker holds. `marks` is the key's mark count when it was taken. */
export interface QueueEntry {
  key: string;
  /** Failed attempts so far (reset by every mark). */
  attempts: number;
  marks: number;
  /** When it became due: at a mark, the mark's time; after a backoff or a hold, when that ended. */
  dueAt: number;
}

export interface QueueStats {
  /** Keys with work (due, waiting out a backoff, or leased); parked keys are not counted. */
  depth: number;
  /** Keys a worker could take now. */
  due: number;
  leased: number;
  /** Keys that gave up and wait for their next mark. */
  parked: number;
  /** How long the oldest key a worker could take now has been due; null when none is. */
  oldestDueAgeMs: number | null;
}

/** Rows per statement when many keys are marked at once (bound parameters stay far below SQLite's limit). */
const CHUNK = 500;

export class ReconcileQueue {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
    private readonly clock: Clock,
    private readonly announcer: Announcer,
  ) {}

  /**
   * Marks keys, inside the transaction of the change that gives them work (opened by the announcer):
   * puts each on the queue, or re-arms it there (due now, attempts reset, no longer parked).
   */
  async enqueue(trx: Kysely<Database>, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const now = this.clock.now();
    for (let i = 0; i < keys.length; i += CHUNK) {
      await exec(
        trx,
        trx
          .insertInto("reconcile_queue")
          .values(keys.slice(i, i + CHUNK).map((key) => ({ work_key: key, not_before: now, attempts: 0, leased_until: null, leased_by: null, parked_at: null, marks: 1 })))
          .onConflict((oc) => oc.column("work_key").doUpdateSet((eb) => ({ not_before: now, attempts: 0, parked_at: null, marks: eb("reconcile_queue.marks", "+", 1) }))),
      );
    }
    await this.announcer.announce(trx, "queue.marked", { keys });
  }

  /** Drops keys whose work no longer exists (their provisioning was removed). */
  async remove(trx: Kysely<Database>, keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += CHUNK) await exec(trx, trx.deleteFrom("reconcile_queue").where("work_key", "in", keys.slice(i, i + CHUNK)));
  }

  /** Called once before a worker starts taking keys: on SQLite, frees the leases a dead process left. */
  async atStart(): Promise<void> {
    if (this.engine === "sqlite") await exec(this.db, this.db.updateTable("reconcile_queue").set({ leased_until: null, leased_by: null }));
  }

  /**
   * Emulator: the state was replaced (restore) while the worker was paused; a lease in it belongs to
   * no running reconcile (one process), so every key is free to be taken again.
   */
  async releaseAll(): Promise<void> {
    await exec(this.db, this.db.updateTable("reconcile_queue").set({ leased_until: null, leased_by: null }));
  }

  /**
   * Emulator: the clock was moved back by `ms`. Due times later than the clock's new time move back
   * with it, so a key due when the clock moved is due still, and a back-off keeps the wait it had left.
   */
  async clockMovedBack(ms: number): Promise<void> {
    await exec(this.db, this.db.updateTable("reconcile_queue").set((eb) => ({ not_before: eb("not_before", "-", ms) })).where("not_before", ">", this.clock.now()));
  }

  /**
   * Takes the key that has been due longest, under a lease for `owner`; undefined when none is due.
   * An idle poll (most of them) is one read and no transaction: on SQLite a transaction holds the one
   * connection across awaits, and every request that reads in those turns would wait behind it,
   * ten times a second, instead of answering at once.
   */
  async take(owner: string, leaseMs: number): Promise<QueueEntry | undefined> {
    const now = this.clock.now();
    if (!(await first(this.db, this.due(this.db, now).select("work_key")))) return undefined;
    return this.db.transaction().execute(async (trx) => {
      let q = this.due(trx, now).select(["work_key", "attempts", "marks", "not_before"]);
      if (this.engine === "postgres") q = q.forUpdate().skipLocked();
      const row = await first(trx, q);
      if (!row) return undefined;
      await exec(trx, trx.updateTable("reconcile_queue").set({ leased_until: now + leaseMs, leased_by: owner }).where("work_key", "=", row.work_key));
      return { key: row.work_key, attempts: row.attempts, marks: row.marks, dueAt: Number(row.not_before) };
    });
  }

  /** The key a worker could take at `now` (the longest due, not parked, not leased), as a query to select from. */
  private due(db: Kysely<Database>, now: number) {
    return db
      .selectFrom("reconcile_queue")
      .where("parked_at", "is", null)
      .where("not_before", "<=", now)
      .where((eb) => eb.or([eb("leased_until", "is", null), eb("leased_until", "<", now)]))
      .orderBy("not_before")
      .limit(1);
  }

  /** Extends the lease of a key `owner` is working on (the heartbeat). */
  async renew(entry: QueueEntry, owner: string, leaseMs: number): Promise<void> {
    await exec(this.db, this.db.updateTable("reconcile_queue").set({ leased_until: this.clock.now() + leaseMs }).where("work_key", "=", entry.key).where("leased_by", "=", owner));
  }

  /** The key converged: dropped, unless it was marked while held (then it is freed and runs again). */
  async done(trx: Kysely<Database>, entry: QueueEntry, owner: string): Promise<void> {
    const dropped = await exec(trx, trx.deleteFrom("reconcile_queue").where("work_key", "=", entry.key).where("leased_by", "=", owner).where("marks", "=", entry.marks));
    if (dropped === 0) await this.free(trx, entry.key, owner);
  }

  /** The key has newer work than its reconcile saw: freed and due now. */
  async again(trx: Kysely<Database>, entry: QueueEntry, owner: string): Promise<void> {
    await exec(
      trx,
      trx
        .updateTable("reconcile_queue")
        .set({ leased_until: null, leased_by: null, not_before: this.clock.now(), attempts: 0 })
        .where("work_key", "=", entry.key)
        .where("leased_by", "=", owner),
    );
  }

  /** The attempt failed: due again after `delayMs`, one more attempt counted; a mark since taking it wins (due now). */
  async backOff(trx: Kysely<Database>, entry: QueueEntry, owner: string, delayMs: number): Promise<void> {
    const backedOff = await exec(
      trx,
      trx
        .updateTable("reconcile_queue")
        .set({ attempts: entry.attempts + 1, not_before: this.clock.now() + delayMs, leased_until: null, leased_by: null })
        .where("work_key", "=", entry.key)
        .where("leased_by", "=", owner)
        .where("marks", "=", entry.marks),
    );
    if (backedOff === 0) await this.free(trx, entry.key, owner);
  }

  /**
   * The key is held back (emulator pacing): due again at `until`, no attempt counted; a mark since
   * taking it wins (due now).
   */
  async defer(trx: Kysely<Database>, entry: QueueEntry, owner: string, until: number): Promise<void> {
    const deferred = await exec(
      trx,
      trx
        .updateTable("reconcile_queue")
        .set({ not_before: until, leased_until: null, leased_by: null })
        .where("work_key", "=", entry.key)
        .where("leased_by", "=", owner)
        .where("marks", "=", entry.marks),
    );
    if (deferred === 0) await this.free(trx, entry.key, owner);
  }

  /**
   * The key gave up: kept, but not taken again until its next mark. False when a mark arrived while it
   * was held: then it is not parked but freed to run again at once.
   */
  async park(trx: Kysely<Database>, entry: QueueEntry, owner: string): Promise<boolean> {
    const parked = await exec(
      trx,
      trx
        .updateTable("reconcile_queue")
        .set({ attempts: entry.attempts + 1, parked_at: this.clock.now(), leased_until: null, leased_by: null })
        .where("work_key", "=", entry.key)
        .where("leased_by", "=", owner)
        .where("marks", "=", entry.marks),
    );
    if (parked > 0) return true;
    await this.free(trx, entry.key, owner);
    return false;
  }

  /**
   * Queue depth and the age of the oldest due key: of the whole queue (metrics), or of the keys
   * `owned` selects (one tenant's work; the queue knows keys, not tenants, so the caller says which).
   */
  async stats(owned?: SelectQueryBuilder<Database, any, { key: string }>): Promise<QueueStats> {
    const now = this.clock.now();
    let q = this.db.selectFrom("reconcile_queue");
    if (owned) q = q.where("work_key", "in", owned);
    const row = await first(
      this.db,
      q
        .select((eb) => {
          const parked = eb("parked_at", "is not", null);
          const leased = eb.and([eb("parked_at", "is", null), eb("leased_until", ">=", now)]);
          const due = eb.and([eb("parked_at", "is", null), eb("not_before", "<=", now), eb.or([eb("leased_until", "is", null), eb("leased_until", "<", now)])]);
          const count = (when: typeof parked) => eb.fn.sum<number | string | null>(eb.case().when(when).then(1).else(0).end());
          return [
            eb.fn.countAll<number | string>().as("total"),
            count(parked).as("parked"),
            count(leased).as("leased"),
            count(due).as("due"),
            eb.fn.min<number | string | null>(eb.case().when(due).then(eb.ref("not_before")).end()).as("oldest_due"),
          ];
        }),
    );
    // An aggregate without grouping answers one row, even over an empty table.
    if (!row) throw new Error("queue stats: no row");
    const parked = Number(row.parked ?? 0);
    return {
      depth: Number(row.total) - parked,
      due: Number(row.due ?? 0),
      leased: Number(row.leased ?? 0),
      parked,
      oldestDueAgeMs: row.oldest_due === null || row.oldest_due === undefined ? null : Math.max(0, now - Number(row.oldest_due)),
    };
  }

  /** Lets go of a key `owner` holds, leaving it as the last mark set it (due now, attempts reset). */
  private async free(trx: Kysely<Database>, key: string, owner: string): Promise<void> {
    await exec(trx, trx.updateTable("reconcile_queue").set({ leased_until: null, leased_by: null }).where("work_key", "=", key).where("leased_by", "=", owner));
  }
}
