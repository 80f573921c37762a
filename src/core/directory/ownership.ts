/**
 * Who may change a directory user or group: the one rule behind Tencent's `Synchronized*Not*` /
 * `Manual*Not*` codes and CloudSSO's "while SCIM synchronization is enabled…", for every door.
 *
 * Two writers: the administrator (the vendor APIs) and the directory's synchronization (a caller a SCIM
 * credential authenticated, `Caller.scimCredentialId`). Two origins: `Manual` objects, made by hand, and
 * `Synchronized` ones, made by the identity provider.
 *
 * - While the directory's synchronization is Enabled, a Synchronized object is the identity provider's:
 *   the administrator may not change its fields, delete it, or change a Synchronized group's members.
 *   The administrator keeps the sign-in controls (a user's status and password), as CloudSSO documents:
 *   one rule for both doors (ARCHITECTURE.md, "Who may change what").
 * - Once it is Disabled, the administrator may change anything again.
 * - The synchronization never changes a Manual object, and writes nothing while it is Disabled; what it
 *   creates is Synchronized.
 *
 * The write paths (users.ts, groups.ts) call these under the object's row lock, inside their transaction.
 */
import type { Kysely } from "kysely";
import { precompiledRow } from "../../store/database.js";
import type { Database, Directory, PrincipalOrigin } from "../../store/schema.js";
import type { Caller } from "../accounts.js";
import { fail, type Reason } from "../errors.js";
import { type MaybePromise, then } from "../../lib/maybe-promise.js";
import { ORIGINS, oneOf } from "../rules.js";

/** A change to a user: its fields, its deletion, or its sign-in controls (status, password). */
export type UserWrite = "update" | "delete" | "signIn";
/** A change to a group: its fields, its deletion, or its members. */
export type GroupWrite = "update" | "delete" | "addMember" | "removeMember";

const SYNCHRONIZED_USER: Record<UserWrite, Reason | undefined> = {
  update: "ownership.synchronized_user_update",
  delete: "ownership.synchronized_user_delete",
  signIn: undefined,
};
const SYNCHRONIZED_GROUP: Record<GroupWrite, Reason> = {
  update: "ownership.synchronized_group_update",
  delete: "ownership.synchronized_group_delete",
  addMember: "ownership.synchronized_group_add_member",
  removeMember: "ownership.synchronized_group_remove_member",
};
const MANUAL_USER: Record<UserWrite, Reason> = { update: "ownership.manual_user_update", delete: "ownership.manual_user_delete", signIn: "ownership.manual_user_update" };
const MANUAL_GROUP: Record<GroupWrite, Reason> = {
  update: "ownership.manual_group_update",
  delete: "ownership.manual_group_delete",
  addMember: "ownership.manual_group_update",
  removeMember: "ownership.manual_group_update",
};

const syncStatusOf = precompiledRow((db: Kysely<Database>, directoryId: string) => db.selectFrom("directories").select("scim_sync_status").where("directory_id", "=", directoryId));

/** Whether the caller writes as the directory's synchronization (a SCIM credential) rather than as its administrator. */
export const isSynchronization = (caller: Caller): boolean => caller.scimCredentialId !== undefined;

/** The origin of an object the caller creates: the synchronization's are Synchronized; the administrator's as asked, Manual by default. */
export function originOfNew(caller: Caller, requested: string | undefined, field: string): PrincipalOrigin {
  if (isSynchronization(caller)) return "Synchronized";
  return oneOf(requested, ORIGINS, field) ?? "Manual";
}

/** Refuses a creation by the synchronization while it is switched off (`dir` is the creation's locked directory row). */
export function checkCreate(caller: Caller, dir: Pick<Directory, "scim_sync_status">): void {
  if (isSynchronization(caller) && dir.scim_sync_status !== "Enabled") syncDisabled();
}

export function checkUserWrite(db: Kysely<Database>, caller: Caller, directoryId: string, origin: PrincipalOrigin, write: UserWrite): MaybePromise<void> {
  return check(db, caller, directoryId, origin, SYNCHRONIZED_USER[write], MANUAL_USER[write], "user");
}

export function checkGroupWrite(db: Kysely<Database>, caller: Caller, directoryId: string, origin: PrincipalOrigin, write: GroupWrite): MaybePromise<void> {
  return check(db, caller, directoryId, origin, SYNCHRONIZED_GROUP[write], MANUAL_GROUP[write], "group");
}

function check(db: Kysely<Database>, caller: Caller, directoryId: string, origin: PrincipalOrigin, synchronized: Reason | undefined, manual: Reason, noun: string): MaybePromise<void> {
  const bySync = isSynchronization(caller);
  // The administrator's writes to hand-made objects, the usual case, never read the switch.
  if (!bySync && (origin === "Manual" || synchronized === undefined)) return;
  return then(syncStatusOf(db, directoryId), (row) => {
    const enabled = row?.scim_sync_status === "Enabled";
    if (bySync) {
      if (!enabled) syncDisabled();
      if (origin === "Manual") fail(manual, `this ${noun} was created by hand; the identity provider's synchronization may not change it`);
    } else if (enabled) {
      fail(synchronized!, `this ${noun} is synchronized from the identity provider (SCIM) and cannot be changed here while SCIM synchronization is enabled`);
    }
  });
}

/**
 * The one refusal while a directory's synchronization is off: SCIM reads are refused from the session
 * (its status is cached for a second, see scim-credentials.ts), writes by the status read in their own
 * transaction (above).
 */
export function syncDisabled(): never {
  return fail("scim.sync_disabled", "SCIM synchronization is disabled for this directory");
}
