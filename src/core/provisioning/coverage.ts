/**
 * Desired vs actual, as the store answers it: the directory users a provisioning covers and does not
 * claim yet, and the claims whose user it no longer covers. Both are index lookups (anti-joins); the
 * reconciler and the planner read them the same way.
 */
import type { Kysely } from "kysely";
import { all } from "../../store/database.js";
import type { Database, DirUser, Provisioning } from "../../store/schema.js";

/** A directory user the provisioning covers (what the plan needs of it); joinedAt is when the user joined the provisioned group. */
export type Covered = Pick<DirUser, "user_id" | "user_name" | "email" | "display_name"> & { joined_at: number | null };

export const COVERED_COLUMNS = ["dir_users.user_id", "dir_users.user_name", "dir_users.email", "dir_users.display_name"] as const;

/** What coverage reads of a provisioning. */
export type Covering = Pick<Provisioning, "provisioning_id" | "principal_type" | "principal_id" | "deleting">;

/**
 * The next `limit` directory users (by id, after `after`) the provisioning covers now and has no
 * claim for; driven from the group's memberships (primary key group_id, user_id).
 */
export async function coveredButNotClaimed(db: Kysely<Database>, p: Covering, after: string, limit: number): Promise<Covered[]> {
  if (p.principal_type === "User") {
    if (after !== "") return [];
    return all(
      db,
      db
        .selectFrom("dir_users")
        .select(COVERED_COLUMNS)
        .select((eb) => eb.val<number | null>(null).as("joined_at"))
        .where("user_id", "=", p.principal_id)
        .where((eb) => eb.not(eb.exists(eb.selectFrom("provisioning_claims").select("user_id").where("provisioning_id", "=", p.provisioning_id).where("user_id", "=", p.principal_id)))),
    );
  }
  return all(
    db,
    db
      .selectFrom("dir_memberships")
      .innerJoin("dir_users", "dir_users.user_id", "dir_memberships.user_id")
      .select(COVERED_COLUMNS)
      .select("dir_memberships.joined_at")
      .where("dir_memberships.group_id", "=", p.principal_id)
      .where("dir_memberships.user_id", ">", after)
      .where((eb) =>
        eb.not(eb.exists(eb.selectFrom("provisioning_claims").select("provisioning_claims.user_id").where("provisioning_claims.provisioning_id", "=", p.provisioning_id).whereRef("provisioning_claims.user_id", "=", "dir_memberships.user_id"))),
      )
      .orderBy("dir_memberships.user_id")
      .limit(limit),
  );
}

/** Claims whose user the provisioning no longer covers (all of them while it is being deleted). */
export async function claimedButNotCovered(db: Kysely<Database>, p: Covering): Promise<{ user_id: string }[]> {
  let q = db.selectFrom("provisioning_claims").select("user_id").where("provisioning_id", "=", p.provisioning_id);
  if (!p.deleting) {
    q =
      p.principal_type === "User"
        ? q.where((eb) => eb.or([eb("user_id", "!=", p.principal_id), eb.not(eb.exists(eb.selectFrom("dir_users").select("user_id").where("dir_users.user_id", "=", p.principal_id)))]))
        : q.where((eb) =>
            eb.not(eb.exists(eb.selectFrom("dir_memberships").select("dir_memberships.user_id").where("dir_memberships.group_id", "=", p.principal_id).whereRef("dir_memberships.user_id", "=", "provisioning_claims.user_id"))),
          );
  }
  return all(db, q);
}


/**
 * The provisioning's claimed sub-users whose email or remark differ from their directory user's
 * email and display name, `limit` at a time in user-id order after `after`.
 */
export function attributeDrift(db: Kysely<Database>, provisioningId: string, after: string, limit: number) {
  return all(
    db,
    db
      .selectFrom("provisioning_claims")
      .innerJoin("sub_users", "sub_users.uin", "provisioning_claims.sub_user_uin")
      .innerJoin("dir_users", "dir_users.user_id", "provisioning_claims.user_id")
      .select(["provisioning_claims.user_id as userId", "sub_users.uin", "sub_users.name", "sub_users.email", "sub_users.remark", "dir_users.user_name as userName", "dir_users.email as userEmail", "dir_users.display_name as userDisplayName"])
      .where("provisioning_claims.provisioning_id", "=", provisioningId)
      .where("provisioning_claims.user_id", ">", after)
      .where((eb) => eb.or([eb("sub_users.email", "!=", eb.ref("dir_users.email")), eb("sub_users.remark", "!=", eb.ref("dir_users.display_name"))]))
      .orderBy("provisioning_claims.user_id")
      .limit(limit),
  );
}
