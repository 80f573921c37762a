import { randomFillSync } from "node:crypto";

const LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * Random bytes from a pool refilled 4 KB at a time: ids are made on every write, and asking the
 * CSPRNG for a few bytes at a time costs a call into OpenSSL per id.
 */
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
function randomByte(): number {
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  return pool[poolAt++]!;
}

/** A uniformly chosen character of `alphabet` (bytes that would favour the first characters are drawn again). */
function randomChar(alphabet: string): string {
  const limit = 256 - (256 % alphabet.length);
  for (;;) {
    const b = randomByte();
    if (b < limit) return alphabet[b % alphabet.length]!;
  }
}

/** `<prefix>` + n random characters from [a-z0-9], the shape every Tencent CIC id has (z-, u-, g-, up-, t-). */
export function prefixedId(prefix: string, n = 12): string {
  let out = prefix;
  for (let i = 0; i < n; i++) out += randomChar(LOWER_ALNUM);
  return out;
}

export function randomAlnum(n: number): string {
  let out = "";
  for (let i = 0; i < n; i++) out += randomChar(ALNUM);
  return out;
}

/**
 * Whether a number can name a row by a numeric id (a UIN, an organization id): a positive safe
 * integer, as every sequence-made id is. Anything else names nothing, and is never sent to SQL,
 * where PostgreSQL would refuse a fraction or a number beyond int8 as a query error.
 */
export function isNumericId(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0;
}

/** n random decimal digits (numeric ids kept as text, like CAM's and RAM's role ids). */
export function randomDigits(n: number): string {
  let out = "";
  for (let i = 0; i < n; i++) out += randomChar("0123456789");
  return out;
}
