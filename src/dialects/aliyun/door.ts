/**
 * The Alibaba Cloud RPC codec: the four request shapes (V3 ACS3-HMAC-SHA256 with x-acs-* headers;
 * V1 HMAC-SHA1 with parameters in the query, the form body, or both), timestamp checks and the
 * request's nonce (recorded by the pipeline's replay guard), routing on Version (product) + Action,
 * and the flat JSON envelopes: success `{…fields, RequestId}` with HTTP 200, errors
 * `{RequestId, HostId, Code, Message, Recommend}` with the code's HTTP status (the clients read the
 * status and Code).
 */
import type { ResolvedCredential } from "../../core/accounts.js";
import type { Core } from "../../core/index.js";
import { CoreError } from "../../core/errors.js";
import type { MaybePromise } from "../../lib/maybe-promise.js";
import type { RequestContext } from "../../server/context.js";
import type { Answer, Authenticated, Door, DoorAction, RawRequest } from "../../server/door.js";
import type { ActionTable, Handler, Product } from "./action.js";
import { cloudssoActions } from "./actions/cloudsso.js";
import { imsActions } from "./actions/ims.js";
import { ramActions } from "./actions/ram.js";
import { resourceManagerActions } from "./actions/resource-manager.js";
import { toAliyunError } from "./errors.js";
import { aliyunRequestId } from "./format.js";
import { decodeParams, requestParams } from "./params.js";
import { encodeAnswer, withRequestId } from "./responses.js";
import { isVendorAction } from "./schemas.js";
import { bodySha256Hex } from "../../lib/hash.js";
import { type Acs3Authorization, acs3Signature, parseAcs3Authorization, safeEqual, V3_REQUIRED_SIGNED_HEADERS, v1Signature, v1StringToSign } from "./signature.js";

interface ProductSpec {
  product: Product;
  /** The name the troubleshooting link carries. */
  code: string;
  actions: ActionTable;
}

/** Products by API version: Alibaba routes by endpoint host, but every client also sends the version, and the versions differ. */
const PRODUCTS: Record<string, ProductSpec> = {
  "2021-05-15": { product: "cloudsso", code: "cloudsso", actions: cloudssoActions },
  "2015-05-01": { product: "ram", code: "Ram", actions: ramActions },
  "2020-03-31": { product: "resourcemanager", code: "ResourceManager", actions: resourceManagerActions },
  "2019-08-15": { product: "ims", code: "Ims", actions: imsActions },
};

/** The request's parameters (query and form body, merged), read before the signature, which covers them. */
interface AliyunWire {
  params: Record<string, string>;
}

interface AliyunAction extends DoorAction {
  spec: ProductSpec;
  handler: Handler;
}

export interface AliyunOptions {
  /** Allowed distance between a request's timestamp and the server clock (Alibaba documents 15 minutes). */
  maxSkewSeconds?: number;
  maxQueryBytes?: number;
}

/**
 * The per-action limits Alibaba publishes (requests per second per account); every other action gets
 * the server's default. The older ListSCIMServerCredentials and DeleteSCIMServerCredential pages give
 * 100/s; the other SCIM credential and switch actions are taken to share it (spec scim.md §2.2).
 */
export const ALIYUN_RATE_LIMITS: Record<string, number> = {
  CreateSCIMServerCredential: 100,
  ListSCIMServerCredentials: 100,
  UpdateSCIMServerCredentialStatus: 100,
  DeleteSCIMServerCredential: 100,
  GetSCIMSynchronizationStatus: 100,
  SetSCIMSynchronizationStatus: 100,
  // Access (access spec §3.0): the older pages give these; CreateAccessAssignment is the one held lower.
  CreateAccessConfiguration: 100,
  DeleteAccessConfiguration: 100,
  AddPermissionPolicyToAccessConfiguration: 100,
  CreateAccessAssignment: 20,
};

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,3})?Z$/;
const NONCE = /^[\x21-\x7e]{1,128}$/;
const FORMATS = /^(json|xml)$/i;
const MARKER = /(^|&)(AccessKeyId|SignatureNonce)=/;
const JSON_TYPE = "application/json;charset=utf-8";
const mismatch = (detail: string) => new CoreError("auth.bad_signature", `Specified signature is not matched with our calculation. ${detail}`);

/** The last well-formed timestamp read and its epoch ms: the requests of one second all carry the same one. */
let lastTimestamp = "";
let lastTimestampMs = 0;

/** Epoch ms of a UTC `YYYY-MM-DDThh:mm:ssZ` (optional milliseconds); refused when malformed. Pure, so the last one is kept. */
export function timestampMs(raw: string): number {
  if (raw === lastTimestamp) return lastTimestampMs;
  const m = TIMESTAMP.exec(raw);
  const ms = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN;
  // Date.UTC rolls over (month 13, second 61); a round trip through ISO catches that.
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 19) !== raw.slice(0, 19)) {
    throw new CoreError("auth.timestamp_malformed", `Specified time stamp or date value is not well formatted: "${raw}" (expected YYYY-MM-DDThh:mm:ssZ in UTC).`);
  }
  lastTimestamp = raw;
  lastTimestampMs = ms;
  return ms;
}

export function aliyunDoor(core: Core, opts: AliyunOptions = {}): Door<AliyunAction, AliyunWire> {
  const maxSkewMs = (opts.maxSkewSeconds ?? 900) * 1000;
  const resolved = new Map<string, AliyunAction>();

  /** UTC `YYYY-MM-DDThh:mm:ssZ` within the allowed skew; returns epoch ms. */
  function checkTimestamp(raw: string): number {
    const ms = timestampMs(raw);
    if (Math.abs(core.clock.now() - ms) > maxSkewMs) {
      throw new CoreError("auth.expired", `Specified time stamp or date value is expired: ${raw} is more than ${maxSkewMs / 60000} minutes from server time.`);
    }
    return ms;
  }

  function checkNonce(nonce: string): string {
    if (!NONCE.test(nonce)) throw new CoreError("request.invalid_value", "SignatureNonce must be 1 to 128 printable ASCII characters.", "SignatureNonce");
    return nonce;
  }

  /** The key's credential: at once when it is fresh in the accounts cache (the usual request), else from the store. */
  function withKey<T>(keyId: string, verify: (cred: ResolvedCredential) => T): MaybePromise<T> {
    const cached = core.accounts.cached(keyId);
    if (cached) return verify(cached);
    return core.accounts.resolve(keyId).then((cred) => {
      if (!cred) throw new CoreError("auth.unknown_key", "Specified access key is not found.");
      return verify(cred);
    });
  }

  const required = (params: Record<string, string>, name: string): string => {
    const v = params[name];
    if (v === undefined || v === "") throw new CoreError("request.missing_parameter", `${name} is mandatory for this action.`, name);
    return v;
  };

  /** The pipeline remembers the nonce while the request's timestamp stays acceptable. */
  const authenticated = (cred: ResolvedCredential, keyId: string, nonce: string, timestampMs: number, params: Record<string, string>): Authenticated<AliyunWire> => ({
    caller: cred.caller,
    replay: { keyId, nonce, expiresAt: timestampMs + maxSkewMs + 1000 },
    wire: { params },
  });

  function authenticateV1(ctx: RequestContext<AliyunWire>, params: Record<string, string>): MaybePromise<Authenticated<AliyunWire>> {
    const keyId = required(params, "AccessKeyId");
    const signature = required(params, "Signature");
    const method = required(params, "SignatureMethod");
    if (method !== "HMAC-SHA1") throw new CoreError("auth.malformed", `Specified signature method "${method}" is not supported; use HMAC-SHA1.`);
    const version = required(params, "SignatureVersion");
    if (version !== "1.0") throw new CoreError("auth.malformed", `Specified signature version "${version}" is not supported; use 1.0.`);
    const timestampMs = checkTimestamp(required(params, "Timestamp"));
    const nonce = checkNonce(required(params, "SignatureNonce"));
    return withKey(keyId, (cred) => {
      if (!safeEqual(v1Signature(cred.secretKey, ctx.raw.method, params), signature)) {
        throw mismatch(`server string to sign is:${v1StringToSign(ctx.raw.method, params)}`);
      }
      return authenticated(cred, keyId, nonce, timestampMs, params);
    });
  }

  /** `query`: the query string's parameters, which the signature covers; `params`: those and the form body's. */
  function authenticateV3(ctx: RequestContext<AliyunWire>, query: Record<string, string>, params: Record<string, string>): MaybePromise<Authenticated<AliyunWire>> {
    const auth = parseAcs3Authorization(ctx.header("authorization"));
    if (!auth) throw new CoreError("auth.malformed", "The Authorization header is not in ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=… form.");
    const unsigned = V3_REQUIRED_SIGNED_HEADERS.filter((h) => !auth.signedHeaders.includes(h));
    if (unsigned.length > 0) throw new CoreError("auth.malformed", `SignedHeaders must include ${unsigned.join(", ")}.`);
    const timestampMs = checkTimestamp(ctx.header("x-acs-date") ?? "");
    const nonce = checkNonce(ctx.header("x-acs-signature-nonce") ?? "");
    return withKey(auth.accessKeyId, (cred) => verifyV3(ctx, auth, cred, nonce, timestampMs, query, params));
  }

  function verifyV3(ctx: RequestContext<AliyunWire>, auth: Acs3Authorization, cred: ResolvedCredential, nonce: string, timestampMs: number, query: Record<string, string>, params: Record<string, string>): Authenticated<AliyunWire> {
    const payloadHash = ctx.header("x-acs-content-sha256") ?? "";
    if (!safeEqual(bodySha256Hex(ctx.raw.body), payloadHash)) throw mismatch("The request body does not match x-acs-content-sha256.");
    const headers: Record<string, string> = {};
    for (const h of auth.signedHeaders) {
      const v = ctx.raw.headers[h];
      headers[h] = Array.isArray(v) ? [...v].map((x) => x.trim()).sort().join(",") : (v ?? "");
    }
    const expected = acs3Signature(cred.secretKey, auth.signedHeaders, { method: ctx.raw.method, query, headers, payloadHash });
    if (!safeEqual(expected, auth.signature)) throw mismatch("Check the AccessKeySecret and the signed request.");
    return authenticated(cred, auth.accessKeyId, nonce, timestampMs, params);
  }

  function productOf(version: string | undefined): ProductSpec | undefined {
    // Own entries only: "__proto__" or "toString" is no version.
    return version !== undefined && Object.hasOwn(PRODUCTS, version) ? PRODUCTS[version] : undefined;
  }


  return {
    name: "aliyun",
    documentedRateLimits: ALIYUN_RATE_LIMITS,
    maxQueryBytes: opts.maxQueryBytes ?? 32 * 1024,

    recognizes({ headers: h, rawQuery, body }: RawRequest) {
      if (typeof h.authorization === "string" && h.authorization.startsWith("ACS3-")) return true;
      if (h["x-acs-action"] || h["x-acs-version"] || h["x-acs-date"] || h["x-acs-signature-nonce"]) return true;
      return MARKER.test(rawQuery) || (body !== undefined && MARKER.test(body.subarray(0, 4096).toString("latin1")));
    },

    newRequestId: aliyunRequestId,

    authenticate(ctx) {
      const { query, merged } = requestParams(ctx.raw.rawQuery, ctx.raw.body, ctx.header("content-type"));
      return ctx.raw.headers.authorization !== undefined ? authenticateV3(ctx, query, merged) : authenticateV1(ctx, merged);
    },

    route(ctx) {
      const params = ctx.wire!.params;
      const action = params.Action || ctx.header("x-acs-action");
      const version = params.Version || ctx.header("x-acs-version");
      if (!action) throw new CoreError("request.missing_parameter", "Action is mandatory for this action.", "Action");
      if (!version) throw new CoreError("request.missing_parameter", "Version is mandatory for this action.", "Version");
      const spec = productOf(version);
      if (!spec) throw new CoreError("request.unknown_version", `Specified parameter Version "${version}" is not valid.`);
      const handler = Object.hasOwn(spec.actions, action) ? spec.actions[action] : undefined;
      if (!handler) {
        if (isVendorAction(spec.product, action)) throw new CoreError("request.unsupported_action", `OpenCIC does not implement ${spec.product} ${version} ${action} yet.`);
        throw new CoreError("request.unknown_action", `Specified api is not found, please check your url and method: ${spec.product} ${version} has no action "${action}".`);
      }
      // Answers are JSON whatever Format asks for (every client sends JSON and reads errors as JSON); a Format that is neither is refused.
      if (params.Format && !FORMATS.test(params.Format)) throw new CoreError("request.invalid_value", `Specified parameter Format "${params.Format}" is not valid; use JSON or XML.`, "Format");
      const key = `${spec.product}.${action}`;
      let resolvedAction = resolved.get(key);
      if (!resolvedAction) {
        const run: AliyunAction["run"] = (actionCtx, params) => handler.run(actionCtx, params);
        resolved.set(key, (resolvedAction = { name: action, product: spec.product, spec, handler, run }));
      }
      return resolvedAction;
    },

    decode(ctx, action) {
      return decodeParams(action.handler, ctx.wire!.params);
    },

    encode(ctx, action, payload) {
      // Written by the action's response schema, which has no top-level Code (pop-core would read one as an error).
      const body = withRequestId(encodeAnswer(action.spec.product, action.name, payload), ctx.requestId);
      return { status: 200, headers: { "content-type": JSON_TYPE, "x-acs-request-id": ctx.requestId }, body, code: "OK" };
    },

    encodeError(ctx, err, action) {
      const error = toAliyunError(err, { fieldNames: action?.handler.fieldNames, codes: action?.handler.codes });
      // Milliseconds until the rate-limit window turns (the unit openapi-core and Darabonba clients read).
      const retry = err instanceof CoreError && err.reason === "throttled" ? { "x-acs-retry-after": String(1000 - (core.clock.now() % 1000)) } : undefined;
      // Once the signature is checked, the version names the product even when the action is unknown.
      const spec = action?.spec ?? (ctx.wire ? productOf(ctx.wire.params.Version || ctx.header("x-acs-version")) : undefined);
      const host = spec ? `${spec.product}.aliyuncs.com` : (ctx.header("host") ?? "opencic");
      const product = spec ? `&product=${spec.code}` : "";
      const envelope = {
        RequestId: ctx.requestId,
        HostId: host,
        Code: error.Code,
        Message: error.Message,
        Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.Code)}${product}&requestId=${ctx.requestId}`,
      };
      return { status: error.status, headers: { "content-type": JSON_TYPE, "x-acs-request-id": ctx.requestId, ...retry }, body: JSON.stringify(envelope), code: error.Code };
    },
  };
}
