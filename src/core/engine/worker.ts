/**
 * The reconcile worker: takes due keys from the durable queue under a lease (renewed by a heartbeat
 * while it works), reconciles each, and decides in one place what happens next:
 *
 * - the reconcile returned, nothing new arrived: the result is recorded and the key is done;
 * - it returned, but a newer change arrived meanwhile: the result is recorded and the key runs again now;
 * - it threw: the key backs off exponentially and is retried;
 * - it threw a TerminalError, or threw on its last allowed attempt: it gives up. The reconciler
 *   records why (its tasks fail with a reason), and the key is parked until its next mark;
 * - it was held back (`hold`, the emulator's pacing) and not reconciled: it is due again at the time
 *   given, no attempt counted, and the worker goes on with other keys.
 *
 * Work lives only in the database, so a process killed at any instant leaves at most a lease, which
 * expires (or, on SQLite, is freed at the next start). The worker knows nothing of provisionings:
 * what a key means, and what recording a result or a give-up writes, is the Reconciler's.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { Kysely } from "kysely";
import type { Database } from "../../store/schema.js";
import { type Log, silentLog } from "../log.js";
import type { QueueEntry, ReconcileQueue } from "./queue.js";
import { type Counts, errorMessage, noCounts, type ReconcileResult, type ResultKind, TerminalError } from "./result.js";
import { yieldTurn } from "../../lib/turn-end.js";

export interface WorkerOptions {
  /** How long a taken key stays another worker's; a crashed worker's keys come back after it. */
  leaseMs: number;
  /** How often an idle worker looks at the queue. */
  pollMs: number;
  /** Retry delay after a failed attempt: min(base · 2^attempts, max). */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Attempts before a key gives up (OPENCIC_WORKER_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** Pause between a reconcile's write batches (OPENCIC_WORKER_BATCH_PAUSE_MS); 0 runs flat out. */
  batchPauseMs: number;
  /** Units per write batch of a reconcile (and per batch of its dry-run plan, which walks the same batches). */
  batchSize: number;
  /**
   * Keys reconciled at once (OPENCIC_WORKER_CONCURRENCY, default 1), as a Kubernetes controller's
   * concurrent reconciles: different keys only, each under its own lease. On SQLite (one connection)
   * more than one does not run in parallel; their write batches run in the same turns and share
   * commits, which cut the WAL written by a fifth in the SCIM initial cycle, but a request waits
   * behind all of them: during a 10,000-user fan-out GetProvisioningTaskStatus's p99 went from ~30 to
   * ~230 ms at 8. Hence 1 by default.
   */
  concurrency: number;
  /** Test seam: faults injected into the engine (a hook that throws makes the attempt fail). */
  faults?: Faults;
  /** Asked before each reconcile: a time to hold the key back until instead (emulator pacing), or undefined to run it. */
  hold?: (entry: QueueEntry) => Promise<number | undefined>;
}

export interface Faults {
  /** Called before each reconcile of `key`. */
  beforeReconcile?(key: string): void | Promise<void>;
  /** Called before each write batch of a reconcile of `key`, outside any transaction. */
  beforeBatch?(key: string): void | Promise<void>;
}

export const DEFAULT_WORKER_OPTIONS: WorkerOptions = { leaseMs: 10_000, pollMs: 100, backoffBaseMs: 50, backoffMaxMs: 30_000, maxAttempts: 8, batchPauseMs: 0, batchSize: 500, concurrency: 1 };

export interface ReconcileContext {
  /** Names this run in logs and in what it records. */
  reconcileId: string;
}

/** Why a key gave up, for the reconciler to record. */
export interface GiveUp {
  reconcileId: string;
  /** Attempts made, this one included. */
  attempts: number;
  /** The last error threw TerminalError (it was not retried). */
  terminal: boolean;
  /** The last error's message, one line. */
  error: string;
}

/** What the engine asks of the code that knows what a key means. */
export interface Reconciler<R extends ReconcileResult = ReconcileResult> {
  /** What its keys name ("provisioning"): the log field of a key (`provisioningId`) and the metrics' kind label. */
  readonly kind: string;
  /** The kind of one key, when a reconciler serves keys of several kinds (router.ts). */
  kindOf?(key: string): string;
  /** Converges the key's target state on what it should be; idempotent. Throws to be retried. */
  reconcile(key: string, ctx: ReconcileContext): Promise<R>;
  /** Records a result in `trx`; true when a newer change arrived after the reconcile read the key. */
  settle(trx: Kysely<Database>, key: string, result: R): Promise<boolean>;
  /**
   * Takes the write lock of the key's own row in `trx`. Changes that mark a key lock its row before
   * its queue row; the engine calls this before it touches the queue row where it must lock both, so
   * no two transactions wait on each other in a circle.
   */
  lock(trx: Kysely<Database>, key: string): Promise<void>;
  /** Records in `trx` that the key gave up. */
  giveUp(trx: Kysely<Database>, key: string, why: GiveUp): Promise<void>;
}

/** How an attempt went, for metrics: a result's kind, or "error" when it threw. */
export type Outcome = ResultKind | "error";

/**
 * Hooks for metrics; the core has no metrics library. Every attempt is `reconciled` once (its
 * outcome, duration and counts); a key that gives up is also `gaveUp`. Queue depth and the age of
 * the oldest due key come from `ReconcileQueue.stats()`.
 */
export interface EngineObserver {
  reconciled?(e: { key: string; kind: string; reconcileId: string; outcome: Outcome; durationMs: number; counts: Counts }): void;
  gaveUp?(e: { key: string; kind: string; reconcileId: string; attempts: number; terminal: boolean; error: string }): void;
}

type Attempt<R> = { result: R } | { error: unknown } | { heldUntil: number };
type Verdict<R> = { do: "done" | "again"; result: R } | { do: "back_off" | "give_up"; error: unknown } | { do: "defer"; until: number };

export class Worker<R extends ReconcileResult = ReconcileResult> {
  readonly id = randomUUID();
  private running = false;
  private loop: Promise<void> | undefined;
  /** The idle slots' wake-ups. */
  private readonly wakers = new Set<() => void>();
  private readonly observers = new Set<EngineObserver>();
  private readonly idleTasks = new Set<() => Promise<void>>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly queue: ReconcileQueue,
    private readonly reconciler: Reconciler<R>,
    private readonly opts: WorkerOptions = DEFAULT_WORKER_OPTIONS,
    private readonly log: Log = silentLog,
  ) {}

  /** Adds an observer; returns its removal. */
  observe(observer: EngineObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Whether the loop runs (started and not stopped). */
  get isRunning(): boolean {
    return this.running;
  }

  /** Adds housekeeping run when a poll finds nothing due (pruning); returns its removal. */
  whenIdle(task: () => Promise<void>): () => void {
    this.idleTasks.add(task);
    return () => this.idleTasks.delete(task);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      await this.queue.atStart();
      await Promise.all(Array.from({ length: this.opts.concurrency }, (_, slot) => this.runSlot(slot)));
    })();
  }

  /**
   * One of the worker's reconcile slots: takes keys until none is due, then waits for a wake-up or
   * the next poll. The first slot also runs the housekeeping when it finds nothing due.
   */
  private async runSlot(slot: number): Promise<void> {
    while (this.running) {
      let worked = false;
      try {
        worked = await this.runOnce();
      } catch (err) {
        this.log.error({ err }, "reconcile worker error");
      }
      // After a key, let the event loop serve requests before the next one.
      if (worked) await yieldTurn();
      else if (slot === 0) await this.runIdleTasks();
      if (!worked && this.running) await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.wakers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, this.opts.pollMs);
        this.wakers.add(wake);
      });
    }
  }

  private async runIdleTasks(): Promise<void> {
    for (const task of this.idleTasks) {
      if (!this.running) return;
      try {
        await task();
      } catch (err) {
        this.log.error({ err }, "worker housekeeping failed");
      }
    }
  }

  /** Starts the next poll now (a change was just queued by this process). */
  wake(): void {
    for (const wake of [...this.wakers]) wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  /** Takes one due key and reconciles it; false when nothing was due. */
  async runOnce(): Promise<boolean> {
    const entry = await this.queue.take(this.id, this.opts.leaseMs);
    if (!entry) return false;
    const ctx: ReconcileContext = { reconcileId: randomUUID() };
    const started = performance.now();
    // A long reconcile keeps its lease; a worker that dies stops renewing and the key comes back.
    const heartbeat = setInterval(() => {
      this.queue.renew(entry, this.id, this.opts.leaseMs).catch((err: unknown) => this.log.error({ err, [this.fieldOf(entry.key)]: entry.key }, "lease renewal failed"));
    }, Math.max(50, this.opts.leaseMs / 3));
    let attempt: Attempt<R>;
    try {
      const heldUntil = this.opts.hold && (await this.opts.hold(entry));
      if (heldUntil !== undefined) attempt = { heldUntil };
      else {
        await this.opts.faults?.beforeReconcile?.(entry.key);
        attempt = { result: await this.reconciler.reconcile(entry.key, ctx) };
      }
    } catch (error) {
      attempt = { error };
    } finally {
      clearInterval(heartbeat);
    }
    try {
      await this.decide(entry, ctx, attempt, performance.now() - started);
    } catch (err) {
      // Recording the result failed: that counts as a failed attempt, so it too backs off and gives up in the end.
      if (!("result" in attempt)) throw err;
      await this.decide(entry, ctx, { error: err }, performance.now() - started);
    }
    return true;
  }

  /** The one place that decides a key's fate after an attempt; what it reports is reported after commit. */
  private async decide(entry: QueueEntry, ctx: ReconcileContext, attempt: Attempt<R>, durationMs: number): Promise<void> {
    const fields = { [this.fieldOf(entry.key)]: entry.key, reconcileId: ctx.reconcileId, durationMs: Math.round(durationMs) };
    const observed = (outcome: Outcome, counts: Counts) => this.notify((o) => o.reconciled?.({ key: entry.key, kind: this.kindOf(entry.key), reconcileId: ctx.reconcileId, outcome, durationMs, counts }));
    const report = await this.db.transaction().execute(async (trx): Promise<() => void> => {
      const verdict: Verdict<R> =
        "heldUntil" in attempt
          ? { do: "defer", until: attempt.heldUntil }
          : "result" in attempt
            ? { do: (await this.reconciler.settle(trx, entry.key, attempt.result)) ? "again" : "done", result: attempt.result }
            : attempt.error instanceof TerminalError || entry.attempts + 1 >= this.opts.maxAttempts
              ? { do: "give_up", error: attempt.error }
              : { do: "back_off", error: attempt.error };
      switch (verdict.do) {
        case "defer": {
          // Not an attempt: nothing ran, so nothing is observed or counted.
          await this.queue.defer(trx, entry, this.id, verdict.until);
          return () => this.log.debug({ ...fields, heldUntil: verdict.until }, "held back by a pacing rule");
        }
        case "done":
        case "again": {
          const r = verdict.result;
          await (verdict.do === "done" ? this.queue.done(trx, entry, this.id) : this.queue.again(trx, entry, this.id));
          return () => {
            const quiet = r.kind === "converged" && Object.values(r.counts).every((n) => n === 0);
            this.log[quiet ? "debug" : "info"]({ ...fields, kind: r.kind, counts: r.counts, failures: r.failures.length, ...(verdict.do === "again" ? { again: true } : {}) }, "reconciled");
            observed(r.kind, r.counts);
          };
        }
        case "back_off": {
          const delayMs = Math.min(this.opts.backoffBaseMs * 2 ** entry.attempts, this.opts.backoffMaxMs);
          await this.queue.backOff(trx, entry, this.id, delayMs);
          return () => {
            this.log.warn({ ...fields, err: verdict.error, attempt: entry.attempts + 1, maxAttempts: this.opts.maxAttempts, retryInMs: delayMs }, "reconcile failed; will retry");
            observed("error", noCounts());
          };
        }
        case "give_up": {
          const why: GiveUp = { reconcileId: ctx.reconcileId, attempts: entry.attempts + 1, terminal: verdict.error instanceof TerminalError, error: errorMessage(verdict.error) };
          // A mark that arrived during this attempt re-arms the key instead: it runs again, nothing gives up.
          await this.reconciler.lock(trx, entry.key);
          const parked = await this.queue.park(trx, entry, this.id);
          if (parked) await this.reconciler.giveUp(trx, entry.key, why);
          return () => {
            if (parked) this.log.error({ ...fields, err: verdict.error, attempts: why.attempts, terminal: why.terminal }, "reconcile gave up; parked until the next change");
            else this.log.warn({ ...fields, err: verdict.error, attempt: why.attempts }, "reconcile failed; a newer change runs it again");
            observed("error", noCounts());
            if (parked) this.notify((o) => o.gaveUp?.({ key: entry.key, kind: this.kindOf(entry.key), reconcileId: ctx.reconcileId, attempts: why.attempts, terminal: why.terminal, error: why.error }));
          };
        }
      }
    });
    report();
  }

  private kindOf(key: string): string {
    return this.reconciler.kindOf?.(key) ?? this.reconciler.kind;
  }

  private fieldOf(key: string): string {
    return `${this.kindOf(key)}Id`;
  }

  private notify(call: (o: EngineObserver) => void): void {
    for (const o of this.observers) {
      try {
        call(o);
      } catch (err) {
        this.log.error({ err }, "engine observer failed");
      }
    }
  }
}
