/**
 * A front door speaks one vendor's wire protocol on `/`. The server asks each one in turn
 * whether it recognizes a request; the first that does owns it, from parsing to rendering.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Caller, Core } from "../core/index.js";
import { CoreError } from "../core/errors.js";
import type { RateLimiter } from "../core/rate-limit.js";

export interface FrontDoor {
  name: string;
  recognizes(req: FastifyRequest): boolean;
  /** Answers the request; a promise while the answer is on its way, nothing when it was sent at once. */
  handle(req: FastifyRequest, reply: FastifyReply): void | Promise<void>;
  /** Renders errors raised before the front door ran (body too large, unparseable content type). */
  renderEarlyError(req: FastifyRequest, reply: FastifyReply, err: CoreError): Promise<void> | void;
}

/** What every front door is built with. */
export interface FrontDoorOptions {
  core: Core;
  /** The door's own counters: the same action name in two dialects (GetUser) is two different APIs. */
  limiter: RateLimiter;
  /** Allowed distance between a request's timestamp and the server clock (Tencent 300 s, Alibaba 15 min). */
  maxSkewSeconds?: number;
  /** Query strings above this size get the door's too-large error. */
  maxQueryBytes?: number;
}

/** The steps every dialect runs once it knows who is calling: authorization, then the rate limit. */
export function admit(core: Core, limiter: RateLimiter, caller: Caller, action: string): void {
  core.authorize(caller, action);
  if (!limiter.take(caller.accountUin, action)) {
    throw new CoreError("throttled", `Request rate for ${action} exceeds ${limiter.limitFor(action)} per second for this account.`);
  }
}
