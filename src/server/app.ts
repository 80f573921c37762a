/**
 * Builds the HTTP server: health check, metrics, raw-body parsing (signatures need the exact bytes),
 * one encapsulated plugin per door, each running the one pipeline (pipeline.ts) over its codec, and
 * the web console's page and assets (console.ts).
 */
import { createServer, type IncomingMessage } from "node:http";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions, LogController } from "fastify";
import type { Core } from "../core/index.js";
import { aliyunDoor } from "../dialects/aliyun/door.js";
import { nativeDoor } from "../dialects/native/door.js";
import { type ScimOptions, scimDoor } from "../dialects/scim/door.js";
import { tencentDoor } from "../dialects/tencent/door.js";
import { findConsoleDir, registerConsole } from "./console.js";
import type { Door, DoorAction } from "./door.js";
import { afterBody, doorPlugin, earlyError } from "./door-plugin.js";
import { Metrics } from "./metrics.js";
import { type DoorHandlers, pathOf, type RequestLog, rawQueryOf } from "./pipeline.js";
import { RateLimiter, type RateLimitConfig } from "./rate-limit.js";

export interface AppOptions {
  core: Core;
  /** Server-wide settings (OPENCIC_RATE_LIMITS); each door's documented per-action limits apply beneath them. */
  rateLimits: RateLimitConfig;
  /** Largest request body accepted (Tencent documents 10 MB for TC3 POST). */
  maxBodyBytes?: number;
  logger?: FastifyServerOptions["logger"];
  metrics?: Metrics;
  /** The SCIM door's settings (its per-credential rate limit is in `rateLimits`, counter `SCIM`). */
  scim?: ScimOptions;
  /** The built web console's folder (default: dist/console, when built); false serves none. */
  consoleDir?: string | false;
}

/** How long an idle keep-alive connection stays open: fastify's own default, well above any SDK's poll interval. */
export const KEEP_ALIVE_TIMEOUT_MS = 72_000;

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const maxBodyBytes = opts.maxBodyBytes ?? 10 * 1024 * 1024;
  const app = Fastify({
    logger: opts.logger ?? false,
    // The pipeline logs one line per API call itself, with the door, action, caller and result.
    logController: new LogController({ disableRequestLogging: true }),
    // Lines carry the RequestId the client sees; fastify's per-request child logger would add its own
    // "req-N" id, which no client knows, at the cost of a logger object per request.
    childLoggerFactory: (logger) => logger,
    bodyLimit: maxBodyBytes,
    // While the server closes, requests that still arrive on open connections are answered (with
    // `Connection: close`), not given fastify's bare 503.
    return503OnClosing: false,
    // A URL fastify cannot decode never reaches a route: the door it was meant for answers in its own envelope.
    frameworkErrors: (err, req, reply) => {
      const refusal = earlyError(err, maxBodyBytes);
      return refuseFramework(req, reply, refusal);
    },
    // Node's default 16 KB header cap would cut GET requests off below the documented 32 KB query size,
    // and a request line over the cap gets Node's bare 431 instead of a door's own error: so a query
    // up to 1 MiB reaches the door, which answers one over 32 KB with its too-large error. fastify sets
    // its 72 s keep-alive only on a server it makes itself; Node's own 5 s would race clients that
    // poll every 5 s or so (Alibaba's Terraform provider does).
    serverFactory: (handler) => {
      const server = createServer({ maxHeaderSize: 1024 * 1024 }, handler);
      server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
      return server;
    },
  });

  let refuseFramework: (req: FastifyRequest, reply: FastifyReply, err: ReturnType<typeof earlyError>) => void = (_req, reply) => void reply.code(400).send();
  let closing = false;
  app.addHook("preClose", (done) => {
    closing = true;
    done();
  });

  // Every body is kept as raw bytes: signatures are computed over them, and each door parses its own formats.
  // The types the clouds' clients send are named as well as caught by "*": fastify remembers the parser
  // for a named type, where a "*" match parses the Content-Type header again on every request.
  app.removeAllContentTypeParsers();
  const keepRawBody = (_req: unknown, body: Buffer | string, done: (err: null, body: Buffer | string) => void) => done(null, body);
  app.addContentTypeParser(["application/json", "application/x-www-form-urlencoded"], { parseAs: "buffer" }, keepRawBody);
  app.addContentTypeParser("*", { parseAs: "buffer" }, keepRawBody);

  app.get("/healthz", async () => ({ status: "ok" }));
  const metrics = opts.metrics ?? new Metrics();
  metrics.route(app);
  const unbind = metrics.bindEngine(opts.core);
  app.addHook("onClose", (_app, done) => {
    unbind();
    done();
  });

  // Tencent first: it is also the door for a request no door recognizes (its errors name what is missing).
  const tencent = tencentDoor(opts.core);
  const aliyun = aliyunDoor(opts.core);
  const scim = scimDoor(opts.core, opts.scim);
  const native = nativeDoor(opts.core);
  const doors: Pick<Door, "name" | "recognizes">[] = [tencent, aliyun];
  const log: RequestLog = app.log;
  const now = () => opts.core.clock.now();

  // Both vendors' doors answer on `/`: the route constraint `wire` picks the door from the headers and
  // query string. A request they do not tell apart (parameters only in a form body) reaches the
  // fallback route below, which looks at the body once it is read.
  app.addConstraintStrategy({
    name: "wire",
    storage() {
      const handlers = new Map<string, unknown>();
      return { get: (door: string) => (handlers.get(door) ?? null) as never, set: (door: string, store: unknown) => void handlers.set(door, store) };
    },
    deriveConstraint: (req: IncomingMessage) => {
      const url = req.url ?? "/";
      const raw = { method: req.method ?? "GET", path: pathOf(url), headers: req.headers, rawQuery: rawQueryOf(url), body: undefined };
      return doors.find((d) => d.recognizes(raw))?.name;
    },
    mustMatchWhenDerived: false,
  });

  const handlers = new Map<string, DoorHandlers>();
  const registerDoor = async <A extends DoorAction, W>(door: Door<A, W>) => {
    // One limiter per door: the same action name in two doors (GetUser) is two APIs with their own counts.
    const limiter = new RateLimiter({ ...opts.rateLimits, perAction: { ...door.documentedRateLimits, ...opts.rateLimits.perAction } }, now);
    // An emulator's reset or restore forgets the counts: the state they counted against is gone.
    const forget = opts.core.emulator?.onStateReplaced(() => limiter.reset());
    if (forget) app.addHook("onClose", (_app, done) => {
      forget();
      done();
    });
    const deps = {
      core: opts.core,
      limiter,
      log,
      observer: metrics.requestObserver,
      isClosing: () => closing,
    };
    // A door with its own paths is routed by them; the vendors' doors share `/` and the `wire` constraint.
    const routes = door.paths
      ? door.paths.map((p) => ({ method: p.methods, url: p.url }))
      : (["POST", "GET"] as const).map((method) => ({ method, url: "/", constraints: { wire: door.name } }));
    const bodyLimit = Math.min(maxBodyBytes, door.maxBodyBytes ?? maxBodyBytes);
    await app.register(doorPlugin({ door, deps, routes, maxBodyBytes: bodyLimit, onReady: (h) => handlers.set(door.name, h) }));
  };
  await registerDoor(tencent);
  await registerDoor(aliyun);
  await registerDoor(scim);
  await registerDoor(native);

  const doorFor = (req: FastifyRequest): DoorHandlers => {
    const url = req.raw.url ?? "/";
    const raw = { method: req.method, path: pathOf(url), headers: req.headers, rawQuery: rawQueryOf(url), body: Buffer.isBuffer(req.body) ? req.body : undefined };
    return handlers.get(([scim, native, ...doors].find((d) => d.recognizes(raw)) ?? doors[0]!).name)!;
  };
  refuseFramework = (req, reply, err) => doorFor(req).refuseEarly(req, reply, err);
  const fallback = (req: FastifyRequest, reply: FastifyReply) => doorFor(req).handle(req, reply);
  app.post("/", fallback);
  const consoleDir = opts.consoleDir ?? findConsoleDir();
  const sendConsole = consoleDir ? await registerConsole(app, consoleDir) : undefined;
  // A GET of `/` with no query names no vendor action: it is a browser asking for the console.
  app.get("/", (req, reply) => (sendConsole && req.raw.url === "/" ? sendConsole(reply) : fallback(req, reply)));
  app.setErrorHandler((err: { code?: string; statusCode?: number }, req, reply) => {
    const refusal = earlyError(err, maxBodyBytes);
    if (refusal.reason === "internal") app.log.error({ err }, "unhandled error");
    return afterBody(req, () => doorFor(req).refuseEarly(req, reply, refusal));
  });

  return app;
}
