/**
 * /Users and /Groups: each request is one core call (or a read, then one write: a PUT or PATCH reads
 * the resource, applies the change in SCIM terms with protocol/, and writes the difference in one
 * transaction). Reads answer at once when the store does, so GET /Users/{id} stays on the pipeline's
 * fast path.
 */
import type { ExternalPage } from "../../core/directory/external-search.js";
import type { ExternalGroup, ExternalUser } from "../../core/directory/views.js";
import type { ScimSession } from "../../core/directory/scim-credentials.js";
import type { Core } from "../../core/index.js";
import { type MaybePromise, then } from "../../lib/maybe-promise.js";
import { type GroupFieldsFromScim, groupFromScim, groupToScim, userFromScim, userPatchBase, userToScim } from "./mapping.js";
import { emailText, GROUP_FIELDS, narrowing, toCondition, USER_FIELDS } from "./filters.js";
import { normalizeResourceInput, type ScimResource } from "./protocol/coerce.js";
import { invalidValue, ScimError } from "./protocol/errors.js";
import { checkPreconditions, versionOf } from "./protocol/etag.js";
import { getCaseInsensitive, matchesFilter, parseFilter, type FilterNode } from "./protocol/filter.js";
import { type ListQuery, listResponse, parseListQuery } from "./protocol/list.js";
import { applyPatch } from "./protocol/patch.js";
import { project, type ProjectionQuery } from "./protocol/projection.js";
import { GROUP_RESOURCE, resolveAttrPath, type ResourceType, USER_RESOURCE } from "./protocol/schemas.js";

/** A decoded SCIM request: the session its token opened, the resource it names, and what it sent. */
export interface ScimRequest {
  core: Core;
  session: ScimSession;
  method: string;
  id: string | undefined;
  query: Record<string, string | string[]>;
  /** The parsed JSON body (undefined when the method has none). */
  body: unknown;
  ifMatch: string | undefined;
  ifNoneMatch: string | undefined;
  /** The base URL resources' locations are written from (…/scim/v2). */
  base: string;
}

/** What a handler answers: a status, an optional body, and the headers SCIM gives a resource. */
export interface ScimReply {
  status: number;
  body?: object;
  location?: string;
  etag?: string;
}

/** A resource read with its version (an ETag computed from its representation). */
interface Versioned {
  resource: ScimResource;
  version: string;
}

const preconditionFailed = () => new ScimError(412, undefined, "The resource has changed: If-Match names another version");

// ---- users ----------------------------------------------------------------------------------

/**
 * A version is computed from what the representation is made of (the directory's view of the object:
 * its fields, kept attributes and times), which costs a fraction of hashing the built resource; equal
 * content gives equal versions in every process. A user's leaves out `groups` (read-only, and changed
 * by group writes that do not touch the user); a group's leaves out `members` but takes their count
 * and when a member last joined, which change with every membership change, so excluding members
 * never changes it.
 */
const USER_VERSION_FIELDS = [
  "userId", "externalId", "userName", "firstName", "lastName", "displayName", "description", "email",
  "status", "origin", "needResetPassword", "attributes", "createdAt", "updatedAt",
] as const satisfies readonly (keyof ExternalUser)[];

type VersionedGroup = ExternalGroup & { lastJoined: number | null };
const GROUP_VERSION_FIELDS = [
  "groupId", "externalId", "groupName", "description", "origin", "memberCount", "attributes", "createdAt", "updatedAt", "lastJoined",
] as const satisfies readonly (keyof VersionedGroup)[];

// Every field of the view is in its version: a field added to a view without being listed here fails to compile.
type Unlisted<V, L extends readonly unknown[]> = Exclude<keyof V, L[number]>;
const everyUserField: [Unlisted<ExternalUser, typeof USER_VERSION_FIELDS>] extends [never] ? true : never = true;
const everyGroupField: [Unlisted<VersionedGroup, typeof GROUP_VERSION_FIELDS>] extends [never] ? true : never = true;
void everyUserField, everyGroupField;

function userVersioned(u: ExternalUser, groups: Parameters<typeof userToScim>[1], base: string): Versioned {
  const resource = userToScim(u, groups, base);
  const version = versionOf(u, USER_VERSION_FIELDS);
  (resource.meta as Record<string, unknown>).version = version;
  return { resource, version };
}

function groupVersioned(g: ExternalGroup, lastJoined: number | null | undefined, members: Parameters<typeof groupToScim>[1], base: string): Versioned {
  const resource = groupToScim(g, members, base);
  const version = versionOf({ ...g, lastJoined: lastJoined ?? null }, GROUP_VERSION_FIELDS);
  (resource.meta as Record<string, unknown>).version = version;
  return { resource, version };
}

function readUser(r: ScimRequest, id: string, withGroups: boolean): MaybePromise<Versioned> {
  const { core, session } = r;
  return then(core.users.getExternal(session.caller, session.directoryId, id), (u) =>
    withGroups
      ? then(core.groups.joinedBy(session.caller, session.directoryId, [id]), (groups) => userVersioned(u, groups.get(id), r.base))
      : userVersioned(u, undefined, r.base),
  );
}

function readGroup(r: ScimRequest, id: string, withMembers: boolean): MaybePromise<Versioned> {
  const { core, session } = r;
  return then(core.groups.getExternal(session.caller, session.directoryId, id), (g) =>
    then(core.groups.lastJoined(session.caller, session.directoryId, [id]), (stamps) =>
      withMembers
        ? then(core.groups.membersOf(session.caller, session.directoryId, [id]), (members) => groupVersioned(g, stamps.get(id), members.get(id), r.base))
        : groupVersioned(g, stamps.get(id), undefined, r.base),
    ),
  );
}

const projection = (r: ScimRequest): ProjectionQuery => ({ attributes: r.query.attributes, excludedAttributes: r.query.excludedAttributes });

/** Whether an answer shaped by `q` can show attribute `name` (so it is worth reading). */
function wants(q: ProjectionQuery, name: string): boolean {
  const listed = (v: string | string[] | undefined) =>
    v !== undefined &&
    (Array.isArray(v) ? v.join(",") : v)
      .split(",")
      .map((s) => s.trim().toLowerCase())
      .some((s) => s === name || s.startsWith(name + ".") || s.endsWith(":" + name) || s.includes(":" + name + "."));
  if (q.attributes !== undefined && q.attributes !== "") return listed(q.attributes);
  return !listed(q.excludedAttributes);
}

function answer(r: ScimRequest, rt: ResourceType, v: Versioned, status = 200): ScimReply {
  return { status, body: shaped(v.resource, projection(r), rt), etag: v.version, location: status === 201 ? (v.resource.meta as { location: string }).location : undefined };
}

/** The resource as the query shapes it; as built when the query names no attributes (it holds none returned "never" or "request"). */
function shaped(resource: ScimResource, q: ProjectionQuery, rt: ResourceType): ScimResource {
  return q.attributes === undefined && q.excludedAttributes === undefined ? resource : project(resource, q, rt);
}

/** GET by id, with If-None-Match (304) and If-Match (412). */
function getOne(r: ScimRequest, rt: ResourceType, read: (withLinks: boolean) => MaybePromise<Versioned>, links: string): MaybePromise<ScimReply> {
  return then(read(wants(projection(r), links)), (v) => {
    const pre = checkPreconditions({ ifMatch: r.ifMatch, ifNoneMatch: r.ifNoneMatch }, v.version, "GET");
    if (pre === 304) return { status: 304, etag: v.version };
    if (pre === 412) throw preconditionFailed();
    return answer(r, rt, v);
  });
}

/** The stored resource a write starts from, checked against If-Match (and If-None-Match). */
async function current(r: ScimRequest, read: (withLinks: boolean) => MaybePromise<Versioned>, withLinks: boolean): Promise<Versioned> {
  const v = await read(withLinks);
  if (checkPreconditions({ ifMatch: r.ifMatch, ifNoneMatch: r.ifNoneMatch }, v.version, r.method) !== "ok") throw preconditionFailed();
  return v;
}

export const users = {
  get(r: ScimRequest): MaybePromise<ScimReply> {
    const id = r.id!;
    return getOne(r, USER_RESOURCE, (g) => readUser(r, id, g), "groups");
  },

  async create(r: ScimRequest): Promise<ScimReply> {
    const f = userFromScim(normalizeResourceInput(r.body, USER_RESOURCE, "create"));
    const { core, session } = r;
    const { user } = await core.users.create(session.caller, session.directoryId, {
      userName: f.userName,
      firstName: f.firstName,
      lastName: f.lastName,
      displayName: f.displayName,
      // The directory's e-mail takes the address only when it is usable; the list is kept whole either way.
      email: f.email,
      emailIfUsable: true,
      userStatus: f.enabled === false ? "Disabled" : "Enabled",
      externalId: f.externalId ?? undefined,
      attributes: f.attributes ?? undefined,
    });
    return answer(r, USER_RESOURCE, await readUser(r, user.userId, true), 201);
  },

  async replace(r: ScimRequest): Promise<ScimReply> {
    const id = r.id!;
    const before = await current(r, (g) => readUser(r, id, g), false);
    const f = userFromScim(normalizeResourceInput(r.body, USER_RESOURCE, "replace"));
    return writeUser(r, id, before, f);
  },

  async patch(r: ScimRequest): Promise<ScimReply> {
    const id = r.id!;
    const before = await current(r, (g) => readUser(r, id, g), true);
    const { resource, changed } = applyPatch(userPatchBase(before.resource), r.body, USER_RESOURCE);
    if (!changed) return answer(r, USER_RESOURCE, before);
    return writeUser(r, id, before, userFromScim(resource));
  },

  async delete(r: ScimRequest): Promise<ScimReply> {
    const id = r.id!;
    // Read first: a hand-made user is not the provider's to see (404), and If-Match needs the version.
    await current(r, (g) => readUser(r, id, g), false);
    await r.core.users.delete(r.session.caller, r.session.directoryId, id);
    return { status: 204 };
  },
};

/** Writes a user's new state (from PUT or PATCH) in one core call: what changed, and nothing else. */
async function writeUser(r: ScimRequest, id: string, before: Versioned, f: ReturnType<typeof userFromScim>): Promise<ScimReply> {
  const storedName = before.resource.userName as string;
  if (f.userName === "") throw invalidValue("userName is required");
  // Only what differs from the stored user is written, so two providers' writes to different
  // attributes of one user do not undo each other.
  const was = userFromScim(before.resource);
  const change: Parameters<Core["users"]["update"]>[3] = {};
  // userName is readWrite (RFC 7643 §8.7.1; Entra renames a user whose UPN changed). SCIM compares
  // it without regard to case (caseExact false), so a change of case only is no change.
  if (f.userName.toLowerCase() !== storedName.toLowerCase()) change.userName = f.userName;
  if (f.firstName !== was.firstName) change.firstName = f.firstName;
  if (f.lastName !== was.lastName) change.lastName = f.lastName;
  if (f.displayName !== was.displayName) change.displayName = f.displayName;
  if (f.email !== was.email) {
    change.email = f.email;
    change.emailIfUsable = true;
  }
  if (f.enabled !== undefined && f.enabled !== was.enabled) change.userStatus = f.enabled ? "Enabled" : "Disabled";
  if (f.externalId !== was.externalId) change.externalId = f.externalId;
  if (f.attributes !== was.attributes) change.attributes = f.attributes;
  const { core, session } = r;
  if (Object.keys(change).length > 0) await core.users.update(session.caller, session.directoryId, id, change);
  return answer(r, USER_RESOURCE, await readUser(r, id, true));
}

// ---- groups ---------------------------------------------------------------------------------

export const groups = {
  get(r: ScimRequest): MaybePromise<ScimReply> {
    const id = r.id!;
    return getOne(r, GROUP_RESOURCE, (m) => readGroup(r, id, m), "members");
  },

  async create(r: ScimRequest): Promise<ScimReply> {
    const f = groupFromScim(normalizeResourceInput(r.body, GROUP_RESOURCE, "create"));
    const { core, session } = r;
    const group = await core.groups.create(session.caller, session.directoryId, {
      groupName: f.displayName,
      externalId: f.externalId ?? undefined,
      attributes: f.attributes ?? undefined,
      members: f.memberIds,
    });
    return answer(r, GROUP_RESOURCE, await readGroup(r, group.groupId, true), 201);
  },

  async replace(r: ScimRequest): Promise<ScimReply> {
    const id = r.id!;
    const before = await current(r, (m) => readGroup(r, id, m), true);
    const f = groupFromScim(normalizeResourceInput(r.body, GROUP_RESOURCE, "replace"));
    await writeGroup(r, id, before, f);
    return answer(r, GROUP_RESOURCE, await readGroup(r, id, true));
  },

  /** 204 (Entra: a group PATCH answers without the member list), or 200 with the group when `attributes` asks for it. */
  async patch(r: ScimRequest): Promise<ScimReply> {
    const id = r.id!;
    const before = await current(r, (m) => readGroup(r, id, m), true);
    const { resource, changed } = applyPatch(before.resource, r.body, GROUP_RESOURCE);
    if (changed) await writeGroup(r, id, before, groupFromScim(resource));
    if (r.query.attributes === undefined) return { status: 204 };
    return answer(r, GROUP_RESOURCE, changed ? await readGroup(r, id, true) : before);
  },

  async delete(r: ScimRequest): Promise<ScimReply> {
    const id = r.id!;
    await current(r, (m) => readGroup(r, id, m), false);
    await r.core.groups.delete(r.session.caller, r.session.directoryId, id);
    return { status: 204 };
  },
};

/** Writes a group's new state in one core call: its name, kept attributes and the member difference. */
async function writeGroup(r: ScimRequest, id: string, before: Versioned, f: GroupFieldsFromScim): Promise<void> {
  if (f.displayName === "") throw invalidValue("displayName is required");
  const was = new Set(((before.resource.members as { value: string }[] | undefined) ?? []).map((m) => m.value));
  const now = new Set(f.memberIds);
  const add = f.memberIds.filter((m) => !was.has(m));
  const remove = [...was].filter((m) => !now.has(m));
  const { core, session } = r;
  await core.groups.update(session.caller, session.directoryId, id, {
    groupName: f.displayName,
    externalId: f.externalId,
    attributes: f.attributes,
    ...(add.length || remove.length ? { members: { add, remove } } : {}),
  });
}

// ---- lists ----------------------------------------------------------------------------------

interface Kind {
  rt: ResourceType;
  fields: Readonly<Record<string, string>>;
  /** Narrows a filter evaluated in memory to the objects that may match (see `narrowing`). */
  narrow(filter: FilterNode): unknown;
  /** The linked attribute a list reads only when the answer shows it (users' groups, groups' members). */
  links: string;
  search(r: ScimRequest, q: Parameters<Core["users"]["searchExternal"]>[2]): MaybePromise<ExternalPage<ExternalUser | ExternalGroup>>;
  build(r: ScimRequest, items: (ExternalUser | ExternalGroup)[], withLinks: boolean): MaybePromise<ScimResource[]>;
}

const USER_KIND: Kind = {
  rt: USER_RESOURCE,
  fields: USER_FIELDS,
  narrow: (filter) => narrowing(filter, USER_FIELDS, emailText),
  links: "groups",
  search: (r, q) => r.core.users.searchExternal(r.session.caller, r.session.directoryId, q),
  build: (r, items, withLinks) => {
    const list = items as ExternalUser[];
    if (!withLinks || list.length === 0) return list.map((u) => userVersioned(u, undefined, r.base).resource);
    return then(r.core.groups.joinedBy(r.session.caller, r.session.directoryId, list.map((u) => u.userId)), (g) => list.map((u) => userVersioned(u, g.get(u.userId), r.base).resource));
  },
};

const GROUP_KIND: Kind = {
  rt: GROUP_RESOURCE,
  fields: GROUP_FIELDS,
  narrow: (filter) => narrowing(filter, GROUP_FIELDS),
  links: "members",
  search: (r, q) => r.core.groups.searchExternal(r.session.caller, r.session.directoryId, q as never),
  build: (r, items, withLinks) => {
    const list = items as ExternalGroup[];
    if (list.length === 0) return [];
    const ids = list.map((g) => g.groupId);
    const { caller, directoryId } = r.session;
    return then(r.core.groups.lastJoined(caller, directoryId, ids), (stamps) => {
      if (!withLinks) return list.map((g) => groupVersioned(g, stamps.get(g.groupId), undefined, r.base).resource);
      return then(r.core.groups.membersOf(caller, directoryId, ids), (m) => list.map((g) => groupVersioned(g, stamps.get(g.groupId), m.get(g.groupId), r.base).resource));
    });
  },
};

/** The directory's objects a core page can hold at most; the in-memory path reads them page by page. */
const SCAN_PAGE = 1000;

/** GET /Users, GET /Groups, POST /Users/.search, POST /Groups/.search. */
export function list(r: ScimRequest, kind: "Users" | "Groups", source: "query" | "search"): MaybePromise<ScimReply> {
  const q = parseListQuery(source === "query" ? r.query : r.body, source);
  const k = kind === "Users" ? USER_KIND : GROUP_KIND;
  return then(page(r, k, q), (p) => ({ status: 200, body: listResponse(p.resources.map((x) => shaped(x, q, k.rt)), p.total, q.cursor === undefined ? q.startIndex : undefined, p.resources.length, p.nextCursor) }));
}

interface ResourcePage {
  resources: ScimResource[];
  total: number;
  nextCursor?: string;
}

function page(r: ScimRequest, k: Kind, q: ListQuery): MaybePromise<ResourcePage> {
  const filter = q.filter !== undefined ? parseFilter(q.filter, k.rt) : undefined;
  const where = filter ? toCondition(filter, k.fields) : undefined;
  const sortRef = q.sortBy !== undefined ? resolveAttrPath(k.rt, q.sortBy) : undefined;
  if (q.sortBy !== undefined && !sortRef) throw invalidValue(`sortBy ${q.sortBy.slice(0, 100)} is not an attribute`);
  const sortField = sortRef ? k.fields[sortRef.path] : undefined;
  const withLinks = wants(q, k.links);
  if ((filter && !where) || (sortRef && !sortField) || sortField === "memberId") return scan(r, k, q, filter, sortRef?.path, withLinks);
  const descending = q.sortOrder === "descending";
  const found = k.search(r, {
    where: where as never,
    sortBy: sortField as never,
    descending: q.sortBy !== undefined && descending,
    offset: q.cursor === undefined ? q.startIndex - 1 : undefined,
    limit: q.count,
    cursor: q.cursor,
  });
  return then(found, (p) => then(k.build(r, p.items, withLinks), (resources) => ({ resources, total: p.total, nextCursor: p.nextCursor })));
}

/**
 * A filter or order on attributes without a directory field (kept attributes, e-mails, …): the
 * synchronized objects of the directory the filter's narrowing lets through (all of them without
 * one) are read, page by page, and the filter evaluated on their SCIM form. Paged by position only.
 */
async function scan(r: ScimRequest, k: Kind, q: ListQuery, filter: FilterNode | undefined, sortPath: string | undefined, withLinks: boolean): Promise<ResourcePage> {
  if (q.cursor !== undefined) throw new ScimError(400, "invalidCursor", "cursor paging is not available for a filter or order on attributes the directory has no field for; page by startIndex");
  const all: ScimResource[] = [];
  const where = filter ? k.narrow(filter) : undefined;
  let cursor = "";
  for (;;) {
    const p = await k.search(r, { where: where as never, limit: SCAN_PAGE, cursor });
    // The links are read for the filter when it may name them, not only for the answer.
    for (const res of await k.build(r, p.items, true)) if (!filter || matchesFilter(res, filter, k.rt)) all.push(res);
    if (!p.nextCursor) break;
    cursor = p.nextCursor;
  }
  if (sortPath !== undefined) {
    const key = (res: ScimResource) => {
      const [attr, sub] = sortPath.split(".");
      let v = getCaseInsensitive(res, attr!);
      if (Array.isArray(v)) v = v[0];
      if (sub !== undefined) v = getCaseInsensitive(v, sub);
      return typeof v === "string" ? v.toLowerCase() : v === undefined || v === null ? "" : String(v);
    };
    const sign = q.sortOrder === "descending" ? -1 : 1;
    all.sort((a, b) => sign * (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }
  const slice = all.slice(q.startIndex - 1, q.startIndex - 1 + q.count);
  if (!withLinks) for (const res of slice) delete res[k.links];
  return { resources: slice, total: all.length };
}

/** POST /.search at the root: users, then groups, as one list (RFC 7644 §3.4.3). */
export async function searchAll(r: ScimRequest): Promise<ScimReply> {
  const q = parseListQuery(r.body, "search");
  if (q.cursor !== undefined) throw new ScimError(400, "invalidCursor", "cursor paging is not available for a search across resource types; page by startIndex");
  const resources: ScimResource[] = [];
  let skip = q.startIndex - 1;
  let room = q.count;
  let total = 0;
  for (const k of [USER_KIND, GROUP_KIND]) {
    const counted = await page(r, k, { ...q, startIndex: 1, count: 0 });
    total += counted.total;
    if (room > 0 && skip < counted.total) {
      const p = await page(r, k, { ...q, startIndex: skip + 1, count: room });
      resources.push(...p.resources.map((x) => shaped(x, q, k.rt)));
      room -= p.resources.length;
    }
    skip = Math.max(0, skip - counted.total);
  }
  return { status: 200, body: listResponse(resources, total, q.startIndex, resources.length) };
}
