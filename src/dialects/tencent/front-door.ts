/**
 * The Tencent Cloud API 3.0 front door: request shapes (TC3 JSON POST, TC3 GET, legacy
 * HmacSHA1/HmacSHA256 form or query), signature checks, dispatch on X-TC-Action + X-TC-Version,
 * and the `{"Response": …}` envelope. Errors are HTTP 200 with Response.Error, as the SDK expects.
 */
import { randomUUID } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ResolvedCredential } from "../../core/accounts.js";
import type { Caller } from "../../core/index.js";
import { type MaybePromise, then } from "../../core/maybe-promise.js";
import { CoreError } from "../../core/errors.js";
import { headerOf, rawQueryOf } from "../../server/request.js";
import { admit, type FrontDoor, type FrontDoorOptions } from "../../server/front-door.js";
import type { ActionTable } from "./action.js";
import { camActions } from "./actions/cam.js";
import { identityCenterActions } from "./actions/identity-center.js";
import { organizationActions } from "./actions/organization.js";
import { userSyncActions } from "./actions/user-sync.js";
import { toTencentError } from "./errors.js";
import { actionSpec, checkParams, productForVersion, unflatten } from "./params.js";
import { responseSerializer } from "./responses.js";
import {
  hostVariants,
  type LegacyMethod,
  legacySignature,
  parseTc3Authorization,
  safeEqual,
  type Tc3Authorization,
  tc3Verify,
  utcDate,
} from "./signature.js";

const ACTIONS: Record<string, ActionTable> = { organization: { ...organizationActions, ...identityCenterActions, ...userSyncActions }, cam: camActions };

/** Documented per-action limits (requests per second per account); everything else is 20/s. */
export const TENCENT_RATE_LIMITS: Record<string, number> = {
  GetProvisioningTaskStatus: 220,
  GetTaskStatus: 220,
  DescribeOrganization: 40,
};

/** Common parameters of the legacy signature, which are not action parameters. */
const LEGACY_COMMON = new Set(["Action", "Version", "Region", "Timestamp", "Nonce", "SecretId", "Signature", "SignatureMethod", "Token", "Language", "RequestClient"]);

export type TencentOptions = FrontDoorOptions;

interface Authenticated {
  caller: Caller;
  action: string | undefined;
  version: string | undefined;
  params: Record<string, unknown>;
}

export function tencentFrontDoor(opts: TencentOptions): FrontDoor {
  const { core, limiter } = opts;
  const maxSkew = opts.maxSkewSeconds ?? 300;
  const maxQueryBytes = opts.maxQueryBytes ?? 32 * 1024;

  function checkTimestamp(raw: string | undefined, name: string): number {
    if (raw === undefined || !/^\d{1,12}$/.test(raw)) throw new CoreError("auth.malformed", `${name} must be a Unix timestamp in seconds.`);
    const ts = Number(raw);
    if (Math.abs(core.clock.now() / 1000 - ts) > maxSkew) {
      throw new CoreError("auth.expired", `Signature expired: the request timestamp ${ts} is more than ${maxSkew} seconds from server time.`);
    }
    return ts;
  }

  async function resolveKey(secretId: string) {
    const cred = await core.accounts.resolve(secretId);
    if (!cred) throw new CoreError("auth.unknown_key", "The SecretId is not found, please ensure that your SecretId is correct.");
    return cred;
  }

  /**
   * TC3. Everything but the key lookup is synchronous, and the lookup waits only when the credential
   * is not fresh in the accounts cache: the usual request is checked without yielding.
   */
  function authenticateTc3(req: FastifyRequest, rawQuery: string, body: Buffer): Authenticated | Promise<Authenticated> {
    const header = req.headers.authorization;
    const auth = parseTc3Authorization(header);
    if (!auth) throw new CoreError("auth.malformed", "The Authorization header is malformed or not in TC3-HMAC-SHA256 format.");
    const tsRaw = req.headers["x-tc-timestamp"];
    const ts = checkTimestamp(typeof tsRaw === "string" ? tsRaw : undefined, "X-TC-Timestamp");
    const cached = core.accounts.cached(auth.secretId);
    if (cached) return verifyTc3(req, rawQuery, body, auth, ts, cached);
    return resolveKey(auth.secretId).then((cred) => verifyTc3(req, rawQuery, body, auth, ts, cred));
  }

  function verifyTc3(req: FastifyRequest, rawQuery: string, body: Buffer, auth: Tc3Authorization, ts: number, cred: ResolvedCredential): Authenticated {
    const mismatch = () => new CoreError("auth.bad_signature", "The provided credentials could not be validated. Please check your signature is correct.");
    if (!auth.signedHeaders.includes("content-type") || !auth.signedHeaders.includes("host")) throw mismatch();
    if (auth.date !== utcDate(ts)) throw mismatch();
    if (!tc3Verify(cred.secretKey, auth, { method: req.method, rawQuery, headers: req.headers, body, timestamp: String(ts) })) throw mismatch();
    const params = req.method === "GET" ? unflatten(flatParams(rawQuery)) : parseBody(req, body);
    return { caller: cred.caller, action: headerOf(req, "x-tc-action"), version: headerOf(req, "x-tc-version"), params };
  }

  async function authenticateLegacy(req: FastifyRequest, flat: Record<string, string>): Promise<Authenticated> {
    const method = flat.SignatureMethod ?? "HmacSHA1";
    if (method !== "HmacSHA1" && method !== "HmacSHA256") throw new CoreError("auth.malformed", "SignatureMethod must be HmacSHA1 or HmacSHA256.");
    if (!flat.SecretId || !flat.Signature) throw new CoreError("auth.malformed", "SecretId and Signature are required for the HmacSHA1/HmacSHA256 signature.");
    checkTimestamp(flat.Timestamp, "Timestamp");
    const cred = await resolveKey(flat.SecretId);
    const host = headerOf(req, "host") ?? "";
    const ok = hostVariants(host).some((h) => safeEqual(legacySignature(cred.secretKey, req.method, h, flat, method as LegacyMethod), flat.Signature!));
    if (!ok) throw new CoreError("auth.bad_signature", "The provided credentials could not be validated. Please check your signature is correct.");
    const actionParams = Object.fromEntries(Object.entries(flat).filter(([k]) => !LEGACY_COMMON.has(k)));
    return { caller: cred.caller, action: flat.Action, version: flat.Version, params: unflatten(actionParams) };
  }

  /**
   * The answer's payload as JSON. Checks run synchronously (a refusal throws at the call); the answer
   * is written by the action's serializer (see responses.ts) once the handler has it.
   */
  function dispatch(a: Authenticated, requestId: string): MaybePromise<string> {
    if (!a.action) throw new CoreError("request.missing_parameter", "The request is missing a required parameter `Action`.", "Action");
    if (!a.version) throw new CoreError("request.missing_parameter", "The request is missing a required parameter `Version`.", "Version");
    const product = productForVersion(a.version);
    if (!product) throw new CoreError("request.unknown_version", `The API version \`${a.version}\` does not exist.`);
    const spec = actionSpec(product, a.action);
    if (!spec) throw new CoreError("request.unknown_action", `The action \`${a.action}\` does not exist in ${product} ${a.version}.`);
    const handler = ACTIONS[product]?.[a.action];
    if (!handler) throw new CoreError("request.unsupported_action", `OpenCIC does not implement ${product} ${a.action} yet.`);
    admit(core, limiter, a.caller, a.action);
    const params = checkParams<never>(spec, a.params);
    // Request and response schemas are generated from the same SDK methods: an action with one has the other.
    const serialize = responseSerializer(product, a.action)!;
    return then(handler({ core, caller: a.caller, requestId }, params), serialize);
  }

  function send(req: FastifyRequest, reply: FastifyReply, requestId: string, payloadJson: string): void {
    const trace = headerOf(req, "x-tc-traceid");
    if (trace) reply.header("X-TC-TraceId", trace);
    // The charset is what fastify would add; a string body with a JSON type is sent as it is.
    reply.code(200).type("application/json; charset=utf-8").send(envelope(payloadJson, requestId));
  }

  function sendError(req: FastifyRequest, reply: FastifyReply, requestId: string, err: unknown, action?: string, fieldNames?: Record<string, string>): void {
    const error = toTencentError(err, fieldNames);
    if (error.Code === "InternalError") req.log.error({ err, requestId, action }, "internal error");
    send(req, reply, requestId, JSON.stringify({ Error: error }));
  }

  /** The caller, action, version and parameters of a signed request; a promise only when the key must be read. */
  function authenticate(req: FastifyRequest): MaybePromise<Authenticated> {
    const rawQuery = rawQueryOf(req);
    if (Buffer.byteLength(rawQuery) > maxQueryBytes) throw new CoreError("request.too_large", `The query string exceeds ${maxQueryBytes} bytes.`);
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (req.headers.authorization !== undefined) return authenticateTc3(req, rawQuery, body);
    const flat = req.method === "GET" ? flatParams(rawQuery) : isForm(req) ? flatParams(body.toString("utf8")) : {};
    if (!flat.Signature && !flat.SecretId) throw new CoreError("auth.malformed", "The request carries no Authorization header and no signature parameters.");
    return authenticateLegacy(req, flat);
  }

  /** Dispatches an authenticated request and sends its answer or its error. */
  function answer(req: FastifyRequest, reply: FastifyReply, requestId: string, a: Authenticated): void | Promise<void> {
    try {
      const out = dispatch(a, requestId);
      if (out instanceof Promise) return out.then((o) => respond(req, reply, requestId, a, o), (err: unknown) => refuse(req, reply, requestId, err, a));
      respond(req, reply, requestId, a, out);
    } catch (err) {
      refuse(req, reply, requestId, err, a);
    }
  }

  function respond(req: FastifyRequest, reply: FastifyReply, requestId: string, a: Authenticated, payloadJson: string): void {
    try {
      send(req, reply, requestId, payloadJson);
      req.log.info({ requestId, action: a.action, uin: a.caller.principalUin }, "tencent request");
    } catch (err) {
      refuse(req, reply, requestId, err, a);
    }
  }

  /** The error envelope, in the action's own field names once the request named a known action. */
  function refuse(req: FastifyRequest, reply: FastifyReply, requestId: string, err: unknown, a?: Authenticated): void {
    const product = a?.version && productForVersion(a.version);
    sendError(req, reply, requestId, err, a?.action, product && a.action ? ACTIONS[product]?.[a.action]?.fieldNames : undefined);
  }

  return {
    name: "tencent",

    recognizes(req) {
      const h = req.headers;
      if (h["x-tc-action"] || h["x-tc-version"] || h["x-tc-timestamp"]) return true;
      if (typeof h.authorization === "string" && h.authorization.startsWith("TC3-")) return true;
      const query = rawQueryOf(req);
      return /(^|&)(SecretId|Nonce)=/.test(query) || (Buffer.isBuffer(req.body) && /(^|&)(SecretId|Nonce)=/.test(req.body.subarray(0, 4096).toString("latin1")));
    },

    /** Runs at once as far as it can: a request whose key is cached and whose handler answers at once completes without a promise. */
    handle(req, reply) {
      const requestId = randomUUID();
      try {
        const authenticated = authenticate(req);
        return authenticated instanceof Promise
          ? authenticated.then((a) => answer(req, reply, requestId, a), (err: unknown) => refuse(req, reply, requestId, err))
          : answer(req, reply, requestId, authenticated);
      } catch (err) {
        refuse(req, reply, requestId, err);
      }
    },

    renderEarlyError(req, reply, err) {
      sendError(req, reply, randomUUID(), err);
    },
  };
}

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

function isForm(req: FastifyRequest): boolean {
  return (headerOf(req, "content-type") ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded");
}

function parseBody(req: FastifyRequest, body: Buffer): Record<string, unknown> {
  const type = (headerOf(req, "content-type") ?? "").toLowerCase();
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
