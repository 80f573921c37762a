/**
 * Per-account, per-action request rate limits (fixed one-second windows), shared by every
 * dialect. Counts are kept in the process; with several processes on one PostgreSQL database each
 * enforces its share of each limit (`share`, from the process registry in cluster.ts), so the
 * cluster as a whole holds the documented figure without a database round trip per request.
 */
export interface RateLimitConfig {
  enabled: boolean;
  /** Requests per second for actions without their own entry. */
  defaultPerSecond: number;
  perAction: Record<string, number>;
  /**
   * This process's place among the live processes serving the same database (`ClusterShare.share`);
   * read on every request. Absent: the process enforces the whole limits alone.
   */
  share?: () => ProcessShare;
}

/** A process's place in the cluster: its rank (0-based, by start) among `of` live processes. */
export interface ProcessShare {
  rank: number;
  of: number;
}

/** One process alone: every limit is its own. */
export const WHOLE: ProcessShare = { rank: 0, of: 1 };

/**
 * The part of a cluster-wide `limit` the process at `share` enforces: the whole number of calls
 * divided evenly, the remainder going one each to the lowest ranks, so the parts add up to the
 * limit when every process sees the same live set. Never below 1 (a process that refused every
 * call of an action would fail clients sent to it), so with more processes than calls the cluster
 * admits one call per process. Alone, the limit is returned as it is.
 */
export function shareOf(limit: number, share: ProcessShare): number {
  if (share.of <= 1) return limit;
  const whole = Math.floor(limit);
  const part = Math.floor(whole / share.of) + (share.rank < whole % share.of ? 1 : 0);
  return Math.max(1, part);
}

export class RateLimiter {
  private windowStart = 0;
  private counts = new Map<string, number>();

  constructor(
    private readonly config: RateLimitConfig,
    private readonly now: () => number,
  ) {}

  /** Forgets every count (an emulator's reset or restore). */
  reset(): void {
    this.windowStart = 0;
    this.counts.clear();
  }

  /** The account's documented limit for `action`, for the cluster as a whole. */
  limitFor(action: string): number {
    return this.config.perAction[action] ?? this.config.defaultPerSecond;
  }

  /** The part of `limitFor(action)` this process enforces. */
  localLimitFor(action: string): number {
    const limit = this.limitFor(action);
    return this.config.share ? shareOf(limit, this.config.share()) : limit;
  }

  /** Counts one request; false when it exceeds this process's part of the action's limit for this subject (an account, a credential). */
  take(subject: number | string, action: string): boolean {
    if (!this.config.enabled) return true;
    const second = Math.floor(this.now() / 1000);
    if (second !== this.windowStart) {
      this.windowStart = second;
      this.counts.clear();
    }
    const key = `${subject}:${action}`;
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return n <= this.localLimitFor(action);
  }
}

/** Parses `off` or `default=20,GetUser=50` (OPENCIC_RATE_LIMITS), on top of documented limits when given. */
export function parseRateLimits(spec: string | undefined, documented: Record<string, number> = {}, defaultPerSecond = 20): RateLimitConfig {
  const config: RateLimitConfig = { enabled: true, defaultPerSecond, perAction: { ...documented } };
  if (!spec) return config;
  if (spec.trim() === "off") return { ...config, enabled: false };
  for (const part of spec.split(",")) {
    const [k, v] = part.split("=").map((s) => s.trim());
    const n = Number(v);
    if (!k || !Number.isFinite(n) || n <= 0) throw new Error(`bad rate limit entry "${part}" (expected Action=N)`);
    if (k === "default") config.defaultPerSecond = n;
    else config.perAction[k] = n;
  }
  return config;
}
