/**
 * Prometheus metrics (prom-client), served at GET /metrics in the text exposition format. The
 * pipeline reports every request here; the reconcile engine reports through its observer hook.
 */
import type { FastifyInstance } from "fastify";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Core } from "../core/index.js";
import type { RequestObserver } from "./pipeline.js";

/** Seconds; API answers take well under a millisecond to a few hundred. */
const REQUEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Seconds; a reconcile finds nothing to do in a millisecond, and fans a large group out in tens of seconds. */
const RECONCILE_BUCKETS = [0.001, 0.005, 0.025, 0.1, 0.5, 1, 2.5, 10, 30, 120];
/** What a provisioning's reconcile did to sub-users, as the engine counts it. */
const SUBUSER_CHANGES = ["created", "adopted", "updated", "deleted", "released"] as const;
/** What a deployment's reconcile did to roles, policy attachments and identity providers. */
const ROLE_CHANGES = ["created", "updated", "deleted"] as const;

export class Metrics {
  readonly registry = new Registry();

  private readonly requests = new Counter({
    name: "opencic_requests_total",
    help: "API requests answered, by door, action and result code (OK or the wire error code).",
    labelNames: ["door", "action", "code"] as const,
    registers: [this.registry],
  });

  private readonly requestSeconds = new Histogram({
    name: "opencic_request_duration_seconds",
    help: "Time from the pipeline's start to the answer, by door and action.",
    labelNames: ["door", "action"] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });

  /**
   * Label children by (door, action, code): finding a child by its label values hashes them on every
   * call, and the same few combinations recur on every request. Actions are only the routed ones
   * ("-" before routing), so the map stays as small as the API.
   */
  private readonly children = new Map<string, { count: Counter.Internal; time: Histogram.Internal<"door" | "action"> }>();

  readonly requestObserver: RequestObserver = {
    observe: (door, action, code, seconds) => {
      const key = `${door}\u0000${action}\u0000${code}`;
      let child = this.children.get(key);
      if (!child) {
        child = { count: this.requests.labels(door, action, code), time: this.requestSeconds.labels(door, action) };
        this.children.set(key, child);
      }
      child.count.inc();
      child.time.observe(seconds);
    },
  };

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "opencic_" });
  }

  /**
   * The reconcile engine's metrics: reconciles by outcome with their durations, the sub-user changes
   * they made, give-ups (through the worker's observer hook), and the queue, read when scraped.
   * Returns the unbinding.
   */
  bindEngine(core: Core): () => void {
    const reconciles = new Counter({
      name: "opencic_reconciles_total",
      help: "Reconcile attempts, by kind of work (provisioning, deployment) and outcome (converged, unit_failures, deleted, gone, or error when it threw).",
      labelNames: ["kind", "outcome"] as const,
      registers: [this.registry],
    });
    const reconcileSeconds = new Histogram({ name: "opencic_reconcile_duration_seconds", help: "How long a reconcile attempt took, by kind of work and outcome.", labelNames: ["kind", "outcome"] as const, buckets: RECONCILE_BUCKETS, registers: [this.registry] });
    const roleChanges = new Counter({
      name: "opencic_account_role_changes_total",
      help: "Roles, policy attachments and identity providers the deployment reconciles created, updated or deleted in accounts.",
      labelNames: ["change"] as const,
      registers: [this.registry],
    });
    const subUsers = new Counter({ name: "opencic_subuser_changes_total", help: "Sub-users the reconcile engine created, adopted, updated, deleted or released (let go as ordinary ones).", labelNames: ["change"] as const, registers: [this.registry] });
    const giveUps = new Counter({ name: "opencic_reconcile_give_ups_total", help: "Keys that gave up (their tasks failed with a reason; parked until the next change or a retry), by kind of work.", labelNames: ["kind", "terminal"] as const, registers: [this.registry] });
    for (const change of SUBUSER_CHANGES) subUsers.labels(change).inc(0);
    for (const change of ROLE_CHANGES) roleChanges.labels(change).inc(0);
    // One read of the queue serves both gauges of a scrape.
    let read: { at: number; stats: ReturnType<typeof core.queue.stats> } | undefined;
    const stats = () => {
      const now = Date.now();
      if (!read || now - read.at > 100) read = { at: now, stats: core.queue.stats() };
      return read.stats;
    };
    new Gauge({
      name: "opencic_reconcile_queue_keys",
      help: "Keys in the reconcile queue: due (waiting for a worker), leased (being reconciled), parked (gave up), all (every key not parked).",
      labelNames: ["state"] as const,
      registers: [this.registry],
      async collect() {
        const s = await stats();
        this.set({ state: "all" }, s.depth);
        this.set({ state: "due" }, s.due);
        this.set({ state: "leased" }, s.leased);
        this.set({ state: "parked" }, s.parked);
      },
    });
    new Gauge({
      name: "opencic_reconcile_queue_oldest_due_seconds",
      help: "How long the oldest due key has been waiting for a worker (0 when none is due).",
      registers: [this.registry],
      async collect() {
        this.set(((await stats()).oldestDueAgeMs ?? 0) / 1000);
      },
    });
    return core.worker.observe({
      reconciled: (e) => {
        reconciles.labels(e.kind, e.outcome).inc();
        reconcileSeconds.labels(e.kind, e.outcome).observe(e.durationMs / 1000);
        if (e.kind === "provisioning") for (const change of SUBUSER_CHANGES) if (e.counts[change] > 0) subUsers.labels(change).inc(e.counts[change]);
        if (e.kind === "deployment") for (const change of ROLE_CHANGES) if (e.counts[change] > 0) roleChanges.labels(change).inc(e.counts[change]);
      },
      gaveUp: (e) => giveUps.labels(e.kind, String(e.terminal)).inc(),
    });
  }

  /** GET /metrics. */
  route(app: FastifyInstance): void {
    app.get("/metrics", async (_req, reply) => {
      reply.type(this.registry.contentType);
      return this.registry.metrics();
    });
  }
}
