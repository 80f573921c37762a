/**
 * Secret handling: SecretKeys are stored AES-256-GCM encrypted under a master key;
 * passwords are stored as scrypt hashes. The master key comes from OPENCIC_MASTER_KEY
 * or from `<data dir>/master.key`, created on first start with mode 0600.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hash, randomBytes, randomFillSync, scryptSync, timingSafeEqual } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HmacKey } from "../lib/hash.js";

/**
 * Random bytes for salts and IVs, taken from a pool that is refilled from the CSPRNG 4 KB at a time:
 * each `randomBytes` call is a trip into OpenSSL costing microseconds, one per CreateUser. Every byte
 * is handed out once; each caller gets its own copy.
 */
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
export function pooledRandomBytes(n: number): Buffer {
  if (n > pool.length) return randomBytes(n);
  if (poolAt + n > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const out = Buffer.from(pool.subarray(poolAt, poolAt + n));
  poolAt += n;
  return out;
}

/**
 * A uniformly random integer in [0, n) for n ≤ 256, from the pool: a byte at or above the largest
 * multiple of n is drawn again, so no value is favoured. crypto.randomInt makes a trip into OpenSSL
 * per call, and a generated password takes ~30 draws.
 */
export function pooledRandomIndex(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new RangeError(`pooledRandomIndex: n must be an integer from 1 to 256, got ${n}`);
  const limit = 256 - (256 % n);
  for (;;) {
    if (poolAt >= pool.length) {
      randomFillSync(pool);
      poolAt = 0;
    }
    const byte = pool[poolAt++]!;
    if (byte < limit) return byte % n;
  }
}

export class SecretBox {
  private readonly macKey: HmacKey;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error("the master key must be 32 bytes");
    // A separate key for MACs, so nothing signed can ever be mistaken for something sealed.
    this.macKey = new HmacKey(createHmac("sha256", key).update("opencic mac key v1").digest());
  }

  /** A 128-bit HMAC of `data`, base64url: proves a value (a paging token) was made by this server. */
  mac(data: string): string {
    return Buffer.from(this.macKey.latin1(data).slice(0, 16), "latin1").toString("base64url");
  }

  seal(plain: string): string {
    const iv = pooledRandomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return ["v1", iv.toString("base64"), cipher.getAuthTag().toString("base64"), data.toString("base64")].join(".");
  }

  open(sealed: string): string {
    const [v, iv, tag, data] = sealed.split(".");
    if (v !== "v1" || !iv || !tag || data === undefined) throw new Error("unrecognised sealed secret");
    const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64"));
    decipher.setAuthTag(Buffer.from(tag, "base64"));
    return Buffer.concat([decipher.update(Buffer.from(data, "base64")), decipher.final()]).toString("utf8");
  }
}

/** Parse a master key given as 64 hex characters or base64 of 32 bytes. */
export function parseMasterKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, "hex") : Buffer.from(t, "base64");
  if (key.length !== 32) throw new Error("OPENCIC_MASTER_KEY must be 32 bytes, as 64 hex characters or base64");
  return key;
}

export function loadOrCreateMasterKey(dataDir: string, fromEnv?: string): Buffer {
  if (fromEnv) return parseMasterKey(fromEnv);
  const file = join(dataDir, "master.key");
  if (existsSync(file)) return parseMasterKey(readFileSync(file, "utf8"));
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString("base64") + "\n", { mode: 0o600, flag: "wx" });
  return key;
}

const SCRYPT_N = 16384;

export function hashPassword(password: string): string {
  const salt = pooledRandomBytes(16);
  const hash = scryptSync(password, salt, 32, { N: SCRYPT_N });
  return `scrypt$${SCRYPT_N}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

/**
 * For secrets OpenCIC generated itself (initial passwords): they carry ~90 bits of randomness, so a
 * salted SHA-256 cannot be brute-forced, and creating 10,000 users does not cost 10,000 scrypt runs.
 * Passwords a person chose always go through scrypt (hashPassword).
 */
export function hashGeneratedSecret(secret: string): string {
  const salt = pooledRandomBytes(16);
  // One-shot over salt ‖ secret: the same digest as two updates of a Hash object, without the object.
  return `sha256$${salt.toString("base64")}$${hash("sha256", Buffer.concat([salt, Buffer.from(secret)]), "base64")}`;
}

export function verifyPassword(password: string, stored: string): boolean {
  if (stored.startsWith("sha256$")) {
    const [, salt, hash] = stored.split("$");
    if (!salt || !hash) return false;
    const actual = createHash("sha256").update(Buffer.from(salt, "base64")).update(password).digest();
    return timingSafeEqual(Buffer.from(hash, "base64"), actual);
  }
  const [scheme, n, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !n || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  const actual = scryptSync(password, Buffer.from(salt, "base64"), expected.length, { N: Number(n) });
  return timingSafeEqual(expected, actual);
}

/**
 * Constant-time string comparison for signatures and MACs (length leaks, content does not): every
 * code unit is compared, and the differences are folded together without an early exit, as
 * tweetnacl's verify does. Signatures arrive as strings, so no buffer is made for either side.
 */
export function safeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
