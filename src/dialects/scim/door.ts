/**
 * The SCIM 2.0 codec (RFC 7643/7644) on the one pipeline: requests under `/scim/v2/`, routed by
 * path and method; a bearer token (a SCIM credential) selects the directory, as on both clouds; JSON
 * in (`application/scim+json` or `application/json`), `application/scim+json` out, SCIM error bodies
 * for every refusal. The handlers are resources.ts (users, groups, lists) and discovery.ts; the
 * protocol details (filters, PATCH, projection, versions, bulk) are protocol/.
 */
import { randomUUID } from "node:crypto";
import { CoreError } from "../../core/errors.js";
import { checkServing, type ScimSession } from "../../core/directory/scim-credentials.js";
import type { Caller, Core } from "../../core/index.js";
import { findBadText } from "../../core/text.js";
import { type MaybePromise, then } from "../../lib/maybe-promise.js";
import type { RequestContext } from "../../server/context.js";
import type { Answer, Door, DoorAction, HttpMethod } from "../../server/door.js";
import { BULK_LIMITS, bulk } from "./bulk.js";
import { resourceType, resourceTypes, schema, schemas, serviceProviderConfig } from "./discovery.js";
import { toScimError } from "./errors.js";
import { errorBody, ScimError } from "./protocol/errors.js";
import { groups, list, type ScimReply, type ScimRequest, searchAll, users } from "./resources.js";

export const SCIM_PREFIX = "/scim/v2";
/** Requests per second per credential (Entra needs at least 25 per tenant); OPENCIC_RATE_LIMITS `SCIM=N` changes it. */
export const SCIM_RATE_LIMITS: Record<string, number> = { SCIM: 200 };

export interface ScimOptions {
  /** The base URL written into `Location` and `meta.location` (default: from the request's Host, …/scim/v2). */
  baseUrl?: string;
}

/** What the request named: its path below the prefix, and the session its token opened. */
interface ScimWire {
  segments: string[];
  session: ScimSession | undefined;
}

type Run = (r: ScimRequest) => MaybePromise<ScimReply>;

interface ScimAction extends DoorAction {
  /** Serves a directory's users and groups: refused while its SCIM synchronization is off. */
  readonly directoryData: boolean;
  readonly hasBody: boolean;
  readonly serve: Run;
  /** Names one resource: the path's second segment is its id. */
  readonly byId: boolean;
}

const ALL_METHODS: readonly HttpMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
const CONTENT_TYPE = "application/scim+json; charset=utf-8";
const BASE_HEADERS: Readonly<Record<string, string>> = Object.freeze({ "content-type": CONTENT_TYPE });
/** The caller of a request that needs no credential (the ServiceProviderConfig): no account, no directory. */
const ANONYMOUS: Caller = Object.freeze({ accountUin: 0, principalUin: 0, isSubUser: false });
/** JSON bodies SCIM clients send: `application/scim+json`, `application/json` (and `text/json`), with any parameters. */
const JSON_TYPES = /^\s*(application\/(scim\+)?json|text\/json)\s*(;|$)/i;

export function scimDoor(core: Core, opts: ScimOptions = {}): Door<ScimAction, ScimWire> {
  /** One action object per route, made once: a route with an id reads it from the path (ScimAction.byId). */
  const fixed = new Map<string, ScimAction>();
  const action = (name: string, serve: Run, o: { directoryData: boolean; hasBody: boolean; byId?: boolean }): ScimAction => {
    let a = fixed.get(name);
    if (!a) fixed.set(name, (a = { name, product: "scim", run: runAction, serve, byId: false, ...o }));
    return a;
  };
  /** The actions on one user or group, by method. */
  const oneOf = (kind: "User" | "Group", h: typeof users): Partial<Record<string, ScimAction>> => ({
    GET: action(`Get${kind}`, h.get, { directoryData: true, hasBody: false, byId: true }),
    PUT: action(`Replace${kind}`, h.replace, { directoryData: true, hasBody: true, byId: true }),
    PATCH: action(`Patch${kind}`, h.patch, { directoryData: true, hasBody: true, byId: true }),
    DELETE: action(`Delete${kind}`, h.delete, { directoryData: true, hasBody: false, byId: true }),
  });
  const oneUser = oneOf("User", users);
  const oneGroup = oneOf("Group", groups);

  function baseUrl(ctx: RequestContext<ScimWire>): string {
    if (opts.baseUrl) return opts.baseUrl.replace(/\/+$/, "");
    const proto = ctx.header("x-forwarded-proto")?.split(",")[0]?.trim() || "http";
    return `${proto}://${ctx.header("host") ?? "localhost"}${SCIM_PREFIX}`;
  }

  function route(ctx: RequestContext<ScimWire>): ScimAction {
    const { segments, session } = ctx.wire!;
    const method = ctx.raw.method.toUpperCase();
    const [head, second, third] = segments;
    const notAllowed = (): never => {
      throw new ScimError(405, undefined, `${method} is not supported on ${ctx.raw.path}`);
    };
    const notFound = (): never => {
      throw new ScimError(404, undefined, `${ctx.raw.path} is not a SCIM endpoint`);
    };
    if (segments.length === 0 || third !== undefined) return notFound();
    let a: ScimAction;
    switch (head!.toLowerCase()) {
      case "serviceproviderconfig":
        if (second !== undefined) return notFound();
        if (method !== "GET") return notAllowed();
        return action("GetServiceProviderConfig", serviceProviderConfig, { directoryData: false, hasBody: false });
      case "resourcetypes":
        if (method !== "GET") return notAllowed();
        return second === undefined
          ? action("ListResourceTypes", resourceTypes, { directoryData: false, hasBody: false })
          : action("GetResourceType", resourceType, { directoryData: false, hasBody: false, byId: true });
      case "schemas":
        if (method !== "GET") return notAllowed();
        return second === undefined ? action("ListSchemas", schemas, { directoryData: false, hasBody: false }) : action("GetSchema", schema, { directoryData: false, hasBody: false, byId: true });
      case "users":
      case "groups": {
        const isUsers = head!.toLowerCase() === "users";
        const kind = isUsers ? "User" : "Group";
        const h = isUsers ? users : groups;
        const plural = isUsers ? "Users" : "Groups";
        if (second === undefined) {
          if (method === "GET") a = action(`List${plural}`, (r) => list(r, plural, "query"), { directoryData: true, hasBody: false });
          else if (method === "POST") a = action(`Create${kind}`, h.create, { directoryData: true, hasBody: true });
          else return notAllowed();
        } else if (second === ".search") {
          if (method !== "POST") return notAllowed();
          a = action(`Search${plural}`, (r) => list(r, plural, "search"), { directoryData: true, hasBody: true });
        } else {
          a = (isUsers ? oneUser : oneGroup)[method] ?? notAllowed();
        }
        break;
      }
      case ".search":
        if (second !== undefined) return notFound();
        if (method !== "POST") return notAllowed();
        a = action("Search", searchAll, { directoryData: true, hasBody: true });
        break;
      case "bulk":
        if (second !== undefined) return notFound();
        if (method !== "POST") return notAllowed();
        a = action("Bulk", (r) => bulk(r, runOne), { directoryData: true, hasBody: true });
        break;
      default:
        return notFound();
    }
    checkServing(session!);
    return a;
  }

  /** One Bulk operation: routed and run as the same request would be on its own. */
  function runOne(r: ScimRequest, method: HttpMethod, path: string, data: unknown, version: string | undefined): MaybePromise<ScimReply> {
    const [pathPart, rawQuery = ""] = path.split("?", 2) as [string, string?];
    const segments = segmentsOf(pathPart);
    if (!segments) throw new ScimError(404, undefined, `${path} is not a SCIM resource path`);
    const [head] = segments;
    if (segments.length === 0 || !["users", "groups"].includes(head!.toLowerCase())) throw new ScimError(400, "invalidPath", `a bulk operation names /Users or /Groups, not ${path}`);
    const fake = { wire: { segments, session: r.session }, raw: { method, path: pathPart } } as RequestContext<ScimWire>;
    const a = route(fake);
    const id = a.byId ? segments[1] : undefined;
    checkText(id, data);
    return a.serve({ ...r, method, id, query: queryOf(rawQuery), body: data, ifMatch: version, ifNoneMatch: undefined });
  }

  /**
   * The core's text rules (core/text.ts: no control character, no broken Unicode) on what a request
   * names and sends: no resource has such an id, and no value with one is taken (PostgreSQL could not
   * even store a NUL). Attribute mapping relies on it.
   */
  function checkText(id: string | undefined, body: unknown): void {
    if (id !== undefined && findBadText(id)) throw new ScimError(404, undefined, "no resource has that id");
    const bad = findBadText(body);
    if (bad) throw new ScimError(400, "invalidValue", `${bad.at || "the body"} contains ${bad.why}`);
  }

  /** Every SCIM action runs its handler on the decoded request (which carries the core and the session). */
  function runAction(_ctx: unknown, params: never): MaybePromise<object> {
    const r = params as ScimRequest & { serve: Run };
    return r.serve(r);
  }

  return {
    name: "scim",
    paths: [
      { url: SCIM_PREFIX, methods: ALL_METHODS },
      { url: `${SCIM_PREFIX}/*`, methods: ALL_METHODS },
    ],
    maxBodyBytes: BULK_LIMITS.maxPayloadSize,
    documentedRateLimits: SCIM_RATE_LIMITS,
    maxQueryBytes: 32 * 1024,

    recognizes: ({ path }) => path === SCIM_PREFIX || path.startsWith(SCIM_PREFIX + "/"),

    newRequestId: randomUUID,

    authenticate(ctx) {
      const segments = segmentsOf(ctx.raw.path.slice(SCIM_PREFIX.length));
      if (!segments) throw new ScimError(404, undefined, "the path is not a SCIM endpoint");
      // Tencent documents the ServiceProviderConfig as needing no authentication; a token sent with it is not looked at.
      if (segments.length === 1 && segments[0]!.toLowerCase() === "serviceproviderconfig") return { caller: ANONYMOUS, wire: { segments, session: undefined } };
      const token = bearerToken(ctx.header("authorization"));
      return then(core.scimCredentials.authenticate(token), (session) => ({ caller: session.caller, wire: { segments, session } }));
    },

    route,

    decode(ctx, a) {
      let body: unknown;
      if (a.hasBody) {
        const type = ctx.header("content-type");
        if (type !== undefined && !JSON_TYPES.test(type)) throw new ScimError(415, "invalidSyntax", `Content-Type ${type.slice(0, 100)} is not supported; send application/scim+json`);
        if (ctx.raw.body.length === 0) throw new ScimError(400, "invalidSyntax", "the request has no body");
        try {
          body = JSON.parse(ctx.raw.body.toString("utf8"));
        } catch {
          throw new ScimError(400, "invalidSyntax", "the request body is not valid JSON");
        }
      }
      const id = a.byId ? ctx.wire!.segments[1] : undefined;
      // A Bulk request's operations are checked one by one as they run (runOne), so one bad operation fails alone.
      checkText(id, a.name === "Bulk" ? undefined : body);
      const request: ScimRequest & { serve: Run } = {
        core,
        session: ctx.wire!.session!,
        method: ctx.raw.method.toUpperCase(),
        id,
        query: queryOf(ctx.raw.rawQuery),
        body,
        ifMatch: ctx.header("if-match"),
        ifNoneMatch: ctx.header("if-none-match"),
        base: baseUrl(ctx),
        serve: a.serve,
      };
      return request;
    },

    encode(_ctx, _a, payload) {
      const reply = payload as ScimReply;
      let headers: Record<string, string> = BASE_HEADERS;
      if (reply.etag !== undefined || reply.location !== undefined) {
        headers = { "content-type": CONTENT_TYPE };
        if (reply.etag !== undefined) headers.etag = reply.etag;
        if (reply.location !== undefined) headers.location = reply.location;
      }
      return { status: reply.status, headers, body: reply.body === undefined ? undefined : JSON.stringify(reply.body), code: "OK" };
    },

    encodeError(_ctx, err): Answer {
      const e = toScimError(err);
      const headers: Record<string, string> = { "content-type": CONTENT_TYPE };
      if (e.status === 401) headers["www-authenticate"] = 'Bearer realm="scim"';
      if (e.status === 429) headers["retry-after"] = "1";
      return { status: e.status, headers, body: JSON.stringify(errorBody(e)), code: e.scimType ?? String(e.status) };
    },

    rateLimitKey(ctx) {
      return { subject: ctx.wire?.session?.credentialId ?? "anonymous", counter: "SCIM", holder: "credential" };
    },
  };
}

/** The token of `Authorization: Bearer <token>` (the scheme in any case); anything else is 401. */
function bearerToken(header: string | undefined): string {
  const m = header === undefined ? null : /^\s*bearer\s+([^\s]+)\s*$/i.exec(header);
  if (!m) throw new CoreError("scim.credential_invalid", "send the SCIM credential as Authorization: Bearer <token>");
  return m[1]!;
}

/** The path below the prefix as decoded segments (a trailing slash names the same resource); undefined when it cannot be decoded. */
function segmentsOf(path: string): string[] | undefined {
  const parts = path.split("/").filter((p, i, all) => !(p === "" && (i === 0 || i === all.length - 1)));
  try {
    return parts.map((p) => decodeURIComponent(p));
  } catch {
    return undefined;
  }
}

/** The query string's parameters; a name given twice is a list. */
function queryOf(rawQuery: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  if (rawQuery === "") return out;
  for (const [k, v] of new URLSearchParams(rawQuery)) {
    const had = out[k];
    out[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return out;
}
