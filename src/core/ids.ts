import { randomBytes, randomInt } from "node:crypto";

const LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";

/** `<prefix>` + n random characters from [a-z0-9], the shape every Tencent CIC id has (z-, u-, g-, up-, t-). */
export function prefixedId(prefix: string, n = 12): string {
  let out = prefix;
  const bytes = randomBytes(n);
  for (let i = 0; i < n; i++) out += LOWER_ALNUM[bytes[i]! % LOWER_ALNUM.length];
  return out;
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export function randomAlnum(n: number): string {
  let out = "";
  for (let i = 0; i < n; i++) out += ALNUM[randomInt(ALNUM.length)];
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
