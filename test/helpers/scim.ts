/**
 * SCIM tests' helpers: a tenant with an organization, an open directory whose synchronization is on,
 * and a SCIM credential; requests over real HTTP with node's fetch, answers as status, headers and JSON.
 */
import assert from "node:assert/strict";
import type { Caller } from "../../src/core/index.js";
import type { TestServer } from "./harness.js";

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";

export interface Tenant {
  caller: Caller;
  directoryId: string;
  token: string;
  credentialId: string;
  /** Sends a SCIM request with this tenant's token (unless `token` says otherwise). */
  scim: Scim;
}

export interface ScimAnswer {
  status: number;
  headers: Headers;
  /** The parsed JSON body; undefined when there is none. */
  body: any;
  text: string;
}

export type Scim = (method: string, path: string, body?: unknown, opts?: { token?: string | null; headers?: Record<string, string>; raw?: string }) => Promise<ScimAnswer>;

export function scimClient(server: Pick<TestServer, "endpoint">, token: string | null): Scim {
  return async (method, path, body, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    const t = opts.token === undefined ? token : opts.token;
    if (t !== null) headers.authorization = `Bearer ${t}`;
    let payload: string | undefined = opts.raw;
    if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["content-type"] = "application/scim+json";
    const res = await fetch(`http://${server.endpoint}/scim/v2${path}`, { method, headers, body: payload });
    const text = await res.text();
    let parsed: unknown;
    if (text !== "") {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
}

let n = 0;

/** A new root account with an organization, an open directory (synchronization on) and one SCIM credential. */
export async function newTenant(server: TestServer, opts: { sync?: boolean } = {}): Promise<Tenant> {
  const root = await server.newRoot(`scim-tenant-${++n}-${Math.random().toString(36).slice(2, 8)}`);
  const caller: Caller = { accountUin: root.uin, principalUin: root.uin, isSubUser: false };
  const { core } = server;
  await core.organizations.create(caller);
  const dir = await core.directories.open(caller, `scim-${Math.random().toString(36).slice(2, 12)}`);
  if (opts.sync !== false) await core.scimCredentials.setSyncStatus(caller, dir.directoryId, "Enabled");
  const { credential, secret } = await core.scimCredentials.create(caller, dir.directoryId);
  return { caller, directoryId: dir.directoryId, token: secret, credentialId: credential.credentialId, scim: scimClient(server, secret) };
}

/** Asserts a SCIM error answer: the status, the RFC error body, and the scimType when one is given. */
export function assertScimError(a: ScimAnswer, status: number, scimType?: string): void {
  assert.equal(a.status, status, `expected ${status}, got ${a.status}: ${a.text}`);
  assert.match(a.headers.get("content-type") ?? "", /^application\/scim\+json/);
  assert.deepEqual(a.body.schemas, [ERROR]);
  assert.equal(a.body.status, String(status));
  if (scimType !== undefined) assert.equal(a.body.scimType, scimType, a.text);
  assert.equal(typeof a.body.detail, "string");
}

export const newUser = (userName: string, extra: Record<string, unknown> = {}): Record<string, any> => ({ schemas: [USER_SCHEMA], userName, ...extra });
export const newGroup = (displayName: string, extra: Record<string, unknown> = {}): Record<string, any> => ({ schemas: [GROUP_SCHEMA], displayName, ...extra });
export const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });
