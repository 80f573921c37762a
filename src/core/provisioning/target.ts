/**
 * What a reconcile's plan reads of its target account, behind one interface with two sides:
 *
 * - LockedTarget: the account as it is, read inside the reconcile's write transaction under the
 *   account's row lock (the reconciler plans, then applies what it planned);
 * - SimulatedTarget: the account as it would be — the store as it is now plus every operation the
 *   dry run has planned so far (the planner plans, then "applies" to this overlay instead).
 *
 * The planning steps (steps.ts) see only this interface, so a dry run makes exactly the decisions
 * the reconcile would: same reads, same pure plan, batch for batch.
 */
import type { Kysely } from "kysely";
import { all, first, inChunks } from "../../store/database.js";
import type { Database } from "../../store/schema.js";
import type { Limits } from "../limits.js";
import type { SubUsers } from "../subusers.js";
import type { ClaimOp, ExistingSubUser, ReleaseOp } from "./plan.js";
import type { DuplicationStrategy } from "./views.js";

/** A sub-user a released claim leaves behind: its uin, name and the directory user it represented. */
export interface ManagedSubUser {
  uin: number;
  name: string;
  directoryUserId: string;
}

export interface TargetView {
  readonly target: number;
  /** How many more sub-users the account takes. */
  room(): Promise<number>;
  /** Of `userIds`, the sub-users of the account that represent them, by directory user id. */
  managed(userIds: readonly string[]): Promise<Map<string, number>>;
  /** Sub-users of the account bearing one of `names`, by name. */
  byName(names: readonly string[]): Promise<Map<string, ExistingSubUser>>;
  /** Of `userIds`, those a provisioning other than `provisioningId` still claims in the account. */
  claimedElsewhere(provisioningId: string, userIds: readonly string[]): Promise<Set<string>>;
  /** The account's sub-users that represent one of `userIds`. */
  representing(userIds: readonly string[]): Promise<ManagedSubUser[]>;
  /** Per-user duplication strategies of retried failed events of the provisioning. */
  overrides(provisioningId: string, userIds: readonly string[]): Promise<Map<string, DuplicationStrategy>>;
}

/** The account as the store holds it, read through `db` (the reconcile's transaction, or the store), without locks. */
export class StoredTarget implements TargetView {
  constructor(
    protected readonly db: Kysely<Database>,
    readonly target: number,
    protected readonly limits: Limits,
  ) {}

  async room(): Promise<number> {
    const row = await first(this.db, this.db.selectFrom("accounts").select("sub_user_count").where("uin", "=", this.target));
    return this.limits.subUsersPerAccount - Number(row?.sub_user_count ?? 0);
  }
  managed(userIds: readonly string[]) {
    return this.storedManaged(userIds);
  }
  byName(names: readonly string[]) {
    return this.storedByName(names);
  }
  async claimedElsewhere(provisioningId: string, userIds: readonly string[]): Promise<Set<string>> {
    return new Set((await this.storedClaimsElsewhere(provisioningId, userIds)).map((c) => c.user_id));
  }
  representing(userIds: readonly string[]) {
    return this.storedRepresenting(userIds);
  }

  protected async storedManaged(userIds: readonly string[]): Promise<Map<string, number>> {
    const rows = await inChunks(userIds, (ids) => all(this.db, this.db.selectFrom("sub_users").select(["uin", "directory_user_id"]).where("account_uin", "=", this.target).where("directory_user_id", "in", ids)));
    return new Map(rows.map((s) => [s.directory_user_id!, s.uin]));
  }

  protected async storedByName(names: readonly string[]): Promise<Map<string, ExistingSubUser>> {
    const rows = await inChunks(names, (n) => all(this.db, this.db.selectFrom("sub_users").select(["uin", "name", "directory_user_id"]).where("account_uin", "=", this.target).where("name", "in", n)));
    return new Map(rows.map((s) => [s.name, { uin: s.uin, name: s.name, directoryUserId: s.directory_user_id }]));
  }

  protected storedClaimsElsewhere(provisioningId: string, userIds: readonly string[]): Promise<{ provisioning_id: string; user_id: string }[]> {
    return inChunks(userIds, (ids) =>
      all(this.db, this.db.selectFrom("provisioning_claims").select(["provisioning_id", "user_id"]).where("target_uin", "=", this.target).where("provisioning_id", "!=", provisioningId).where("user_id", "in", ids)),
    );
  }

  protected async storedRepresenting(userIds: readonly string[]): Promise<ManagedSubUser[]> {
    const rows = await inChunks(userIds, (ids) => all(this.db, this.db.selectFrom("sub_users").select(["uin", "name", "directory_user_id"]).where("account_uin", "=", this.target).where("directory_user_id", "in", ids)));
    return rows.map((s) => ({ uin: s.uin, name: s.name, directoryUserId: s.directory_user_id! }));
  }

  async overrides(provisioningId: string, userIds: readonly string[]): Promise<Map<string, DuplicationStrategy>> {
    const rows = await inChunks(userIds, (ids) =>
      all(
        this.db,
        this.db.selectFrom("provisioning_events").select(["user_id", "duplication_override"]).where("provisioning_id", "=", provisioningId).where("user_id", "in", ids).where("duplication_override", "is not", null),
      ),
    );
    return new Map(rows.map((e) => [e.user_id, e.duplication_override!]));
  }
}

/** The account inside the reconcile's write transaction; `lock()` takes its row lock and reads the room under it. */
export class LockedTarget extends StoredTarget {
  private roomLeft = 0;

  constructor(
    trx: Kysely<Database>,
    target: number,
    limits: Limits,
    private readonly subUsers: SubUsers,
  ) {
    super(trx, target, limits);
  }

  /** Locks the account's row for the rest of the transaction: nothing the plan relies on changes before it is applied. */
  async lock(): Promise<this> {
    this.roomLeft = (await this.subUsers.lockAccount(this.db, this.target)).room;
    return this;
  }

  override async room(): Promise<number> {
    return this.roomLeft;
  }
}

/**
 * The account as a dry run sees it: the store as it is, overlaid with what was planned so far. A
 * created sub-user gets a negative stand-in uin (the real one is numbered when it is made).
 */
export class SimulatedTarget extends StoredTarget {
  private roomDelta = 0;
  private nextStandIn = -1;
  /** Sub-users the plan created, by name. */
  private readonly createdByName = new Map<string, ExistingSubUser>();
  /** The same, by the directory user each was made for. */
  private readonly createdByUser = new Map<string, ExistingSubUser>();
  /** Sub-users whose directory user the plan changed (adopted: the user; let go: null). */
  private readonly ownerOf = new Map<number, string | null>();
  private readonly deleted = new Set<number>();
  /** Claims the plan made (provisioning → users) and dropped. */
  private readonly claimsMade = new Map<string, Set<string>>();
  private readonly claimsDropped = new Map<string, Set<string>>();
  /**
   * The account's sub-users as the store holds them, read once: a plan reads them all batch after
   * batch, and one read of the account's rows costs less than a query per batch. The reconcile reads
   * the same rows per batch under its lock; the answers are the same.
   */
  private stored: Promise<{ byName: Map<string, ExistingSubUser>; byUser: Map<string, ExistingSubUser> }> | undefined;

  private index() {
    this.stored ??= (async () => {
      const rows = await all(this.db, this.db.selectFrom("sub_users").select(["uin", "name", "directory_user_id"]).where("account_uin", "=", this.target));
      const byName = new Map<string, ExistingSubUser>();
      const byUser = new Map<string, ExistingSubUser>();
      for (const r of rows) {
        const s = { uin: r.uin, name: r.name, directoryUserId: r.directory_user_id };
        byName.set(r.name, s);
        if (r.directory_user_id !== null) byUser.set(r.directory_user_id, s);
      }
      return { byName, byUser };
    })();
    return this.stored;
  }

  protected override async storedManaged(userIds: readonly string[]): Promise<Map<string, number>> {
    const { byUser } = await this.index();
    const out = new Map<string, number>();
    for (const id of userIds) {
      const s = byUser.get(id);
      if (s) out.set(id, s.uin);
    }
    return out;
  }

  protected override async storedByName(names: readonly string[]): Promise<Map<string, ExistingSubUser>> {
    const { byName } = await this.index();
    const out = new Map<string, ExistingSubUser>();
    for (const n of names) {
      const s = byName.get(n);
      if (s) out.set(n, s);
    }
    return out;
  }

  protected override async storedRepresenting(userIds: readonly string[]): Promise<ManagedSubUser[]> {
    const { byUser } = await this.index();
    const out: ManagedSubUser[] = [];
    for (const id of userIds) {
      const s = byUser.get(id);
      if (s) out.push({ uin: s.uin, name: s.name, directoryUserId: id });
    }
    return out;
  }

  override async room(): Promise<number> {
    return (await super.room()) + this.roomDelta;
  }

  override async managed(userIds: readonly string[]): Promise<Map<string, number>> {
    const stored = await this.storedManaged(userIds);
    const out = new Map<string, number>();
    for (const [userId, uin] of stored) if (this.alive(uin) && this.owner(uin, userId) === userId) out.set(userId, uin);
    const wanted = new Set(userIds);
    for (const [uin, owner] of this.ownerOf) if (owner !== null && wanted.has(owner) && !this.deleted.has(uin)) out.set(owner, uin);
    for (const id of userIds) {
      const made = this.createdByUser.get(id);
      if (made) out.set(id, made.uin);
    }
    return out;
  }

  override async byName(names: readonly string[]): Promise<Map<string, ExistingSubUser>> {
    const out = new Map<string, ExistingSubUser>();
    for (const [name, s] of await this.storedByName(names)) if (this.alive(s.uin)) out.set(name, { ...s, directoryUserId: this.owner(s.uin, s.directoryUserId) });
    for (const name of names) {
      const made = this.createdByName.get(name);
      if (made) out.set(name, made);
    }
    return out;
  }

  override async claimedElsewhere(provisioningId: string, userIds: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    // Stored claims of other provisionings this dry run dropped no longer hold the sub-user.
    for (const c of await this.storedClaimsElsewhere(provisioningId, userIds)) if (!this.claimsDropped.get(c.provisioning_id)?.has(c.user_id)) out.add(c.user_id);
    for (const [pid, made] of this.claimsMade) if (pid !== provisioningId) for (const u of userIds) if (made.has(u)) out.add(u);
    return out;
  }

  override async representing(userIds: readonly string[]): Promise<ManagedSubUser[]> {
    const managed = await this.managed(userIds);
    const names = new Map((await this.storedRepresenting(userIds)).map((s) => [s.uin, s.name]));
    for (const id of userIds) {
      const made = this.createdByUser.get(id);
      if (made) names.set(made.uin, made.name);
    }
    return [...managed].map(([directoryUserId, uin]) => ({ uin, name: names.get(uin) ?? "", directoryUserId }));
  }

  /** What applying a claim batch's ops would do to the account. */
  applyClaims(provisioningId: string, ops: readonly ClaimOp[]): void {
    const claims = this.claimsOf(this.claimsMade, provisioningId);
    const dropped = this.claimsDropped.get(provisioningId);
    for (const op of ops) {
      if (op.op === "create") {
        const s = { uin: this.nextStandIn--, name: op.name, directoryUserId: op.userId };
        this.createdByName.set(op.name, s);
        this.createdByUser.set(op.userId, s);
        this.roomDelta--;
      } else if (op.op === "adopt") this.ownerOf.set(op.uin, op.userId);
      if (op.op !== "fail") {
        claims.add(op.userId);
        dropped?.delete(op.userId);
      }
    }
  }

  /** What releasing `userIds`' claims, with these ops on the sub-users left behind, would do. */
  applyReleases(provisioningId: string, userIds: readonly string[], ops: readonly (ReleaseOp & { name?: string })[]): void {
    const dropped = this.claimsOf(this.claimsDropped, provisioningId);
    const made = this.claimsOf(this.claimsMade, provisioningId);
    for (const u of userIds) {
      dropped.add(u);
      made.delete(u);
    }
    for (const op of ops) {
      if (op.op === "keep") this.ownerOf.set(op.uin, null);
      else {
        this.deleted.add(op.uin);
        this.roomDelta++;
        // A stand-in (created earlier in this plan) deleted again: its name and user are free.
        if (op.uin < 0) {
          for (const [name, made] of this.createdByName) if (made.uin === op.uin) this.createdByName.delete(name);
          for (const [user, made] of this.createdByUser) if (made.uin === op.uin) this.createdByUser.delete(user);
        }
      }
    }
  }

  private alive(uin: number): boolean {
    return !this.deleted.has(uin);
  }

  private owner(uin: number, stored: string | null): string | null {
    return this.ownerOf.has(uin) ? this.ownerOf.get(uin)! : stored;
  }

  private claimsOf(map: Map<string, Set<string>>, provisioningId: string): Set<string> {
    let set = map.get(provisioningId);
    if (!set) map.set(provisioningId, (set = new Set()));
    return set;
  }
}
