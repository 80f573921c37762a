/**
 * The native admin API's codec on the one pipeline: requests under `/api/v1/`, in OpenCIC's own
 * names; routed by method and path through the route tables (routes/), each route's schemas checking
 * its path parameters, query and JSON body (ajv); JSON answers (times as date-times); every refusal
 * as RFC 9457 problem details (errors.ts). Authenticated by a console session (a cookie) or an API
 * key as a bearer token (auth.ts), either of which gives the Caller the vendor doors give, so the
 * tenant boundaries are theirs.
 */
import { randomUUID } from "node:crypto";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { Caller, Core } from "../../core/index.js";
import { CoreError } from "../../core/errors.js";
import { findBadText } from "../../core/text.js";
import { then } from "../../lib/maybe-promise.js";
import type { RequestContext } from "../../server/context.js";
import type { Answer, Door, DoorAction, HttpMethod } from "../../server/door.js";
import { apiKeyBearer, type Authenticator, authenticate, consoleSession, sessionTokenOf } from "./auth.js";
import { ProblemError, toProblem } from "./errors.js";
import { NATIVE_PREFIX, type NativeRoute, type RawBody, type RouteInput, WithHeaders } from "./route.js";
import { nativeRoutes } from "./routes/index.js";

/** Requests per second per account, over all routes; OPENCIC_RATE_LIMITS `NATIVE=N` changes it. */
export const NATIVE_RATE_LIMITS: Record<string, number> = { NATIVE: 100 };
/** The largest body a route takes (a batch of provisionings is the largest). */
const MAX_BODY_BYTES = 1024 * 1024;

const ALL_METHODS: readonly HttpMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ "content-type": "application/json; charset=utf-8" });
const JSON_TYPE = /^\s*application\/json\s*(;|$)/i;
/** The caller of a route anyone may read: no account. */
const ANONYMOUS: Caller = Object.freeze({ accountUin: 0, principalUin: 0, isSubUser: false });

/** One route ready to match and check requests. */
interface CompiledRoute extends DoorAction {
  readonly route: NativeRoute;
  readonly segments: readonly string[];
  readonly checkParams?: ValidateFunction;
  readonly checkQuery?: ValidateFunction;
  readonly checkBody?: ValidateFunction;
}

interface NativeWire {
  /** The route the path and method name, found before authentication (some routes need none). */
  match: { route: CompiledRoute; params: Record<string, string> } | undefined;
  /** Set when the path exists but not with this method. */
  allowed: HttpMethod[];
}

export function nativeDoor(core: Core, routes: readonly NativeRoute[] = nativeRoutes(), authenticators: readonly Authenticator[] = [consoleSession(core), apiKeyBearer(core)]): Door<CompiledRoute, NativeWire> {
  // Path parameters and queries arrive as text: numbers and booleans are read from it. Bodies are JSON, taken as they are.
  const coercing = new Ajv({ coerceTypes: true, allErrors: false, strict: false, useDefaults: false });
  const exact = new Ajv({ allErrors: false, strict: false });
  for (const a of [coercing, exact]) a.addFormat("date-time", true).addFormat("uri", true);
  const compiled: CompiledRoute[] = routes.map((r) => ({
    name: r.name,
    product: "native",
    // The emulator's own controls answer whatever fault rules say, so a test can always lift them.
    faultExempt: r.path === "/emulator" || r.path.startsWith("/emulator/"),
    route: r,
    segments: r.path.split("/").filter(Boolean),
    checkParams: r.params ? coercing.compile(r.params) : undefined,
    checkQuery: r.query ? coercing.compile(r.query) : undefined,
    checkBody: r.body ? exact.compile(r.body) : undefined,
    run: (ctx, input: never) => then(r.run(ctx, input as RouteInput), (value) => (value instanceof WithHeaders ? { value: value.value, headers: value.headers } : { value })),
  }));

  function match(method: string, path: string): NativeWire {
    const parts = path.slice(NATIVE_PREFIX.length).split("/").filter(Boolean);
    const allowed: HttpMethod[] = [];
    for (const c of compiled) {
      if (c.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const seg = c.segments[i]!;
        if (seg.startsWith("{")) {
          try {
            params[seg.slice(1, -1)] = decodeURIComponent(parts[i]!);
          } catch {
            ok = false;
          }
        } else ok = seg === parts[i];
      }
      if (!ok) continue;
      if (c.route.method === method) return { match: { route: c, params }, allowed };
      allowed.push(c.route.method);
    }
    return { match: undefined, allowed };
  }

  return {
    name: "native",
    paths: [
      { url: NATIVE_PREFIX, methods: ALL_METHODS },
      { url: `${NATIVE_PREFIX}/*`, methods: ALL_METHODS },
    ],
    maxBodyBytes: MAX_BODY_BYTES,
    documentedRateLimits: NATIVE_RATE_LIMITS,
    maxQueryBytes: 32 * 1024,

    recognizes: ({ path }) => path === NATIVE_PREFIX || path.startsWith(NATIVE_PREFIX + "/"),

    newRequestId: randomUUID,

    authenticate(ctx) {
      const wire = match(ctx.raw.method.toUpperCase(), ctx.raw.path);
      if (wire.match && wire.match.route.route.auth === false) return { caller: ANONYMOUS, wire };
      return then(authenticate(authenticators, ctx as RequestContext<unknown>), (caller) => ({ caller, wire }));
    },

    route(ctx) {
      const { match: found, allowed } = ctx.wire!;
      if (found) return found.route;
      if (allowed.length > 0) throw new ProblemError(405, "route.method_not_allowed", `${ctx.raw.method} is not supported on ${ctx.raw.path}; use ${allowed.join(", ")}`);
      throw new ProblemError(404, "route.not_found", `${ctx.raw.path} is not a route of this API (see ${NATIVE_PREFIX}/openapi.json)`);
    },

    decode(ctx, c): RouteInput {
      const params: Record<string, unknown> = { ...ctx.wire!.match!.params };
      check(c.checkParams, params, "path");
      checkText(params);
      const query = queryOf(ctx.raw.rawQuery);
      if (c.checkQuery) check(c.checkQuery, query, "query");
      else if (Object.keys(query).length > 0) throw new CoreError("request.unknown_parameter", `${Object.keys(query)[0]} is not a parameter of ${c.name}`, Object.keys(query)[0]);
      checkText(query);
      let body: unknown;
      if (c.checkBody) {
        const type = ctx.header("content-type");
        if (ctx.raw.body.length === 0) body = {};
        else {
          if (type === undefined || !JSON_TYPE.test(type)) throw new ProblemError(415, "request.unsupported_media_type", `send the body as application/json, not ${(type ?? "no content type").slice(0, 100)}`);
          try {
            body = JSON.parse(ctx.raw.body.toString("utf8"));
          } catch {
            throw new CoreError("request.invalid_type", "the request body is not valid JSON");
          }
        }
        check(c.checkBody, body, "body");
        checkText(body);
      } else if (ctx.raw.body.length > 0) {
        throw new CoreError("request.unknown_parameter", `${c.name} takes no body`);
      }
      const client = {
        address: ctx.raw.remoteAddress ?? "",
        encrypted: ctx.raw.encrypted === true,
        // A bearer key decides a request that carries both, so the session routes then see no session.
        sessionToken: ctx.header("authorization") === undefined ? sessionTokenOf(ctx.header("cookie")) : undefined,
        fetchSite: ctx.header("sec-fetch-site"),
      };
      return { params, query, body, client };
    },

    encode(_ctx, c, payload): Answer {
      const { value, headers: extra } = payload as { value: unknown; headers?: Record<string, string> };
      const { status, contentType } = c.route.response;
      if (extra !== undefined) return { status, headers: { ...(value === undefined ? {} : JSON_HEADERS), ...extra }, body: value === undefined ? undefined : JSON.stringify(value, writeTimes), code: "OK" };
      if (value === undefined) return { status, headers: {}, body: undefined, code: "OK" };
      if (contentType !== undefined) {
        const raw = value as RawBody;
        return { status, headers: { "content-type": raw.contentType, "cache-control": "public, max-age=3600" }, body: raw.raw as string, code: "OK" };
      }
      return { status, headers: JSON_HEADERS, body: JSON.stringify(value, writeTimes), code: "OK" };
    },

    encodeError(ctx, err): Answer {
      const problem = toProblem(err, ctx.requestId);
      const headers: Record<string, string> = { "content-type": "application/problem+json" };
      if (problem.status === 401) headers["www-authenticate"] = 'Bearer realm="opencic"';
      if (problem.status === 429) headers["retry-after"] = "1";
      return { status: problem.status, headers, body: JSON.stringify(problem), code: problem.reason };
    },

    rateLimitKey(ctx) {
      return { subject: ctx.caller?.accountUin ?? 0, counter: "NATIVE", holder: "account" };
    },
  };
}

/** The core keeps times as epoch milliseconds; the API writes every `…At` field as a UTC date-time. */
function writeTimes(key: string, value: unknown): unknown {
  return typeof value === "number" && key.endsWith("At") ? new Date(value).toISOString() : value;
}

/**
 * The text rules every door applies to what it reads (core/text.ts), here to every string of the
 * path, the query and the body, names included: no control characters (PostgreSQL cannot store NUL
 * at all), no half of a surrogate pair.
 */
function checkText(value: unknown): void {
  const bad = findBadText(value);
  if (bad) throw new CoreError("request.invalid_value", `${bad.at || "the request"} contains ${bad.why}`, bad.at || undefined);
}

/** Throws the first schema violation as the core's request reasons, naming the field. */
function check(validate: ValidateFunction | undefined, value: unknown, where: "path" | "query" | "body"): void {
  if (!validate || validate(value)) return;
  throw schemaError(validate.errors![0]!, where);
}

function schemaError(e: ErrorObject, where: string): CoreError {
  const at = e.instancePath.split("/").filter(Boolean).join(".");
  const field = (name?: string) => [at, name].filter(Boolean).join(".") || undefined;
  switch (e.keyword) {
    case "required": {
      const name = (e.params as { missingProperty: string }).missingProperty;
      return new CoreError("request.missing_parameter", `${field(name)} is required (${where})`, field(name));
    }
    case "additionalProperties": {
      const name = (e.params as { additionalProperty: string }).additionalProperty;
      return new CoreError("request.unknown_parameter", `${field(name)} is not a parameter here (${where})`, field(name));
    }
    case "type":
      return new CoreError("request.invalid_type", `${field() ?? where} ${e.message}`, field());
    default:
      return new CoreError("request.invalid_value", `${field() ?? where} ${e.message}`, field());
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
