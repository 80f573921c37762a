/**
 * Keyset paging for every directory list. A page is read after the sort key of the previous page's
 * last row, so rows inserted or deleted between pages never make a row that existed throughout be
 * skipped or repeated, and a deep page costs what the first does. NextTokens are opaque, signed,
 * and bound to the query they came from: a token replayed with other filters, another directory,
 * or forged, is refused.
 */
import { createHash } from "node:crypto";
import type { SelectQueryBuilder } from "kysely";
import { sql } from "kysely";
import { fail } from "../errors.js";

export interface PageRequest {
  maxResults?: number;
  nextToken?: string;
  /** Rows to skip when no token is given (documented for some lists; costs what it skips). */
  offset?: number;
  descending?: boolean;
}

export interface Page<T> {
  items: T[];
  totalCounts: number;
  maxResults: number;
  isTruncated: boolean;
  nextToken?: string;
}

/** The sort key of a row: a time and a unique id that breaks ties. */
export interface Cursor {
  at: number;
  id: string;
}

export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 100;

export class PageTokens {
  constructor(private readonly mac: (data: string) => string) {}

  encode(cursor: Cursor, scope: string): string {
    const payload = Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString("base64url");
    return `${payload}.${this.mac(`${payload}\n${scope}`)}`;
  }

  decode(token: string, scope: string): Cursor {
    const invalid = () => fail("paging.token_invalid", "the NextToken is invalid, expired, or belongs to another query", "nextToken");
    const [payload, mac, extra] = token.split(".");
    if (!payload || !mac || extra !== undefined || mac !== this.mac(`${payload}\n${scope}`)) return invalid();
    try {
      const [at, id] = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as [unknown, unknown];
      if (typeof at !== "number" || typeof id !== "string") return invalid();
      return { at, id };
    } catch {
      return invalid();
    }
  }
}

export function pageSize(req: PageRequest): number {
  const n = req.maxResults ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) fail("directory.field_invalid", `maxResults must be an integer from 1 to ${MAX_PAGE_SIZE}`, "maxResults");
  // A safe integer: SQLite refuses an OFFSET beyond 2^63, and nothing is that far down a list anyway.
  if (req.offset !== undefined && (!Number.isSafeInteger(req.offset) || req.offset < 0)) fail("directory.field_invalid", "offset must be a non-negative integer", "offset");
  return n;
}

/** How many rows `base` (a filtered list query) matches. */
export async function countRows<DB, TB extends keyof DB, O>(base: SelectQueryBuilder<DB, TB, O>): Promise<number> {
  const row = await base
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number((row as { n: number | string }).n);
}

/**
 * Reads one page of `base` (already filtered) ordered by (timeColumn, idColumn).
 * `scope` names the query (kind, directory, filters, order) that tokens are bound to.
 */
export async function readPage<DB, TB extends keyof DB, O extends Record<string, unknown>>(
  base: SelectQueryBuilder<DB, TB, O>,
  opts: {
    timeColumn: string;
    idColumn: string;
    tokens: PageTokens;
    scope: string;
    request: PageRequest;
    total: number;
  },
): Promise<Page<O>> {
  const limit = pageSize(opts.request);
  const desc = opts.request.descending === true;
  const direction = desc ? "desc" : "asc";
  const time = sql.ref(opts.timeColumn);
  const id = sql.ref(opts.idColumn);
  let q = base;
  if (opts.request.nextToken) {
    const c = opts.tokens.decode(opts.request.nextToken, opts.scope);
    q = q.where(desc ? sql<boolean>`(${time}, ${id}) < (${c.at}, ${c.id})` : sql<boolean>`(${time}, ${id}) > (${c.at}, ${c.id})`) as typeof q;
  } else if (opts.request.offset) {
    q = q.offset(opts.request.offset) as typeof q;
  }
  const rows = (await q
    .orderBy(sql`${time} ${sql.raw(direction)}`)
    .orderBy(sql`${id} ${sql.raw(direction)}`)
    .limit(limit + 1)
    .execute()) as O[];
  const truncated = rows.length > limit;
  const items = truncated ? rows.slice(0, limit) : rows;
  const last = items[items.length - 1];
  return {
    items,
    totalCounts: opts.total,
    maxResults: limit,
    isTruncated: truncated,
    nextToken:
      truncated && last
        ? opts.tokens.encode({ at: Number(last[opts.timeColumn.split(".").pop()!]), id: String(last[opts.idColumn.split(".").pop()!]) }, opts.scope)
        : undefined,
  };
}

/** Binds a page token to a query: which list, which directory, which filters and order. */
export function scopeOf(kind: string, id: string, filters: Record<string, unknown>): string {
  return createHash("sha256").update(JSON.stringify([kind, id, filters])).digest("base64url");
}
