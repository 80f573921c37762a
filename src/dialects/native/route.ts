/**
 * What one native API route is: its method and path (below /api/v1), its name (the operation id,
 * which rate limits, logs and metrics count by), the schemas of its path parameters, query, body and
 * answer (written once: the door validates with them, openapi.ts documents them), and its handler,
 * which calls the core.
 */
import type { MaybePromise } from "../../lib/maybe-promise.js";
import type { ActionContext, HttpMethod } from "../../server/door.js";
import type { Schema } from "./schema.js";

export interface RouteInput<P = any, Q = any, B = any> {
  params: P;
  query: Q;
  body: B;
  /** What the console session routes need of the request itself. */
  client: ClientInfo;
}

export interface ClientInfo {
  /** The client's address ("" when unknown). */
  address: string;
  /** Whether the request came over TLS. */
  encrypted: boolean;
  /** The console session cookie's token, when the request carries one. */
  sessionToken: string | undefined;
  /** The `Sec-Fetch-Site` header a browser sends (`same-origin`, `cross-site`, …). */
  fetchSite: string | undefined;
}

/** A handler's answer that also sets headers (a session cookie). */
export class WithHeaders {
  constructor(
    readonly value: unknown,
    readonly headers: Readonly<Record<string, string>>,
  ) {}
}

/** A handler's answer when it is not JSON (the reference page and its assets). */
export interface RawBody {
  raw: string | Buffer;
  contentType: string;
}

export interface NativeRoute {
  method: HttpMethod;
  /** OpenAPI path template below /api/v1: `/directories/{directoryId}/users`. */
  path: string;
  name: string;
  summary: string;
  tag: string;
  /** False for what anyone may read (the OpenAPI document, the reference page). */
  auth?: boolean;
  params?: Schema;
  query?: Schema;
  body?: Schema;
  /** The success status and what it carries (none: 204). */
  response: { status: number; schema?: Schema; contentType?: string; description?: string };
  run(ctx: ActionContext, input: RouteInput): MaybePromise<unknown>;
}

/** Declares a route (typed input for the handler, no other effect). */
export const route = <P = any, Q = any, B = any>(r: Omit<NativeRoute, "run"> & { run(ctx: ActionContext, input: RouteInput<P, Q, B>): MaybePromise<unknown> }): NativeRoute => r as NativeRoute;

export const NATIVE_PREFIX = "/api/v1";
