/**
 * Tencent Cloud API 3.0 signatures: TC3-HMAC-SHA256 and the legacy HmacSHA1/HmacSHA256.
 * Pure functions; the front door decides which one applies and what a failure means.
 */
import { createHmac } from "node:crypto";
import { safeEqual } from "../../core/secrets.js";
import { bodySha256Hex, HmacKey, sha256Hex } from "../../lib/hash.js";


export const TC3 = "TC3-HMAC-SHA256";

export interface Tc3Authorization {
  secretId: string;
  date: string;
  /** Whatever the client put in its scope: the Node SDK derives it from the endpoint ("127", "localhost:8080"). */
  service: string;
  /** Lower-case header names, as listed; shared between requests that list the same names, so never changed. */
  signedHeaders: readonly string[];
  signature: string;
}

/** The SDKs' own layout; anything else goes through the general parser below. */
const SDK_LAYOUT = /^TC3-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{4}-\d{2}-\d{2})\/([^/,]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

/**
 * Clients send the same few SignedHeaders lists ("content-type;host"). Each list is split once and its
 * names kept: the front door looks every name up in the request's headers, and a name it has looked up
 * before is found at once, where a freshly split string is hashed and interned on every request.
 */
const signedHeaderLists = new Map<string, readonly string[]>();

function splitSignedHeaders(list: string): readonly string[] {
  if (list.length > 256) return list.split(";");
  let names = signedHeaderLists.get(list);
  if (!names) {
    names = Object.freeze(list.split(";"));
    if (signedHeaderLists.size >= 100) signedHeaderLists.clear();
    signedHeaderLists.set(list, names);
  }
  return names;
}

/** Parses `TC3-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`; null when malformed. */
export function parseTc3Authorization(header: string | undefined): Tc3Authorization | null {
  if (!header) return null;
  const m = SDK_LAYOUT.exec(header);
  if (m) return { secretId: m[1]!, date: m[2]!, service: m[3]!, signedHeaders: splitSignedHeaders(m[4]!), signature: m[5]! };
  const space = header.indexOf(" ");
  if (space < 0 || header.slice(0, space) !== TC3) return null;
  const fields = new Map<string, string>();
  for (const part of header.slice(space + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) return null;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!credential || !signedHeaders || !signature) return null;
  const scope = credential.split("/");
  if (scope.length !== 4 || scope[3] !== "tc3_request" || !scope[0] || !scope[2]) return null;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(scope[1]!)) return null;
  if (!/^[0-9a-f]{64}$/.test(signature)) return null;
  return {
    secretId: scope[0],
    date: scope[1]!,
    service: scope[2],
    signedHeaders: signedHeaders.split(";").map((h) => h.trim().toLowerCase()),
    signature,
  };
}

const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

export interface Tc3Input {
  method: string;
  /** The query string exactly as sent (after `?`), "" for POST. */
  rawQuery: string;
  /** Header values by lower-case name, as Node hands them over (a repeated header is a list). */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  body: Buffer;
  timestamp: string;
}

type Tc3Scope = Omit<Tc3Authorization, "secretId" | "signature">;

/** The TC3 signature (lower-case hex) for `input` under `secretKey` and the scope/headers named in `auth`. */
export function tc3Signature(secretKey: string, auth: Tc3Scope, input: Tc3Input): string {
  return tc3For(secretKey, auth, input, bodySha256Hex(input.body), headerValue(input.headers, "host"));
}

/**
 * Whether `auth.signature` is the TC3 signature of a received request, compared in constant time.
 * The Host header is tried without its port first (the Node SDK signs the hostname but sends
 * host:port), then as sent (the Go SDK signs the host as configured); the body is hashed once.
 */
export function tc3Verify(secretKey: string, auth: Tc3Authorization, input: Tc3Input): boolean {
  const bodyHash = bodySha256Hex(input.body);
  const host = headerValue(input.headers, "host");
  const bare = hostWithoutPort(host);
  if (safeEqual(tc3For(secretKey, auth, input, bodyHash, bare), auth.signature)) return true;
  return bare !== host && safeEqual(tc3For(secretKey, auth, input, bodyHash, host), auth.signature);
}

/** The signature with the given Host value: canonical request → string to sign → HMAC under the derived key. */
function tc3For(secretKey: string, auth: Tc3Scope, input: Tc3Input, bodyHash: string, host: string): string {
  // Node hands the method over upper-case already; toUpperCase would still go through the runtime.
  const method = input.method === "POST" || input.method === "GET" ? input.method : input.method.toUpperCase();
  let canonicalHeaders = "";
  for (const name of auth.signedHeaders) canonicalHeaders += `${name}:${(name === "host" ? host : headerValue(input.headers, name)).trim().toLowerCase()}\n`;
  const canonicalRequest = `${method}\n/\n${method === "GET" ? input.rawQuery : ""}\n${canonicalHeaders}\n${auth.signedHeaders.join(";")}\n${bodyHash}`;
  const stringToSign = `${TC3}\n${input.timestamp}\n${auth.date}/${auth.service}/tc3_request\n${sha256Hex(canonicalRequest)}`;
  return signingKey(secretKey, auth.date, auth.service).hex(stringToSign);
}

function headerValue(headers: Tc3Input["headers"], name: string): string {
  const v = headers[name];
  return typeof v === "string" ? v : v === undefined ? "" : v.join(",");
}

/**
 * The derived key changes once a day per key and service, so it is kept rather than re-derived per
 * request: per SecretKey, the last few (date, service) scopes it signed for. A service is a product
 * name or host:port; an unusually long one (the header allows a lot) is derived but not kept.
 */
const signingKeys = new Map<string, { date: string; service: string; key: HmacKey }[]>();

function signingKey(secretKey: string, date: string, service: string): HmacKey {
  if (service.length > 256) return new HmacKey(hmac(hmac(hmac("TC3" + secretKey, date), service), "tc3_request"));
  let scopes = signingKeys.get(secretKey);
  if (scopes) {
    for (const s of scopes) if (s.date === date && s.service === service) return s.key;
  } else {
    if (signingKeys.size >= 10_000) signingKeys.clear();
    scopes = [];
    signingKeys.set(secretKey, scopes);
  }
  const key = new HmacKey(hmac(hmac(hmac("TC3" + secretKey, date), service), "tc3_request"));
  if (scopes.length >= 8) scopes.shift();
  scopes.push({ date, service, key });
  return key;
}

export type LegacyMethod = "HmacSHA1" | "HmacSHA256";

/** Legacy signature: base64(HMAC(secretKey, METHOD + host + "/?" + sorted k=v pairs, values raw)). */
export function legacySignature(secretKey: string, method: string, host: string, params: Record<string, string>, algo: LegacyMethod): string {
  const pairs = Object.keys(params)
    .filter((k) => k !== "Signature")
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join("&");
  const text = `${method.toUpperCase()}${host}/?${pairs}`;
  return createHmac(algo === "HmacSHA1" ? "sha1" : "sha256", secretKey).update(text).digest("base64");
}

export { safeEqual };

/**
 * The Host header without its port and as sent: the Node SDK signs the hostname but sends
 * host:port (so that spelling is tried first); the Go SDK signs the host as configured.
 */
export function hostVariants(host: string): string[] {
  const bare = hostWithoutPort(host);
  return bare === host ? [host] : [bare, host];
}

/** `host` without a trailing `:port` (digits only), or as it is. */
function hostWithoutPort(host: string): string {
  const colon = host.lastIndexOf(":");
  if (colon < 0 || colon === host.length - 1) return host;
  for (let i = colon + 1; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c < 48 || c > 57) return host;
  }
  return host.slice(0, colon);
}

let lastDay = NaN;
let lastDate = "";

/** UTC calendar date of a Unix timestamp, as the TC3 scope carries it (the last day's is kept). */
export function utcDate(unixSeconds: number): string {
  const day = Math.floor(unixSeconds / 86400);
  if (day !== lastDay) {
    lastDate = new Date(day * 86400000).toISOString().slice(0, 10);
    lastDay = day;
  }
  return lastDate;
}
