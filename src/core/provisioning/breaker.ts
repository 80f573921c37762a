/**
 * The deletion circuit breaker. When one reconcile would delete more of a provisioning's sub-users
 * than its threshold allows (by default more than 20 and more than 10 % of what the provisioning
 * manages in that account), the deletions are held instead of applied: the users' claims stay, their
 * sub-users stay, creations and updates go on, and the provisioning's tasks stay InProgress until an
 * administrator approves (the held set is deleted, exactly that set) or rejects (the sub-users are let
 * go as ordinary ones, as DeletionStrategy Keep would) the held set. A newer reconcile that plans a
 * different set replaces it, under a new hold id, so an approval never applies a set it did not see.
 * A provisioning's own deletion is held alike (its DeleteProvisioning task stays InProgress): the plan
 * shows it beforehand, and a provisioning's breaker can be set "off".
 */
import type { Kysely } from "kysely";
import { all, exec, first, lockRow } from "../../store/database.js";
import type { Database, HeldDeletionTable } from "../../store/schema.js";
import type { Caller } from "../accounts.js";
import type { Announcer } from "../announcements.js";
import type { Clock } from "../clock.js";
import type { Directories } from "../directory/directories.js";
import { fail } from "../errors.js";
import { prefixedId } from "../ids.js";
import type { Provisionings } from "./provisionings.js";
import { type PlannedProvisioning, planReleaseStep, type ReleaseStepOp } from "./steps.js";
import type { TargetView } from "./target.js";

export interface BreakerThreshold {
  /** Trips only above this many deletions… */
  count: number;
  /** …and above this share, in percent, of the sub-users the provisioning manages in the account. */
  percent: number;
}

/** A threshold, or "off" (every deletion applies at once). */
export type BreakerSetting = BreakerThreshold | "off";

export const DEFAULT_BREAKER: BreakerThreshold = { count: 20, percent: 10 };

/** Whether `deletions` out of `managed` trip the breaker. */
export function trips(deletions: number, managed: number, setting: BreakerSetting): boolean {
  if (setting === "off") return false;
  return deletions > setting.count && deletions * 100 > setting.percent * managed;
}

/** Parses "off", "N" or "N,P%" (OPENCIC_DELETION_BREAKER); undefined or "" gives the default. */
export function parseBreaker(spec: string | undefined, name = "OPENCIC_DELETION_BREAKER"): BreakerSetting {
  if (spec === undefined || spec.trim() === "") return DEFAULT_BREAKER;
  const s = spec.trim();
  if (s === "off") return "off";
  const m = /^(\d+)(?:\s*,\s*(\d+(?:\.\d+)?)%?)?$/.exec(s);
  if (!m) throw new Error(`${name} must be "off", a count like "20", or a count and a share like "20,10%", not "${spec}"`);
  const percent = m[2] === undefined ? 0 : Number(m[2]);
  if (percent > 100) throw new Error(`${name}: the share is a percentage (0–100), not ${percent}`);
  return { count: Number(m[1]), percent };
}

/** A provisioning's stored setting (JSON or "off"), over the server's. */
export function effectiveBreaker(stored: string | null, server: BreakerSetting): BreakerSetting {
  if (stored === null) return server;
  if (stored === "off") return "off";
  return JSON.parse(stored) as BreakerThreshold;
}

/** Checks a setting given through an API; returns what is stored (null: the server's). */
export function storedBreaker(setting: BreakerSetting | null): string | null {
  if (setting === null) return null;
  if (setting === "off") return "off";
  const { count, percent } = setting;
  if (!Number.isInteger(count) || count < 0 || count > 1_000_000) fail("value.invalid", "deletionBreaker.count must be a whole number from 0 to 1000000", "deletionBreaker");
  if (typeof percent !== "number" || !Number.isFinite(percent) || percent < 0 || percent > 100) fail("value.invalid", "deletionBreaker.percent must be a number from 0 to 100", "deletionBreaker");
  return JSON.stringify({ count, percent });
}

export type HoldDecision = "approved" | "rejected";

/** How a reconcile's releases split under the breaker. */
export interface ReleaseSplit {
  /** Users whose claims are released now, as planned. */
  release: string[];
  /** Users whose held deletion was rejected: released, their sub-users let go instead of deleted. */
  keepInstead: string[];
  /** Sub-users whose deletion is held (their users' claims stay). */
  held: ReleaseStepOp[];
  /** The administrator's decisions behind `release` (approved) and `keepInstead` (rejected), by user. */
  decided: ReadonlyMap<string, HoldDecision>;
}

/**
 * The breaker's decision, pure: `ops` are what releasing `releasing` would do (planReleaseStep over
 * all of them), `decided` the administrator's decisions on an earlier held set. Approved users are
 * released as planned; rejected ones are let go; the rest trip the breaker or not on their own.
 */
export function splitReleases(releasing: readonly string[], ops: readonly ReleaseStepOp[], managed: number, setting: BreakerSetting, decided: ReadonlyMap<string, HoldDecision>): ReleaseSplit {
  const keepInstead = releasing.filter((u) => decided.get(u) === "rejected");
  const undecidedDeletes = ops.filter((o) => o.op === "delete" && !decided.has(o.directoryUserId));
  const held = trips(undecidedDeletes.length, managed, setting) ? undecidedDeletes : [];
  const heldUsers = new Set(held.map((o) => o.directoryUserId));
  const release = releasing.filter((u) => !heldUsers.has(u) && decided.get(u) !== "rejected");
  const applying = new Map<string, HoldDecision>();
  for (const u of releasing) {
    const d = decided.get(u);
    if (d) applying.set(u, d);
  }
  return { release, keepInstead, held, decided: applying };
}

/** One held set as an administrator sees it. */
export interface HeldDeletionsView {
  provisioningId: string;
  holdId: string;
  targetUin: number;
  heldAt: number;
  /** null while waiting; the decision until the next reconcile applies it. */
  decision: HoldDecision | null;
  count: number;
  subUsers: { userId: string; userName: string; subUserUin: number; subUserName: string }[];
}

export class DeletionHolds {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly directories: Directories,
    private readonly provisionings: Provisionings,
    private readonly announcer: Announcer,
  ) {}

  /**
   * Records what a reconcile holds, in `trx` under the provisioning's row lock: the held set replaces
   * a different waiting one (new hold id); decisions on users no longer being released are dropped.
   * Returns a new set's id and the deletions it holds that the set it replaced did not (the timeline's
   * `held` decisions: a deletion held again under a new id was already recorded as held).
   */
  async record(
    trx: Kysely<Database>,
    p: { provisioning_id: string; directory_id: string; target_uin: number },
    releasing: readonly string[],
    held: readonly ReleaseStepOp[],
  ): Promise<{ holdId: string; newlyHeld: ReleaseStepOp[] } | undefined> {
    const rows = await all(trx, trx.selectFrom("held_deletions").selectAll().where("provisioning_id", "=", p.provisioning_id));
    const stillReleasing = new Set(releasing);
    const gone = rows.filter((r) => !stillReleasing.has(r.user_id) || (r.decision === null && !held.some((h) => h.directoryUserId === r.user_id)));
    const waiting = rows.filter((r) => r.decision === null);
    const same = waiting.length === held.length && held.every((h) => waiting.some((w) => w.user_id === h.directoryUserId && w.sub_user_uin === h.uin));
    if (same) {
      if (gone.length) await this.drop(trx, p.provisioning_id, gone.map((r) => r.user_id));
      return undefined;
    }
    await this.drop(trx, p.provisioning_id, [...new Set([...gone, ...waiting].map((r) => r.user_id))]);
    if (held.length === 0) return undefined;
    const holdId = prefixedId("hold-", 16);
    const now = this.clock.now();
    const values: HeldDeletionTable[] = held.map((h) => ({
      provisioning_id: p.provisioning_id,
      user_id: h.directoryUserId,
      directory_id: p.directory_id,
      target_uin: p.target_uin,
      sub_user_uin: h.uin,
      sub_user_name: h.name,
      hold_id: holdId,
      decision: null,
      held_at: now,
    }));
    for (let i = 0; i < values.length; i += 100) await exec(trx, trx.insertInto("held_deletions").values(values.slice(i, i + 100)));
    const wasWaiting = new Set(waiting.map((w) => `${w.user_id} ${w.sub_user_uin}`));
    return { holdId, newlyHeld: held.filter((h) => !wasWaiting.has(`${h.directoryUserId} ${h.uin}`)) };
  }

  /** The decisions waiting to be applied, by user. */
  async decisions(db: Kysely<Database>, provisioningId: string): Promise<Map<string, HoldDecision>> {
    const rows = await all(db, db.selectFrom("held_deletions").select(["user_id", "decision"]).where("provisioning_id", "=", provisioningId).where("decision", "is not", null));
    return new Map(rows.map((r) => [r.user_id, r.decision!]));
  }

  /** Forgets holds of released users (called as their claims are released). */
  async drop(trx: Kysely<Database>, provisioningId: string, userIds: readonly string[]): Promise<void> {
    for (let i = 0; i < userIds.length; i += 500) {
      await exec(trx, trx.deleteFrom("held_deletions").where("provisioning_id", "=", provisioningId).where("user_id", "in", userIds.slice(i, i + 500)));
    }
  }

  /** Whether the provisioning has any held set (waiting or decided). */
  async any(db: Kysely<Database>, provisioningId: string): Promise<boolean> {
    return (await first(db, db.selectFrom("held_deletions").select("user_id").where("provisioning_id", "=", provisioningId).limit(1))) !== undefined;
  }

  /** How many sub-users the provisioning manages (claims) in its account: the breaker's share is of these. */
  async managedCount(db: Kysely<Database>, provisioningId: string): Promise<number> {
    const row = await first(db, db.selectFrom("provisioning_claims").select((eb) => eb.fn.countAll<number>().as("n")).where("provisioning_id", "=", provisioningId));
    return Number(row?.n ?? 0);
  }

  /** How many deletions of the provisioning wait for a decision. */
  async waitingCount(db: Kysely<Database>, provisioningId: string): Promise<number> {
    const row = await first(db, db.selectFrom("held_deletions").select((eb) => eb.fn.countAll<number>().as("n")).where("provisioning_id", "=", provisioningId).where("decision", "is", null));
    return Number(row?.n ?? 0);
  }

  /** The held sets of a directory (or of one provisioning), newest first. */
  async list(caller: Caller, directoryId: string, provisioningId?: string): Promise<HeldDeletionsView[]> {
    await this.directories.scope(caller, directoryId);
    let q = this.db
      .selectFrom("held_deletions")
      .leftJoin("dir_users", "dir_users.user_id", "held_deletions.user_id")
      .select(["held_deletions.provisioning_id", "held_deletions.hold_id", "held_deletions.target_uin", "held_deletions.held_at", "held_deletions.decision", "held_deletions.user_id", "held_deletions.sub_user_uin", "held_deletions.sub_user_name", "dir_users.user_name"])
      .where("held_deletions.directory_id", "=", directoryId);
    if (provisioningId) q = q.where("held_deletions.provisioning_id", "=", provisioningId);
    const rows = await all(this.db, q.orderBy("held_deletions.held_at", "desc").orderBy("held_deletions.hold_id").orderBy("held_deletions.sub_user_name"));
    const sets = new Map<string, HeldDeletionsView>();
    for (const r of rows) {
      const key = `${r.provisioning_id} ${r.hold_id} ${r.decision ?? ""}`;
      let v = sets.get(key);
      if (!v) sets.set(key, (v = { provisioningId: r.provisioning_id, holdId: r.hold_id, targetUin: Number(r.target_uin), heldAt: Number(r.held_at), decision: r.decision, count: 0, subUsers: [] }));
      v.count++;
      v.subUsers.push({ userId: r.user_id, userName: r.user_name ?? "", subUserUin: Number(r.sub_user_uin), subUserName: r.sub_user_name });
    }
    return [...sets.values()];
  }

  /** Applies (approve) or lets go (reject) exactly the waiting set `holdId`; the provisioning's next reconcile does it. */
  async decide(caller: Caller, directoryId: string, provisioningId: string, holdId: string, decision: HoldDecision): Promise<HeldDeletionsView> {
    await this.directories.scope(caller, directoryId);
    await this.announcer.transaction(this.db, async (trx) => {
      if (!(await lockRow(trx, "provisionings", "provisioning_id", provisioningId))) fail("provisioning.not_found", `provisioning ${provisioningId} does not exist`, "provisioningId");
      const p = await first(trx, trx.selectFrom("provisionings").select("directory_id").where("provisioning_id", "=", provisioningId));
      if (p?.directory_id !== directoryId) fail("provisioning.not_found", `provisioning ${provisioningId} does not exist`, "provisioningId");
      const waiting =
        (await first(trx, trx.selectFrom("held_deletions").select("hold_id").where("provisioning_id", "=", provisioningId).where("decision", "is", null).limit(1))) ??
        fail("provisioning.hold_not_found", `provisioning ${provisioningId} has no deletions waiting for a decision`, "holdId");
      // A newer reconcile re-planned: the set the caller saw is not the one waiting now.
      if (waiting.hold_id !== holdId) fail("provisioning.hold_replaced", `held set ${holdId} was replaced by ${waiting.hold_id} after a newer change; review that one`, "holdId");
      await exec(trx, trx.updateTable("held_deletions").set({ decision }).where("provisioning_id", "=", provisioningId).where("hold_id", "=", holdId));
      await this.provisionings.markDirty(trx, [provisioningId]);
    });
    const [view] = (await this.list(caller, directoryId, provisioningId)).filter((v) => v.holdId === holdId);
    return view!;
  }
}

/** What the breaker makes of one reconcile's releases, with what it weighed them against. */
export interface ReleaseJudgement {
  split: ReleaseSplit;
  /** The sub-users the provisioning manages in the account. */
  managed: number;
  setting: BreakerSetting;
}

/**
 * The breaker's judgement of `releasing`: their plan on `target` (claimed elsewhere or not, what the
 * deletion strategy does to each sub-user), weighed against what the provisioning manages there and
 * the holds already decided. The reconcile and the planner both judge through this one function, so
 * a plan holds what the apply will hold. A proposed provisioning (`stored` false) manages nothing yet
 * and has no decisions.
 */
export async function judgeReleaseStep(
  db: Kysely<Database>,
  holds: DeletionHolds,
  target: TargetView,
  p: PlannedProvisioning & { deletion_breaker: string | null },
  releasing: string[],
  server: BreakerSetting,
  stored = true,
): Promise<ReleaseJudgement> {
  const setting = effectiveBreaker(p.deletion_breaker, server);
  const { ops } = await planReleaseStep(target, p, releasing);
  const managed = stored ? await holds.managedCount(db, p.provisioning_id) : 0;
  const decided = stored ? await holds.decisions(db, p.provisioning_id) : new Map<string, HoldDecision>();
  return { split: splitReleases(releasing, ops, managed, setting, decided), managed, setting };
}

