/**
 * The console's only backend: the native admin API (/api/v1). The session lives in an HttpOnly
 * cookie the page cannot read; the page keeps only the session's anti-forgery token, in memory, and
 * sends it on every change. Refusals arrive as problem details; their `detail` is what is shown.
 */
import type { components, operations } from "./generated/native-api";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

let csrfToken: string | undefined;
let onSignedOut: () => void = () => {};

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when the API says the session is gone (expired, signed out elsewhere, key disabled). */
export function whenSignedOut(f: () => void): void {
  onSignedOut = f;
}

export type Query = Record<string, string | number | undefined>;

export async function api<T = unknown>(method: string, path: string, opts: { body?: unknown; query?: Query } = {}): Promise<T> {
  const url = new URL(`/api/v1${path}`, window.location.origin);
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== "") url.searchParams.set(k, String(v));
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken !== undefined) headers["x-csrf-token"] = csrfToken;
  const res = await fetch(url, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), credentials: "same-origin" });
  const text = await res.text();
  const data = text === "" ? undefined : (JSON.parse(text) as unknown);
  if (!res.ok) {
    const p = (data ?? {}) as { detail?: string; reason?: string; field?: string };
    if (res.status === 401 && path !== "/session") onSignedOut();
    throw new ApiError(p.detail ?? res.statusText, res.status, p.reason ?? "unknown", p.field);
  }
  return data as T;
}

/**
 * The API's types, as its OpenAPI document declares them (generated/native-api.ts, made by
 * `npm run generate:console` from the route tables the server validates and answers with): the console
 * reads only what the API sends. Only the list envelope is written here, once for every list.
 */
type Schemas = components["schemas"];
/** What an operation answers on success. */
type Answer<Op extends keyof operations, Status extends number> = operations[Op]["responses"] extends Record<Status, { content: { "application/json": infer T } }> ? T : never;

export interface Page<T> {
  items: T[];
  totalCount: number;
  nextToken?: string;
}

export type Session = Answer<"SignIn", 201>;
export type Member = Schemas["Member"];
export type Organization = Schemas["Organization"];
export type Directory = Schemas["Directory"];
export type DirectoryStatistics = Schemas["DirectoryStatistics"];
export type Principal = Schemas["Provisioning"]["principal"];
export type SubUser = Schemas["SubUser"];
export type User = Schemas["User"];
export type Group = Schemas["Group"];
export type Progress = Schemas["Progress"];
export type Provisioning = Schemas["Provisioning"];
export type ProvisioningTask = Schemas["ProvisioningTask"];
export type Failure = Schemas["Failure"];
export type QueueStats = Schemas["QueueStats"];
export type Key = Schemas["Key"];
export type AccessPolicy = Schemas["AccessPolicy"];
export type AccessConfiguration = Schemas["AccessConfiguration"];
export type Assignment = Schemas["Assignment"];
export type Deployment = Schemas["Deployment"];
export type AccessTask = Schemas["AccessTask"];
export type ScimCredential = Schemas["ScimCredential"];
export type PlannedOperation = Schemas["PlannedOperation"];
export type PlannedOpKind = PlannedOperation["op"];
export type ProvisioningPlan = Schemas["ProvisioningPlan"];
export type Plan = Schemas["Plan"];
export type HeldDeletions = Schemas["HeldDeletions"];
export type TimelineDecision = Schemas["TimelineDecision"];

/** The organization's member accounts, as every view asks for them: one cached request shared by all. */
export const membersQuery = { queryKey: ["members"], queryFn: () => api<Page<Member>>("GET", "/organization/members") };
