/**
 * The provisioning timeline: why a provisioned sub-user exists, changed, or went. Every decision the
 * reconciler applies (created, adopted, reused, updated, kept, deleted, released, failed) and every
 * retry asked for is recorded in the transaction that applies it, so a change never lands without its
 * record nor a record without its change. The rows are derived from the plan's operations in one
 * place (the pure `*Decisions` functions below); the reconciler only hands over what it applied.
 *
 * What one transaction's decisions share (time, provisioning, account, principal, strategies) is one
 * `timeline_batches` row; each decision row keeps only what is its own, and most carry no detail, so
 * a fan-out writes a narrow row per sub-user in multi-row inserts. Reads are per sub-user (account +
 * uin or name), per directory user, per provisioning and per account, newest first, scoped to the
 * caller's directory. Decisions older than the retention period are not shown, and are deleted in
 * batches when the worker is idle (`pruneIfDue`), by the core's clock (the emulator's may move).
 */
import { type Kysely, sql } from "kysely";
import { insertRows } from "../../store/shapes.js";
import { all, exec, first, lastInsertId, precompiledExec, precompiledRow } from "../../store/database.js";
import type { Database, Provisioning, TimelineDecisionKind, TimelineDecisionTable } from "../../store/schema.js";
import type { Caller } from "../accounts.js";
import type { Clock } from "../clock.js";
import type { Directories } from "../directory/directories.js";
import { type PageTokens, pageSize, scopeOf } from "../directory/paging.js";
import { fail } from "../errors.js";
import { isNumericId } from "../ids.js";
import type { HoldDecision } from "./breaker.js";
import type { AttributeOp, ClaimOp, NameClash, ReleaseOp } from "./plan.js";
import type { ReleaseStepOp } from "./steps.js";
import { yieldTurn } from "../../lib/turn-end.js";

export interface TimelineOptions {
  /** Record decisions at all. Off only for a benchmark's baseline. */
  record: boolean;
  /** Days a decision is kept (OPENCIC_TIMELINE_RETENTION_DAYS). */
  retentionDays: number;
}

export const DEFAULT_TIMELINE_OPTIONS: TimelineOptions = { record: true, retentionDays: 30 };

const DAY_MS = 86_400_000;
/** Expired decisions are looked for at most this often per process (core clock). */
const PRUNE_EVERY_MS = 60_000;
/** Batches deleted per prune transaction (a batch holds at most a reconcile batch's 500 decisions). */
const PRUNE_BATCHES = 20;
/** Prune transactions per idle turn of the worker, so a large backlog does not hold up reconciles. */
const PRUNE_TRANSACTIONS_PER_TURN = 10;
/** Decision rows per insert statement (7 values each): a reconcile batch's 500 in one. */
const INSERT_CHUNK = 500;

/** A decision row before it belongs to a batch. */
export type DecisionRow = Omit<TimelineDecisionTable, "seq">;

/**
 * A decision's key is its batch's number × BATCH_SPAN + its place in the batch, so a batch's decisions
 * are one range of the key (no index by batch) and the key orders decisions as they were made.
 */
const BATCH_SPAN = 1000;
/** Joins a decision `d` to its batch `b`, either way round: b's key from d's, or d's range from b's. */
const inBatch = sql<boolean>`b.batch_seq = d.seq / ${sql.lit(BATCH_SPAN)} and d.seq >= b.batch_seq * ${sql.lit(BATCH_SPAN)} and d.seq < (b.batch_seq + 1) * ${sql.lit(BATCH_SPAN)}`;

/** Why a released claim was released. */
export type ReleaseCause = "left_group" | "user_deleted" | "provisioning_deleted" | "no_longer_covered";

/** What the detail column holds, per decision (JSON; absent when a decision needs nothing beyond its columns). */
interface Detail {
  clash?: NameClash;
  email?: [string, string];
  remark?: [string, string];
  cause?: ReleaseCause;
  kind?: string;
  reason?: string;
  /** A retry's duplication strategy for the unit alone (null: the provisioning's). */
  strategy?: "KeepBoth" | "TakeOver" | null;
  /** held: the held set's id. */
  holdId?: string;
  /** deleted or kept: the administrator's decision on the held deletion this applies. */
  breaker?: HoldDecision;
}

const detail = (d: Detail): string => JSON.stringify(d);

// ---- the pure half: applied operations + what the reconciler read → decision rows ----

/**
 * A claim batch's decisions: one per op. `userNames` names the batch's users; `made` are the sub-users
 * the creates made; `reusedNames` the names of reused ones.
 */
export function claimDecisions(
  ops: readonly ClaimOp[],
  ctx: { userNames: ReadonlyMap<string, string>; made: ReadonlyMap<string, number>; reusedNames: ReadonlyMap<number, string> },
): DecisionRow[] {
  return ops.map((op): DecisionRow => {
    const userName = ctx.userNames.get(op.userId) ?? "";
    switch (op.op) {
      case "create":
        return { decision: "created", user_id: op.userId, user_name: userName, sub_user_uin: ctx.made.get(op.userId) ?? null, sub_user_name: op.name, detail: op.clash ? detail({ clash: op.clash }) : null };
      case "adopt":
        return { decision: "adopted", user_id: op.userId, user_name: userName, sub_user_uin: op.uin, sub_user_name: op.name, detail: null };
      case "reuse":
        return { decision: "reused", user_id: op.userId, user_name: userName, sub_user_uin: op.uin, sub_user_name: ctx.reusedNames.get(op.uin) ?? null, detail: null };
      case "fail":
        return { decision: "failed", user_id: op.userId, user_name: op.userName, sub_user_uin: null, sub_user_name: null, detail: detail({ kind: op.kind, reason: op.reason }) };
    }
  });
}

/** A released user's sub-user, as the release read it. */
export interface ReleasedSubUser {
  uin: number;
  name: string;
  directoryUserId: string;
}

/** Why a release (or a held deletion) happens. `existing` names the users the directory still has: one it lacks was deleted from it. */
interface ReleaseContext {
  existing: ReadonlyMap<string, string>;
  deleting: boolean;
  principalType: "User" | "Group";
}

const releaseCause = (userId: string, ctx: ReleaseContext): ReleaseCause =>
  ctx.deleting ? "provisioning_deleted" : !ctx.existing.has(userId) ? "user_deleted" : ctx.principalType === "Group" ? "left_group" : "no_longer_covered";

const releaseRow = (decision: TimelineDecisionKind, s: ReleasedSubUser, ctx: ReleaseContext, more: Detail = {}): DecisionRow => ({
  decision,
  user_id: s.directoryUserId,
  user_name: ctx.existing.get(s.directoryUserId) ?? s.name,
  sub_user_uin: s.uin,
  sub_user_name: s.name,
  detail: detail({ cause: releaseCause(s.directoryUserId, ctx), ...more }),
});

/**
 * A release batch's decisions: each orphaned sub-user deleted or kept per its op, and each sub-user
 * another provisioning still claims released (it stays managed). `decided` marks the users whose
 * held deletion an administrator approved or rejected.
 */
export function releaseDecisions(
  ops: readonly ReleaseOp[],
  ctx: ReleaseContext & { orphaned: readonly ReleasedSubUser[]; claimedElsewhere: readonly ReleasedSubUser[]; decided?: ReadonlyMap<string, HoldDecision> },
): DecisionRow[] {
  const byUin = new Map(ctx.orphaned.map((s) => [s.uin, s]));
  const rows: DecisionRow[] = [];
  for (const op of ops) {
    const s = byUin.get(op.uin);
    if (!s) continue;
    const breaker = ctx.decided?.get(s.directoryUserId);
    rows.push(releaseRow(op.op === "delete" ? "deleted" : "kept", s, ctx, breaker ? { breaker } : {}));
  }
  for (const s of ctx.claimedElsewhere) rows.push(releaseRow("released", s, ctx));
  return rows;
}

/** The deletions the circuit breaker newly held, in set `holdId`: one decision each. */
export function heldDecisions(held: readonly ReleasedSubUser[], holdId: string, ctx: ReleaseContext): DecisionRow[] {
  return held.map((s) => releaseRow("held", s, ctx, { holdId }));
}

/** A claimed sub-user whose attributes the reconcile compared, with whom it represents. */
export interface ComparedSubUser {
  uin: number;
  name: string;
  email: string;
  remark: string;
  user_id: string;
  user_name: string;
}

/** An attribute batch's decisions: what changed, from what to what. */
export function attributeDecisions(ops: readonly AttributeOp[], compared: readonly ComparedSubUser[]): DecisionRow[] {
  const before = new Map(compared.map((c) => [c.uin, c]));
  return ops.flatMap((op): DecisionRow[] => {
    const c = before.get(op.uin);
    if (!c) return [];
    const d: Detail = {};
    if (c.email !== op.email) d.email = [c.email, op.email];
    if (c.remark !== op.remark) d.remark = [c.remark, op.remark];
    return [{ decision: "updated", user_id: c.user_id, user_name: c.user_name, sub_user_uin: op.uin, sub_user_name: c.name, detail: detail(d) }];
  });
}

// ---- what the API answers with ----

export interface TimelineDecisionView {
  decisionId: string;
  decidedAt: number;
  decision: TimelineDecisionKind;
  /** Why, as a code: name_free, name_taken, take_over, already_represented, user_changed, a release's cause, a failure's kind, retry_requested. */
  cause: string;
  /** The decision and its reason in a sentence. */
  explanation: string;
  accountUin: number;
  provisioningId: string;
  /** Whom the provisioning covers (its user or group), named as it was then. */
  principal: { type: "User" | "Group"; id: string; name: string };
  duplicationStrategy: "KeepBoth" | "TakeOver";
  deletionStrategy: "Delete" | "Keep";
  /** The directory user ("" for a retry of the provisioning as a whole). */
  userId: string;
  userName: string;
  subUser: { uin: number | null; name: string } | null;
  /** Created under KeepBoth: the name the user wanted, and who held it. */
  clash: { name: string; uin: number | null; heldBy: "hand-made" | "directory-user"; directoryUserId: string | null } | null;
  /** Updated: each attribute that changed. */
  changes: { attribute: "email" | "remark"; from: string; to: string }[];
  failure: { kind: string; reason: string } | null;
  /** Retried: the duplication strategy asked for that unit (null: the provisioning's own). */
  retryStrategy: "KeepBoth" | "TakeOver" | null;
  /**
   * The deletion circuit breaker's part: held (the deletion waits in set `holdId`), or the
   * administrator's decision a deleted (approved) or kept (rejected) sub-user followed.
   */
  breaker: { decision: "held" | HoldDecision; holdId: string | null } | null;
}

export interface TimelineQuery {
  accountUin?: number;
  /** A sub-user of `accountUin`, by uin or by name (its current one, or the last one the timeline knew it by). */
  subUserUin?: number;
  subUserName?: string;
  userId?: string;
  provisioningId?: string;
  maxResults?: number;
  nextToken?: string;
}

export interface TimelinePage {
  items: TimelineDecisionView[];
  nextToken?: string;
}

type JoinedRow = TimelineDecisionTable & {
  at: number;
  provisioning_id: string;
  target_uin: number;
  principal_type: "User" | "Group";
  principal_id: string;
  principal_name: string;
  duplication_strategy: "KeepBoth" | "TakeOver";
  deletion_strategy: "Delete" | "Keep";
};

const quote = (s: string) => `"${s}"`;

/** One row → the view, with its sentence. */
export function decisionView(r: JoinedRow): TimelineDecisionView {
  const d = (r.detail ? JSON.parse(r.detail) : {}) as Detail;
  const who = r.user_name ? `directory user ${r.user_name}` : "the provisioning as a whole";
  const by = `by provisioning ${r.provisioning_id}` + (r.principal_type === "Group" ? ` through group ${r.principal_name}` : " directly for the user");
  const sub = r.sub_user_name !== null ? `sub-user ${quote(r.sub_user_name)}${r.sub_user_uin !== null ? ` (uin ${r.sub_user_uin})` : ""}` : r.sub_user_uin !== null ? `sub-user ${r.sub_user_uin}` : "";
  const where = `in account ${r.target_uin}`;
  let cause: string = r.decision;
  let explanation: string;
  const changes: TimelineDecisionView["changes"] = [];
  switch (r.decision) {
    case "created":
      if (d.clash) {
        cause = "name_taken";
        const holder = d.clash.heldBy === null ? `a hand-made sub-user${d.clash.uin !== null ? ` (uin ${d.clash.uin})` : ""}` : `the sub-user of another directory user (${d.clash.heldBy})`;
        explanation = `Created ${sub} ${where} for ${who} ${by}, with DuplicationStrategy KeepBoth, because ${quote(d.clash.name)} was taken by ${holder}.`;
      } else {
        cause = "name_free";
        explanation = `Created ${sub} ${where} for ${who} ${by}; the name was free.`;
      }
      break;
    case "adopted":
      cause = "take_over";
      explanation = `Adopted the existing hand-made ${sub} ${where} for ${who} ${by}, with DuplicationStrategy TakeOver: it is managed from now on.`;
      break;
    case "reused":
      cause = "already_represented";
      explanation = `Claimed ${sub} ${where} for ${who} ${by}: it already represented the user (another provisioning, or an earlier run, made it).`;
      break;
    case "updated": {
      cause = "user_changed";
      if (d.email) changes.push({ attribute: "email", from: d.email[0], to: d.email[1] });
      if (d.remark) changes.push({ attribute: "remark", from: d.remark[0], to: d.remark[1] });
      const what = changes.map((c) => `${c.attribute} from ${quote(c.from)} to ${quote(c.to)}`).join(" and ");
      const follows = [d.email ? "email" : "", d.remark ? "display name" : ""].filter(Boolean).join(" and ");
      explanation = `Updated ${sub} ${where} ${by}: ${what}, to follow ${who}'s ${follows}.`;
      break;
    }
    case "held":
    case "kept":
    case "deleted":
    case "released": {
      cause = d.cause ?? "no_longer_covered";
      const because =
        cause === "provisioning_deleted"
          ? `provisioning ${r.provisioning_id} was deleted`
          : cause === "user_deleted"
            ? `${who} was deleted from the directory`
            : cause === "left_group"
              ? `${r.user_name} left group ${r.principal_name}`
              : `provisioning ${r.provisioning_id} no longer covers ${who}`;
      explanation =
        r.decision === "held"
          ? `Held the deletion of ${sub} ${where} ${by} (${because}): the deletion circuit breaker tripped, so the sub-user stays, managed, until an administrator approves or rejects held set ${d.holdId ?? ""}.`
          : r.decision === "deleted"
            ? d.breaker === "approved"
              ? `Deleted ${sub} ${where} ${by} because ${because}, after an administrator approved the deletion the circuit breaker had held; DeletionStrategy Delete.`
              : `Deleted ${sub} ${where} ${by} because ${because}; DeletionStrategy Delete.`
            : r.decision === "kept"
              ? d.breaker === "rejected"
                ? `Let go of ${sub} ${where} ${by} because ${because}: an administrator rejected the deletion the circuit breaker had held, so it stays as an ordinary, unmanaged sub-user.`
                : `Let go of ${sub} ${where} ${by} because ${because}; DeletionStrategy Keep: it stays as an ordinary, unmanaged sub-user.`
              : `Provisioning ${r.provisioning_id} released ${sub} ${where} because ${because}; another provisioning still claims it, so it stays, managed.`;
      break;
    }
    case "failed":
      cause = d.kind ?? "failed";
      explanation = `Could not provision ${who} ${where} ${by}: ${d.reason ?? ""}`;
      break;
    case "retried":
      cause = "retry_requested";
      explanation = `A retry of ${who} ${where} ${by} was asked for, ${d.strategy ? `with DuplicationStrategy ${d.strategy} for it alone` : "with the provisioning's own strategies"}.`;
      break;
  }
  return {
    decisionId: String(r.seq),
    decidedAt: r.at,
    decision: r.decision,
    cause,
    explanation,
    accountUin: r.target_uin,
    provisioningId: r.provisioning_id,
    principal: { type: r.principal_type, id: r.principal_id, name: r.principal_name },
    duplicationStrategy: r.duplication_strategy,
    deletionStrategy: r.deletion_strategy,
    userId: r.user_id,
    userName: r.user_name,
    subUser: r.sub_user_uin !== null || r.sub_user_name !== null ? { uin: r.sub_user_uin, name: r.sub_user_name ?? "" } : null,
    clash: d.clash ? { name: d.clash.name, uin: d.clash.uin, heldBy: d.clash.heldBy === null ? "hand-made" : "directory-user", directoryUserId: d.clash.heldBy } : null,
    changes,
    failure: r.decision === "failed" ? { kind: d.kind ?? "", reason: d.reason ?? "" } : null,
    retryStrategy: r.decision === "retried" ? (d.strategy ?? null) : null,
    breaker: r.decision === "held" ? { decision: "held", holdId: d.holdId ?? null } : d.breaker ? { decision: d.breaker, holdId: null } : null,
  };
}

// ---- the service: record (in the caller's transaction), read, prune ----

// What every recorded batch runs, built and compiled once.
const groupName = precompiledRow((db: Kysely<Database>, groupId: string) => db.selectFrom("dir_groups").select("group_name as name").where("group_id", "=", groupId));
const userName = precompiledRow((db: Kysely<Database>, userId: string) => db.selectFrom("dir_users").select("user_name as name").where("user_id", "=", userId));
const insertBatch = precompiledExec(
  (
    db: Kysely<Database>,
    at: number,
    directoryId: string,
    provisioningId: string,
    targetUin: number,
    principalType: "User" | "Group",
    principalId: string,
    principalName: string,
    duplication: "KeepBoth" | "TakeOver",
    deletion: "Delete" | "Keep",
    createdFirst: number | null,
    createdLast: number | null,
  ) =>
    db
      .insertInto("timeline_batches")
      .values({
        at,
        directory_id: directoryId,
        provisioning_id: provisioningId,
        target_uin: targetUin,
        principal_type: principalType,
        principal_id: principalId,
        principal_name: principalName,
        duplication_strategy: duplication,
        deletion_strategy: deletion,
        created_uin_first: createdFirst,
        created_uin_last: createdLast,
      }),
);

const DECISION_COLUMNS = ["seq", "decision", "user_id", "user_name", "sub_user_uin", "sub_user_name", "detail"] as const;

export class Timeline {
  readonly options: TimelineOptions;
  private lastPrune = Number.NEGATIVE_INFINITY;
  /** The last prune stopped at its bound with expired decisions left: the next idle turn goes on. */
  private pruneLeft = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly directories: Directories,
    private readonly tokens: PageTokens,
    options: Partial<TimelineOptions> = {},
  ) {
    this.options = { ...DEFAULT_TIMELINE_OPTIONS, ...options };
    if (!Number.isInteger(this.options.retentionDays) || this.options.retentionDays < 1) throw new Error(`the timeline's retention must be a whole number of days, at least 1, not ${this.options.retentionDays}`);
  }

  /** A claim batch applied `ops` for `users`; `made` are the sub-users its creates made. */
  async claimed(trx: Kysely<Database>, p: Provisioning, ops: readonly ClaimOp[], users: readonly { user_id: string; user_name: string }[], made: readonly { uin: number; directory_user_id: string | null }[]): Promise<void> {
    if (!this.options.record || ops.length === 0) return;
    const reused = ops.flatMap((o) => (o.op === "reuse" ? [o.uin] : []));
    const reusedNames = new Map<number, string>();
    if (reused.length) for (const s of await all(trx, trx.selectFrom("sub_users").select(["uin", "name"]).where("uin", "in", reused))) reusedNames.set(s.uin, s.name);
    const rows = claimDecisions(ops, {
      userNames: new Map(users.map((u) => [u.user_id, u.user_name])),
      made: new Map(made.map((s) => [s.directory_user_id!, s.uin])),
      reusedNames,
    });
    await this.write(trx, p, rows);
  }

  /**
   * A release batch dropped the claims of `userIds`: `orphaned` sub-users got `ops`; the others' sub-users
   * stay with the provisionings that still claim them.
   */
  async released(
    trx: Kysely<Database>,
    p: Provisioning,
    userIds: readonly string[],
    claimedElsewhere: ReadonlySet<string>,
    orphaned: readonly { uin: number; name: string; directory_user_id: string | null }[],
    ops: readonly ReleaseOp[],
    decided?: ReadonlyMap<string, HoldDecision>,
  ): Promise<void> {
    if (!this.options.record || userIds.length === 0) return;
    const elsewhere = claimedElsewhere.size
      ? await all(trx, trx.selectFrom("sub_users").select(["uin", "name", "directory_user_id"]).where("account_uin", "=", p.target_uin).where("directory_user_id", "in", [...claimedElsewhere]))
      : [];
    const sub = (s: { uin: number; name: string; directory_user_id: string | null }): ReleasedSubUser => ({ uin: s.uin, name: s.name, directoryUserId: s.directory_user_id ?? "" });
    const rows = releaseDecisions(ops, { ...(await this.releaseContext(trx, p, userIds)), orphaned: orphaned.map(sub), claimedElsewhere: elsewhere.map(sub), decided });
    await this.write(trx, p, rows);
  }

  /** The circuit breaker held the deletion of these sub-users (new to held set `holdId`). */
  async held(trx: Kysely<Database>, p: Provisioning, holdId: string, held: readonly ReleaseStepOp[]): Promise<void> {
    if (!this.options.record || held.length === 0) return;
    const rows = heldDecisions(held, holdId, await this.releaseContext(trx, p, held.map((h) => h.directoryUserId)));
    await this.write(trx, p, rows);
  }

  private async releaseContext(trx: Kysely<Database>, p: Provisioning, userIds: readonly string[]): Promise<ReleaseContext> {
    const existing = new Map((await all(trx, trx.selectFrom("dir_users").select(["user_id", "user_name"]).where("user_id", "in", [...userIds]))).map((u) => [u.user_id, u.user_name]));
    return { existing, deleting: p.deleting === 1, principalType: p.principal_type };
  }

  /** An attribute batch applied `ops` to the `compared` sub-users. */
  async updated(trx: Kysely<Database>, p: Provisioning, compared: readonly ComparedSubUser[], ops: readonly AttributeOp[]): Promise<void> {
    if (!this.options.record || ops.length === 0) return;
    await this.write(trx, p, attributeDecisions(ops, compared));
  }

  /** A retry of the unit (provisioning, user) was asked for; `userId` "" is the provisioning as a whole. */
  async retried(trx: Kysely<Database>, provisioningId: string, userId: string, strategy: "KeepBoth" | "TakeOver" | undefined): Promise<void> {
    if (!this.options.record) return;
    const p = await first(trx, trx.selectFrom("provisionings").selectAll().where("provisioning_id", "=", provisioningId));
    if (!p) return;
    const user = userId ? await first(trx, trx.selectFrom("dir_users").select("user_name").where("user_id", "=", userId)) : undefined;
    await this.write(trx, p, [{ decision: "retried", user_id: userId, user_name: user?.user_name ?? "", sub_user_uin: null, sub_user_name: null, detail: detail({ strategy: strategy ?? null }) }]);
  }

  /** One batch row per BATCH_SPAN decisions, then its decisions in multi-row inserts, in the caller's transaction. */
  private async write(trx: Kysely<Database>, p: Provisioning, rows: readonly DecisionRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += BATCH_SPAN) await this.writeBatch(trx, p, rows.slice(i, i + BATCH_SPAN));
  }

  private async writeBatch(trx: Kysely<Database>, p: Provisioning, rows: readonly DecisionRow[]): Promise<void> {
    if (rows.length === 0) return;
    const principal = await (p.principal_type === "Group" ? groupName(trx, p.principal_id) : userName(trx, p.principal_id));
    // Created decisions are indexed by no column: their batch's range of uins finds them.
    let createdFirst: number | null = null;
    let createdLast: number | null = null;
    for (const r of rows) {
      if (r.decision !== "created" || r.sub_user_uin === null) continue;
      if (createdFirst === null || r.sub_user_uin < createdFirst) createdFirst = r.sub_user_uin;
      if (createdLast === null || r.sub_user_uin > createdLast) createdLast = r.sub_user_uin;
    }
    await insertBatch(
      trx,
      this.clock.now(),
      p.directory_id,
      p.provisioning_id,
      p.target_uin,
      p.principal_type,
      p.principal_id,
      principal?.name ?? "",
      p.duplication_strategy,
      p.deletion_strategy,
      createdFirst,
      createdLast,
    );
    const batchSeq = Number((await lastInsertId(trx))!.id);
    const firstSeq = batchSeq * BATCH_SPAN;
    await insertRows(
      trx,
      "timeline_decisions",
      rows.map((r, i) => ({ seq: firstSeq + i, decision: r.decision, user_id: r.user_id, user_name: r.user_name, sub_user_uin: r.sub_user_uin, sub_user_name: r.sub_user_name, detail: r.detail })),
      { chunk: INSERT_CHUNK },
    );
  }

  /**
   * The directory's decisions, newest first, narrowed by any of: account, sub-user (within an account,
   * by uin or name), directory user, provisioning. Decisions past the retention period are not shown.
   */
  async list(caller: Caller, directoryId: string, q: TimelineQuery): Promise<TimelinePage> {
    await this.directories.scope(caller, directoryId);
    const limit = pageSize(q);
    if ((q.subUserUin !== undefined || q.subUserName !== undefined) && q.accountUin === undefined) {
      fail("directory.field_invalid", "a sub-user is named within its account: give accountUin with subUserUin or subUserName", "accountUin");
    }
    if (q.subUserUin !== undefined && q.subUserName !== undefined) fail("directory.field_invalid", "name the sub-user by subUserUin or by subUserName, not both", "subUserName");
    const scope = scopeOf("timeline", directoryId, { a: q.accountUin, u: q.subUserUin, n: q.subUserName, d: q.userId, p: q.provisioningId });
    const after = q.nextToken ? this.tokens.decode(q.nextToken, scope).at : undefined;
    // Ids that cannot name anything match nothing (as every other list treats them).
    if ((q.accountUin !== undefined && !isNumericId(q.accountUin)) || (q.subUserUin !== undefined && !isNumericId(q.subUserUin))) return { items: [] };
    const db = this.db;
    let uin = q.subUserUin;
    if (q.subUserName !== undefined) {
      const found = await this.uinByName(directoryId, q.accountUin!, q.subUserName);
      if (found === undefined) return { items: [] };
      uin = found;
    }
    let source;
    if (uin !== undefined || q.userId !== undefined) {
      // Every decision but `created` is indexed by sub-user and by user; a created one is found in the
      // batch whose created uins hold its sub-user's (for a user: its sub-users now, and those a later
      // decision, kept, deleted, released…, names).
      const notCreated =
        uin !== undefined
          ? db.selectFrom("timeline_decisions").select(DECISION_COLUMNS).where("sub_user_uin", "=", uin).where("decision", "<>", sql.lit("created"))
          : db.selectFrom("timeline_decisions").select(DECISION_COLUMNS).where("user_id", "=", q.userId!).where("decision", "<>", sql.lit("created"));
      const batches = await this.batchesCreating(uin !== undefined ? [uin] : await this.uinsOf(q.userId!));
      let created = db
        .selectFrom("timeline_decisions as d")
        .innerJoin("timeline_batches as b", (j) => j.on(inBatch))
        .select(DECISION_COLUMNS.map((c) => `d.${c}` as const))
        .where("b.batch_seq", "in", batches.length ? batches : [0])
        .where("d.decision", "=", sql.lit("created"));
      created = uin !== undefined ? created.where("d.sub_user_uin", "=", uin) : created.where("d.user_id", "=", q.userId!);
      source = batches.length ? notCreated.unionAll(created) : notCreated;
    } else {
      source = db.selectFrom("timeline_decisions").select(DECISION_COLUMNS);
    }
    let query = db
      .selectFrom(source.as("d"))
      .innerJoin("timeline_batches as b", (j) => j.on(inBatch))
      .select([
        "d.seq",
        "d.decision",
        "d.user_id",
        "d.user_name",
        "d.sub_user_uin",
        "d.sub_user_name",
        "d.detail",
        "b.at",
        "b.provisioning_id",
        "b.target_uin",
        "b.principal_type",
        "b.principal_id",
        "b.principal_name",
        "b.duplication_strategy",
        "b.deletion_strategy",
      ])
      .where("b.directory_id", "=", directoryId)
      .where("b.at", ">=", this.cutoff());
    if (q.accountUin !== undefined) query = query.where("b.target_uin", "=", q.accountUin);
    if (q.provisioningId !== undefined) query = query.where("b.provisioning_id", "=", q.provisioningId);
    if (after !== undefined) query = query.where("d.seq", "<", after);
    // By batch, then by place in it (the same order as the key): the batches' indexes then give the
    // order, and a page reads no more than it shows.
    const rows = (await all(db, query.orderBy("b.batch_seq", "desc").orderBy("d.seq", "desc").limit(limit + 1))) as JoinedRow[];
    const more = rows.length > limit;
    const items = (more ? rows.slice(0, limit) : rows).map(decisionView);
    return more ? { items, nextToken: this.tokens.encode({ at: rows[limit - 1]!.seq, id: "" }, scope) } : { items };
  }

  /** The sub-user of that name in the account now, else the last one the directory's timeline knew by it. */
  private async uinByName(directoryId: string, accountUin: number, name: string): Promise<number | undefined> {
    const now = await first(this.db, this.db.selectFrom("sub_users").select("uin").where("account_uin", "=", accountUin).where("name", "=", name));
    if (now) return now.uin;
    const known = await first(
      this.db,
      this.db
        .selectFrom("timeline_decisions as d")
        .innerJoin("timeline_batches as b", (j) => j.on(inBatch))
        .select("d.sub_user_uin")
        .where("b.directory_id", "=", directoryId)
        .where("b.target_uin", "=", accountUin)
        .where("d.sub_user_name", "=", name)
        .where("d.sub_user_uin", "is not", null)
        .orderBy("d.seq", "desc")
        .limit(1),
    );
    return known?.sub_user_uin ?? undefined;
  }

  /** The batches that created these sub-users (a batch's created uins are one range; ranges never overlap). */
  private async batchesCreating(uins: readonly number[]): Promise<number[]> {
    const found = new Set<number>();
    for (const uin of uins) {
      const b = await first(
        this.db,
        this.db.selectFrom("timeline_batches").select(["batch_seq", "created_uin_last"]).where("created_uin_first", "is not", null).where("created_uin_first", "<=", uin).orderBy("created_uin_first", "desc").limit(1),
      );
      if (b && b.created_uin_last !== null && b.created_uin_last >= uin) found.add(b.batch_seq);
    }
    return [...found];
  }

  /** Every sub-user a directory user has or had: those representing it now, and those its decisions named. */
  private async uinsOf(userId: string): Promise<number[]> {
    const now = await all(this.db, this.db.selectFrom("sub_users").select("uin").where("directory_user_id", "=", userId));
    const named = await all(
      this.db,
      this.db.selectFrom("timeline_decisions").select("sub_user_uin").where("user_id", "=", userId).where("decision", "<>", sql.lit("created")).where("sub_user_uin", "is not", null),
    );
    return [...new Set([...now.map((s) => s.uin), ...named.map((d) => d.sub_user_uin!)])];
  }

  private cutoff(): number {
    return this.clock.now() - this.options.retentionDays * DAY_MS;
  }

  /**
   * Deletes decisions past the retention period, a few batches per transaction, yielding between
   * transactions so requests interleave; at most `transactions` of them. Returns how many decisions
   * went, and whether expired ones are left.
   */
  async prune(transactions = Number.POSITIVE_INFINITY): Promise<{ pruned: number; more: boolean }> {
    const cutoff = this.cutoff();
    let pruned = 0;
    for (let done = 0; ; done++) {
      const old = await all(this.db, this.db.selectFrom("timeline_batches").select("batch_seq").where("at", "<", cutoff).orderBy("at").limit(PRUNE_BATCHES));
      if (old.length === 0) return { pruned, more: false };
      if (done >= transactions) return { pruned, more: true };
      const seqs = old.map((b) => b.batch_seq);
      pruned += await this.db.transaction().execute(async (trx) => {
        let n = 0;
        for (const b of seqs) n += await exec(trx, trx.deleteFrom("timeline_decisions").where("seq", ">=", b * BATCH_SPAN).where("seq", "<", (b + 1) * BATCH_SPAN));
        await exec(trx, trx.deleteFrom("timeline_batches").where("batch_seq", "in", seqs));
        return n;
      });
      if (old.length < PRUNE_BATCHES) return { pruned, more: false };
      await yieldTurn();
    }
  }

  /**
   * A bounded `prune`, at most once a minute of the core's clock (at once when that clock went back,
   * and on the next turn while a backlog is left).
   */
  async pruneIfDue(): Promise<void> {
    const now = this.clock.now();
    if (!this.pruneLeft && now - this.lastPrune < PRUNE_EVERY_MS && now >= this.lastPrune) return;
    this.lastPrune = now;
    this.pruneLeft = (await this.prune(PRUNE_TRANSACTIONS_PER_TURN)).more;
  }
}
