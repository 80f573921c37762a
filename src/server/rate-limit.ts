/**
 * Per-account, per-action request rate limits (fixed one-second windows), shared by
 * every dialect. Limits are counted per process; with several processes on one
 * PostgreSQL database each process enforces them on its own share of traffic.
 */
export interface RateLimitConfig {
  enabled: boolean;
  /** Requests per second for actions without their own entry. */
  defaultPerSecond: number;
  perAction: Record<string, number>;
}

export class RateLimiter {
  private windowStart = 0;
  private counts = new Map<string, number>();

  constructor(
    private readonly config: RateLimitConfig,
    private readonly now: () => number,
  ) {}

  limitFor(action: string): number {
    return this.config.perAction[action] ?? this.config.defaultPerSecond;
  }

  /** Counts one request; false when it exceeds the action's limit for this account. */
  take(accountUin: number, action: string): boolean {
    if (!this.config.enabled) return true;
    const second = Math.floor(this.now() / 1000);
    if (second !== this.windowStart) {
      this.windowStart = second;
      this.counts.clear();
    }
    const key = `${accountUin}:${action}`;
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return n <= this.limitFor(action);
  }
}

/** Parses `off` or `default=20,GetUser=50` (OPENCIC_RATE_LIMITS) on top of a dialect's documented limits. */
export function parseRateLimits(spec: string | undefined, documented: Record<string, number>, defaultPerSecond = 20): RateLimitConfig {
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
