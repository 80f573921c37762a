/**
 * The emulator's fault rules: one table, in this process's memory, of the failures and delays a test
 * asks for. Four kinds, each consulted at one place:
 *
 * - request: the pipeline's fault step (after route, before admission) answers a matching call with
 *   an error, the door's throttling error, or after a delay; the call then changes nothing;
 * - provisioning: the claim plan fails a matching unit (a user into an account) with the reason,
 *   exactly as a name clash or a quota fails it;
 * - deployment: the deployment reconcile fails a matching deployment with the reason (what
 *   OPENCIC_DEPLOYMENT_FAULTS seeds at start);
 * - pacing: the worker holds matching keys back until `holdMs` after they were marked, so their tasks
 *   stay InProgress; a hold is not an attempt and does not stop other keys.
 *
 * Everything here is synchronous and runs on one thread, so counts and probabilities are exact: a
 * rule with `count` fires exactly that many times and then leaves the table.
 */
import type { MaybePromise } from "../../lib/maybe-promise.js";
import type { Clock } from "../clock.js";
import { CoreError, fail } from "../errors.js";
import { prefixedId } from "../ids.js";

export const FAULT_KINDS = ["request", "provisioning", "deployment", "pacing"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
/** The doors a request rule may name (the pipeline's door names), or any. */
export const FAULT_DOORS = ["tencent", "aliyun", "scim", "native", "any"] as const;
export type FaultDoor = (typeof FAULT_DOORS)[number];
/** How an injected unit failure is classed, as a real one is (it picks the Alibaba event's ErrorInfo code). */
export const INJECTED_UNIT_KINDS = ["name_clash", "quota", "name_invalid"] as const;
export type InjectedUnitKind = (typeof INJECTED_UNIT_KINDS)[number];
/** Which reconcile work a pacing rule holds back. */
export const PACED_WORK = ["provisioning", "deployment", "any"] as const;
export type PacedWork = (typeof PACED_WORK)[number];

/** What a deployment or unit fault reports when no reason is given: the clouds' documented example. */
export const DEFAULT_FAULT_REASON = "No Permission.";

/** A rule as a client gives it: `kind` and the fields of that kind (FIELDS). */
export interface FaultRuleInput {
  kind: FaultKind;
  door?: FaultDoor;
  action?: string;
  throttle?: boolean;
  error?: { code: string; status?: number; message?: string };
  latencyMs?: number;
  count?: number;
  probability?: number;
  userId?: string;
  userName?: string;
  accountId?: number;
  failureKind?: InjectedUnitKind;
  reason?: string;
  work?: PacedWork;
  key?: string;
  holdMs?: number;
}

interface RuleBase {
  ruleId: string;
  createdAt: number;
  /** How many times it fired (requests answered or delayed, units or deployments failed, keys held). */
  hits: number;
}

export interface RequestFault extends RuleBase {
  kind: "request";
  door: FaultDoor;
  action: string;
  /** Answer the door's own throttling error (Tencent RequestLimitExceeded, Alibaba Throttling.User). */
  throttle: boolean;
  error: { code: string; status: number; message?: string } | null;
  latencyMs: number;
  probability: number;
  /** Firings left; null: unlimited. A rule is removed when it reaches 0. */
  remaining: number | null;
  count: number | null;
}

export interface ProvisioningFault extends RuleBase {
  kind: "provisioning";
  userId: string | null;
  userName: string | null;
  accountId: number | null;
  failureKind: InjectedUnitKind;
  reason: string;
}

export interface DeploymentFault extends RuleBase {
  kind: "deployment";
  accountId: number | null;
  reason: string;
}

export interface PacingFault extends RuleBase {
  kind: "pacing";
  work: PacedWork;
  key: string | null;
  accountId: number | null;
  holdMs: number;
}

export type FaultRule = RequestFault | ProvisioningFault | DeploymentFault | PacingFault;

/** What a rule may carry, per kind; anything else is refused, so a misplaced field never silently does nothing. */
const FIELDS: Record<FaultKind, readonly (keyof FaultRuleInput)[]> = {
  request: ["door", "action", "throttle", "error", "latencyMs", "count", "probability"],
  provisioning: ["userId", "userName", "accountId", "failureKind", "reason"],
  deployment: ["accountId", "reason"],
  pacing: ["work", "key", "accountId", "holdMs"],
};

const ACTION = /^[A-Za-z][A-Za-z0-9._-]{0,127}$/;
const CODE = /^[A-Za-z][A-Za-z0-9]*([._-][A-Za-z0-9]+)*$/;
const MAX_LATENCY_MS = 60_000;
const MAX_HOLD_MS = 3_600_000;
const MAX_TEXT = 1024;

/**
 * The HTTP status of an injected code when the rule gives none (Alibaba, native and SCIM carry one):
 * read from the code's own words, else 400.
 */
export function defaultStatus(code: string): number {
  if (/^InternalError/i.test(code)) return 500;
  if (/unavailable/i.test(code)) return 503;
  if (/notfound|notexist/i.test(code)) return 404;
  if (/forbidden|nopermission|unauthorized/i.test(code)) return 403;
  if (/conflict/i.test(code)) return 409;
  return 400;
}

/** A key's work kind and target account, as the core reads them (pacing rules match on them). */
export interface WorkLookup {
  kindOf(key: string): string;
  accountOf(key: string): Promise<number | undefined>;
}

/** A queue entry as pacing sees it: its mark count and when it became due (at a mark, the mark's time). */
export interface HeldEntry {
  key: string;
  marks: number;
  dueAt: number;
}

export class FaultRules {
  /** In the order added: the first matching rule decides. */
  private readonly rules = new Map<string, FaultRule>();
  private requestRules = 0;
  /** Keys held by pacing: until when, for the mark count the hold was set for. */
  private readonly held = new Map<string, { marks: number; until: number }>();

  constructor(
    private readonly clock: Clock,
    /** Rules the process starts with (OPENCIC_DEPLOYMENT_FAULTS); `reset` brings them back. */
    private readonly seeds: readonly FaultRuleInput[] = [],
    private readonly random: () => number = Math.random,
  ) {
    for (const s of seeds) this.add(s);
  }

  list(): FaultRule[] {
    return [...this.rules.values()].map((r) => structuredClone(r));
  }

  get(ruleId: string): FaultRule {
    const r = this.rules.get(ruleId) ?? fail("emulator.fault_not_found", `there is no fault rule ${ruleId}`, "ruleId");
    return structuredClone(r);
  }

  /** Checks and adds a rule; returns it with its id. Nothing is added when it is refused. */
  add(input: FaultRuleInput): FaultRule {
    const rule = this.check(input);
    this.rules.set(rule.ruleId, rule);
    if (rule.kind === "request") this.requestRules++;
    return structuredClone(rule);
  }

  remove(ruleId: string): void {
    const r = this.rules.get(ruleId) ?? fail("emulator.fault_not_found", `there is no fault rule ${ruleId}`, "ruleId");
    this.drop(r);
  }

  /** Removes every rule; returns how many there were. */
  clear(): number {
    const n = this.rules.size;
    this.rules.clear();
    this.requestRules = 0;
    this.held.clear();
    return n;
  }

  /** Back to how the process started: no rules but the seeded ones (emulator reset). */
  reset(): void {
    this.clear();
    for (const s of this.seeds) this.add(s);
  }

  private drop(r: FaultRule): void {
    if (this.rules.delete(r.ruleId) && r.kind === "request") this.requestRules--;
  }

  /**
   * The pipeline's fault step for a call of `action` on `door`: nothing (at once) when no rule fires;
   * else the delays of the rules that fired, then the error of the first that carries one. Every
   * matching rule is consulted in the order added until one answers with an error; a rule that fires
   * uses one of its count.
   */
  onRequest(door: string, action: string): MaybePromise<void> {
    if (this.requestRules === 0) return;
    let latencyMs = 0;
    let error: CoreError | undefined;
    for (const r of this.rules.values()) {
      if (r.kind !== "request") continue;
      if ((r.door !== "any" && r.door !== door) || (r.action !== "any" && r.action !== action)) continue;
      // random() is in [0, 1): probability 0 never fires, 1 always does.
      if (r.probability < 1 && !(this.random() < r.probability)) continue;
      r.hits++;
      if (r.remaining !== null && --r.remaining === 0) this.drop(r);
      latencyMs += r.latencyMs;
      if (r.throttle) error = new CoreError("throttled", `Request rate limit exceeded (emulator fault rule ${r.ruleId}).`);
      else if (r.error) error = new CoreError("emulator.injected", r.error.message ?? `${r.error.code}, injected by emulator fault rule ${r.ruleId}.`, undefined, { code: r.error.code, status: r.error.status });
      if (error) break;
    }
    if (latencyMs === 0) {
      if (error) throw error;
      return;
    }
    // Wall-clock time: a delay on the wire, whatever the emulator's clock shows.
    return new Promise<void>((resolve, reject) => setTimeout(() => (error ? reject(error) : resolve()), latencyMs));
  }

  /** The failure of the unit `user` into `account`, when a provisioning rule matches it. */
  unitFailure(account: number, user: { userId: string; userName: string }): { kind: InjectedUnitKind; reason: string } | undefined {
    for (const r of this.rules.values()) {
      if (r.kind !== "provisioning") continue;
      if (r.accountId !== null && r.accountId !== account) continue;
      if (r.userId !== null && r.userId !== user.userId) continue;
      if (r.userName !== null && r.userName !== user.userName) continue;
      r.hits++;
      return { kind: r.failureKind, reason: r.reason };
    }
    return undefined;
  }

  /** The reason deployments into `account` fail, when a deployment rule matches it. */
  deploymentFailure(account: number): string | undefined {
    for (const r of this.rules.values()) {
      if (r.kind !== "deployment" || (r.accountId !== null && r.accountId !== account)) continue;
      r.hits++;
      return r.reason;
    }
    return undefined;
  }

  /**
   * Pacing: the time until which the worker holds `entry` back, or undefined to run it now. A key is
   * held until the longest matching rule's `holdMs` after it was marked; a new mark starts a new hold.
   */
  async holdUntil(entry: HeldEntry, work: WorkLookup): Promise<number | undefined> {
    const pacing = this.pacingFor(entry.key, work.kindOf(entry.key));
    let holdMs = 0;
    let fired: PacingFault | undefined;
    if (pacing.length > 0) {
      const account = pacing.some((r) => r.accountId !== null) ? await work.accountOf(entry.key) : undefined;
      for (const r of pacing) {
        if (r.accountId !== null && r.accountId !== account) continue;
        if (r.holdMs > holdMs) [holdMs, fired] = [r.holdMs, r];
      }
    }
    const held = this.held.get(entry.key);
    if (!fired) {
      this.held.delete(entry.key);
      return undefined;
    }
    let until: number;
    if (held && held.marks === entry.marks) until = held.until;
    else {
      until = entry.dueAt + holdMs;
      this.held.set(entry.key, { marks: entry.marks, until });
      fired.hits++;
    }
    if (until <= this.clock.now()) {
      this.held.delete(entry.key);
      return undefined;
    }
    return until;
  }

  private pacingFor(key: string, kind: string): PacingFault[] {
    const out: PacingFault[] = [];
    for (const r of this.rules.values()) {
      if (r.kind !== "pacing") continue;
      if (r.work !== "any" && r.work !== kind) continue;
      if (r.key !== null && r.key !== key) continue;
      out.push(r);
    }
    return out;
  }

  /** A rule with its defaults, or a refusal naming the field at fault. */
  private check(input: FaultRuleInput): FaultRule {
    const kind = input.kind;
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) fail("value.invalid", `kind must be one of ${FAULT_KINDS.join(", ")}`, "kind");
    for (const [field, value] of Object.entries(input)) {
      if (field !== "kind" && value !== undefined && !FIELDS[kind].includes(field as keyof FaultRuleInput)) {
        fail("value.invalid", `${field} is not a field of a ${kind} rule (it takes ${FIELDS[kind].join(", ")})`, field);
      }
    }
    const base: RuleBase = { ruleId: prefixedId("fr-"), createdAt: this.clock.now(), hits: 0 };
    const accountId = input.accountId === undefined ? null : int(input.accountId, "accountId", 1, Number.MAX_SAFE_INTEGER);
    switch (kind) {
      case "request": {
        const door = input.door ?? "any";
        if (!(FAULT_DOORS as readonly string[]).includes(door)) fail("value.invalid", `door must be one of ${FAULT_DOORS.join(", ")}`, "door");
        const action = input.action ?? "any";
        if (!ACTION.test(action)) fail("value.invalid", `action must be an action name (letters, digits, . _ -, at most 128) or "any"`, "action");
        const throttle = input.throttle === true;
        let error: RequestFault["error"] = null;
        if (input.error !== undefined) {
          if (throttle) fail("value.invalid", "a rule answers either the door's throttling error (throttle) or an error of its own (error), not both", "error");
          const { code, status, message } = input.error;
          if (typeof code !== "string" || code.length > 128 || !CODE.test(code)) fail("value.invalid", "error.code must be an error code: letters and digits in parts joined by . _ or -, at most 128 characters (e.g. InternalError, ResourceUnavailable.Zone)", "error.code");
          if (message !== undefined && (typeof message !== "string" || message.length === 0 || message.length > MAX_TEXT)) fail("value.invalid", `error.message must be 1–${MAX_TEXT} characters`, "error.message");
          error = { code, status: status === undefined ? defaultStatus(code) : int(status, "error.status", 400, 599), ...(message !== undefined ? { message } : {}) };
        }
        const latencyMs = input.latencyMs === undefined ? 0 : int(input.latencyMs, "latencyMs", 0, MAX_LATENCY_MS);
        if (!throttle && !error && latencyMs === 0) fail("value.invalid", "a request rule must do something: throttle, error, or a latencyMs above 0", "kind");
        const count = input.count === undefined ? null : int(input.count, "count", 1, 1_000_000);
        const probability = input.probability ?? 1;
        if (typeof probability !== "number" || !(probability >= 0 && probability <= 1)) fail("value.invalid", "probability must be a number from 0 to 1", "probability");
        return { ...base, kind, door: door as FaultDoor, action, throttle, error, latencyMs, probability, count, remaining: count };
      }
      case "provisioning": {
        const userId = input.userId === undefined ? null : text(input.userId, "userId", 128);
        const userName = input.userName === undefined ? null : text(input.userName, "userName", 128);
        const failureKind = input.failureKind ?? "name_clash";
        if (!(INJECTED_UNIT_KINDS as readonly string[]).includes(failureKind)) fail("value.invalid", `failureKind must be one of ${INJECTED_UNIT_KINDS.join(", ")}`, "failureKind");
        return { ...base, kind, userId, userName, accountId, failureKind, reason: reasonOf(input.reason) };
      }
      case "deployment":
        return { ...base, kind, accountId, reason: reasonOf(input.reason) };
      case "pacing": {
        const work = input.work ?? "any";
        if (!(PACED_WORK as readonly string[]).includes(work)) fail("value.invalid", `work must be one of ${PACED_WORK.join(", ")}`, "work");
        if (input.holdMs === undefined) fail("value.missing", "a pacing rule needs holdMs: how long after its mark a key may run", "holdMs");
        const holdMs = int(input.holdMs, "holdMs", 1, MAX_HOLD_MS);
        const key = input.key === undefined ? null : text(input.key, "key", 128);
        return { ...base, kind, work, key, accountId, holdMs };
      }
    }
  }
}

function int(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) fail("value.invalid", `${field} must be a whole number from ${min} to ${max}`, field);
  return value as number;
}

function text(value: unknown, field: string, max: number): string {
  if (typeof value !== "string" || value.length === 0 || value.length > max) fail("value.invalid", `${field} must be 1–${max} characters`, field);
  return value as string;
}

function reasonOf(reason: string | undefined): string {
  return reason === undefined ? DEFAULT_FAULT_REASON : text(reason, "reason", MAX_TEXT);
}
