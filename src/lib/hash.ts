/**
 * SHA-256 and HMAC-SHA256 as the signature checks of both doors compute them on every request.
 *
 * One-shot `crypto.hash` (Node ≥ 20.12) skips building a Hash object per call; older Node 20 falls back.
 */
import * as crypto from "node:crypto";
import { createHash } from "node:crypto";

const oneShotHash = typeof crypto.hash === "function" ? crypto.hash : undefined;

export const sha256Hex = (data: string | Buffer): string => (oneShotHash ? oneShotHash("sha256", data, "hex") : createHash("sha256").update(data).digest("hex"));
const sha256Latin1 = (data: Buffer): string => (oneShotHash ? oneShotHash("sha256", data, "binary") : createHash("sha256").update(data).digest("binary"));

/** The hex SHA-256 of no bytes: what an empty body (GET, or parameters only in the query) hashes to. */
export const EMPTY_SHA256 = sha256Hex(Buffer.alloc(0));

/** Hex SHA-256 of a request body; the empty body's is a constant. */
export const bodySha256Hex = (body: Buffer): string => (body.length === 0 ? EMPTY_SHA256 : sha256Hex(body));

/**
 * HMAC-SHA256 (RFC 2104) under one key: SHA-256 of the outer padded key and SHA-256 of the inner
 * padded key and the message. The padded key blocks are made once per key; each message then costs
 * two one-shot hashes, where `createHmac` sets up an OpenSSL HMAC context per message, which cost more
 * than the hashing. Used for the signature checks (TC3, Alibaba V3) and the core's MACs (paging
 * tokens); checked against `createHmac` and RFC 4231 in the tests.
 */
export class HmacKey {
  private readonly ipad = new Uint8Array(64);
  /** The outer padded key, then the inner digest. */
  private readonly outer = Buffer.alloc(64 + 32);

  constructor(key: Buffer) {
    // Keys longer than a block are hashed first (RFC 2104).
    const k = key.length > 64 ? createHash("sha256").update(key).digest() : key;
    for (let i = 0; i < 64; i++) {
      const b = i < k.length ? k[i]! : 0;
      this.ipad[i] = b ^ 0x36;
      this.outer[i] = b ^ 0x5c;
    }
  }

  /** The digest of `message` (UTF-8), as lower-case hex. */
  hex(message: string): string {
    return sha256Hex(this.outerBlock(message));
  }

  /** The digest of `message` (UTF-8), as 32 latin1 characters (one per byte). */
  latin1(message: string): string {
    return sha256Latin1(this.outerBlock(message));
  }

  /** The outer padded key followed by the inner digest: what the outer hash takes. */
  private outerBlock(message: string): Buffer {
    const inner = innerScratch(64 + message.length * 3);
    inner.set(this.ipad, 0);
    const n = inner.write(message, 64, "utf8");
    this.outer.write(sha256Latin1(inner.subarray(0, 64 + n)), 64, "latin1");
    return this.outer;
  }
}

/** One buffer for every inner hash input (the inner padded key, then the message): hashing is synchronous. */
let scratch = Buffer.alloc(2048);
function innerScratch(bytes: number): Buffer {
  if (bytes > scratch.length) scratch = Buffer.alloc(bytes);
  return scratch;
}

/**
 * The HmacKey of a secret used as an HMAC key as it is (UTF-8), kept per secret: the same few keys
 * sign every request. Bounded; a full table starts over.
 */
const secretKeys = new Map<string, HmacKey>();

export function hmacKeyOf(secret: string): HmacKey {
  let key = secretKeys.get(secret);
  if (!key) {
    if (secretKeys.size >= 10_000) secretKeys.clear();
    key = new HmacKey(Buffer.from(secret, "utf8"));
    secretKeys.set(secret, key);
  }
  return key;
}
