/**
 * The directory as the core hands it out: OpenCIC's own names, in camelCase, with nothing a door
 * should not see (password hashes, quota overrides, bookkeeping). Each door translates these into its
 * wire's names; no door reads a storage row. One function per type maps a row to its view.
 */
import type { Directory, DirGroup, DirUser, PrincipalOrigin, UserStatus } from "../../store/schema.js";
import type { Tag } from "../tags.js";

export type { PrincipalOrigin, UserStatus };
/** A name compared without regard to case: equal to, or starting with, a value (the list filters take it). */
export type { TextMatch } from "../../store/database.js";

export interface DirectoryView {
  directoryId: string;
  name: string;
  /** Whether an outside provider synchronizes the directory (SCIM); OpenCIC runs none yet. */
  scimSyncStatus: "Enabled" | "Disabled";
  createdAt: number;
  updatedAt: number;
}

export interface DirectoryUser {
  userId: string;
  userName: string;
  firstName: string;
  lastName: string;
  displayName: string;
  description: string;
  /** "" when the user has none. */
  email: string;
  status: UserStatus;
  /** Made by hand, or synchronized from an outside provider. */
  origin: PrincipalOrigin;
  needResetPassword: boolean;
  createdAt: number;
  updatedAt: number;
  /** The id the outside provider that synchronizes the user knows it by (SCIM `externalId`), or null. */
  externalId: string | null;
}

/** A user with its tags, in key order. */
export interface TaggedUser extends DirectoryUser {
  tags: Tag[];
}

/** A user in a list that asked which users belong to some groups. */
export interface ListedUser extends DirectoryUser {
  selected: boolean;
}

export interface DirectoryGroup {
  groupId: string;
  groupName: string;
  description: string;
  origin: PrincipalOrigin;
  /** Exact: kept by every membership change. */
  memberCount: number;
  createdAt: number;
  updatedAt: number;
}

/**
 * A user as the outside provider that synchronizes it sees it: with the identity the provider gave
 * it (`externalId`) and the attributes the provider sent that the directory has no field for, kept as
 * the provider's own JSON text (`attributes`; the core stores it and hands it back, never reads it).
 */
export interface ExternalUser extends DirectoryUser {
  attributes: string | null;
}

/** A group as its outside provider sees it (see ExternalUser). */
export interface ExternalGroup extends DirectoryGroup {
  externalId: string | null;
  attributes: string | null;
}

/** A member as a group's outside provider lists it: the user's id, name and display name. */
export interface MemberRef {
  userId: string;
  userName: string;
  displayName: string;
}

/** A group as a user's outside provider lists it. */
export interface GroupRef {
  groupId: string;
  groupName: string;
}

/** A group in a list that asked which groups contain some users. */
export interface ListedGroup extends DirectoryGroup {
  selected: boolean;
}

/** A member of a group, and when it joined. */
export interface GroupMember extends DirectoryUser {
  joinedAt: number;
}

/** A group a user is in, and when the user joined it. */
export interface JoinedGroup extends DirectoryGroup {
  joinedAt: number;
}

export function directoryView(d: Pick<Directory, "directory_id" | "name" | "scim_sync_status" | "created_at" | "updated_at">): DirectoryView {
  return { directoryId: d.directory_id, name: d.name, scimSyncStatus: d.scim_sync_status, createdAt: d.created_at, updatedAt: d.updated_at };
}

/** The columns a user's view is made of (a read for a view needs no more). */
export const USER_VIEW_COLUMNS = [
  "user_id",
  "user_name",
  "first_name",
  "last_name",
  "display_name",
  "description",
  "email",
  "user_status",
  "user_type",
  "need_reset_password",
  "created_at",
  "updated_at",
  "external_id",
] as const satisfies readonly (keyof DirUser)[];

export type UserViewRow = Pick<DirUser, (typeof USER_VIEW_COLUMNS)[number]>;

export function userView(u: UserViewRow): DirectoryUser {
  return {
    userId: u.user_id,
    userName: u.user_name,
    firstName: u.first_name,
    lastName: u.last_name,
    displayName: u.display_name,
    description: u.description,
    email: u.email,
    status: u.user_status,
    origin: u.user_type,
    needResetPassword: u.need_reset_password === 1,
    createdAt: u.created_at,
    updatedAt: u.updated_at,
    externalId: u.external_id,
  };
}

/** The columns an external user's view is made of. */
export const EXTERNAL_USER_COLUMNS = [...USER_VIEW_COLUMNS, "scim_attributes"] as const satisfies readonly (keyof DirUser)[];

export type ExternalUserRow = Pick<DirUser, (typeof EXTERNAL_USER_COLUMNS)[number]>;

export function externalUser(u: ExternalUserRow): ExternalUser {
  const view = userView(u) as ExternalUser;
  view.attributes = u.scim_attributes;
  return view;
}

export function externalGroup(g: DirGroup): ExternalGroup {
  const view = groupView(g) as ExternalGroup;
  view.externalId = g.external_id;
  view.attributes = g.scim_attributes;
  return view;
}

export function groupView(g: DirGroup): DirectoryGroup {
  return {
    groupId: g.group_id,
    groupName: g.group_name,
    description: g.description,
    origin: g.group_type,
    memberCount: g.member_count,
    createdAt: g.created_at,
    updatedAt: g.updated_at,
  };
}

// Views of a view plus one field: the field is set on the new view (no second copy of it).

function plus<V, K extends string, T>(view: V, key: K, value: T): V & Record<K, T> {
  (view as Record<string, unknown>)[key] = value;
  return view as V & Record<K, T>;
}

export const listedUser = (u: UserViewRow, selected: boolean): ListedUser => plus(userView(u), "selected", selected);
/** `user` (a view made for this call) with its tags. */
export const taggedUser = (user: DirectoryUser, tags: Tag[]): TaggedUser => plus(user, "tags", tags);
export const groupMember = (m: UserViewRow & { joined_at: number }): GroupMember => plus(userView(m), "joinedAt", m.joined_at);
export const listedGroup = (g: DirGroup, selected: boolean): ListedGroup => plus(groupView(g), "selected", selected);
export const joinedGroup = (g: DirGroup & { joined_at: number }): JoinedGroup => plus(groupView(g), "joinedAt", g.joined_at);
