/**
 * The Alibaba RPC wire: the four request shapes of the real clients (spec §1.2), signatures,
 * timestamps and nonces (§1.6), envelopes (§1.7, §1.8), dispatch, rate limits and bad input of every
 * kind. Driven with @alicloud/openapi-client and @alicloud/pop-core wherever a client can express the
 * case; raw requests (signed by the clients' own signer) for replays, tampering and garbage.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ManualClock, systemClock } from "../../src/core/clock.js";
import { CoreError } from "../../src/core/errors.js";
import { ReplayGuard } from "../../src/core/replay-guard.js";
import { parseRateLimits } from "../../src/server/rate-limit.js";
import { TENCENT_RATE_LIMITS } from "../../src/dialects/tencent/door.js";
import { aliyunClient, expectAliyunError, popClient } from "../helpers/aliyun.js";
import { camClient, ENGINES, expectCode, openTestStore, snapshot, startServer, type TestServer } from "../helpers/harness.js";
import { assertRawError, isoSeconds, newNonce, rejects, send, v1Request, v3Request } from "./support.js";

const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

/** The guard answers at once when the store writes at once (a refusal is then thrown, not rejected). */
const use = async (guard: { use(keyId: string, nonce: string, expiresAt: number): unknown }, keyId: string, nonce: string, expiresAt: number) => guard.use(keyId, nonce, expiresAt);

for (const engine of ENGINES) {
  describe(`Alibaba wire protocol (${engine})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(engine);
    });
    after(() => server.close());

    describe("the four request shapes of §1.2", () => {
      test("openapi-client, signature V3 (the default): POST with query params, GET, and a form body", async () => {
        const ram = aliyunClient(server, server.root, "ram");
        const created = await ram.call("CreateUser", { UserName: "v3-post", Comments: "a b*c!'()~" });
        assert.equal(created.User.UserName, "v3-post");
        assert.equal(created.User.Comments, "a b*c!'()~");
        assert.match(created.RequestId, REQUEST_ID);
        assert.equal(created.Code, undefined);
        assert.equal((await ram.call("GetUser", { UserName: "v3-post" }, { method: "GET" })).User.UserName, "v3-post");
        assert.equal((await ram.call("GetUser", { UserName: "v3-post" }, { inBody: true })).User.UserName, "v3-post");
      });

      test("openapi-client, signature V1 (signatureAlgorithm v2): query params, form body, GET", async () => {
        const ram = aliyunClient(server, server.root, "ram", "v1");
        await ram.call("CreateUser", { UserName: "v1-query", DisplayName: "é ü 中文 *" });
        await ram.call("CreateUser", { UserName: "v1-body", Comments: "sent in the body" }, { inBody: true });
        assert.equal((await ram.call("GetUser", { UserName: "v1-query" }, { method: "GET" })).User.DisplayName, "é ü 中文 *");
        assert.equal((await ram.call("GetUser", { UserName: "v1-body" })).User.Comments, "sent in the body");
      });

      test("pop-core RPCClient: POST with everything in the form body, and GET with everything in the query", async () => {
        const pop = popClient(server, server.root, "ram");
        const created = await pop.call<any>("CreateUser", { UserName: "pop-post", Email: "pop@example.com" });
        assert.equal(created.User.Email, "pop@example.com");
        assert.equal((await pop.call<any>("GetUser", { UserName: "pop-post" }, "GET")).User.UserName, "pop-post");
      });

      test("Terraform's shape (Go tea-rpc): common parameters in the query, business parameters in a form body, + for space", async () => {
        const res = await send(v1Request(server, server.root, "ram", "CreateUser", {}, { form: { UserName: "tf-style", Comments: "with spaces here" } }));
        assert.equal(res.status, 200, JSON.stringify(res.json));
        assert.equal(res.json.User.Comments, "with spaces here");
      });

      test("success is HTTP 200 JSON with a flat body, an upper-case RequestId and no top-level Code", async () => {
        const res = await send(v3Request(server, server.root, "ram", "GetUser", { UserName: "v3-post" }));
        assert.equal(res.status, 200);
        assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
        assert.match(res.json.RequestId, REQUEST_ID);
        assert.equal(res.json.Code, undefined);
        assert.equal(res.headers.get("x-acs-request-id"), res.json.RequestId);
      });
    });

    describe("nonces and timestamps (§1.6)", () => {
      test("a captured V1 request sent again is SignatureNonceUsed and changes nothing", async () => {
        const captured = v1Request(server, server.root, "ram", "CreateUser", { UserName: "replayed" });
        assert.equal((await send(captured)).status, 200);
        await server.core.subUsers.delete({ accountUin: server.root.uin, principalUin: server.root.uin, isSubUser: false }, "replayed");
        const before = await snapshot(server.store);
        assertRawError(await send(captured), "SignatureNonceUsed", 400);
        assert.equal(await snapshot(server.store), before, "a replay changed the store");
      });

      test("a captured V1 POST form body and a V3 request are refused the same way when replayed", async () => {
        const form = v1Request(server, server.root, "ram", "GetUser", { UserName: "v3-post" }, { inBody: true });
        assert.equal((await send(form)).status, 200);
        assertRawError(await send(form), "SignatureNonceUsed", 400);
        const v3 = v3Request(server, server.root, "ram", "GetUser", { UserName: "v3-post" });
        assert.equal((await send(v3)).status, 200);
        assertRawError(await send(v3), "SignatureNonceUsed", 400);
      });

      test("a nonce is per key: another key may use the same nonce", async () => {
        const other = await server.newRoot("nonce-tenant");
        const nonce = newNonce();
        assert.equal((await send(v1Request(server, server.root, "ram", "ListUsers", {}, { nonce }))).status, 200);
        assert.equal((await send(v1Request(server, other, "ram", "ListUsers", {}, { nonce }))).status, 200);
      });

      test("a request whose signature fails does not burn its nonce", async () => {
        const nonce = newNonce();
        assertRawError(await send(v1Request(server, server.root, "ram", "ListUsers", {}, { nonce, secret: "wrong" })), "SignatureDoesNotMatch", 400);
        assert.equal((await send(v1Request(server, server.root, "ram", "ListUsers", {}, { nonce }))).status, 200);
      });

      test("malformed timestamps are InvalidTimeStamp.Format (V1 and V3)", async () => {
        for (const timestamp of ["2025-13-01T00:00:00Z", "yesterday", "2025-01-01 00:00:00", "1735689600", "2025-02-30T00:00:00Z"]) {
          assertRawError(await send(v1Request(server, server.root, "ram", "ListUsers", {}, { timestamp })), "InvalidTimeStamp.Format", 400);
        }
        assertRawError(await send(v3Request(server, server.root, "ram", "ListUsers", {}, { date: "Mon, 01 Jan 2025 00:00:00 GMT" })), "InvalidTimeStamp.Format", 400);
      });

      test("timestamps more than 15 minutes off are InvalidTimeStamp.Expired (V1 and V3)", async () => {
        const old = isoSeconds(Date.now() - 16 * 60_000);
        const future = isoSeconds(Date.now() + 16 * 60_000);
        assertRawError(await send(v1Request(server, server.root, "ram", "ListUsers", {}, { timestamp: old })), "InvalidTimeStamp.Expired", 400);
        assertRawError(await send(v1Request(server, server.root, "ram", "ListUsers", {}, { timestamp: future })), "InvalidTimeStamp.Expired", 400);
        assertRawError(await send(v3Request(server, server.root, "ram", "ListUsers", {}, { date: old })), "InvalidTimeStamp.Expired", 400);
        // Within the window is fine.
        assert.equal((await send(v1Request(server, server.root, "ram", "ListUsers", {}, { timestamp: isoSeconds(Date.now() - 14 * 60_000) }))).status, 200);
      });
    });

    describe("authentication", () => {
      test("an unknown AccessKeyId is InvalidAccessKeyId.NotFound (V3, V1, pop-core)", async () => {
        const bogus = { secretId: "AKIDnotAKeyAtAll00000000000000000000", secretKey: "x".repeat(32) };
        await rejects(server, "InvalidAccessKeyId.NotFound", 404, () => aliyunClient(server, bogus, "ram").call("ListUsers"));
        await rejects(server, "InvalidAccessKeyId.NotFound", 404, () => aliyunClient(server, bogus, "ram", "v1").call("ListUsers"));
        await assert.rejects(popClient(server, bogus, "ram").call("ListUsers"), (e: any) => e.code === "InvalidAccessKeyId.NotFound");
      });

      test("a wrong secret is SignatureDoesNotMatch and changes nothing (V3, V1)", async () => {
        const wrong = { secretId: server.root.secretId, secretKey: "y".repeat(32) };
        await rejects(server, "SignatureDoesNotMatch", 400, () => aliyunClient(server, wrong, "ram").call("CreateUser", { UserName: "never" }));
        const err = await rejects(server, "SignatureDoesNotMatch", 400, () => aliyunClient(server, wrong, "ram", "v1").call("CreateUser", { UserName: "never" }));
        // The V1 message carries the server's string to sign, as the real gateway's does (no secret in it).
        assert.ok(err.message.includes("server string to sign is:POST&%2F&"), err.message);
      });

      test("a tampered V3 body is SignatureDoesNotMatch and changes nothing", async () => {
        const body = "UserName=tamper-a";
        const before = await snapshot(server.store);
        assertRawError(await send(v3Request(server, server.root, "ram", "CreateUser", {}, { body, sentBody: "UserName=tamper-b" })), "SignatureDoesNotMatch", 400);
        // The attacker also fixes the hash header: the signature no longer matches.
        const rehashed = v3Request(server, server.root, "ram", "CreateUser", {}, { body, sentBody: "UserName=tamper-b" });
        (rehashed.init.headers as Record<string, string>)["x-acs-content-sha256"] = "ab".repeat(32);
        assertRawError(await send(rehashed), "SignatureDoesNotMatch", 400);
        assert.equal(await snapshot(server.store), before);
        // The untampered one works.
        assert.equal((await send(v3Request(server, server.root, "ram", "CreateUser", {}, { body }))).status, 200);
      });

      test("tampered V1 parameters and V3 headers are SignatureDoesNotMatch", async () => {
        assertRawError(await send(v1Request(server, server.root, "ram", "GetUser", { UserName: "v3-post" }, { after: { UserName: "v1-query" } })), "SignatureDoesNotMatch", 400);
        assertRawError(await send(v3Request(server, server.root, "ram", "GetUser", { UserName: "v3-post" }, { after: { "x-acs-action": "DeleteUser" } })), "SignatureDoesNotMatch", 400);
      });

      test("malformed or incomplete signature material is IncompleteSignature; missing common parameters are Missing{Param}", async () => {
        assertRawError(await send(v3Request(server, server.root, "ram", "ListUsers", {}, { after: { authorization: "ACS3-HMAC-SHA256 garbage" } })), "IncompleteSignature", 400);
        assertRawError(await send(v3Request(server, server.root, "ram", "ListUsers", {}, { after: { authorization: "Bearer abc" } })), "IncompleteSignature", 400);
        const unsignedDate = "ACS3-HMAC-SHA256 Credential=" + server.root.secretId + ",SignedHeaders=host;x-acs-action,Signature=" + "0".repeat(64);
        assertRawError(await send(v3Request(server, server.root, "ram", "ListUsers", {}, { after: { authorization: unsignedDate } })), "IncompleteSignature", 400);
        assertRawError(await send(v1Request(server, server.root, "ram", "ListUsers", {}, { after: { SignatureMethod: "HMAC-SHA256" } })), "IncompleteSignature", 400);
        for (const missing of ["AccessKeyId", "Signature", "Timestamp", "SignatureNonce", "SignatureMethod"]) {
          const r = v1Request(server, server.root, "ram", "ListUsers", {});
          const url = new URL(r.url);
          url.searchParams.delete(missing);
          assertRawError(await send({ url: url.toString(), init: r.init }), `Missing${missing}`, 400);
        }
      });

      test("a sub-user's key authenticates but holds no permissions: Forbidden.RAM (403)", async () => {
        const added = await camClient(server, server.root).AddUser({ Name: "keyed-sub", UseApi: 1 });
        const subKey = { secretId: added.SecretId!, secretKey: added.SecretKey! };
        await rejects(server, "Forbidden.RAM", 403, () => aliyunClient(server, subKey, "ram").call("ListUsers"));
      });
    });

    describe("dispatch and parameters", () => {
      test("an unknown action is InvalidAction.NotFound (404); an action of another product too", async () => {
        await rejects(server, "InvalidAction.NotFound", 404, () => aliyunClient(server, server.root, "ram").call("NoSuchAction"));
        await rejects(server, "InvalidAction.NotFound", 404, () => aliyunClient(server, server.root, "ram").call("CreateResourceAccount", { DisplayName: "x" }));
        await assert.rejects(popClient(server, server.root, "resourcemanager").call("toString"), (e: any) => e.code === "InvalidAction.NotFound");
      });

      test("an unknown version is InvalidVersion (400); missing Action is MissingAction", async () => {
        assertRawError(await send(v1Request(server, server.root, "ram", "ListUsers", {}, { version: "2099-01-01" })), "InvalidVersion", 400);
        // Signed with an empty Action and no x-acs-action header: only the action is missing.
        assertRawError(await send(v1Request(server, server.root, "ram", "", {})), "MissingAction", 400);
      });

      test("a missing required parameter is Missing{Param} with the documented message, and changes nothing", async () => {
        await rejects(server, "MissingUserName", 400, () => aliyunClient(server, server.root, "ram").call("CreateUser", {}), "UserName is mandatory for this action.");
        await rejects(server, "MissingUserName", 400, () => aliyunClient(server, server.root, "ram", "v1").call("CreateUser", { UserName: "" }));
        await assert.rejects(popClient(server, server.root, "ram").call("GetUser", {}), (e: any) => e.code === "MissingUserName");
      });

      test("a bad value is InvalidParameter.{Param}; unknown parameters are ignored", async () => {
        await rejects(server, "InvalidParameter.MaxItems", 400, () => aliyunClient(server, server.root, "ram").call("ListUsers", { MaxItems: "ten" }));
        const ok = await aliyunClient(server, server.root, "ram").call("ListUsers", { MaxItems: 1, NoSuchParameter: "x", Format: "XML" });
        assert.equal(ok.Users.User.length, 1);
      });

      test("booleans and enums are case-insensitive; enums pass through as spelled", async () => {
        const rm = aliyunClient(server, server.root, "resourcemanager");
        await rejects(server, "InvalidParameter.EnableMode", 400, () => rm.call("EnableResourceDirectory", { EnableMode: "NewManagementAccount" }));
        const rd = await rm.call("EnableResourceDirectory", { EnableMode: "currentaccount" });
        assert.ok(rd.ResourceDirectory.ResourceDirectoryId);
        const list = await rm.call("ListAccounts", { IncludeTags: "TRUE" });
        assert.deepEqual(list.Accounts.Account[0].Tags, { Tag: [] });
        await rejects(server, "InvalidParameter.IncludeTags", 400, () => rm.call("ListAccounts", { IncludeTags: "yes" }));
      });

      test("repeat lists: 1-based positions in order; bad positions are InvalidParameter", async () => {
        const rm = aliyunClient(server, server.root, "resourcemanager");
        const created = await rm.call("CreateResourceAccount", { DisplayName: "listed", "Tag.2.Key": "b", "Tag.2.Value": "2", "Tag.1.Key": "a", "Tag.1.Value": "1" });
        const got = await rm.call("GetAccount", { AccountId: created.Account.AccountId, IncludeTags: true });
        assert.deepEqual(got.Account.Tags, [
          { Key: "a", Value: "1" },
          { Key: "b", Value: "2" },
        ]);
        await rejects(server, "InvalidParameter.Tag", 400, () => rm.call("ListAccounts", { "Tag.0.Key": "a" }));
        await rejects(server, "InvalidParameter.Tag", 400, () => rm.call("ListAccounts", { "Tag.99999999999.Key": "a" }));
        await rejects(server, "InvalidParameter.Tag", 400, () => rm.call("ListAccounts", { "Tag.1": "a", "Tag.1.Key": "b" }));
      });
    });

    describe("bad input never gets a 5xx", () => {
      const garbage: [string, () => ReturnType<typeof send>, string, number][] = [];

      test("garbage bodies, headers and parameters get documented codes", async () => {
        const url = () => server.url;
        garbage.push(
          ["binary form body, x-acs header", () => send({ url: url(), init: { method: "POST", headers: { "x-acs-action": "ListUsers", "content-type": "application/x-www-form-urlencoded" }, body: new Uint8Array([0xff, 0xfe, 0x00, 0x25, 0x26, 0x3d]) } }), "MissingAccessKeyId", 400],
          ["JSON body, x-acs header", () => send({ url: url(), init: { method: "POST", headers: { "x-acs-version": "2015-05-01", "content-type": "application/json" }, body: "{not json" } }), "MissingAccessKeyId", 400],
          ["no content type", () => send({ url: url(), init: { method: "POST", headers: { "x-acs-action": "ListUsers" }, body: new TextEncoder().encode("AccessKeyId=x") } }), "MissingAccessKeyId", 400],
          ["bad percent-escapes", () => send({ url: `${url()}?AccessKeyId=%ZZ&Signature=%&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&Timestamp=%E0%A4%A&SignatureNonce=1`, init: { method: "GET" } }), "InvalidTimeStamp.Format", 400],
          ["an ACS3 header with nothing else", () => send({ url: url(), init: { method: "POST", headers: { authorization: "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host,Signature=" + "a".repeat(64) } } }), "IncompleteSignature", 400],
          ["an absurd nonce", () => send(v1Request(server, server.root, "ram", "ListUsers", {}, { nonce: "\u00e9".repeat(10) })), "InvalidParameter.SignatureNonce", 400],
          ["a 64 KB nonce", () => send(v1Request(server, server.root, "ram", "ListUsers", {}, { nonce: "n".repeat(60_000), inBody: true })), "InvalidParameter.SignatureNonce", 400],
        );
        for (const [label, call, code, status] of garbage) {
          const res = await call();
          assert.ok(res.status < 500, `${label}: HTTP ${res.status}`);
          assertRawError(res, code, status);
        }
      });

      test("an oversized body is RequestEntityTooLarge (413), for a V3 and a V1 request", async () => {
        const small = await startServer(engine, { maxBodyBytes: 1024 });
        try {
          const big = "UserName=" + "a".repeat(4096);
          assertRawError(await send(v3Request(small, small.root, "ram", "CreateUser", {}, { body: big })), "RequestEntityTooLarge", 413);
          assertRawError(await send(v1Request(small, small.root, "ram", "CreateUser", { Comments: "c".repeat(4096) }, { inBody: true })), "RequestEntityTooLarge", 413);
          // Terraform's shape: common parameters in the query (which marks the request as Alibaba's), the rest in the body.
          const tf = v1Request(small, small.root, "ram", "CreateUser", {});
          assertRawError(await send({ url: tf.url, init: { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: big } }), "RequestEntityTooLarge", 413);
          const r = v1Request(small, small.root, "ram", "CreateUser", { Comments: "c".repeat(40_000) });
          assertRawError(await send(r), "RequestEntityTooLarge", 413);
        } finally {
          await small.close();
        }
      });

      test("the Tencent door still owns Tencent requests", async () => {
        await expectCode(camClient(server, { secretId: "AKIDbogus", secretKey: "x" }).ListUsers(), "AuthFailure.SecretIdNotFound");
        assert.ok((await camClient(server, server.root).ListUsers()).Data);
      });
    });
  });

  test(`the nonce ledger refuses a replay sent to another process, or after a restart (${engine})`, async () => {
    const { store, reopen, cleanup } = await openTestStore(engine);
    const second = await reopen();
    const shared = engine === "postgres";
    try {
      const guards = [new ReplayGuard(store.db, systemClock, shared), new ReplayGuard(second.db, systemClock, shared)];
      const until = Date.now() + 60_000;
      if (shared) {
        // The same (key, nonce) raced through both "processes" many times: exactly one use wins each time.
        for (let i = 0; i < 20; i++) {
          const nonce = newNonce();
          const results = await Promise.allSettled(guards.flatMap((g) => [use(g, "AKIDrace", nonce, until), use(g, "AKIDrace", nonce, until)]));
          assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
          for (const r of results) if (r.status === "rejected") assert.ok(r.reason instanceof CoreError && r.reason.reason === "auth.nonce_used", String(r.reason));
        }
      }
      // One process, one store: a replay in the same turn, later, and after a restart (a new guard reading the log).
      const nonce = newNonce();
      const sameTurn = await Promise.allSettled([use(guards[0]!, "AKIDone", nonce, until), use(guards[0]!, "AKIDone", nonce, until)]);
      assert.deepEqual(sameTurn.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
      await assert.rejects(use(guards[0]!, "AKIDone", nonce, until), (e: unknown) => e instanceof CoreError && e.reason === "auth.nonce_used");
      await guards[0]!.flush(); // as the runtime does on close
      const restarted = new ReplayGuard(second.db, systemClock, shared);
      await assert.rejects(use(restarted, "AKIDone", nonce, until), (e: unknown) => e instanceof CoreError && e.reason === "auth.nonce_used");
      // An expired entry may be used again (its timestamp check is what refuses old requests).
      await use(guards[0]!, "AKIDexpired", "n1", Date.now() - 1);
      await use(guards[0]!, "AKIDexpired", "n1", until);
      await assert.rejects(use(guards[0]!, "AKIDexpired", "n1", until), (e: unknown) => e instanceof CoreError && e.reason === "auth.nonce_used");
    } finally {
      await second.close();
      await cleanup();
    }
  });

  // The one-process (SQLite) ledger only: the shared ledger keeps no log.
  if (engine === "sqlite") test(`the one-process ledger logs each turn's accepted uses exactly, in one statement (${engine})`, async () => {
    const { store, reopen, cleanup } = await openTestStore(engine);
    try {
      const guard = new ReplayGuard(store.db, systemClock, false);
      const until = Date.now() + 60_000;
      const uses: [string, string, number][] = [];
      for (let i = 0; i < 70; i++) uses.push([`AKID${i % 3}`, `n-${i}-"\\'%_é`, until + i]);
      const results = await Promise.allSettled([...uses.map(([k, n, t]) => use(guard, k, n, t)), use(guard, "AKID0", uses[0]![1], until)]);
      assert.equal(results.filter((r) => r.status === "rejected").length, 1);
      await guard.flush();
      const logged = await store.db.selectFrom("request_nonce_log").select(["key_id", "nonce", "expires_at"]).orderBy("seq").execute();
      assert.deepEqual(logged.map((r) => [r.key_id, r.nonce, Number(r.expires_at)]), uses);
      const second = await reopen();
      try {
        const restarted = new ReplayGuard(second.db, systemClock, false);
        for (const [k, n, t] of uses) await assert.rejects(use(restarted, k, n, t), (e: unknown) => e instanceof CoreError && e.reason === "auth.nonce_used");
      } finally {
        await second.close();
      }
    } finally {
      await cleanup();
    }
  });

  if (engine === "sqlite") test(`the one-process ledger decides at once once its log is read, and appends later in acceptance order (${engine})`, async () => {
    const { store, cleanup } = await openTestStore(engine);
    try {
      const guard = new ReplayGuard(store.db, systemClock, false);
      const until = Date.now() + 60_000;
      await use(guard, "AKIDfirst", "n-0", until); // reads the log
      // A request that waits for nothing stays on the pipeline's fast path: a value, not a promise.
      const decided = guard.use("AKIDfast", "n-1", until);
      assert.equal(decided instanceof Promise, false);
      assert.throws(() => guard.use("AKIDfast", "n-1", until), (e: unknown) => e instanceof CoreError && e.reason === "auth.nonce_used");
      // Without a flush the uses reach the log on their own, shortly.
      const logged = async () => (await store.db.selectFrom("request_nonce_log").select(["nonce"]).orderBy("seq").execute()).map((r) => r.nonce);
      const deadline = Date.now() + 10_000;
      while ((await logged()).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(await logged(), ["n-0", "n-1"]);
      // Flushes that overlap append one after another: the log keeps the order the uses were accepted in.
      guard.use("AKIDfast", "n-2", until);
      const first = guard.flush();
      guard.use("AKIDfast", "n-3", until);
      await Promise.all([first, guard.flush(), guard.flush()]);
      assert.deepEqual(await logged(), ["n-0", "n-1", "n-2", "n-3"]);
    } finally {
      await cleanup();
    }
  });

  if (engine === "sqlite") test(`a log read begun before the ledger forgets is not applied after it (${engine})`, async () => {
    const { store, cleanup } = await openTestStore(engine);
    try {
      const until = Date.now() + 60_000;
      const before = new ReplayGuard(store.db, systemClock, false);
      await use(before, "AKIDold", "n-old", until);
      await before.flush();
      const guard = new ReplayGuard(store.db, systemClock, false);
      const first = use(guard, "AKIDnew", "n-new", until); // begins reading the log
      // The state is replaced while the read is under way (as the emulator's reset does), log and all.
      guard.forget();
      await store.db.deleteFrom("request_nonce_log").execute();
      await first;
      // The pair the replaced state's log held is not remembered from the stale read.
      await use(guard, "AKIDold", "n-old", until);
    } finally {
      await cleanup();
    }
  });

  describe(`Alibaba replay and rate limits with a controllable clock (${engine})`, () => {
    let server: TestServer;
    const clock = new ManualClock(Date.now());
    before(async () => {
      server = await startServer(engine, { clock, rateLimits: parseRateLimits("default=2", TENCENT_RATE_LIMITS) });
    });
    after(() => server.close());

    test("a captured request replayed after 15 minutes is InvalidTimeStamp.Expired, not accepted and not a nonce error", async () => {
      clock.set(Date.now());
      const captured = v1Request(server, server.root, "ram", "CreateUser", { UserName: "late-replay" }, { inBody: true });
      assert.equal((await send(captured)).status, 200);
      await server.core.subUsers.delete({ accountUin: server.root.uin, principalUin: server.root.uin, isSubUser: false }, "late-replay");
      clock.advance(16 * 60_000);
      const before = await snapshot(server.store);
      assertRawError(await send(captured), "InvalidTimeStamp.Expired", 400);
      assert.equal(await snapshot(server.store), before);
      // Expired nonces are swept from the ledger.
      clock.advance(2 * 60_000);
      assert.equal((await send(v1Request(server, server.root, "ram", "ListUsers", {}, { timestamp: isoSeconds(clock.now()) }))).status, 200);
      const left = await server.store.db.selectFrom("request_nonces").selectAll().execute();
      assert.ok(left.every((r) => r.expires_at > clock.now()), "expired nonces were not pruned");
    });

    test("over the per-account limit: Throttling.User (HTTP 400) with x-acs-retry-after, per action, and per dialect", async () => {
      clock.set(Date.now() + 5_000);
      // The clock stands still, so every call below falls in one rate-limit window.
      const stamp = () => ({ timestamp: isoSeconds(clock.now()) });
      for (let i = 0; i < 2; i++) assert.equal((await send(v1Request(server, server.root, "ram", "ListUsers", {}, stamp()))).status, 200);
      const throttled = await send(v1Request(server, server.root, "ram", "ListUsers", {}, stamp()));
      assertRawError(throttled, "Throttling.User", 400);
      const retryAfter = Number(throttled.headers.get("x-acs-retry-after"));
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 1000, `x-acs-retry-after: ${retryAfter}`);
      assert.ok(throttled.json.Message.length > 0);
      // Another action has its own count, and so does the Tencent door's ListUsers.
      assert.equal((await send(v1Request(server, server.root, "ram", "GetUser", { UserName: "nobody" }, stamp()))).status, 404);
      assert.ok((await camClient(server, server.root).ListUsers()).Data);
      // The client sees the code and status too.
      await expectAliyunError(aliyunClient(server, server.root, "ram").call("ListUsers"), "Throttling.User", 400);
    });
  });
}
