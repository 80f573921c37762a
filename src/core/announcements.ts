/**
 * Announcements: how one part of the core tells others that something changed, without importing
 * them. The directory announces membership and user changes, organizations announce a member
 * leaving, the engine's queue announces that keys were marked; provisioning listens to the first
 * three and the worker to the last.
 *
 * Listeners run inside the announcing transaction and get it, so what they write commits or rolls
 * back with the change itself (a change never commits without its consequences). After-commit
 * listeners run once the transaction has committed, for effects outside the database (waking the
 * worker); a transaction that fails runs none of them.
 */
import type { Kysely } from "kysely";
import type { Database } from "../store/schema.js";

export interface Announcements {
  /** A user joined or left a group. */
  "directory.membership_changed": { directoryId: string; groupId: string; userId: string };
  /** A user's fields changed; `changed` names those whose value differs now. */
  "directory.user_changed": { directoryId: string; userId: string; changed: readonly UserField[] };
  /** An account left an organization (it quit, or the manager removed it). */
  "organization.member_left": { orgId: number; accountUin: number };
  /** Keys were put on (or re-armed in) the reconcile queue. */
  "queue.marked": { keys: readonly string[] };
}

export type UserField = "firstName" | "lastName" | "displayName" | "description" | "email" | "needResetPassword" | "userName";

export type AnnouncementKind = keyof Announcements;
type Listener<K extends AnnouncementKind> = (trx: Kysely<Database>, a: Announcements[K]) => Promise<void>;
type CommittedListener<K extends AnnouncementKind> = (a: Announcements[K]) => void;

export class Announcer {
  private readonly listeners = new Map<AnnouncementKind, Listener<never>[]>();
  private readonly committedListeners = new Map<AnnouncementKind, CommittedListener<never>[]>();
  /** The after-commit effects owed by each open transaction that may announce. */
  private readonly owed = new WeakMap<Kysely<Database>, (() => void)[]>();

  /** `listener` runs inside every transaction that announces `kind`, in the order listeners were added. */
  on<K extends AnnouncementKind>(kind: K, listener: Listener<K>): void {
    this.listeners.set(kind, [...(this.listeners.get(kind) ?? []), listener as Listener<never>]);
  }

  /** `listener` runs after a transaction that announced `kind` commits (once per announcement). */
  afterCommit<K extends AnnouncementKind>(kind: K, listener: CommittedListener<K>): void {
    this.committedListeners.set(kind, [...(this.committedListeners.get(kind) ?? []), listener as CommittedListener<never>]);
  }

  /** Runs `work` in one transaction of `db` in which announcements may be made. */
  async transaction<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    const effects: (() => void)[] = [];
    const result = await db.transaction().execute(async (trx) => {
      this.owed.set(trx, effects);
      return work(trx);
    });
    for (const effect of effects) effect();
    return result;
  }

  /** Tells the listeners of `kind`, inside `trx` (a transaction opened by `transaction`). */
  async announce<K extends AnnouncementKind>(trx: Kysely<Database>, kind: K, a: Announcements[K]): Promise<void> {
    const effects = this.owed.get(trx);
    // A programming error: announced outside a transaction whose commit this announcer sees.
    if (!effects) throw new Error(`"${kind}" announced outside Announcer.transaction`);
    for (const listener of (this.listeners.get(kind) ?? []) as Listener<K>[]) await listener(trx, a);
    for (const listener of (this.committedListeners.get(kind) ?? []) as CommittedListener<K>[]) effects.push(() => listener(a));
  }
}
