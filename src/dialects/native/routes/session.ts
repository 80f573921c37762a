/**
 * Console sessions (core/console-sessions.ts) on the wire: sign in with an API key or a one-time link
 * (the answer sets the session cookie and gives the anti-forgery token), read the session, sign out.
 */
import type { OpenedSession, SessionInfo } from "../../../core/console-sessions.js";
import { CoreError } from "../../../core/errors.js";
import { SESSION_COOKIE } from "../auth.js";
import { type ClientInfo, type NativeRoute, route, WithHeaders } from "../route.js";
import { int, obj, type Schema, str, time } from "../schema.js";

const session: Schema = obj(
  {
    accountUin: int(),
    principalUin: int(),
    csrfToken: str({ description: "Send it as the `X-CSRF-Token` header on every request that changes something." }),
    createdAt: time,
    idleExpiresAt: time,
    expiresAt: time,
  },
  [],
  { description: "A console session. The session itself travels only in its HttpOnly cookie." },
);

const signIn: Schema = {
  oneOf: [
    obj({ secretId: str({ minLength: 1, maxLength: 128 }), secretKey: str({ minLength: 1, maxLength: 256 }) }, [], { description: "An API key of the account to sign in to." }),
    obj({ link: str({ minLength: 1, maxLength: 256, description: "The token of a one-time sign-in link (`opencic console-link`)." }) }, [], { description: "A one-time sign-in link." }),
  ],
};

/** The cookie's attributes: not readable by scripts, never sent cross-site, over TLS only when served over TLS. */
const cookie = (client: ClientInfo, value: string, maxAgeSeconds: number) =>
  `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${client.encrypted ? "; Secure" : ""}`;

const NO_STORE = { "cache-control": "no-store" };

const view = (s: SessionInfo) => ({
  accountUin: s.caller.accountUin,
  principalUin: s.caller.principalUin,
  csrfToken: s.csrfToken,
  createdAt: s.createdAt,
  idleExpiresAt: s.idleExpiresAt,
  expiresAt: s.expiresAt,
});

export const sessionRoutes: NativeRoute[] = [
  route<unknown, unknown, { secretId: string; secretKey: string } | { link: string }>({
    method: "POST",
    path: "/session",
    name: "SignIn",
    summary: "Opens a console session with an API key or a one-time link; sets the session cookie",
    tag: "session",
    auth: false,
    body: signIn,
    response: { status: 201, schema: session },
    run: async ({ core }, { body, client }) => {
      // A sign-in a page of another site started (login forgery) is refused; browsers say so in Sec-Fetch-Site.
      if (client.fetchSite === "cross-site") throw new CoreError("auth.not_permitted", "a console sign-in cannot come from another site");
      const opened: OpenedSession =
        "link" in body ? await core.consoleSessions.signInWithLink(client.address, body.link) : await core.consoleSessions.signInWithKey(client.address, body.secretId, body.secretKey);
      const maxAge = Math.floor((opened.expiresAt - opened.createdAt) / 1000);
      return new WithHeaders(view(opened), { ...NO_STORE, "set-cookie": cookie(client, opened.token, maxAge) });
    },
  }),
  route({
    method: "GET",
    path: "/session",
    name: "GetSession",
    summary: "The console session of the request (its anti-forgery token, its expiries)",
    tag: "session",
    response: { status: 200, schema: session },
    run: async ({ core }, { client }) => {
      if (client.sessionToken === undefined) throw new CoreError("auth.malformed", "this request has no console session (it was authenticated by an API key)");
      return new WithHeaders(view(await core.consoleSessions.resume(client.sessionToken)), NO_STORE);
    },
  }),
  route({
    method: "DELETE",
    path: "/session",
    name: "SignOut",
    summary: "Ends the console session and clears its cookie",
    tag: "session",
    response: { status: 204 },
    run: async ({ core }, { client }) => {
      if (client.sessionToken !== undefined) await core.consoleSessions.signOut(client.sessionToken);
      return new WithHeaders(undefined, { ...NO_STORE, "set-cookie": cookie(client, "", 0) });
    },
  }),
];
