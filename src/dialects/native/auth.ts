/**
 * Who a native API request is from. Each authenticator looks at the request and answers with a
 * Caller, refuses it, or (undefined) says the request does not carry its kind of credential; the
 * first that recognizes the request decides: a console session (a cookie), then an API key as a
 * bearer token.
 */
import type { Caller, Core } from "../../core/index.js";
import { CoreError } from "../../core/errors.js";
import { safeEqual } from "../../core/secrets.js";
import { type MaybePromise, then } from "../../lib/maybe-promise.js";
import type { RequestContext } from "../../server/context.js";

/** The console session cookie's name. */
export const SESSION_COOKIE = "opencic_session";
/** The header that carries a session's anti-forgery token on a state-changing request. */
export const CSRF_HEADER = "x-csrf-token";
/** Methods that change nothing: a session needs no anti-forgery token for them. */
const SAFE_METHODS = new Set(["GET", "HEAD"]);

export type Authenticator = (ctx: RequestContext<unknown>) => MaybePromise<Caller> | undefined;

/**
 * `Authorization: Bearer <SecretId>:<SecretKey>` of an account's or a sub-user's API key: the same
 * credentials, lookup (and its one-second cache) and Caller as the vendor doors, so the tenant
 * boundaries are theirs. Unknown, disabled and wrong keys are refused alike.
 */
export function apiKeyBearer(core: Core): Authenticator {
  return (ctx) => {
    const header = ctx.header("authorization");
    if (header === undefined) return undefined;
    const m = /^\s*bearer\s+([^\s:]+):(\S+)\s*$/i.exec(header);
    if (!m) throw new CoreError("auth.malformed", "send an API key as Authorization: Bearer <SecretId>:<SecretKey>");
    const [, secretId, secretKey] = m as unknown as [string, string, string];
    const check = (found: Awaited<ReturnType<Core["accounts"]["resolve"]>>): Caller => {
      if (!found || !safeEqual(found.secretKey, secretKey)) throw new CoreError("auth.unknown_key", "the API key is unknown, disabled, or its secret is wrong");
      return found.caller;
    };
    const cached = core.accounts.cached(secretId);
    return cached ? check(cached) : then(core.accounts.resolve(secretId), check);
  };
}

/**
 * The console session a cookie names (core/console-sessions.ts). A request with an Authorization
 * header is left to the bearer authenticator: a script's key decides, whatever cookie it carries. A
 * state-changing request must carry the session's anti-forgery token in `X-CSRF-Token`, a header a
 * cross-site form or link cannot send.
 */
export function consoleSession(core: Core): Authenticator {
  return (ctx) => {
    if (ctx.header("authorization") !== undefined) return undefined;
    const token = sessionTokenOf(ctx.header("cookie"));
    if (token === undefined) return undefined;
    return then(core.consoleSessions.resume(token), (session) => {
      if (!SAFE_METHODS.has(ctx.raw.method.toUpperCase()) && !core.consoleSessions.csrfMatches(token, ctx.header(CSRF_HEADER))) {
        throw new CoreError("auth.not_permitted", "a change made with a console session must carry the session's X-CSRF-Token header (given at sign-in and by GET /api/v1/session)");
      }
      return session.caller;
    });
  };
}

/** The session token in a Cookie header, if any. */
export function sessionTokenOf(cookieHeader: string | undefined): string | undefined {
  if (cookieHeader === undefined) return undefined;
  for (const part of cookieHeader.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** Runs the authenticators in order; a request none of them recognizes is refused. */
export function authenticate(authenticators: readonly Authenticator[], ctx: RequestContext<unknown>): MaybePromise<Caller> {
  for (const a of authenticators) {
    const caller = a(ctx);
    if (caller !== undefined) return caller;
  }
  throw new CoreError("auth.malformed", "this API needs credentials: Authorization: Bearer <SecretId>:<SecretKey>, or a console session (POST /api/v1/session)");
}
