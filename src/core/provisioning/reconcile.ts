/**
 * Level-triggered reconcile of one provisioning: read what it should cover now (desired) and what
 * it claims (actual), and apply the difference. Every step is idempotent, so running it twice, or
 * again after a crash at any point, converges on the same sub-users.
 */
import type { Kysely } from "kysely";
import { nextSequence } from "../../store/database.js";
import type { Database, DirUser, EventSource, Provisioning, SubUser, UnitFailureKind } from "../../store/schema.js";
import type { Accounts } from "../accounts.js";
import type { Clock } from "../clock.js";
import { randomAlnum } from "../ids.js";
import type { Limits } from "../limits.js";
import { SUBUSER_NAME } from "../subusers.js";

/** A unit that cannot converge until something changes (a clash, a quota): the task fails with why. */
export interface UnitFailure {
  userId: string;
  userName: string;
  kind: UnitFailureKind;
  reason: string;
}

/** A directory user the provisioning covers; joinedAt is when the user joined the provisioned group. */
type Covered = DirUser & { joined_at: number | null };

export interface ReconcileOutcome {
  /** The provisioning generation this reconcile saw. */
  generation: number;
  created: number;
  adopted: number;
  removed: number;
  updated: number;
  failures: UnitFailure[];
  /** The provisioning was being deleted and is now gone. */
  deleted: boolean;
}

const BATCH = 500;

export class Reconciler {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly accounts: Accounts,
    private readonly limits: Limits,
    /** Pause between write batches, so a big fan-out leaves room for API requests (0: none). */
    private readonly batchPauseMs = 0,
  ) {}

  /**
   * Between write batches the event loop always gets a turn (setImmediate), so HTTP requests are
   * served while a big fan-out runs: better-sqlite3 is synchronous, and without this a reconcile
   * would run start to end on microtasks alone. An optional pause adds room on top.
   */
  private async pause(): Promise<void> {
    await new Promise<void>((r) => (this.batchPauseMs > 0 ? setTimeout(r, this.batchPauseMs) : setImmediate(r)));
  }

  async reconcile(provisioningId: string): Promise<ReconcileOutcome | undefined> {
    const p = await this.db.selectFrom("provisionings").selectAll().where("provisioning_id", "=", provisioningId).executeTakeFirst();
    if (!p) return undefined;
    const outcome: ReconcileOutcome = { generation: p.generation, created: 0, adopted: 0, removed: 0, updated: 0, failures: [], deleted: false };

    // Desired vs actual, as two anti-joins: what the provisioning covers but does not claim, and
    // what it claims but no longer covers. Both are index lookups; nothing is compared in memory.
    const toRemove = (await this.claimedButNotCovered(p)).map((r) => r.user_id);
    for (let i = 0; i < toRemove.length; i += BATCH) {
      outcome.removed += await this.release(p, toRemove.slice(i, i + BATCH));
      await this.pause();
    }
    if (!p.deleting) {
      // Walked in user-id order, one batch at a time, so a group of any size costs the same per user
      // and never sits in memory whole.
      let room: { left: number } | undefined;
      for (let after = ""; ; ) {
        const batch = await this.coveredButNotClaimed(p, after, BATCH);
        if (batch.length === 0) break;
        // The account's room is counted once per reconcile, then kept as batches fill it: counting the
        // whole account per batch would make a large fan-out quadratic.
        room ??= { left: this.limits.subUsersPerAccount - (await this.subUserCount(p.target_uin)) };
        await this.claim(p, batch, outcome, room);
        after = batch[batch.length - 1]!.user_id;
        await this.pause();
      }
    }
    // A failed unit whose user the provisioning no longer covers has nothing left to retry.
    if (!p.deleting) await this.dropUncoveredEvents(p);
    // Adopted and long-claimed sub-users alike follow the directory user's email and display name.
    if (!p.deleting) outcome.updated = await this.syncAttributes(p);

    if (p.deleting) {
      await this.db.transaction().execute(async (trx) => {
        const left = await trx.selectFrom("provisioning_claims").select("user_id").where("provisioning_id", "=", p.provisioning_id).limit(1).executeTakeFirst();
        if (!left) {
          await trx.deleteFrom("provisioning_events").where("provisioning_id", "=", p.provisioning_id).execute();
          await trx.deleteFrom("provisionings").where("provisioning_id", "=", p.provisioning_id).execute();
          outcome.deleted = true;
        }
      });
    }
    return outcome;
  }

  private async subUserCount(accountUin: number): Promise<number> {
    const { n } = await this.db.selectFrom("sub_users").select((eb) => eb.fn.countAll<number>().as("n")).where("account_uin", "=", accountUin).executeTakeFirstOrThrow();
    return Number(n);
  }

  /**
   * The next `limit` directory users (by id, after `after`) the provisioning covers now and has no
   * claim for; driven from the group's memberships (primary key group_id, user_id).
   */
  private async coveredButNotClaimed(p: Provisioning, after: string, limit: number): Promise<Covered[]> {
    if (p.principal_type === "User") {
      if (after !== "") return [];
      return this.db
        .selectFrom("dir_users")
        .selectAll()
        .select((eb) => eb.val<number | null>(null).as("joined_at"))
        .where("user_id", "=", p.principal_id)
        .where((eb) => eb.not(eb.exists(eb.selectFrom("provisioning_claims").select("user_id").where("provisioning_id", "=", p.provisioning_id).where("user_id", "=", p.principal_id))))
        .execute();
    }
    return this.db
      .selectFrom("dir_memberships")
      .innerJoin("dir_users", "dir_users.user_id", "dir_memberships.user_id")
      .selectAll("dir_users")
      .select("dir_memberships.joined_at")
      .where("dir_memberships.group_id", "=", p.principal_id)
      .where("dir_memberships.user_id", ">", after)
      .where((eb) =>
        eb.not(eb.exists(eb.selectFrom("provisioning_claims").select("provisioning_claims.user_id").where("provisioning_claims.provisioning_id", "=", p.provisioning_id).whereRef("provisioning_claims.user_id", "=", "dir_memberships.user_id"))),
      )
      .orderBy("dir_memberships.user_id")
      .limit(limit)
      .execute();
  }

  private async dropUncoveredEvents(p: Provisioning): Promise<void> {
    let q = this.db.deleteFrom("provisioning_events").where("provisioning_id", "=", p.provisioning_id);
    q =
      p.principal_type === "User"
        ? q.where((eb) => eb.or([eb("user_id", "!=", p.principal_id), eb.not(eb.exists(eb.selectFrom("dir_users").select("user_id").where("dir_users.user_id", "=", p.principal_id)))]))
        : q.where((eb) =>
            eb.not(eb.exists(eb.selectFrom("dir_memberships").select("dir_memberships.user_id").where("dir_memberships.group_id", "=", p.principal_id).whereRef("dir_memberships.user_id", "=", "provisioning_events.user_id"))),
          );
    await q.execute();
  }

  /** Claims whose user the provisioning no longer covers (all of them while it is being deleted). */
  private async claimedButNotCovered(p: Provisioning): Promise<{ user_id: string }[]> {
    let q = this.db.selectFrom("provisioning_claims").select("user_id").where("provisioning_id", "=", p.provisioning_id);
    if (!p.deleting) {
      q =
        p.principal_type === "User"
          ? q.where((eb) => eb.or([eb("user_id", "!=", p.principal_id), eb.not(eb.exists(eb.selectFrom("dir_users").select("user_id").where("dir_users.user_id", "=", p.principal_id)))]))
          : q.where((eb) =>
              eb.not(eb.exists(eb.selectFrom("dir_memberships").select("dir_memberships.user_id").where("dir_memberships.group_id", "=", p.principal_id).whereRef("dir_memberships.user_id", "=", "provisioning_claims.user_id"))),
            );
    }
    return q.execute();
  }

  /** Gives each user a managed sub-user in the target (creating, adopting or reusing one) and records the claim. */
  private async claim(p: Provisioning, users: Covered[], outcome: ReconcileOutcome, room: { left: number }): Promise<void> {
    const target = p.target_uin;
    await this.db.transaction().execute(async (trx) => {
      const ids = users.map((u) => u.user_id);
      const failures: UnitFailure[] = [];
      // A retried event may carry its own duplication strategy for that one user.
      const overrides = new Map(
        (await trx.selectFrom("provisioning_events").select(["user_id", "duplication_override"]).where("provisioning_id", "=", p.provisioning_id).where("user_id", "in", ids).where("duplication_override", "is not", null).execute()).map(
          (e) => [e.user_id, e.duplication_override!],
        ),
      );
      // Sub-users that already represent these users here (another provisioning made them, or a crashed run).
      const managed = await trx.selectFrom("sub_users").select(["uin", "directory_user_id"]).where("account_uin", "=", target).where("directory_user_id", "in", ids).execute();
      const managedBy = new Map(managed.map((s) => [s.directory_user_id!, s.uin]));
      const wanted = users.filter((u) => !managedBy.has(u.user_id));
      const names = wanted.flatMap((u) => [u.user_name, u.user_name + p.duplicate_suffix]);
      const taken = names.length
        ? await trx.selectFrom("sub_users").select(["uin", "name", "directory_user_id"]).where("account_uin", "=", target).where("name", "in", names).execute()
        : [];
      const byName = new Map<string, Pick<SubUser, "uin" | "name" | "directory_user_id">>(taken.map((s) => [s.name, s]));
      const now = this.clock.now();
      const creates: { user: DirUser; name: string }[] = [];
      for (const u of wanted) {
        const strategy = overrides.get(u.user_id) ?? p.duplication_strategy;
        const existing = byName.get(u.user_name);
        if (!existing) {
          if (SUBUSER_NAME.test(u.user_name)) creates.push({ user: u, name: u.user_name });
          else failures.push({ userId: u.user_id, userName: u.user_name, kind: "name_invalid", reason: `"${u.user_name}" is not a valid sub-user name in account ${target}` });
          continue;
        }
        if (strategy === "TakeOver" && existing.directory_user_id === null) {
          await trx.updateTable("sub_users").set({ directory_user_id: u.user_id, updated_at: now }).where("uin", "=", existing.uin).execute();
          managedBy.set(u.user_id, existing.uin);
          outcome.adopted++;
          continue;
        }
        const alt = u.user_name + p.duplicate_suffix;
        if (strategy === "KeepBoth" && !byName.has(alt) && SUBUSER_NAME.test(alt)) {
          creates.push({ user: u, name: alt });
          byName.set(alt, { uin: 0, name: alt, directory_user_id: u.user_id });
          continue;
        }
        const reason =
          existing.directory_user_id !== null
            ? `sub-user "${u.user_name}" in account ${target} belongs to another directory user`
            : strategy === "KeepBoth"
              ? SUBUSER_NAME.test(alt)
                ? `sub-users "${u.user_name}" and "${alt}" both exist in account ${target}`
                : `sub-user "${u.user_name}" exists in account ${target} and "${alt}" is not a valid sub-user name`
              : `sub-user "${u.user_name}" exists in account ${target}`;
        failures.push({ userId: u.user_id, userName: u.user_name, kind: "name_clash", reason });
      }
      const fits = creates.slice(0, Math.max(0, room.left));
      for (const c of creates.slice(fits.length)) {
        failures.push({ userId: c.user.user_id, userName: c.user.user_name, kind: "quota", reason: `account ${target} reached its sub-user quota (${this.limits.subUsersPerAccount})` });
      }
      if (fits.length) {
        const firstUin = await nextSequence(trx, "uin", fits.length);
        const firstUid = await nextSequence(trx, "uid", fits.length);
        const rows: SubUser[] = fits.map((c, i) => ({
          uin: firstUin + i,
          uid: firstUid + i,
          account_uin: target,
          name: c.name,
          remark: c.user.display_name,
          console_login: 0,
          password_hash: null,
          need_reset_password: 0,
          phone_num: "",
          country_code: "",
          email: c.user.email,
          created_at: now,
          updated_at: now,
          directory_user_id: c.user.user_id,
        }));
        for (let i = 0; i < rows.length; i += 100) await trx.insertInto("sub_users").values(rows.slice(i, i + 100)).execute();
        rows.forEach((r) => managedBy.set(r.directory_user_id!, r.uin));
        outcome.created += rows.length;
        room.left -= rows.length;
      }
      const claims = users
        .filter((u) => managedBy.has(u.user_id))
        .map((u) => ({ provisioning_id: p.provisioning_id, user_id: u.user_id, target_uin: target, sub_user_uin: managedBy.get(u.user_id)!, created_at: now }));
      for (let i = 0; i < claims.length; i += 100) {
        await trx.insertInto("provisioning_claims").values(claims.slice(i, i + 100)).onConflict((oc) => oc.columns(["provisioning_id", "user_id"]).doNothing()).execute();
      }
      // A unit that converged has no failed event any more; one that failed records (or counts) its event.
      const converged = claims.map((c) => c.user_id);
      if (converged.length && (await trx.selectFrom("provisioning_events").select("event_id").where("provisioning_id", "=", p.provisioning_id).limit(1).executeTakeFirst())) {
        for (let i = 0; i < converged.length; i += 500) {
          await trx.deleteFrom("provisioning_events").where("provisioning_id", "=", p.provisioning_id).where("user_id", "in", converged.slice(i, i + 500)).execute();
        }
      }
      const joinedAt = new Map(users.map((u) => [u.user_id, u.joined_at]));
      for (const f of failures) await recordFailure(trx, p, f, sourceOf(p, joinedAt.get(f.userId) ?? null), now);
      outcome.failures.push(...failures);
    });
  }

  /** Drops the claims; a sub-user no other provisioning claims is deleted or let go, per the strategy. */
  private async release(p: Provisioning, userIds: string[]): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("provisioning_claims").where("provisioning_id", "=", p.provisioning_id).where("user_id", "in", userIds).execute();
      await trx.deleteFrom("provisioning_events").where("provisioning_id", "=", p.provisioning_id).where("user_id", "in", userIds).execute();
      const stillNeeded = await trx.selectFrom("provisioning_claims").select("user_id").where("target_uin", "=", p.target_uin).where("user_id", "in", userIds).execute();
      const keep = new Set(stillNeeded.map((c) => c.user_id));
      const orphaned = userIds.filter((id) => !keep.has(id));
      if (orphaned.length === 0) return 0;
      const subs = await trx.selectFrom("sub_users").select("uin").where("account_uin", "=", p.target_uin).where("directory_user_id", "in", orphaned).execute();
      const uins = subs.map((s) => s.uin);
      if (uins.length === 0) return 0;
      if (p.deletion_strategy === "Delete") {
        const keys = await trx.selectFrom("credentials").select("secret_id").where("subject_uin", "in", uins).execute();
        await trx.deleteFrom("credentials").where("subject_uin", "in", uins).execute();
        await trx.deleteFrom("sub_users").where("uin", "in", uins).execute();
        this.accounts.forget(keys.map((k) => k.secret_id));
      } else {
        await trx.updateTable("sub_users").set({ directory_user_id: null, updated_at: this.clock.now() }).where("uin", "in", uins).execute();
      }
      return uins.length;
    });
  }

  /** Keeps claimed sub-users' email and remark equal to the directory user's email and display name. */
  private async syncAttributes(p: Provisioning): Promise<number> {
    const stale = await this.db
      .selectFrom("provisioning_claims")
      .innerJoin("sub_users", "sub_users.uin", "provisioning_claims.sub_user_uin")
      .innerJoin("dir_users", "dir_users.user_id", "provisioning_claims.user_id")
      .select(["sub_users.uin", "dir_users.email", "dir_users.display_name"])
      .where("provisioning_claims.provisioning_id", "=", p.provisioning_id)
      .where((eb) => eb.or([eb("sub_users.email", "!=", eb.ref("dir_users.email")), eb("sub_users.remark", "!=", eb.ref("dir_users.display_name"))]))
      .execute();
    for (const s of stale) {
      await this.db.updateTable("sub_users").set({ email: s.email, remark: s.display_name, updated_at: this.clock.now() }).where("uin", "=", s.uin).execute();
    }
    return stale.length;
  }
}

/** Which change made a unit run: a user who joined the group after it was provisioned came in by AddUserToGroup. */
function sourceOf(p: Provisioning, joinedAt: number | null): EventSource {
  return p.principal_type === "Group" && joinedAt !== null && joinedAt > p.created_at ? "AddUserToGroup" : "StartProvisioning";
}

/** One failed-sync event per (provisioning, user): created on the first failure, counted on each later one. */
async function recordFailure(trx: Kysely<Database>, p: Provisioning, f: UnitFailure, source: EventSource, now: number): Promise<void> {
  await trx
    .insertInto("provisioning_events")
    .values({
      event_id: "upe-" + randomAlnum(20),
      directory_id: p.directory_id,
      provisioning_id: p.provisioning_id,
      user_id: f.userId,
      target_uin: p.target_uin,
      source_type: source,
      error_kind: f.kind,
      error_info: f.reason,
      error_count: 1,
      duplication_override: null,
      last_attempt_at: now,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.columns(["provisioning_id", "user_id"]).doUpdateSet((eb) => ({
        error_count: eb("provisioning_events.error_count", "+", 1),
        error_kind: eb.ref("excluded.error_kind"),
        error_info: eb.ref("excluded.error_info"),
        last_attempt_at: now,
        updated_at: now,
      })),
    )
    .execute();
}
