/**
 * The one table that turns neutral core reasons into the native API's HTTP statuses, and every error
 * into RFC 9457 problem details (`application/problem+json`): `type`, `title`, `status`, `detail`,
 * and OpenCIC's own `reason` (the core's reason, or the door's for a protocol error) and `field`.
 */
import { CoreError, type ErrorKind, type Reason } from "../../core/errors.js";

/** A refusal the door itself makes (no such route, method, media type, key): a status and a reason of its own. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "ProblemError";
  }
}

/** By kind, unless the reason has its own row below. */
const BY_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  // A quota or cap is reached: the request conflicts with the state it would change.
  limit: 409,
  forbidden: 403,
  throttled: 429,
  auth: 401,
  internal: 500,
};

/** Reasons whose status differs from their kind's (typed, so a renamed reason cannot silently fall back). */
const BY_REASON: Readonly<Partial<Record<Reason, number>>> = {
  "request.too_large": 413,
  "request.unknown_action": 404,
  "request.unsupported_action": 404,
};

const TITLES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  // Statuses only an emulator fault rule answers with.
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  reason: string;
  field?: string;
  /** The id of the request, as the log line has it. */
  requestId: string;
}

/** The problem's `type`: one URI per reason, so a client can tell problems apart without reading `detail`. */
export const problemType = (reason: string) => `urn:opencic:problem:${reason}`;

/** Any error as problem details; anything unexpected is an internal error whose detail says nothing. */
export function toProblem(err: unknown, requestId: string): Problem {
  let status = 500;
  let reason = "internal";
  let detail = "internal error";
  let field: string | undefined;
  if (err instanceof ProblemError) {
    ({ status, reason, field } = err);
    detail = err.message;
  } else if (err instanceof CoreError && err.wire) {
    // An emulator fault's own code and status: the code is the problem's reason (and type).
    ({ status, code: reason } = err.wire);
    detail = err.message;
  } else if (err instanceof CoreError && err.reason !== "internal") {
    status = BY_REASON[err.reason] ?? BY_KIND[err.kind];
    reason = err.reason;
    detail = err.message;
    field = err.field;
  }
  const problem: Problem = { type: problemType(reason), title: TITLES[status] ?? "Error", status, detail, reason, requestId };
  if (field !== undefined) problem.field = field;
  return problem;
}
