/**
 * The Alibaba Cloud RPC front door (spec §1): the four request shapes (V3 ACS3-HMAC-SHA256 with
 * x-acs-* headers; V1 HMAC-SHA1 with parameters in the query, the form body, or both), timestamp and
 * nonce checks, dispatch on Version (product) + Action, and the flat JSON envelopes: success
 * `{…fields, RequestId}` with HTTP 200, errors `{RequestId, HostId, Code, Message, Recommend}` with the
 * code's HTTP status (the clients read the status and Code).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Caller } from "../../core/index.js";
import { CoreError } from "../../core/errors.js";
import { headerOf, rawQueryOf } from "../../server/request.js";
import { admit, type FrontDoor, type FrontDoorOptions } from "../../server/front-door.js";
import type { ActionTable, Handler, Product } from "./action.js";
import { cloudssoActions } from "./actions/cloudsso.js";
import { ramActions } from "./actions/ram.js";
import { resourceManagerActions } from "./actions/resource-manager.js";
import { toAliyunError } from "./errors.js";
import { aliyunRequestId } from "./format.js";
import { decodeParams, mergedParams } from "./params.js";
import { encodeAnswer, withRequestId } from "./responses.js";
import {
  acs3Signature,
  parseAcs3Authorization,
  safeEqual,
  sha256Hex,
  V3_REQUIRED_SIGNED_HEADERS,
  v1Signature,
  v1StringToSign,
} from "./signature.js";

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
};

export type AliyunOptions = FrontDoorOptions;

interface Authenticated {
  caller: Caller;
  keyId: string;
  nonce: string;
  timestampMs: number;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,3})?Z$/;
const NONCE = /^[\x21-\x7e]{1,128}$/;
const FORMATS = /^(json|xml)$/i;
const mismatch = (detail: string) => new CoreError("auth.bad_signature", `Specified signature is not matched with our calculation. ${detail}`);

export function aliyunFrontDoor(opts: AliyunOptions): FrontDoor {
  const { core, limiter } = opts;
  const maxSkewMs = (opts.maxSkewSeconds ?? 900) * 1000;
  const maxQueryBytes = opts.maxQueryBytes ?? 32 * 1024;

  /** UTC `YYYY-MM-DDThh:mm:ssZ` within the allowed skew; returns epoch ms. */
  function checkTimestamp(raw: string): number {
    const m = TIMESTAMP.exec(raw);
    const ms = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN;
    // Date.UTC rolls over (month 13, second 61); a round trip through ISO catches that.
    if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 19) !== raw.slice(0, 19)) {
      throw new CoreError("auth.timestamp_malformed", `Specified time stamp or date value is not well formatted: "${raw}" (expected YYYY-MM-DDThh:mm:ssZ in UTC).`);
    }
    if (Math.abs(core.clock.now() - ms) > maxSkewMs) {
      throw new CoreError("auth.expired", `Specified time stamp or date value is expired: ${raw} is more than ${maxSkewMs / 60000} minutes from server time.`);
    }
    return ms;
  }

  function checkNonce(nonce: string): string {
    if (!NONCE.test(nonce)) throw new CoreError("request.invalid_value", "SignatureNonce must be 1 to 128 printable ASCII characters.", "SignatureNonce");
    return nonce;
  }

  async function resolveKey(keyId: string) {
    const cred = await core.accounts.resolve(keyId);
    if (!cred) throw new CoreError("auth.unknown_key", "Specified access key is not found.");
    return cred;
  }

  const required = (params: Record<string, string>, name: string): string => {
    const v = params[name];
    if (v === undefined || v === "") throw new CoreError("request.missing_parameter", `${name} is mandatory for this action.`, name);
    return v;
  };

  async function authenticateV1(req: FastifyRequest, params: Record<string, string>): Promise<Authenticated> {
    const keyId = required(params, "AccessKeyId");
    const signature = required(params, "Signature");
    const method = required(params, "SignatureMethod");
    if (method !== "HMAC-SHA1") throw new CoreError("auth.malformed", `Specified signature method "${method}" is not supported; use HMAC-SHA1.`);
    const version = required(params, "SignatureVersion");
    if (version !== "1.0") throw new CoreError("auth.malformed", `Specified signature version "${version}" is not supported; use 1.0.`);
    const timestampMs = checkTimestamp(required(params, "Timestamp"));
    const nonce = checkNonce(required(params, "SignatureNonce"));
    const cred = await resolveKey(keyId);
    if (!safeEqual(v1Signature(cred.secretKey, req.method, params), signature)) {
      throw mismatch(`server string to sign is:${v1StringToSign(req.method, params)}`);
    }
    return { caller: cred.caller, keyId, nonce, timestampMs };
  }

  async function authenticateV3(req: FastifyRequest, rawQuery: string, body: Buffer): Promise<Authenticated> {
    const auth = parseAcs3Authorization(headerOf(req, "authorization"));
    if (!auth) throw new CoreError("auth.malformed", "The Authorization header is not in ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=… form.");
    const unsigned = V3_REQUIRED_SIGNED_HEADERS.filter((h) => !auth.signedHeaders.includes(h));
    if (unsigned.length > 0) throw new CoreError("auth.malformed", `SignedHeaders must include ${unsigned.join(", ")}.`);
    const timestampMs = checkTimestamp(headerOf(req, "x-acs-date") ?? "");
    const nonce = checkNonce(headerOf(req, "x-acs-signature-nonce") ?? "");
    const cred = await resolveKey(auth.accessKeyId);
    const payloadHash = headerOf(req, "x-acs-content-sha256") ?? "";
    if (!safeEqual(sha256Hex(body), payloadHash)) throw mismatch("The request body does not match x-acs-content-sha256.");
    const headers: Record<string, string> = {};
    for (const h of auth.signedHeaders) {
      const v = req.headers[h];
      headers[h] = Array.isArray(v) ? [...v].map((x) => x.trim()).sort().join(",") : (v ?? "");
    }
    const expected = acs3Signature(cred.secretKey, auth.signedHeaders, { method: req.method, query: Object.fromEntries(new URLSearchParams(rawQuery)), headers, payloadHash });
    if (!safeEqual(expected, auth.signature)) throw mismatch("Check the AccessKeySecret and the signed request.");
    return { caller: cred.caller, keyId: auth.accessKeyId, nonce, timestampMs };
  }

  function productOf(version: string | undefined): ProductSpec | undefined {
    // Own entries only: "__proto__" or "toString" is no version.
    return version !== undefined && Object.hasOwn(PRODUCTS, version) ? PRODUCTS[version] : undefined;
  }

  function send(reply: FastifyReply, requestId: string, status: number, payload: object): void {
    // Absent optional fields are omitted rather than null (§1.7).
    const body = JSON.stringify(payload, (_k, v: unknown) => (v === null ? undefined : v));
    reply.code(status).header("x-acs-request-id", requestId).type("application/json;charset=utf-8").send(body);
  }

  function sendError(req: FastifyRequest, reply: FastifyReply, requestId: string, err: unknown, spec?: ProductSpec, handler?: Handler): void {
    const error = toAliyunError(err, { fieldNames: handler?.fieldNames, codes: handler?.codes });
    if (err instanceof CoreError && err.reason === "throttled") {
      // Milliseconds until the rate-limit window turns (the unit openapi-core and Darabonba clients read).
      reply.header("x-acs-retry-after", String(1000 - (core.clock.now() % 1000)));
    }
    const host = spec ? `${spec.product}.aliyuncs.com` : (headerOf(req, "host") ?? "opencic");
    const product = spec ? `&product=${spec.code}` : "";
    send(reply, requestId, error.status, {
      RequestId: requestId,
      HostId: host,
      Code: error.Code,
      Message: error.Message,
      Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.Code)}${product}&requestId=${requestId}`,
    });
  }

  return {
    name: "aliyun",

    recognizes(req) {
      const h = req.headers;
      if (typeof h.authorization === "string" && h.authorization.startsWith("ACS3-")) return true;
      if (h["x-acs-action"] || h["x-acs-version"] || h["x-acs-date"] || h["x-acs-signature-nonce"]) return true;
      const marker = /(^|&)(AccessKeyId|SignatureNonce)=/;
      return marker.test(rawQueryOf(req)) || (Buffer.isBuffer(req.body) && marker.test(req.body.subarray(0, 4096).toString("latin1")));
    },

    async handle(req, reply) {
      const requestId = aliyunRequestId();
      let spec: ProductSpec | undefined;
      let handler: Handler | undefined;
      let action: string | undefined;
      let caller: Caller | undefined;
      try {
        const rawQuery = rawQueryOf(req);
        if (Buffer.byteLength(rawQuery) > maxQueryBytes) throw new CoreError("request.too_large", `The query string exceeds ${maxQueryBytes} bytes.`);
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const params = mergedParams(rawQuery, body, headerOf(req, "content-type"));
        const auth = req.headers.authorization !== undefined ? await authenticateV3(req, rawQuery, body) : await authenticateV1(req, params);
        caller = auth.caller;
        // After the signature checked out (§1.6), so a forger cannot burn nonces; remembered while the timestamp stays acceptable.
        await core.replayGuard.use(auth.keyId, auth.nonce, auth.timestampMs + maxSkewMs + 1000);
        action = params.Action || headerOf(req, "x-acs-action");
        const version = params.Version || headerOf(req, "x-acs-version");
        if (!action) throw new CoreError("request.missing_parameter", "Action is mandatory for this action.", "Action");
        if (!version) throw new CoreError("request.missing_parameter", "Version is mandatory for this action.", "Version");
        spec = productOf(version);
        if (!spec) throw new CoreError("request.unknown_version", `Specified parameter Version "${version}" is not valid.`);
        handler = Object.hasOwn(spec.actions, action) ? spec.actions[action] : undefined;
        if (!handler) throw new CoreError("request.unknown_action", `Specified api is not found, please check your url and method: ${spec.product} ${version} has no action "${action}".`);
        // Answers are JSON whatever Format asks for (every client sends JSON and reads errors as JSON); a Format that is neither is refused (§1.9).
        if (params.Format && !FORMATS.test(params.Format)) throw new CoreError("request.invalid_value", `Specified parameter Format "${params.Format}" is not valid; use JSON or XML.`, "Format");
        admit(core, limiter, caller, action);
        const input = decodeParams(handler, params);
        const out = await handler.run({ core, caller, requestId }, input);
        // Written by the action's response schema, which has no top-level Code (pop-core would read one as an error, §1.7).
        const answer = withRequestId(encodeAnswer(spec.product, action, out), requestId);
        reply.code(200).header("x-acs-request-id", requestId).type("application/json;charset=utf-8").send(answer);
        req.log.info({ requestId, product: spec.product, action, uin: caller.principalUin }, "aliyun request");
      } catch (err) {
        sendError(req, reply, requestId, err, spec, handler);
        const code = toAliyunError(err).Code;
        if (code === "InternalError") req.log.error({ err, requestId, action }, "internal error");
        else req.log.info({ requestId, product: spec?.product, action, uin: caller?.principalUin, code }, "aliyun request refused");
      }
    },

    renderEarlyError(req, reply, err) {
      sendError(req, reply, aliyunRequestId(), err);
    },
  };
}

