/**
 * The registry of serving processes on one PostgreSQL database, and this process's share of the
 * rate limits it yields (see rate-limit.ts `shareOf`).
 *
 * It lives in src/server, not src/core: only `opencic serve` registers (the admin commands open the
 * same core and must not count as a process taking traffic), and its one reader is the server's
 * rate limiter; the core knows nothing of processes.
 *
 * Each process keeps one row (id, started, heartbeat time) in `cluster_processes`, renewed every
 * `intervalMs` by an unref'd timer; on each beat it also deletes rows whose heartbeat is older than
 * `liveMs` (processes that died without saying goodbye) and reads the rest, ordered by start, to
 * learn how many processes are live and its own rank. Requests never wait for the database: the
 * limiter reads the last computed share. A beat that fails keeps the last share (requests are
 * served as before) and is logged at most once per `quietMs`.
 *
 * Windows in which the cluster's total differs from the documented limit, with the defaults
 * (1 s beats, 3 s liveness):
 * - a process that starts while others are live registers, learns the count, and waits `joinMs`
 *   (1.5 beats) before it serves, so the others have seen it by then and it never adds a full
 *   share on top of theirs; the others take their smaller share from their next beat on, up to 1 s
 *   after the newcomer registered, during which the cluster admits less than the limit, not more.
 *   Only a beat slower than half an interval can let the newcomer serve before an older process
 *   has seen it: then, for that beat, the older processes still take their former share.
 * - a process that stops gracefully deletes its row after its last request; the others keep their
 *   smaller share until their next beat (up to 1 s): fewer admitted, never more.
 * - a process that dies keeps its row until its heartbeat is `liveMs` old; the others take their
 *   smaller share until then (up to about 4 s).
 * - a process that cannot reach the database keeps the share it last knew; the others stop counting
 *   it after `liveMs` and take larger shares, so until it reaches the database again the cluster
 *   may admit up to that process's share more than the limit. Neither `start` nor `stop` waits
 *   longer than `liveMs` for a database that does not answer.
 * Heartbeat times are each process's own clock (like the reconcile worker's leases): the hosts'
 * clocks must agree to well within `liveMs`.
 *
 * On SQLite one process owns the database file: `start` does nothing and the share stays whole,
 * which is the limiter's behaviour without a registry.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Clock } from "../core/clock.js";
import type { Store } from "../store/database.js";
import { type ProcessShare, WHOLE } from "./rate-limit.js";

export interface ClusterLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface ClusterShareOptions {
  /** Time between heartbeats (default 1000 ms). */
  intervalMs?: number;
  /** A process whose heartbeat is older than this is gone (default three intervals). */
  liveMs?: number;
  /** How long a process that finds others live waits before `start` returns (default 1.5 intervals). */
  joinMs?: number;
  /** Least time between two log lines about failing heartbeats (default 60 s). */
  quietMs?: number;
}

const silent: ClusterLog = { info: () => {}, warn: () => {} };

/** Whether `work` settles within `ms`; it goes on either way. */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

export class ClusterShare {
  /** Unique per registry: host, pid and a random tag (two registries in one test process differ). */
  readonly processId = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  private readonly startedAt: number;
  private readonly intervalMs: number;
  private readonly liveMs: number;
  private readonly joinMs: number;
  private readonly quietMs: number;
  private current: ProcessShare = WHOLE;
  private log: ClusterLog = silent;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  /** Whether a beat has succeeded yet (the first one is logged whatever it finds). */
  private known = false;
  private failures = 0;
  private lastFailureLog = -Infinity;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    opts: ClusterShareOptions = {},
  ) {
    this.startedAt = clock.now();
    this.intervalMs = opts.intervalMs ?? 1000;
    this.liveMs = opts.liveMs ?? 3 * this.intervalMs;
    this.joinMs = opts.joinMs ?? 1.5 * this.intervalMs;
    this.quietMs = opts.quietMs ?? 60_000;
  }

  /** This process's rank among the live processes; for `RateLimitConfig.share`. */
  readonly share = (): ProcessShare => this.current;

  /** Live processes on the database, this one included, as of the last successful beat. */
  get liveProcesses(): number {
    return this.current.of;
  }

  /**
   * Takes the log, registers this process and starts the heartbeat; resolves once the share is
   * known (and, when other processes are live, they have had a beat's time to see this one). Never
   * throws, and waits for the first beat at most `liveMs`: a first beat that fails or hangs leaves
   * the whole share and is logged, and later beats retry.
   */
  async start(log: ClusterLog = silent): Promise<void> {
    this.log = log;
    if (this.store.engine === "sqlite" || this.running) return;
    this.running = true;
    if (!(await settlesWithin(this.tick(), this.liveMs))) {
      this.log.warn({ waitedMs: this.liveMs }, "the first cluster heartbeat has not answered; serving with the whole rate limits until one does");
    }
    if (this.current.of > 1 && this.running) await new Promise((resolve) => setTimeout(resolve, this.joinMs));
  }

  /**
   * Stops the heartbeat and removes this process's row, so the others take its share at their next
   * beat. Waits at most `liveMs` (by then the others have forgotten this process anyway).
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.timer);
    const goodbye = async () => {
      await this.beating; // a beat in flight would otherwise write the row again after the delete
      await this.store.db.deleteFrom("cluster_processes").where("process_id", "=", this.processId).execute();
    };
    const said = settlesWithin(
      goodbye().catch((err: unknown) => this.log.warn({ err }, "could not remove this process from the cluster registry")),
      this.liveMs,
    );
    if (!(await said)) this.log.warn({ waitedMs: this.liveMs }, "could not remove this process from the cluster registry in time");
  }

  private async tick(): Promise<void> {
    this.beating = this.beat();
    await this.beating;
    this.beating = undefined;
    if (this.running) this.timer = setTimeout(() => void this.tick(), this.intervalMs).unref();
  }

  /** One heartbeat: renew this process's row, forget the dead, count the live. Never throws. */
  async beat(): Promise<void> {
    const now = this.clock.now();
    const db = this.store.db;
    try {
      await db
        .insertInto("cluster_processes")
        .values({ process_id: this.processId, started_at: this.startedAt, heartbeat_at: now })
        .onConflict((oc) => oc.column("process_id").doUpdateSet({ heartbeat_at: now }))
        .execute();
      await db.deleteFrom("cluster_processes").where("heartbeat_at", "<", now - this.liveMs).execute();
      const live = await db.selectFrom("cluster_processes").select("process_id").orderBy("started_at").orderBy("process_id").execute();
      const rank = live.findIndex((r) => r.process_id === this.processId);
      // Our row can be missing only if another process with a clock far ahead deleted it just now.
      const next = rank < 0 ? { rank: live.length, of: live.length + 1 } : { rank, of: live.length };
      if (this.failures > 0) this.log.info({ failures: this.failures }, "cluster heartbeat works again");
      this.failures = 0;
      if (!this.known || next.rank !== this.current.rank || next.of !== this.current.of) {
        this.log.info({ liveProcesses: next.of, rank: next.rank }, `rate limits are shared among ${next.of} live process${next.of === 1 ? "" : "es"}`);
      }
      this.current = next;
      this.known = true;
    } catch (err) {
      this.failures++;
      if (now - this.lastFailureLog >= this.quietMs) {
        this.lastFailureLog = now;
        this.log.warn(
          { err, failures: this.failures, liveProcesses: this.current.of },
          "cluster heartbeat failed; this process keeps its last known share of the rate limits",
        );
      }
    }
  }
}
