/**
 * Alibaba Cloud RPC signatures: V1 (HMAC-SHA1 over the parameters) and V3 (ACS3-HMAC-SHA256 over a
 * canonical request). Pure functions; the front door decides which one applies and what a failure means.
 * Both are recomputed from DECODED parameters, re-encoded per RFC 3986: clients encode URLs differently
 * (Node's querystring leaves `!'()*` bare, Go writes a space as `+`), but they all sign the same canonical form.
 */
import { createHmac } from "node:crypto";
import { hmacKeyOf, sha256Hex } from "../../lib/hash.js";

export const ACS3 = "ACS3-HMAC-SHA256";

/** Headers a V3 request must sign, so that action, version, time, nonce and body cannot be swapped. */
export const V3_REQUIRED_SIGNED_HEADERS = ["host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"];

const UNRESERVED = /^[A-Za-z0-9_.~-]*$/;

/** RFC 3986 percent-encoding: only `A-Z a-z 0-9 - _ . ~` stay bare (names and ids usually are all bare). */
export function percentEncode(s: string): string {
  if (UNRESERVED.test(s)) return s;
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

/** `k=v&…` sorted by name, names and values RFC 3986-encoded (V1 CanonicalizedQueryString, V3 CanonicalQueryString). */
export function canonicalQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k]!)}`)
    .join("&");
}

/** V1: base64(HMAC-SHA1(secret + "&", METHOD + "&%2F&" + pct(canonical params without Signature))). */
export function v1StringToSign(method: string, params: Record<string, string>): string {
  const { Signature: _omit, ...signed } = params;
  return `${method.toUpperCase()}&${percentEncode("/")}&${percentEncode(canonicalQuery(signed))}`;
}

export function v1Signature(secret: string, method: string, params: Record<string, string>): string {
  return createHmac("sha1", `${secret}&`).update(v1StringToSign(method, params)).digest("base64");
}

export interface Acs3Authorization {
  accessKeyId: string;
  signedHeaders: readonly string[];
  signature: string;
}

const ACS3_LAYOUT = /^ACS3-HMAC-SHA256 Credential=([^,\s]+),SignedHeaders=([a-z0-9;-]+),Signature=([0-9a-f]{64})$/;

/** Clients send the same few SignedHeaders lists: each is split once and kept (bounded). */
const signedHeaderLists = new Map<string, readonly string[]>();

function splitSignedHeaders(list: string): readonly string[] {
  let names = signedHeaderLists.get(list);
  if (!names) {
    if (signedHeaderLists.size >= 1000) signedHeaderLists.clear();
    names = list.split(";");
    signedHeaderLists.set(list, names);
  }
  return names;
}

/**
 * Parses `ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…`; null when malformed. The list of
 * signed headers is shared between requests that send the same one, so it is never changed.
 */
export function parseAcs3Authorization(header: string | undefined): Acs3Authorization | null {
  if (!header) return null;
  // The clients' own layout matches as sent; spaces around the parts are tolerated.
  const m = ACS3_LAYOUT.exec(header) ?? ACS3_LAYOUT.exec(header.trim().replace(/,\s+/g, ","));
  if (!m) return null;
  return { accessKeyId: m[1]!, signedHeaders: splitSignedHeaders(m[2]!), signature: m[3]! };
}


export interface Acs3Input {
  method: string;
  /** Decoded query parameters (V3 does not sign form-body parameters; the body hash covers them). */
  query: Record<string, string>;
  /** Lower-cased header name → value (repeated headers already joined), for the signed headers. */
  headers: Record<string, string>;
  /** Hex SHA-256 of the body, as the x-acs-content-sha256 header states it. */
  payloadHash: string;
}

export function acs3CanonicalRequest(signedHeaders: readonly string[], input: Acs3Input): string {
  let canonicalHeaders = "";
  for (const h of signedHeaders) canonicalHeaders += `${h}:${(input.headers[h] ?? "").trim()}\n`;
  return [input.method.toUpperCase(), "/", canonicalQuery(input.query), canonicalHeaders, signedHeaders.join(";"), input.payloadHash].join("\n");
}

/** V3: hex(HMAC-SHA256(secret, "ACS3-HMAC-SHA256\n" + hex(sha256(canonical request)))); the secret's HMAC key is kept (lib/hash.ts). */
export function acs3Signature(secret: string, signedHeaders: readonly string[], input: Acs3Input): string {
  const stringToSign = `${ACS3}\n${sha256Hex(acs3CanonicalRequest(signedHeaders, input))}`;
  return hmacKeyOf(secret).hex(stringToSign);
}

export { safeEqual } from "../../core/secrets.js";
