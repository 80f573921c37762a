/**
 * Prometheus metrics (prom-client), served at GET /metrics in the text exposition format. The
 * pipeline reports every request here; the reconcile engine reports through its observer hook.
 */
import type { FastifyInstance } from "fastify";
import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";
import type { RequestObserver } from "./pipeline.js";

/** Seconds; API answers take well under a millisecond to a few hundred. */
const REQUEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

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

  /** GET /metrics. */
  route(app: FastifyInstance): void {
    app.get("/metrics", async (_req, reply) => {
      reply.type(this.registry.contentType);
      return this.registry.metrics();
    });
  }
}
