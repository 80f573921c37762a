/**
 * A door is one wire protocol's codec: how its requests are recognized, authenticated, routed to an
 * action, decoded, and how answers and errors are written. The pipeline (pipeline.ts) runs the same
 * steps in the same order for every door; a door supplies only these translations.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { Caller, Core } from "../core/index.js";
import type { MaybePromise } from "../lib/maybe-promise.js";
import type { RequestContext } from "./context.js";

/** What a request looks like before anything is decoded: enough to tell which door it is for. */
export interface RawRequest {
  method: string;
  /** The URL's path, without the query string. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The query string exactly as sent (signatures cover it, so it is never re-encoded). */
  rawQuery: string;
  /** The body's raw bytes; undefined while the route is being chosen (the body is not read yet). */
  body: Buffer | undefined;
  /** The client's address (rate limits by address, such as console sign-in, count by it). */
  remoteAddress?: string;
  /** Whether the request came over TLS (cookies are then marked Secure). */
  encrypted?: boolean;
}

/** Who signed the request, the nonce to record when the protocol has one, and what the door read on the way. */
export interface Authenticated<W = unknown> {
  caller: Caller;
  /** The pipeline records (keyId, nonce) until expiresAt; a second use is refused (auth.nonce_used). */
  replay?: { keyId: string; nonce: string; expiresAt: number };
  /** The door's own reading of the request (action name, parameters), kept for its later steps. */
  wire: W;
}

/** What every action handler gets, whichever door called it. */
export interface ActionContext {
  core: Core;
  caller: Caller;
  requestId: string;
}

/** An action the request named, resolved by the door (product tables, the SDK's specs). */
export interface DoorAction {
  /** The wire action name: rate limits, logs and metrics count by it. */
  readonly name: string;
  readonly product: string;
  /** Never delayed or failed by emulator fault rules (the emulator's own control routes). */
  readonly faultExempt?: boolean;
  run(ctx: ActionContext, params: never): MaybePromise<object>;
}

/** An answer ready for the socket. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  /** Undefined for an answer without a body (204, 304). */
  body: string | undefined;
  /** "OK", or the wire error code: what the request's log line and metrics record. */
  code: string;
}

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Paths a door serves on its own (a protocol with its own URL space), with the methods it takes there. */
export interface DoorPath {
  url: string;
  methods: readonly HttpMethod[];
}

/** What a request is counted under for rate limits: a subject (an account, a credential) and the counter's name. */
export interface RateLimitKey {
  subject: string | number;
  counter: string;
  /** What the subject is, for the refusal's message ("account", "credential"). */
  holder: string;
}

export interface Door<A extends DoorAction = DoorAction, W = unknown> {
  readonly name: string;
  /**
   * The paths the door serves. Absent: the vendors' shared `/` (GET and POST), where the door is
   * told apart from the others by `recognizes`.
   */
  readonly paths?: readonly DoorPath[];
  /** The largest body the door takes, when it is less than the server's. */
  readonly maxBodyBytes?: number;
  /** The rate-limit key of a request; absent: the caller's account and the action's name. */
  rateLimitKey?(ctx: RequestContext<W>, action: A): RateLimitKey;
  /** Requests per second per rate-limit subject for the counters (actions) with a documented limit; others get the default. */
  readonly documentedRateLimits: Readonly<Record<string, number>>;
  /** Query strings longer than this (bytes) get the door's too-large error. */
  readonly maxQueryBytes: number;
  /** Whether the request speaks this door's protocol; asked with and without the body. */
  recognizes(req: RawRequest): boolean;
  newRequestId(): string;
  /** Signature, timestamp window and key; a promise only when the key must be read from the store. */
  authenticate(ctx: RequestContext<W>): MaybePromise<Authenticated<W>>;
  /** The action the request names (unknown versions and actions are refused here). */
  route(ctx: RequestContext<W>): A;
  /** The action's parameters, checked against its spec. */
  decode(ctx: RequestContext<W>, action: A): unknown;
  encode(ctx: RequestContext<W>, action: A, payload: object): Answer;
  /** Any error at any step, as the door's error envelope; `action` is known once the route step ran. */
  encodeError(ctx: RequestContext<W>, err: unknown, action: A | undefined): Answer;
}
