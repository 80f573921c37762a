/**
 * Who a native API request is from. Each authenticator looks at the request and answers with a
 * Caller, refuses it, or (undefined) says the request does not carry its kind of credential; the
 * first that recognizes the request decides. Today there is one, an API key as a bearer token; a
 * console session (a cookie) will be a second, in front of it.
 */
import type { Caller, Core } from "../../core/index.js";
import { CoreError } from "../../core/errors.js";
import { safeEqual } from "../../core/secrets.js";
import { type MaybePromise, then } from "../../lib/maybe-promise.js";
import type { RequestContext } from "../../server/context.js";

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

/** Runs the authenticators in order; a request none of them recognizes is refused. */
export function authenticate(authenticators: readonly Authenticator[], ctx: RequestContext<unknown>): MaybePromise<Caller> {
  for (const a of authenticators) {
    const caller = a(ctx);
    if (caller !== undefined) return caller;
  }
  throw new CoreError("auth.malformed", "this API needs credentials: Authorization: Bearer <SecretId>:<SecretKey>");
}
