/**
 * Tencent Cloud API 3.0 signatures: TC3-HMAC-SHA256 and the legacy HmacSHA1/HmacSHA256.
 * Pure functions; the front door decides which one applies and what a failure means.
 */
import * as crypto from "node:crypto";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export const TC3 = "TC3-HMAC-SHA256";

export interface Tc3Authorization {
  secretId: string;
  date: string;
  /** Whatever the client put in its scope: the Node SDK derives it from the endpoint ("127", "localhost:8080"). */
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** The SDKs' own layout; anything else goes through the general parser below. */
const SDK_LAYOUT = /^TC3-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{4}-\d{2}-\d{2})\/([^/,]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

/** Parses `TC3-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`; null when malformed. */
export function parseTc3Authorization(header: string | undefined): Tc3Authorization | null {
  if (!header) return null;
  const m = SDK_LAYOUT.exec(header);
  if (m) return { secretId: m[1]!, date: m[2]!, service: m[3]!, signedHeaders: m[4]!.split(";"), signature: m[5]! };
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

/** One-shot `crypto.hash` (Node ≥ 20.12) skips building a Hash object per call; older Node 20 falls back. */
const oneShotHash = typeof crypto.hash === "function" ? crypto.hash : undefined;
const sha256Hex = (data: string | Buffer): string => (oneShotHash ? oneShotHash("sha256", data, "hex") : createHash("sha256").update(data).digest("hex"));
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

export interface Tc3Input {
  method: string;
  /** The query string exactly as sent (after `?`), "" for POST. */
  rawQuery: string;
  /** Lower-cased header name → value, for the signed headers. */
  headers: Record<string, string>;
  body: Buffer;
  timestamp: string;
}

/** The TC3 signature for `input` under `secretKey` and the scope/headers named in `auth`. */
export function tc3Signature(secretKey: string, auth: Omit<Tc3Authorization, "secretId" | "signature">, input: Tc3Input): string {
  return tc3Signer(secretKey, auth, input)(input.headers);
}

/**
 * Prepares the parts of a TC3 signature that do not depend on the signed header values (the body
 * hash, the derived key), and returns a function that signs for given header values: a verifier
 * that tries several Host spellings hashes the body once.
 */
export function tc3Signer(secretKey: string, auth: Omit<Tc3Authorization, "secretId" | "signature">, input: Omit<Tc3Input, "headers">) {
  const method = input.method.toUpperCase();
  const head = `${method}\n/\n${method === "GET" ? input.rawQuery : ""}\n`;
  const tail = `\n${auth.signedHeaders.join(";")}\n${sha256Hex(input.body)}`;
  const prefix = `${TC3}\n${input.timestamp}\n${auth.date}/${auth.service}/tc3_request\n`;
  const key = signingKey(secretKey, auth.date, auth.service);
  return (headers: Record<string, string>): string => {
    let canonicalHeaders = "";
    for (const h of auth.signedHeaders) canonicalHeaders += `${h}:${(headers[h] ?? "").trim().toLowerCase()}\n`;
    return key.sign(prefix + sha256Hex(head + canonicalHeaders + tail));
  };
}

/**
 * HMAC-SHA256 under one fixed key, as RFC 2104 defines it: H((K ^ opad) || H((K ^ ipad) || message)).
 * The two padded key blocks are computed once per key; each signature is then two one-shot hashes,
 * where `createHmac` would set a new HMAC context up from the key (an OpenSSL fetch and key schedule)
 * on every request.
 */
class HmacKey {
  private readonly inner = Buffer.alloc(64, 0x36);
  private readonly outer = Buffer.alloc(64 + 32, 0x5c);
  private scratch = Buffer.allocUnsafe(512);

  constructor(private readonly key: Buffer) {
    // Keys longer than a block would be hashed first; a derived TC3 key is 32 bytes.
    for (let i = 0; i < key.length; i++) {
      this.inner[i]! ^= key[i]!;
      this.outer[i]! ^= key[i]!;
    }
  }

  /** Hex HMAC-SHA256 of `message` (UTF-8). */
  sign(message: string): string {
    if (!oneShotHash || this.key.length > 64) return createHmac("sha256", this.key).update(message).digest("hex");
    const length = 64 + Buffer.byteLength(message);
    if (length > this.scratch.length) this.scratch = Buffer.allocUnsafe(length * 2);
    this.inner.copy(this.scratch, 0);
    this.scratch.write(message, 64, "utf8");
    oneShotHash("sha256", this.scratch.subarray(0, length), "buffer").copy(this.outer, 64);
    return oneShotHash("sha256", this.outer, "hex");
  }
}

/** The derived key changes once a day per key and service, so it is kept rather than re-derived per request. */
const signingKeys = new Map<string, HmacKey>();

function signingKey(secretKey: string, date: string, service: string): HmacKey {
  const id = `${date}\n${service}\n${secretKey}`;
  let key = signingKeys.get(id);
  if (!key) {
    key = new HmacKey(hmac(hmac(hmac("TC3" + secretKey, date), service), "tc3_request"));
    if (signingKeys.size >= 10_000) signingKeys.clear();
    signingKeys.set(id, key);
  }
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

/** Constant-time string comparison (length leaks, content does not). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/**
 * The Host header without its port and as sent: the Node SDK signs the hostname but sends
 * host:port (so that spelling is tried first); the Go SDK signs the host as configured.
 */
export function hostVariants(host: string): string[] {
  const withoutPort = host.replace(/:\d+$/, "");
  return withoutPort === host ? [host] : [withoutPort, host];
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
