/**
 * Raw Alibaba requests signed by the official @alicloud/openapi-util signers, for what no client
 * call can express (replays, tampering, malformed timestamps), and a `rejects` that also proves a
 * refused request changed nothing.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import OpenApiUtilModule from "@alicloud/openapi-util";
import { type AliyunError, expectAliyunError, VERSIONS, type AliyunProduct } from "../helpers/aliyun.js";
import { type Key, snapshot, type TestServer } from "../helpers/harness.js";

const OpenApiUtil = (OpenApiUtilModule.default ?? OpenApiUtilModule) as typeof OpenApiUtilModule.default;

export interface RawResponse {
  status: number;
  json: any;
  headers: Headers;
}

export interface RawRequest {
  url: string;
  init: RequestInit;
}

export const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
export const newNonce = () => randomBytes(16).toString("hex");

export interface V1Options {
  method?: "POST" | "GET";
  /** Parameters (common and business) in a form body instead of the query (pop-core / Terraform). */
  inBody?: boolean;
  version?: string;
  timestamp?: string;
  nonce?: string;
  /** Terraform's shape: these parameters go in a form body, the common ones stay in the query; all are signed. */
  form?: Record<string, string>;
  /** Overrides applied after signing (tampering). */
  after?: Record<string, string>;
  secret?: string;
}

/** A V1 (HMAC-SHA1) request exactly as the RPC clients build it, signed with openapi-util's getRPCSignature. */
export function v1Request(server: TestServer, key: Key, product: AliyunProduct, action: string, params: Record<string, string>, o: V1Options = {}): RawRequest {
  const method = o.method ?? "POST";
  const all: Record<string, string> = {
    Action: action,
    Version: o.version ?? VERSIONS[product],
    Format: "JSON",
    Timestamp: o.timestamp ?? isoSeconds(Date.now()),
    SignatureNonce: o.nonce ?? newNonce(),
    SignatureMethod: "HMAC-SHA1",
    SignatureVersion: "1.0",
    AccessKeyId: key.secretId,
    ...params,
  };
  all.Signature = OpenApiUtil.getRPCSignature({ ...all, ...o.form }, method, o.secret ?? key.secretKey);
  Object.assign(all, o.after);
  if (o.form) {
    // Go's url.Values writes a space as "+".
    const body = new URLSearchParams(o.form).toString();
    return { url: `${server.url}?${new URLSearchParams(all)}`, init: { method, headers: { "content-type": "application/x-www-form-urlencoded" }, body } };
  }
  const encoded = new URLSearchParams(all).toString();
  if (o.inBody && method === "POST") {
    // pop-core also names the action and version in headers (they are not signed in V1).
    const headers = { "content-type": "application/x-www-form-urlencoded", "x-acs-action": action, "x-acs-version": all.Version! };
    return { url: server.url, init: { method, headers, body: encoded } };
  }
  return { url: `${server.url}?${encoded}`, init: { method } };
}

export interface V3Options {
  method?: "POST" | "GET";
  version?: string;
  date?: string;
  nonce?: string;
  /** Form body (signed through its hash). */
  body?: string;
  contentType?: string;
  /** Send this body instead of the signed one (tampering). */
  sentBody?: string;
  /** Headers changed after signing. */
  after?: Record<string, string>;
  secret?: string;
}

/** A V3 (ACS3-HMAC-SHA256) request as openapi-client builds it, signed with openapi-util's getAuthorization. */
export function v3Request(server: TestServer, key: Key, product: AliyunProduct, action: string, query: Record<string, string>, o: V3Options = {}): RawRequest {
  const method = o.method ?? "POST";
  const body = o.body ?? "";
  const headers: Record<string, string> = {
    host: server.endpoint,
    "x-acs-action": action,
    "x-acs-version": o.version ?? VERSIONS[product],
    "x-acs-date": o.date ?? isoSeconds(Date.now()),
    "x-acs-signature-nonce": o.nonce ?? newNonce(),
    "x-acs-content-sha256": createHash("sha256").update(body).digest("hex"),
  };
  if (body !== "" || o.contentType) headers["content-type"] = o.contentType ?? "application/x-www-form-urlencoded";
  const request = { pathname: "/", method, query, headers } as unknown as Parameters<typeof OpenApiUtil.getAuthorization>[0];
  headers.authorization = OpenApiUtil.getAuthorization(request, "ACS3-HMAC-SHA256", headers["x-acs-content-sha256"]!, key.secretId, o.secret ?? key.secretKey);
  const { host: _host, ...sent } = { ...headers, ...o.after };
  const qs = new URLSearchParams(query).toString();
  const sentBody = o.sentBody ?? body;
  return { url: qs ? `${server.url}?${qs}` : server.url, init: { method, headers: sent, body: method === "GET" || sentBody === "" ? undefined : sentBody } };
}

export async function send(r: RawRequest): Promise<RawResponse> {
  const res = await fetch(r.url, r.init);
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, json, headers: res.headers };
}

const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

/** Asserts a raw response is the Alibaba error envelope with exactly `code` and HTTP `status`. */
export function assertRawError(r: RawResponse, code: string, status: number): void {
  assert.equal(r.json?.Code, code, `expected ${code}, got ${JSON.stringify(r.json)}`);
  assert.equal(r.status, status, `expected HTTP ${status} for ${code}, got ${r.status}`);
  assert.match(String(r.json.RequestId), REQUEST_ID);
  assert.equal(typeof r.json.HostId, "string");
  assert.equal(typeof r.json.Message, "string");
  assert.ok(String(r.json.Recommend).includes(`q=${encodeURIComponent(code)}`));
  assert.match(r.headers.get("content-type") ?? "", /^application\/json/);
}

/** Asserts that `call` fails with exactly `code`/`status` and that the store is unchanged. */
export async function rejects(server: Pick<TestServer, "store">, code: string, status: number, call: () => Promise<unknown>, messageIncludes?: string): Promise<AliyunError> {
  const before = await snapshot(server.store);
  const err = await expectAliyunError(call(), code, status, messageIncludes);
  assert.equal(await snapshot(server.store), before, `a request rejected with ${code} changed the store`);
  return err;
}
