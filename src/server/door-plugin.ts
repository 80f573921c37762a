/**
 * A door as an encapsulated fastify plugin: its routes (chosen by the `wire` route constraint, see
 * app.ts), the pipeline over its codec, and its own error handler, so that a body fastify could not
 * read is refused in the door's own envelope.
 */
import type { FastifyPluginCallback, FastifyRequest, RouteShorthandOptions } from "fastify";
import { CoreError } from "../core/errors.js";
import type { Door, DoorAction, HttpMethod } from "./door.js";
import { type DoorHandlers, type PipelineDeps, pipeline } from "./pipeline.js";

export interface DoorRoute {
  method: HttpMethod | readonly HttpMethod[];
  url: string;
  constraints?: RouteShorthandOptions["constraints"];
}

export interface DoorPluginOptions<A extends DoorAction, W> {
  door: Door<A, W>;
  deps: PipelineDeps;
  routes: DoorRoute[];
  /** The body limit fastify enforces on the door's routes (and names in the too-large error). */
  maxBodyBytes: number;
  /** Receives the door's handlers (the wire-sniffing fallback route hands requests over with them). */
  onReady?: (handlers: DoorHandlers) => void;
}

export function doorPlugin<A extends DoorAction, W>(opts: DoorPluginOptions<A, W>): FastifyPluginCallback {
  return (app, _options, done) => {
    const handlers = pipeline(opts.door, opts.deps);
    for (const r of opts.routes) {
      app.route({ method: r.method as HttpMethod | HttpMethod[], url: r.url, constraints: r.constraints, bodyLimit: opts.maxBodyBytes, handler: handlers.handle });
    }
    app.setErrorHandler((err: { code?: string; statusCode?: number }, req, reply) => {
      const refusal = earlyError(err, opts.maxBodyBytes);
      if (refusal.reason === "internal") opts.deps.log.error({ err }, "unhandled error before the pipeline");
      return afterBody(req, () => handlers.refuseEarly(req, reply, refusal));
    });
    opts.onReady?.(handlers);
    done();
  };
}

/** A body over the limit is still read (and thrown away) up to this many bytes before the answer. */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Runs `answer` once the client has sent its whole body. fastify stops reading a body that is too
 * large and answers with `Connection: close`; a client still sending would then write into a closed
 * socket (EPIPE) and never read the answer. So the rest is read and discarded first, up to a bound.
 */
export function afterBody(req: FastifyRequest, answer: () => void): void | Promise<void> {
  const stream = req.raw;
  if (stream.complete || stream.destroyed) return answer();
  return new Promise<void>((resolve) => {
    let drained = 0;
    const finish = () => {
      stream.off("data", count);
      stream.off("end", finish);
      stream.off("error", finish);
      answer();
      resolve();
    };
    const count = (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > DRAIN_LIMIT_BYTES) finish();
    };
    stream.on("data", count);
    stream.once("end", finish);
    stream.once("error", finish);
    stream.resume();
  });
}

/** fastify's own errors before a handler runs, as neutral reasons. */
export function earlyError(err: { code?: string; statusCode?: number }, maxBodyBytes: number): CoreError {
  if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE") return new CoreError("request.too_large", `The request body exceeds ${maxBodyBytes} bytes.`);
  if (err.statusCode !== undefined && err.statusCode < 500) return new CoreError("request.invalid_type", "The request could not be read.");
  return new CoreError("internal", "internal error");
}
