/**
 * Console sessions on the native API over real HTTP, on both engines: sign-in with an API key or a
 * one-time link, the cookie's attributes, sign-out, idle and absolute expiry (a test clock), the
 * anti-forgery token, forged cookies, a disabled key ending its sessions, tenant isolation through a
 * session, and the sign-in rate limit per client address.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { ManualClock } from "../../src/core/clock.js";
import { camClient, ENGINES, type Key, startServer, type TestServer } from "../helpers/harness.js";
import { ssoTenant, uniq, zoneIdOf } from "../helpers/cloudsso.js";
import { nativeClient, refused } from "../helpers/native.js";

const MINUTE = 60_000;

interface Session {
  cookie: string;
  csrfToken: string;
  setCookie: string;
}

/** Signs in with a key (or a link) and returns the cookie a browser would keep and the anti-forgery token. */
async function signIn(server: TestServer, body: { secretId: string; secretKey: string } | { link: string }): Promise<Session> {
  const r = await nativeClient(server).call("POST", "/session", { body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const setCookie = r.headers.get("set-cookie") ?? "";
  const m = /^opencic_session=([^;]+);/.exec(setCookie);
  assert.ok(m, `no session cookie in ${setCookie}`);
  return { cookie: `opencic_session=${m[1]}`, csrfToken: r.body.csrfToken, setCookie };
}

const keyBody = (k: Key) => ({ secretId: k.secretId, secretKey: k.secretKey });

/** A client that authenticates by the session cookie, sending the anti-forgery token unless told otherwise. */
function browser(server: TestServer, s: Pick<Session, "cookie"> & { csrfToken?: string }) {
  const api = nativeClient(server);
  const headers = (extra: Record<string, string> = {}) => ({ cookie: s.cookie, ...(s.csrfToken ? { "x-csrf-token": s.csrfToken } : {}), ...extra });
  return {
    call: (method: string, path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}) => api.call(method, path, { ...opts, headers: headers(opts.headers) }),
    ok: (status: number, method: string, path: string, opts: { body?: unknown } = {}) => api.ok(status, method, path, { ...opts, headers: headers() }),
  };
}

for (const engine of ENGINES) {
  describe(`console sessions (${engine})`, () => {
    let server: TestServer;
    before(async () => {
      // Every test here signs in from the same address: the limit is tested below, with a clock.
      server = await startServer(engine, { consoleSessions: { signInAttemptsPerMinute: 1000 } });
    });
    after(() => server?.close());

    test("sign in with a key: an HttpOnly SameSite=Strict cookie, no secret in the answer; the session authenticates; sign-out ends it", async () => {
      const s = await signIn(server, keyBody(server.root));
      assert.match(s.setCookie, /; Path=\/(;|$)/);
      assert.match(s.setCookie, /; HttpOnly(;|$)/);
      assert.match(s.setCookie, /; SameSite=Strict(;|$)/);
      assert.match(s.setCookie, /; Max-Age=43200(;|$)/);
      assert.doesNotMatch(s.setCookie, /Secure/, "plain HTTP: no Secure attribute (a browser would drop the cookie)");
      assert.ok(!s.setCookie.includes(server.root.secretKey));

      const b = browser(server, s);
      const me = await b.ok(200, "GET", "/session");
      assert.equal(me.accountUin, server.root.uin);
      assert.equal(me.csrfToken, s.csrfToken, "the anti-forgery token can be read again after a reload");
      assert.ok(!JSON.stringify(me).includes(server.root.secretKey));
      const keys = await b.ok(200, "GET", "/keys");
      assert.ok(keys.items.some((k: { secretId: string }) => k.secretId === server.root.secretId));

      const out = await b.call("DELETE", "/session");
      assert.equal(out.status, 204);
      assert.match(out.headers.get("set-cookie") ?? "", /^opencic_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0/);
      await refused(server, 401, "auth.unknown_key", () => b.call("GET", "/keys"));
      await refused(server, 401, "auth.unknown_key", () => b.call("GET", "/session"));
    });

    test("a wrong or unknown key, or a malformed body, opens no session", async () => {
      const api = nativeClient(server);
      for (const body of [{ secretId: server.root.secretId, secretKey: "wrong" }, { secretId: "AKIDnothing", secretKey: server.root.secretKey }]) {
        const r = await refused(server, 401, "auth.unknown_key", () => api.call("POST", "/session", { body }));
        assert.equal(r.headers.get("set-cookie"), null);
      }
      await refused(server, 400, "request.missing_parameter", () => api.call("POST", "/session", { body: { secretId: server.root.secretId } }), "secretKey");
      await refused(server, 403, "auth.not_permitted", () => api.call("POST", "/session", { body: keyBody(server.root), headers: { "sec-fetch-site": "cross-site" } }));
    });

    test("a change needs the session's anti-forgery token; reads do not; a bearer key needs none", async () => {
      const t = await ssoTenant(server);
      const dir = `/directories/${zoneIdOf(t.directoryId)}`;
      const s = await signIn(server, keyBody(t.key));
      const other = await signIn(server, keyBody(t.key));
      assert.notEqual(other.csrfToken, s.csrfToken, "each session has its own token");
      const body = { userName: uniq("csrf") };
      await refused(server, 403, "auth.not_permitted", () => browser(server, { cookie: s.cookie }).call("POST", `${dir}/users`, { body }));
      await refused(server, 403, "auth.not_permitted", () => browser(server, { cookie: s.cookie, csrfToken: "x".repeat(22) }).call("POST", `${dir}/users`, { body }));
      await refused(server, 403, "auth.not_permitted", () => browser(server, { cookie: s.cookie, csrfToken: other.csrfToken }).call("POST", `${dir}/users`, { body }));
      await refused(server, 403, "auth.not_permitted", () => browser(server, { cookie: s.cookie }).call("DELETE", "/session"));
      assert.equal((await browser(server, { cookie: s.cookie }).ok(200, "GET", `${dir}/users`)).totalCount, 0);

      const created = await browser(server, s).ok(201, "POST", `${dir}/users`, { body });
      assert.equal(created.user.userName, body.userName);
      await nativeClient(server, t.key).ok(201, "POST", `${dir}/users`, { body: { userName: uniq("bearer") } });
    });

    test("forged, malformed and stolen-digest cookies are refused alike", async () => {
      const s = await signIn(server, keyBody(server.root));
      const forged = randomBytes(32).toString("base64url");
      const token = s.cookie.slice("opencic_session=".length);
      const altered = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
      for (const cookie of [`opencic_session=${forged}`, "opencic_session=abc", `opencic_session=${altered}`]) {
        await refused(server, 401, "auth.unknown_key", () => browser(server, { cookie }).call("GET", "/keys"));
      }
      // What the store keeps is a digest: presented as a cookie, it signs nobody in.
      const rows = await server.store.db.selectFrom("console_sessions").select("session_digest").execute();
      assert.ok(rows.length > 0);
      for (const r of rows) {
        assert.ok(!s.cookie.includes(r.session_digest));
        await refused(server, 401, "auth.unknown_key", () => browser(server, { cookie: `opencic_session=${r.session_digest}` }).call("GET", "/keys"));
      }
    });

    test("a session sees exactly what its account's key sees: another tenant's directory is not there; a sub-user's session holds no permissions", async () => {
      const a = await ssoTenant(server);
      const b = await ssoTenant(server);
      const sessionA = browser(server, await signIn(server, keyBody(a.key)));
      const bearerA = nativeClient(server, a.key);
      const dirB = `/directories/${zoneIdOf(b.directoryId)}`;
      const viaSession = await refused(server, 404, "directory.not_found", () => sessionA.call("GET", `${dirB}/users`));
      const viaKey = await bearerA.call("GET", `${dirB}/users`);
      assert.equal(viaKey.body.reason, viaSession.body.reason);
      await refused(server, 404, "directory.not_found", () => sessionA.call("POST", `${dirB}/users`, { body: { userName: "intruder" } }));
      assert.equal((await sessionA.ok(200, "GET", "/organization")).managerUin, a.key.uin);

      const sub = await nativeClient(server, a.key).ok(201, "POST", "/keys");
      assert.equal(sub.accountUin, a.key.uin);
      const subUser = await camClient(server, a.key).AddUser({ Name: uniq("sess-sub"), UseApi: 1 });
      const subSession = browser(server, await signIn(server, { secretId: subUser.SecretId!, secretKey: subUser.SecretKey! }));
      await refused(server, 403, "auth.not_permitted", () => subSession.call("GET", "/organization"));
    });

    test("disabling the key a session was opened with ends the session", async () => {
      const t = await server.newRoot();
      const s = browser(server, await signIn(server, keyBody(t)));
      await s.ok(200, "GET", "/keys");
      await nativeClient(server, t).ok(200, "PATCH", `/keys/${t.secretId}`, { body: { status: "Disabled" } });
      await refused(server, 401, "auth.unknown_key", () => s.call("GET", "/keys"));
    });

    test("a one-time link signs in once, as its account", async () => {
      const link = await server.core.consoleSessions.createLink(server.root.uin);
      const s = await signIn(server, { link: link.token });
      assert.equal((await browser(server, s).ok(200, "GET", "/session")).accountUin, server.root.uin);
      await refused(server, 401, "auth.unknown_key", () => nativeClient(server).call("POST", "/session", { body: { link: link.token } }));
      await refused(server, 401, "auth.unknown_key", () => nativeClient(server).call("POST", "/session", { body: { link: randomBytes(32).toString("base64url") } }));
    });
  });

  describe(`console sessions in time (${engine})`, () => {
    let server: TestServer;
    const clock = new ManualClock();
    before(async () => {
      server = await startServer(engine, { clock, worker: false, consoleSessions: { signInAttemptsPerMinute: 3 } });
    });
    after(() => server?.close());

    test("a session ends after 30 idle minutes, and after 12 hours however busy", async () => {
      const idle = browser(server, await signIn(server, keyBody(server.root)));
      clock.advance(29 * MINUTE);
      await idle.ok(200, "GET", "/keys");
      clock.advance(29 * MINUTE);
      await idle.ok(200, "GET", "/keys");
      clock.advance(31 * MINUTE);
      await refused(server, 401, "auth.expired", () => idle.call("GET", "/keys"));
      await refused(server, 401, "auth.unknown_key", () => idle.call("GET", "/keys"));

      clock.advance(MINUTE); // a new window for the sign-in limit
      const busy = browser(server, await signIn(server, keyBody(server.root)));
      for (let t = 0; t < 12 * 60 - 20; t += 20) {
        clock.advance(20 * MINUTE);
        await busy.ok(200, "GET", "/keys");
      }
      clock.advance(20 * MINUTE);
      await refused(server, 401, "auth.expired", () => busy.call("GET", "/keys"));
    });

    test("a one-time link expires after 10 minutes", async () => {
      clock.advance(MINUTE);
      const link = await server.core.consoleSessions.createLink(server.root.uin);
      clock.advance(10 * MINUTE);
      await refused(server, 401, "auth.unknown_key", () => nativeClient(server).call("POST", "/session", { body: { link: link.token } }));
    });

    test("sign-in attempts are limited per client address and minute, right or wrong", async () => {
      clock.advance(MINUTE);
      const api = nativeClient(server);
      for (let i = 0; i < 2; i++) await refused(server, 401, "auth.unknown_key", () => api.call("POST", "/session", { body: { secretId: server.root.secretId, secretKey: "guess" } }));
      await signIn(server, keyBody(server.root));
      const r = await refused(server, 429, "throttled", () => api.call("POST", "/session", { body: keyBody(server.root) }));
      assert.match(r.body.detail, /sign-in attempts/);
      clock.advance(MINUTE);
      await signIn(server, keyBody(server.root));
    });
  });
}
