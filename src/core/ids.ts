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

/** The time part of `orderedId`: milliseconds since the epoch in 8 base-36 digits (until 2059). */
const TIME_DIGITS = 8;
/** The rest: a counter within the millisecond, from a random start (36⁴ ids a millisecond at most). */
const COUNTER_DIGITS = 4;
const COUNTER_MAX = 36 ** COUNTER_DIGITS;
let orderedMs = 0;
let orderedCounter = 0;

/**
 * `<prefix>` + 12 characters from [a-z0-9] as `prefixedId`, increasing with time: the milliseconds,
 * then a counter from a random start. A table's key index takes each new id at its right-hand edge,
 * so a burst of inserts changes a page or two of it instead of one random page each (the pages a
 * COMMIT writes: a group of eight CreateUsers wrote 19 WAL frames with random ids, 13.6 with these).
 * Within a process ids never repeat (the counter carries into the next millisecond); two processes
 * (on one PostgreSQL database) each making an id in the same millisecond make the same one once in
 * ~840,000, so an insert retries on a key clash (`withFreshId`).
 */
export function orderedId(prefix: string): string {
  const now = Date.now();
  if (now > orderedMs) {
    orderedMs = now;
    orderedCounter = (randomByte() << 8 | randomByte()) % (COUNTER_MAX / 2);
  } else if (++orderedCounter === COUNTER_MAX) {
    orderedMs++;
    orderedCounter = 0;
  }
  return prefix + orderedMs.toString(36).padStart(TIME_DIGITS, "0").slice(-TIME_DIGITS) + orderedCounter.toString(36).padStart(COUNTER_DIGITS, "0");
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
