/**
 * Builds the HTTP server: health check, raw-body parsing (signatures need the exact bytes),
 * and the vendor front doors on `/`.
 */
import { createServer } from "node:http";
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from "fastify";
import type { Core } from "../core/index.js";
import { CoreError } from "../core/errors.js";
import { RateLimiter, type RateLimitConfig } from "../core/rate-limit.js";
import { aliyunFrontDoor } from "../dialects/aliyun/front-door.js";
import { TENCENT_RATE_LIMITS, tencentFrontDoor } from "../dialects/tencent/front-door.js";
import type { FrontDoor } from "./front-door.js";

export interface AppOptions {
  core: Core;
  rateLimits: RateLimitConfig;
  /** Largest request body accepted (Tencent documents 10 MB for TC3 POST). */
  maxBodyBytes?: number;
  logger?: FastifyServerOptions["logger"];
}

export { TENCENT_RATE_LIMITS };

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const maxBodyBytes = opts.maxBodyBytes ?? 10 * 1024 * 1024;
  const app = Fastify({
    logger: opts.logger ?? false,
    // Front doors log one line per API call themselves, with the action and caller.
    logController: new LogController({ disableRequestLogging: true }),
    // Each door's lines carry the RequestId the client sees; fastify's per-request child logger would
    // add its own "req-N" id, which no client knows, at the cost of a logger object per request.
    childLoggerFactory: (logger) => logger,
    bodyLimit: maxBodyBytes,
    // Node's default 16 KB header cap would cut GET requests off below the documented 32 KB query size,
    // and a request line over the cap gets Node's bare 431 instead of a door's own error: so a query
    // up to 1 MiB reaches the door, which answers one over 32 KB with its too-large error.
    serverFactory: (handler) => createServer({ maxHeaderSize: 1024 * 1024 }, handler),
  });

  const now = () => opts.core.clock.now();
  // One limiter per dialect: the same action name in two dialects (GetUser) is two APIs with their own counts.
  const doors: FrontDoor[] = [
    tencentFrontDoor({ core: opts.core, limiter: new RateLimiter(opts.rateLimits, now) }),
    aliyunFrontDoor({ core: opts.core, limiter: new RateLimiter(opts.rateLimits, now) }),
  ];
  const fallback = doors[0]!;

  // Every body is kept as raw bytes: signatures are computed over them, and each front door parses its own formats.
  // The types the clouds' clients send are named as well as caught by "*": fastify remembers the parser
  // for a named type, where a "*" match parses the Content-Type header again on every request.
  app.removeAllContentTypeParsers();
  const keepRawBody = (_req: unknown, body: Buffer | string, done: (err: null, body: Buffer | string) => void) => done(null, body);
  app.addContentTypeParser(["application/json", "application/x-www-form-urlencoded"], { parseAs: "buffer" }, keepRawBody);
  app.addContentTypeParser("*", { parseAs: "buffer" }, keepRawBody);

  app.get("/healthz", async () => ({ status: "ok" }));

  const route = (req: Parameters<FrontDoor["handle"]>[0], reply: Parameters<FrontDoor["handle"]>[1]) => (doors.find((d) => d.recognizes(req)) ?? fallback).handle(req, reply);
  app.post("/", route);
  app.get("/", route);

  app.setErrorHandler(async (err: { code?: string; statusCode?: number }, req, reply) => {
    const door = doors.find((d) => d.recognizes(req)) ?? fallback;
    const early =
      err.code === "FST_ERR_CTP_BODY_TOO_LARGE"
        ? new CoreError("request.too_large", `The request body exceeds ${maxBodyBytes} bytes.`)
        : err.statusCode && err.statusCode < 500
          ? new CoreError("request.invalid_type", "The request could not be read.")
          : new CoreError("internal", "internal error");
    if (early.reason === "internal") req.log.error({ err }, "unhandled error");
    await door.renderEarlyError(req, reply, early);
  });

  return app;
}
