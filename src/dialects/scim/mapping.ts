/**
 * SCIM resources ⇄ the directory (spec §4.2, §4.3). What has a field in the directory goes there
 * (userName, name.givenName/familyName, displayName, the chosen e-mail, active, externalId; a group's
 * displayName and members); everything else the provider sent is kept as its JSON and returned as
 * sent. Translation only: every rule on the values is the core's.
 */
import type { ExternalGroup, ExternalUser, GroupRef, MemberRef } from "../../core/directory/views.js";
import { isPlainObject, type ScimResource } from "./protocol/coerce.js";
import { invalidValue } from "./protocol/errors.js";
import { GROUP_SCHEMA, USER_SCHEMA } from "./protocol/schemas.js";
import { isoTime } from "./time.js";

/** User attributes the directory holds in its own fields, or that are never stored (password, read-only ones). */
const USER_MAPPED = new Set(["id", "meta", "schemas", "username", "externalid", "displayname", "active", "groups", "password"]);
/** Group attributes the directory holds in its own fields, or that are read-only. */
const GROUP_MAPPED = new Set(["id", "meta", "schemas", "displayname", "members", "externalid"]);

/** What a SCIM user becomes in the directory. */
export interface UserFieldsFromScim {
  userName: string;
  firstName: string;
  lastName: string;
  displayName: string;
  email: string;
  /** Absent: the resource did not say (a create is Enabled, a replace keeps the status). */
  enabled: boolean | undefined;
  externalId: string | null;
  /** The kept attributes as JSON text, null when there are none. */
  attributes: string | null;
}

export interface GroupFieldsFromScim {
  displayName: string;
  externalId: string | null;
  attributes: string | null;
  /** Member user ids, in the order sent, without repeats. */
  memberIds: string[];
}

/**
 * A string the directory stores in a field. The core's text rules (no control characters,
 * well-formed) were applied to the whole body as the door read it (door.ts, `findBadText`).
 */
const text = (v: unknown, name: string): string => {
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") throw invalidValue(`${name} must be a string`);
  return v;
};

/** The e-mail the directory keeps: the primary one, else the work one, else the first (spec §4.2). */
export function chosenEmail(emails: unknown): { index: number; value: string } | undefined {
  if (!Array.isArray(emails) || emails.length === 0) return undefined;
  const entries = emails.map((e) => (isPlainObject(e) ? e : {}));
  let index = entries.findIndex((e) => e.primary === true);
  if (index < 0) index = entries.findIndex((e) => typeof e.type === "string" && e.type.toLowerCase() === "work");
  if (index < 0) index = 0;
  const value = entries[index]!.value;
  return { index, value: typeof value === "string" ? value : "" };
}

/** A normalised SCIM user (protocol/coerce.ts) as the directory's fields and kept attributes. */
export function userFromScim(resource: ScimResource): UserFieldsFromScim {
  const kept: Record<string, unknown> = {};
  let firstName = "";
  let lastName = "";
  for (const [key, value] of Object.entries(resource)) {
    const lower = key.toLowerCase();
    if (USER_MAPPED.has(lower)) continue;
    if (lower === "name" && isPlainObject(value)) {
      const rest: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (k.toLowerCase() === "givenname") firstName = text(v, "name.givenName");
        else if (k.toLowerCase() === "familyname") lastName = text(v, "name.familyName");
        else rest[k] = v;
      }
      // name.formatted is written from the two names on the way out; kept only when it says something else.
      if (typeof rest.formatted === "string" && rest.formatted === formattedName(firstName, lastName)) delete rest.formatted;
      if (Object.keys(rest).length > 0) kept[key] = rest;
      continue;
    }
    kept[key] = value;
  }
  const email = chosenEmail(resource.emails);
  if (email) text(email.value, "emails.value");
  const active = resource.active;
  if (active !== undefined && typeof active !== "boolean") throw invalidValue("active must be a boolean");
  const externalId = text(resource.externalId, "externalId");
  return {
    userName: text(resource.userName, "userName"),
    firstName,
    lastName,
    displayName: text(resource.displayName, "displayName"),
    email: email?.value ?? "",
    enabled: active,
    externalId: externalId || null,
    attributes: Object.keys(kept).length > 0 ? JSON.stringify(kept) : null,
  };
}

/** A normalised SCIM group as the directory's fields, its kept attributes and its member ids. */
export function groupFromScim(resource: ScimResource): GroupFieldsFromScim {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) if (!GROUP_MAPPED.has(key.toLowerCase())) kept[key] = value;
  const externalId = text(resource.externalId, "externalId");
  return {
    displayName: text(resource.displayName, "displayName"),
    externalId: externalId || null,
    attributes: Object.keys(kept).length > 0 ? JSON.stringify(kept) : null,
    memberIds: memberIdsOf(resource.members),
  };
}

/** Member values of a `members` attribute: users only (the directory has no groups in groups). */
export function memberIdsOf(members: unknown): string[] {
  if (members === undefined || members === null) return [];
  if (!Array.isArray(members)) throw invalidValue("members must be a list");
  const ids = new Set<string>();
  for (const m of members) {
    if (!isPlainObject(m) || typeof m.value !== "string" || m.value === "") throw invalidValue("each member needs a string value (a user id)");
    if (typeof m.type === "string" && m.type.toLowerCase() !== "user") throw invalidValue("a group's members are users; groups cannot be members");
    ids.add(m.value);
  }
  return [...ids];
}

/**
 * The user a PATCH applies to: as answered, less a formatted name the answer wrote from the two names
 * (so a change of either name moves it, instead of the old one being kept as if the provider sent it).
 */
export function userPatchBase(resource: ScimResource): ScimResource {
  const name = resource.name;
  if (!isPlainObject(name) || typeof name.formatted !== "string") return resource;
  const first = typeof name.givenName === "string" ? name.givenName : "";
  const last = typeof name.familyName === "string" ? name.familyName : "";
  if (name.formatted !== formattedName(first, last)) return resource;
  const { formatted: _derived, ...rest } = name;
  return { ...resource, name: rest };
}

const formattedName = (first: string, last: string): string => [first, last].filter((s) => s !== "").join(" ");

function kept(attributes: string | null): Record<string, unknown> {
  if (attributes === null) return {};
  const parsed: unknown = JSON.parse(attributes);
  return isPlainObject(parsed) ? parsed : {};
}

/** Extension schemas the kept attributes carry (their URN keys). */
function extensionSchemas(core: string, extra: Record<string, unknown>): string[] {
  const out = [core];
  for (const key of Object.keys(extra)) if (key.toLowerCase().startsWith("urn:") && isPlainObject(extra[key])) out.push(key);
  return out;
}

/**
 * The SCIM user (without meta.version, which is computed from it): the directory's fields, then the
 * kept attributes as sent. `emails` is the provider's list exactly as sent, whatever the directory's
 * e-mail is (it holds the chosen address only when that is a valid address no other user has); a
 * user without a kept list shows the directory's e-mail, if any, as its work address.
 */
export function userToScim(u: ExternalUser, groups: readonly GroupRef[] | undefined, base: string): ScimResource {
  const extra = kept(u.attributes);
  const out: ScimResource = { schemas: extensionSchemas(USER_SCHEMA, extra), id: u.userId };
  if (u.externalId !== null) out.externalId = u.externalId;
  out.userName = u.userName;
  const keptName = isPlainObject(extra.name) ? extra.name : {};
  const name: Record<string, unknown> = {};
  if (u.firstName !== "") name.givenName = u.firstName;
  if (u.lastName !== "") name.familyName = u.lastName;
  Object.assign(name, keptName);
  if (name.formatted === undefined && (u.firstName !== "" || u.lastName !== "")) name.formatted = formattedName(u.firstName, u.lastName);
  if (Object.keys(name).length > 0) out.name = name;
  if (u.displayName !== "") out.displayName = u.displayName;
  const emails = emailsFor(u.email, extra.emails);
  if (emails) out.emails = emails;
  out.active = u.status === "Enabled";
  for (const [k, v] of Object.entries(extra)) if (k !== "name" && k !== "emails") out[k] = v;
  if (groups && groups.length > 0) out.groups = groups.map((g) => ({ value: g.groupId, $ref: `${base}/Groups/${g.groupId}`, display: g.groupName, type: "direct" }));
  out.meta = { resourceType: "User", created: isoTime(u.createdAt), lastModified: isoTime(u.updatedAt), location: `${base}/Users/${u.userId}` };
  return out;
}

function emailsFor(email: string, keptEmails: unknown): unknown[] | undefined {
  if (Array.isArray(keptEmails) && keptEmails.length > 0) return keptEmails;
  return email !== "" ? [{ value: email, type: "work", primary: true }] : undefined;
}

/** The SCIM group (without meta.version); `members` undefined when they were not read (excluded). */
export function groupToScim(g: ExternalGroup, members: readonly MemberRef[] | undefined, base: string): ScimResource {
  const extra = kept(g.attributes);
  const out: ScimResource = { schemas: extensionSchemas(GROUP_SCHEMA, extra), id: g.groupId };
  if (g.externalId !== null) out.externalId = g.externalId;
  out.displayName = g.groupName;
  if (members) out.members = members.map((m) => ({ value: m.userId, $ref: `${base}/Users/${m.userId}`, display: m.displayName || m.userName, type: "User" }));
  Object.assign(out, extra);
  out.meta = { resourceType: "Group", created: isoTime(g.createdAt), lastModified: isoTime(g.updatedAt), location: `${base}/Groups/${g.groupId}` };
  return out;
}
