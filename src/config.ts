/** Settings from flags, then environment, then defaults. */
import { join, resolve } from "node:path";
import { DEFAULT_WORKER_OPTIONS } from "./core/engine/worker.js";
import { type CatalogueFile, loadCatalogueFile } from "./core/access/policies.js";
import { parseDeploymentFaults } from "./core/access/reconcile.js";
import { type Limits, parseLimits } from "./core/limits.js";
import { type BreakerSetting, parseBreaker } from "./core/provisioning/breaker.js";
import { DEFAULT_TIMELINE_OPTIONS } from "./core/provisioning/timeline.js";
import { parseRateLimits, type RateLimitConfig } from "./server/rate-limit.js";

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** postgres:// URL; unset means the embedded SQLite file in dataDir. */
  databaseUrl?: string;
  masterKey?: string;
  rootSecret?: { secretId: string; secretKey: string };
  /** Server-wide settings; each door's documented per-action limits apply beneath the overrides. */
  rateLimits: RateLimitConfig;
  /** Server-wide quota overrides; a directory may override them again (`opencic directories set-quota`). */
  limits: Partial<Limits>;
  /** System policies added to the built-in catalogue, read from a JSON file at start (OPENCIC_POLICY_CATALOGUE). */
  policyCatalogue?: CatalogueFile;
  /** Pause between the reconcile worker's write batches, in ms. */
  workerBatchPauseMs: number;
  /** Attempts a failing reconcile gets before it gives up (its tasks fail) until the next change. */
  workerMaxAttempts: number;
  /** Keys the reconcile worker works on at once (OPENCIC_WORKER_CONCURRENCY). */
  workerConcurrency: number;
  /** Days the provisioning timeline keeps a decision (OPENCIC_TIMELINE_RETENTION_DAYS, default 30). */
  timelineRetentionDays: number;
  /** Emulator control: accounts into which deployments fail, with the reason their tasks report (OPENCIC_DEPLOYMENT_FAULTS). */
  deploymentFaults: ReadonlyMap<number, string>;
  logLevel: string;
  /** The deletion circuit breaker's server-wide threshold (OPENCIC_DELETION_BREAKER: "off", "N" or "N,P%"). */
  deletionBreaker: BreakerSetting;
  /** Emulator controls (clock, reset, snapshots, fault rules) are on (`--emulator`, OPENCIC_EMULATOR=1). */
  emulator: boolean;
  /** An emulator may listen on a non-loopback address (`--emulator-allow-remote`, OPENCIC_EMULATOR_ALLOW_REMOTE=1). */
  emulatorAllowRemote: boolean;
}

export type Flags = Partial<Record<"host" | "port" | "data-dir" | "database" | "rate-limits" | "limits" | "policy-catalogue", string>> &
  Partial<Record<"emulator" | "emulator-allow-remote", boolean>>;

export function loadConfig(flags: Flags, env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(flags.port ?? env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port "${flags.port ?? env.PORT}"`);
  const secretId = env.OPENCIC_SECRET_ID;
  const secretKey = env.OPENCIC_SECRET_KEY;
  if (Boolean(secretId) !== Boolean(secretKey)) throw new Error("set both OPENCIC_SECRET_ID and OPENCIC_SECRET_KEY, or neither");
  return {
    host: flags.host ?? env.HOST ?? "127.0.0.1",
    port,
    dataDir: resolve(flags["data-dir"] ?? env.OPENCIC_DATA_DIR ?? "./data"),
    databaseUrl: flags.database ?? env.DATABASE_URL ?? undefined,
    masterKey: env.OPENCIC_MASTER_KEY,
    rootSecret: secretId && secretKey ? { secretId, secretKey } : undefined,
    rateLimits: parseRateLimits(flags["rate-limits"] ?? env.OPENCIC_RATE_LIMITS),
    limits: parseLimits(flags.limits ?? env.OPENCIC_LIMITS),
    policyCatalogue: catalogueFrom(flags["policy-catalogue"] ?? env.OPENCIC_POLICY_CATALOGUE),
    workerBatchPauseMs: Number(env.OPENCIC_WORKER_BATCH_PAUSE_MS ?? 0) || 0,
    workerMaxAttempts: positiveInteger(env.OPENCIC_WORKER_MAX_ATTEMPTS, DEFAULT_WORKER_OPTIONS.maxAttempts, "OPENCIC_WORKER_MAX_ATTEMPTS"),
    workerConcurrency: positiveInteger(env.OPENCIC_WORKER_CONCURRENCY, DEFAULT_WORKER_OPTIONS.concurrency, "OPENCIC_WORKER_CONCURRENCY"),
    timelineRetentionDays: positiveInteger(env.OPENCIC_TIMELINE_RETENTION_DAYS, DEFAULT_TIMELINE_OPTIONS.retentionDays, "OPENCIC_TIMELINE_RETENTION_DAYS"),
    deploymentFaults: parseDeploymentFaults(env.OPENCIC_DEPLOYMENT_FAULTS),
    logLevel: env.OPENCIC_LOG_LEVEL ?? "info",
    deletionBreaker: parseBreaker(env.OPENCIC_DELETION_BREAKER),
    emulator: flags.emulator ?? switchOn(env.OPENCIC_EMULATOR, "OPENCIC_EMULATOR"),
    emulatorAllowRemote: flags["emulator-allow-remote"] ?? switchOn(env.OPENCIC_EMULATOR_ALLOW_REMOTE, "OPENCIC_EMULATOR_ALLOW_REMOTE"),
  };
}

function catalogueFrom(path: string | undefined): CatalogueFile | undefined {
  return path ? loadCatalogueFile(resolve(path)) : undefined;
}

function positiveInteger(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of at least 1, not "${value}"`);
  return n;
}

function switchOn(value: string | undefined, name: string): boolean {
  if (value === undefined || value === "" || value === "0" || value === "false") return false;
  if (value === "1" || value === "true") return true;
  throw new Error(`${name} must be 1 or 0, not "${value}"`);
}

export const sqliteFileIn = (dataDir: string) => join(dataDir, "opencic.db");
