/**
 * The one pipeline carries any door: here a bearer-token JSON door (the shape the SCIM door and the
 * native API will have), registered as its own fastify plugin, gets the same steps as the vendor
 * doors: authentication before routing, admission (authorization and the door's rate limits), decoding,
 * the handler, encoding, and one log line and one metric per request, whatever the outcome.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import Fastify, { type FastifyInstance } from "fastify";
import type { Caller } from "../../src/core/accounts.js";
import { CoreError } from "../../src/core/errors.js";
import type { Door, DoorAction } from "../../src/server/door.js";
import { doorPlugin } from "../../src/server/door-plugin.js";
import { Metrics } from "../../src/server/metrics.js";
import { RateLimiter } from "../../src/server/rate-limit.js";
import { atTurnEnd } from "../../src/lib/turn-end.js";
import { startServer, type TestServer } from "../helpers/harness.js";

interface TestAction extends DoorAction {
  status?: number;
}

const STATUS: Record<string, number> = { auth: 401, forbidden: 403, not_found: 404, throttled: 429, invalid: 400, internal: 500 };

/** `Authorization: Bearer <SecretId>:<SecretKey>`, `POST /test/v1/<Action>` with a JSON body. */
function bearerDoor(actions: Record<string, TestAction["run"]>): Door<TestAction, { token: string }> {
  return {
    name: "test",
    documentedRateLimits: { Limited: 2 },
    maxQueryBytes: 64,
    recognizes: (raw) => raw.path.startsWith("/test/"),
    newRequestId: randomUUID,
    authenticate(ctx) {
      const tag = ctx.header("x-trace");
      if (tag) trace.push(`authenticate ${tag}`);
      const m = /^Bearer ([^:]+):(.+)$/.exec(ctx.header("authorization") ?? "");
      if (!m) throw new CoreError("auth.malformed", "bearer token required");
      // A key seen before answers at once (as the vendor doors' cached keys do), so its requests take the
      // synchronous path and their answers leave with the turn's batch; another is looked up (a promise).
      const known = knownKeys.get(m[1]!);
      if (known && known.secretKey === m[2]) return { caller: known.caller, wire: { token: m[1]! } };
      return core()
        .accounts.resolve(m[1]!)
        .then((resolved) => {
          if (!resolved || resolved.secretKey !== m[2]) throw new CoreError("auth.unknown_key", "unknown token");
          knownKeys.set(m[1]!, resolved);
          return { caller: resolved.caller, wire: { token: m[1]! } };
        });
    },
    route(ctx) {
      const name = ctx.raw.path.slice("/test/v1/".length);
      const run = Object.hasOwn(actions, name) ? actions[name] : undefined;
      if (!run) throw new CoreError("request.unknown_action", `no action ${name}`);
      return { name, product: "test", run };
    },
    decode(ctx) {
      return ctx.raw.body.length ? (JSON.parse(ctx.raw.body.toString("utf8")) as unknown) : {};
    },
    encode(ctx, _action, payload) {
      // BadStatus answers with a status fastify refuses to write: a door's bug.
      return { status: (payload as { badStatus?: number }).badStatus ?? 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ requestId: ctx.requestId, data: payload }), code: "OK" };
    },
    encodeError(ctx, err) {
      const e = err instanceof CoreError ? err : new CoreError("internal", "internal error");
      const detail = e.reason === "internal" ? "internal error" : e.message;
      return { status: STATUS[e.kind] ?? 400, headers: { "content-type": "application/problem+json" }, body: JSON.stringify({ requestId: ctx.requestId, type: e.reason, detail }), code: e.reason };
    },
  };
}

let server: TestServer;
let app: FastifyInstance;
const knownKeys = new Map<string, { secretKey: string; caller: Caller }>();
let url: string;
const core = () => server.core;
const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
/** Steps taken by requests that carry an `x-trace` tag, in the order they ran. */
const trace: string[] = [];
const metrics = new Metrics();

before(async () => {
  server = await startServer("sqlite");
  app = Fastify();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
  const door = bearerDoor({
    WhoAmI: (ctx) => ({ uin: ctx.caller.accountUin }),
    Echo: async (_ctx, params: unknown) => ({ params }),
    Boom: () => {
      throw new Error("a secret detail the client must not see");
    },
    Limited: () => ({}),
    Trace: (_ctx, params: unknown) => {
      trace.push(`handle ${(params as { tag: string }).tag}`);
      return {};
    },
    TraceLater: async (_ctx, params: unknown) => {
      await new Promise((r) => setTimeout(r, 5));
      trace.push(`handle ${(params as { tag: string }).tag}`);
      return {};
    },
    BadStatus: () => ({ badStatus: 99 }),
    // Answers at once, but leaves 50 ms of work queued for the end of its turn, ahead of the turn's
    // batched answers: the answer goes out only after it.
    Crowded: () => {
      atTurnEnd(() => {
        const until = performance.now() + 50;
        while (performance.now() < until);
      });
      return {};
    },
  });
  const deps = {
    core: server.core,
    limiter: new RateLimiter({ enabled: true, defaultPerSecond: 100, perAction: { ...door.documentedRateLimits } }, () => server.core.clock.now()),
    log: {
      info: (obj: object, msg: string) => lines.push({ level: "info", obj: obj as Record<string, unknown>, msg }),
      error: (obj: object, msg: string) => lines.push({ level: "error", obj: obj as Record<string, unknown>, msg }),
    },
    observer: metrics.requestObserver,
    isClosing: () => false,
  };
  await app.register(doorPlugin({ door, deps, routes: [{ method: "POST", url: "/test/v1/:action" }], maxBodyBytes: 1024 }));
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  assert.ok(address && typeof address === "object");
  url = `http://127.0.0.1:${address.port}/test/v1`;
});

after(async () => {
  await app?.close();
  await server?.close();
});

const call = async (action: string, body?: unknown, token = `${server.root.secretId}:${server.root.secretKey}`) => {
  const res = await fetch(`${url}/${action}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

test("a bearer JSON door runs on the pipeline: success, sync and async handlers", async () => {
  const who = await call("WhoAmI");
  assert.equal(who.status, 200);
  assert.deepEqual(who.json.data, { uin: server.root.uin });
  const echo = await call("Echo", { a: [1, 2] });
  assert.deepEqual(echo.json.data, { params: { a: [1, 2] } });
});

test("authentication comes before routing, and each refusal is the door's own envelope", async () => {
  const r = await call("NoSuchAction", undefined, "AKIDnothing:wrong");
  assert.equal(r.status, 401);
  assert.equal(r.json.type, "auth.unknown_key");
  const unknown = await call("NoSuchAction");
  assert.equal(unknown.status, 400);
  assert.equal(unknown.json.type, "request.unknown_action");
});

test("admission applies the door's documented rate limits through the same step", async () => {
  const codes = [];
  for (let i = 0; i < 6; i++) codes.push((await call("Limited")).status);
  // Six calls take a few milliseconds, so they fall in at most two one-second windows of 2 calls each.
  assert.ok(codes.filter((c) => c === 429).length >= 2, `calls over the limit are refused: ${codes.join(",")}`);
  assert.equal(codes[0], 200);
});

test("an unexpected error is rendered as an internal error, logged with its cause, never shown", async () => {
  const r = await call("Boom");
  assert.equal(r.status, 500);
  assert.equal(r.json.detail, "internal error");
  assert.ok(!JSON.stringify(r.json).includes("secret detail"));
  const line = lines.find((l) => l.obj.requestId === r.json.requestId);
  assert.ok(line, "the failed request has its log line");
  assert.equal(line.level, "error");
  assert.match(String((line.obj.err as Error).message), /secret detail/);
});

test("one log line and one metric per request, whatever its outcome", async () => {
  const before = lines.length;
  const ok = await call("WhoAmI");
  const refused = await call("WhoAmI", undefined, "AKIDnothing:wrong");
  const mine = lines.slice(before);
  assert.equal(mine.length, 2);
  assert.deepEqual(
    mine.map((l) => [l.obj.requestId, l.obj.door, l.obj.code]),
    [
      [ok.json.requestId, "test", "OK"],
      [refused.json.requestId, "test", "auth.unknown_key"],
    ],
  );
  const text = await metrics.registry.metrics();
  assert.match(text, /opencic_requests_total\{door="test",action="WhoAmI",code="OK"\} [1-9]/);
  // Refused before routing: no action is named.
  assert.match(text, /opencic_requests_total\{door="test",action="-",code="auth.unknown_key"\} [1-9]/);
  assert.match(text, /opencic_request_duration_seconds_count\{door="test",action="WhoAmI"\} [1-9]/);
});

test("a request is reported when its answer is written, so the wait for the turn's batch of answers is in its latency", async () => {
  const r = await call("Crowded");
  assert.equal(r.status, 200);
  const line = lines.find((l) => l.obj.requestId === r.json.requestId);
  assert.ok(line, "the request has its log line");
  // The answer waited behind 50 ms of the turn's work; reported when queued, it would show about 0.
  assert.ok((line.obj.ms as number) >= 50, `logged ${String(line.obj.ms)} ms`);
  const text = await metrics.registry.metrics();
  const sum = Number(/opencic_request_duration_seconds_sum\{door="test",action="Crowded"\} ([\d.e-]+)/.exec(text)?.[1]);
  assert.ok(sum >= 0.05, `the latency histogram has ${sum} s`);
});

test("the requests of one turn go through the steps together, each step in arrival order; a refusal or a wait leaves the others alone", async () => {
  const token = `${server.root.secretId}:${server.root.secretKey}`;
  await call("WhoAmI"); // the key is known from here on: authentication answers at once
  const inject = (action: string, tag: string, authorization = `Bearer ${token}`) =>
    app.inject({ method: "POST", url: `/test/v1/${action}`, headers: { authorization, "content-type": "application/json", "x-trace": tag }, payload: JSON.stringify({ tag }) });
  trace.length = 0;
  const answers = await Promise.all([inject("Trace", "a"), inject("TraceLater", "b"), inject("Trace", "c", "Basic nope"), inject("Trace", "d")]);
  assert.deepEqual(
    answers.map((a) => a.statusCode),
    [200, 200, 401, 200],
  );
  // Every request authenticated before any handler ran; the handlers ran in arrival order; the one that
  // waited finished on its own; the refused one never reached its handler.
  assert.deepEqual(trace, ["authenticate a", "authenticate b", "authenticate c", "authenticate d", "handle a", "handle d", "handle b"]);
});

test("an answer that cannot be written fails its own request as an internal error; the turn's other requests are answered", async () => {
  const token = `${server.root.secretId}:${server.root.secretKey}`;
  await call("WhoAmI"); // the key is known from here on: both requests take the turn's synchronous path
  const inject = (action: string) => app.inject({ method: "POST", url: `/test/v1/${action}`, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, payload: "{}" });
  const [bad, good] = await Promise.all([inject("BadStatus"), inject("WhoAmI")]);
  assert.equal(bad.statusCode, 500);
  assert.equal(bad.json().detail, "internal error");
  assert.equal(good.statusCode, 200);
  const line = lines.find((l) => l.obj.requestId === bad.json().requestId);
  assert.equal(line?.level, "error", "the failed answer is logged with its cause");
});
