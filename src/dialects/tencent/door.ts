/**
 * The Tencent Cloud API 3.0 codec: request shapes (TC3 JSON POST, TC3 GET, legacy HmacSHA1/HmacSHA256
 * form or query), signature checks, routing on X-TC-Action + X-TC-Version, and the `{"Response": …}`
 * envelope. Errors are HTTP 200 with Response.Error, as the SDK expects. The steps around these
 * translations (admission, logging, metrics) are the pipeline's (server/pipeline.ts).
 */
import { randomUUID } from "node:crypto";
import type { ResolvedCredential } from "../../core/accounts.js";
import type { Core } from "../../core/index.js";
import { CoreError } from "../../core/errors.js";
import type { MaybePromise } from "../../lib/maybe-promise.js";
import type { RequestContext } from "../../server/context.js";
import type { Answer, Authenticated, Door, DoorAction, RawRequest } from "../../server/door.js";
import type { ActionTable, Handler } from "./action.js";
import { camActions } from "./actions/cam.js";
import { camRoleActions } from "./actions/cam-roles.js";
import { identityCenterActions } from "./actions/identity-center.js";
import { organizationActions } from "./actions/organization.js";
import { roleAssignmentActions } from "./actions/role-assignments.js";
import { roleConfigurationActions } from "./actions/role-configurations.js";
import { userSyncActions } from "./actions/user-sync.js";
import { toTencentError } from "./errors.js";
import { type ActionSpec, actionSpec, checkParams, productForVersion, unflatten } from "./params.js";
import { responseSerializer } from "./responses.js";
import { hostVariants, type LegacyMethod, legacySignature, parseTc3Authorization, safeEqual, type Tc3Authorization, tc3Verify, utcDate } from "./signature.js";

const ACTIONS: Record<string, ActionTable> = { organization: { ...organizationActions, ...identityCenterActions, ...userSyncActions, ...roleConfigurationActions, ...roleAssignmentActions }, cam: { ...camActions, ...camRoleActions } };

/** Documented per-action limits (requests per second per account); everything else is 20/s. */
export const TENCENT_RATE_LIMITS: Record<string, number> = {
  GetProvisioningTaskStatus: 220,
  GetTaskStatus: 220,
  DescribeOrganization: 40,
};

/** Common parameters of the legacy signature, which are not action parameters. */
const LEGACY_COMMON = new Set(["Action", "Version", "Region", "Timestamp", "Nonce", "SecretId", "Signature", "SignatureMethod", "Token", "Language", "RequestClient"]);

/** What the request named, read while authenticating it. */
interface TencentWire {
  action: string | undefined;
  version: string | undefined;
  params: Record<string, unknown>;
}

/** An action of the SDK that OpenCIC serves: its handler, request spec and answer serializer. */
interface TencentAction extends DoorAction {
  spec: ActionSpec;
  serialize: (payload: object) => string;
  fieldNames: Record<string, string> | undefined;
  codes: Handler["codes"];
}

export interface TencentOptions {
  /** Allowed distance between a request's timestamp and the server clock (Tencent documents 300 s). */
  maxSkewSeconds?: number;
  maxQueryBytes?: number;
}

const JSON_TYPE = "application/json; charset=utf-8";
const PLAIN_HEADERS: Readonly<Record<string, string>> = Object.freeze({ "content-type": JSON_TYPE });

export function tencentDoor(core: Core, opts: TencentOptions = {}): Door<TencentAction, TencentWire> {
  const maxSkew = opts.maxSkewSeconds ?? 300;
  /** Resolved once per action: every request for it then finds the same object. */
  const resolved = new Map<string, TencentAction>();

  function checkTimestamp(raw: string | undefined, name: string): number {
    if (raw === undefined || !/^\d{1,12}$/.test(raw)) throw new CoreError("auth.malformed", `${name} must be a Unix timestamp in seconds.`);
    const ts = Number(raw);
    if (Math.abs(core.clock.now() / 1000 - ts) > maxSkew) {
      throw new CoreError("auth.expired", `Signature expired: the request timestamp ${ts} is more than ${maxSkew} seconds from server time.`);
    }
    return ts;
  }

  async function resolveKey(secretId: string): Promise<ResolvedCredential> {
    const cred = await core.accounts.resolve(secretId);
    if (!cred) throw new CoreError("auth.unknown_key", "The SecretId is not found, please ensure that your SecretId is correct.");
    return cred;
  }

  /** TC3. Everything but the key lookup is synchronous, and the lookup waits only when the key is not fresh in the accounts cache. */
  function authenticateTc3(ctx: RequestContext<TencentWire>): MaybePromise<Authenticated<TencentWire>> {
    const auth = parseTc3Authorization(ctx.header("authorization"));
    if (!auth) throw new CoreError("auth.malformed", "The Authorization header is malformed or not in TC3-HMAC-SHA256 format.");
    const ts = checkTimestamp(ctx.header("x-tc-timestamp"), "X-TC-Timestamp");
    const cached = core.accounts.cached(auth.secretId);
    if (cached) return verifyTc3(ctx, auth, ts, cached);
    return resolveKey(auth.secretId).then((cred) => verifyTc3(ctx, auth, ts, cred));
  }

  function verifyTc3(ctx: RequestContext<TencentWire>, auth: Tc3Authorization, ts: number, cred: ResolvedCredential): Authenticated<TencentWire> {
    const mismatch = () => new CoreError("auth.bad_signature", "The provided credentials could not be validated. Please check your signature is correct.");
    if (!auth.signedHeaders.includes("content-type") || !auth.signedHeaders.includes("host")) throw mismatch();
    if (auth.date !== utcDate(ts)) throw mismatch();
    const { method, rawQuery, headers, body } = ctx.raw;
    if (!tc3Verify(cred.secretKey, auth, { method, rawQuery, headers, body, timestamp: String(ts) })) throw mismatch();
    const params = method === "GET" ? unflatten(flatParams(rawQuery)) : parseBody(ctx.header("content-type"), body);
    return { caller: cred.caller, wire: { action: ctx.header("x-tc-action"), version: ctx.header("x-tc-version"), params } };
  }

  async function authenticateLegacy(ctx: RequestContext<TencentWire>, flat: Record<string, string>): Promise<Authenticated<TencentWire>> {
    const method = flat.SignatureMethod ?? "HmacSHA1";
    if (method !== "HmacSHA1" && method !== "HmacSHA256") throw new CoreError("auth.malformed", "SignatureMethod must be HmacSHA1 or HmacSHA256.");
    if (!flat.SecretId || !flat.Signature) throw new CoreError("auth.malformed", "SecretId and Signature are required for the HmacSHA1/HmacSHA256 signature.");
    checkTimestamp(flat.Timestamp, "Timestamp");
    const cred = await resolveKey(flat.SecretId);
    const host = ctx.header("host") ?? "";
    const ok = hostVariants(host).some((h) => safeEqual(legacySignature(cred.secretKey, ctx.raw.method, h, flat, method as LegacyMethod), flat.Signature!));
    if (!ok) throw new CoreError("auth.bad_signature", "The provided credentials could not be validated. Please check your signature is correct.");
    const actionParams = Object.fromEntries(Object.entries(flat).filter(([k]) => !LEGACY_COMMON.has(k)));
    return { caller: cred.caller, wire: { action: flat.Action, version: flat.Version, params: unflatten(actionParams) } };
  }

  function resolve(product: string, name: string, spec: ActionSpec, handler: Handler): TencentAction {
    const key = `${product}.${name}`;
    let action = resolved.get(key);
    if (!action) {
      // Request and response schemas are generated from the same SDK methods: an action with one has the other.
      action = { name, product, run: handler, spec, serialize: responseSerializer(product, name)!, fieldNames: handler.fieldNames, codes: handler.codes };
      resolved.set(key, action);
    }
    return action;
  }

  function answer(ctx: RequestContext<TencentWire>, payloadJson: string, code: string): Answer {
    const trace = ctx.header("x-tc-traceid");
    // The charset is what fastify would add; a string body with a JSON type is sent as it is.
    const headers = trace ? { "content-type": JSON_TYPE, "X-TC-TraceId": trace } : PLAIN_HEADERS;
    return { status: 200, headers, body: envelope(payloadJson, ctx.requestId), code };
  }

  return {
    name: "tencent",
    documentedRateLimits: TENCENT_RATE_LIMITS,
    maxQueryBytes: opts.maxQueryBytes ?? 32 * 1024,

    recognizes({ headers: h, rawQuery, body }: RawRequest) {
      if (h["x-tc-action"] || h["x-tc-version"] || h["x-tc-timestamp"]) return true;
      if (typeof h.authorization === "string" && h.authorization.startsWith("TC3-")) return true;
      return LEGACY_MARKER.test(rawQuery) || (body !== undefined && LEGACY_MARKER.test(body.subarray(0, 4096).toString("latin1")));
    },

    newRequestId: randomUUID,

    authenticate(ctx) {
      if (ctx.raw.headers.authorization !== undefined) return authenticateTc3(ctx);
      const { method, rawQuery, body } = ctx.raw;
      const flat = method === "GET" ? flatParams(rawQuery) : isForm(ctx.header("content-type")) ? flatParams(body.toString("utf8")) : {};
      if (!flat.Signature && !flat.SecretId) throw new CoreError("auth.malformed", "The request carries no Authorization header and no signature parameters.");
      return authenticateLegacy(ctx, flat);
    },

    route(ctx) {
      const { action, version } = ctx.wire!;
      if (!action) throw new CoreError("request.missing_parameter", "The request is missing a required parameter `Action`.", "Action");
      if (!version) throw new CoreError("request.missing_parameter", "The request is missing a required parameter `Version`.", "Version");
      const product = productForVersion(version);
      if (!product) throw new CoreError("request.unknown_version", `The API version \`${version}\` does not exist.`);
      const spec = actionSpec(product, action);
      if (!spec) throw new CoreError("request.unknown_action", `The action \`${action}\` does not exist in ${product} ${version}.`);
      const handler = ACTIONS[product]?.[action];
      if (!handler) throw new CoreError("request.unsupported_action", `OpenCIC does not implement ${product} ${action} yet.`);
      return resolve(product, action, spec, handler);
    },

    decode(ctx, action) {
      return checkParams(action.spec, ctx.wire!.params);
    },

    encode(ctx, action, payload) {
      return answer(ctx, action.serialize(payload), "OK");
    },

    encodeError(ctx, err, action) {
      // The error names fields in the action's own spelling once the request named a known action.
      const error = toTencentError(err, action?.fieldNames, action?.codes);
      return answer(ctx, JSON.stringify({ Error: error }), error.Code);
    },
  };
}

const LEGACY_MARKER = /(^|&)(SecretId|Nonce)=/;

/**
 * `{"Response":{…payload, "RequestId":…}}` from the payload's JSON (an object), without parsing it
 * or copying the payload into a new object first. A RequestId is a UUID: nothing in it needs escaping.
 */
export function envelope(payloadJson: string, requestId: string): string {
  const id = `"RequestId":"${requestId}"}}`;
  return payloadJson === "{}" ? `{"Response":{${id}` : `{"Response":${payloadJson.slice(0, -1)},${id}`;
}

function flatParams(encoded: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(encoded));
}

function isForm(contentType: string | undefined): boolean {
  return (contentType ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded");
}

function parseBody(contentType: string | undefined, body: Buffer): Record<string, unknown> {
  const type = (contentType ?? "").toLowerCase();
  if (type.startsWith("application/x-www-form-urlencoded")) return unflatten(flatParams(body.toString("utf8")));
  if (!type.startsWith("application/json")) {
    throw new CoreError("request.invalid_type", `Content-Type \`${type || "(none)"}\` is not supported; send application/json.`, "Content-Type");
  }
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw new CoreError("request.invalid_type", "The request body is not valid JSON.", "(body)");
  }
  if (parsed === null) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) throw new CoreError("request.invalid_type", "The request body must be a JSON object.", "(body)");
  return parsed as Record<string, unknown>;
}
