/**
 * The reconcile worker: takes due provisionings from the durable queue under a lease, reconciles
 * them, and settles the tasks waiting on them. Work lives in the database, so a process killed at
 * any instant leaves its lease to expire and another run (or process) picks the key up again.
 * On PostgreSQL several processes share the queue with FOR UPDATE SKIP LOCKED.
 */
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { type Engine, lockRow } from "../../store/database.js";
import type { Database } from "../../store/schema.js";
import type { Clock } from "../clock.js";
import type { ReconcileOutcome, Reconciler } from "./reconcile.js";

export interface WorkerOptions {
  /** How long a taken key stays another worker's; a crashed worker's keys come back after it. */
  leaseMs: number;
  /** How often an idle worker looks at the queue. */
  pollMs: number;
  /** Retry delay after a transient fault: min(base · 2^attempts, max). */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Pause between a reconcile's write batches (OPENCIC_WORKER_BATCH_PAUSE_MS); 0 runs flat out. */
  batchPauseMs: number;
}

export const DEFAULT_WORKER_OPTIONS: WorkerOptions = { leaseMs: 10_000, pollMs: 100, backoffBaseMs: 50, backoffMaxMs: 30_000, batchPauseMs: 0 };

export interface WorkerLog {
  error(obj: object, msg: string): void;
}

export class Worker {
  readonly id = randomUUID();
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
    private readonly clock: Clock,
    private readonly reconciler: Reconciler,
    private readonly opts: WorkerOptions = DEFAULT_WORKER_OPTIONS,
    private readonly log: WorkerLog = { error: () => {} },
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      // On SQLite this is the only worker, so a lease found at start was left by a process that died.
      if (this.engine === "sqlite") await this.db.updateTable("reconcile_queue").set({ leased_until: null, leased_by: null }).execute();
      while (this.running) {
        let worked = false;
        try {
          worked = await this.runOnce();
        } catch (err) {
          this.log.error({ err }, "reconcile worker error");
        }
        // After a key, let the event loop serve requests before the next one.
        if (worked) await new Promise<void>((resolve) => setImmediate(resolve));
        if (!worked && this.running) await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.opts.pollMs);
          this.wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    })();
  }

  /** Starts the next poll now (a change was just queued by this process). */
  wake(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  /** Takes one due key and reconciles it; false when nothing was due. */
  async runOnce(): Promise<boolean> {
    const key = await this.take();
    if (!key) return false;
    let outcome: ReconcileOutcome | undefined;
    // A long reconcile keeps its lease; a worker that dies stops renewing and the key comes back.
    const heartbeat = setInterval(() => {
      void this.db
        .updateTable("reconcile_queue")
        .set({ leased_until: this.clock.now() + this.opts.leaseMs })
        .where("provisioning_id", "=", key.provisioning_id)
        .where("leased_by", "=", this.id)
        .execute()
        .catch((err: unknown) => this.log.error({ err }, "lease renewal failed"));
    }, Math.max(50, this.opts.leaseMs / 3));
    try {
      outcome = await this.reconciler.reconcile(key.provisioning_id);
    } catch (err) {
      clearInterval(heartbeat);
      this.log.error({ err, provisioningId: key.provisioning_id }, "reconcile failed; will retry");
      const delay = Math.min(this.opts.backoffBaseMs * 2 ** key.attempts, this.opts.backoffMaxMs);
      await this.db
        .updateTable("reconcile_queue")
        .set({ attempts: key.attempts + 1, not_before: this.clock.now() + delay, leased_until: null, leased_by: null })
        .where("provisioning_id", "=", key.provisioning_id)
        .where("leased_by", "=", this.id)
        .execute();
      return true;
    }
    clearInterval(heartbeat);
    await this.settle(key.provisioning_id, outcome);
    return true;
  }

  private async take() {
    const now = this.clock.now();
    return this.db.transaction().execute(async (trx) => {
      let q = trx
        .selectFrom("reconcile_queue")
        .select(["provisioning_id", "attempts"])
        .where("not_before", "<=", now)
        .where((eb) => eb.or([eb("leased_until", "is", null), eb("leased_until", "<", now)]))
        .orderBy("not_before")
        .limit(1);
      if (this.engine === "postgres") q = q.forUpdate().skipLocked();
      const row = await q.executeTakeFirst();
      if (!row) return undefined;
      await trx.updateTable("reconcile_queue").set({ leased_until: now + this.opts.leaseMs, leased_by: this.id }).where("provisioning_id", "=", row.provisioning_id).execute();
      return row;
    });
  }

  /** Settles the tasks this reconcile answered, and drops the key unless a newer change is waiting. */
  private async settle(provisioningId: string, outcome: ReconcileOutcome | undefined): Promise<void> {
    const now = this.clock.now();
    await this.db.transaction().execute(async (trx) => {
      // Holding the provisioning's row means no change can be marked between reading its
      // generation and dropping the key, so no change is ever lost.
      await lockRow(trx, "provisionings", "provisioning_id", provisioningId);
      const current = await trx.selectFrom("provisionings").select("generation").where("provisioning_id", "=", provisioningId).executeTakeFirst();
      if (!outcome || outcome.deleted || !current) {
        await trx.updateTable("provisioning_tasks").set({ status: "Success", updated_at: now }).where("provisioning_id", "=", provisioningId).where("status", "=", "InProgress").execute();
        await trx.deleteFrom("reconcile_queue").where("provisioning_id", "=", provisioningId).execute();
        return;
      }
      const failed = outcome.failures.length > 0;
      await trx
        .updateTable("provisioning_tasks")
        .set({
          status: failed ? "Failed" : "Success",
          failure_reason: failed ? describeFailures(outcome) : "",
          updated_at: now,
        })
        .where("provisioning_id", "=", provisioningId)
        .where("status", "=", "InProgress")
        .where("generation", "<=", outcome.generation)
        .execute();
      await trx.updateTable("provisionings").set({ reconciled_generation: outcome.generation, reconciled_at: now }).where("provisioning_id", "=", provisioningId).execute();
      if (current.generation === outcome.generation) {
        await trx.deleteFrom("reconcile_queue").where("provisioning_id", "=", provisioningId).where("leased_by", "=", this.id).execute();
      } else {
        await trx.updateTable("reconcile_queue").set({ leased_until: null, leased_by: null, not_before: now, attempts: 0 }).where("provisioning_id", "=", provisioningId).execute();
      }
    });
  }
}

function describeFailures(o: ReconcileOutcome): string {
  const shown = o.failures.slice(0, 5).map((f) => `${f.userName}: ${f.reason}`);
  const more = o.failures.length > shown.length ? `; and ${o.failures.length - shown.length} more` : "";
  return `${o.failures.length} user(s) could not be provisioned: ${shown.join("; ")}${more}`;
}
