/**
 * Keyset paging for every directory list. A page is read after the sort key of the previous page's
 * last row, so rows inserted or deleted between pages never make a row that existed throughout be
 * skipped or repeated, and a deep page costs what the first does. NextTokens are opaque, signed,
 * and bound to the query they came from: a token replayed with other filters, another directory,
 * or forged, is refused.
 */
import { createHash } from "node:crypto";
import type { Kysely, SelectQueryBuilder } from "kysely";
import { sql } from "kysely";
import { all, first } from "../../store/database.js";
import type { Database } from "../../store/schema.js";
import { fail } from "../errors.js";
import { type MaybePromise, then } from "../../lib/maybe-promise.js";
import { shaped, type Slots } from "../../store/shapes.js";

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

/**
 * Reads one page of `base` (already filtered) ordered by (timeColumn, idColumn), through the store's
 * statements on `db`. `scope` names the query (kind, directory, filters, order) that tokens are bound to.
 * For a list read on every request, `listPage` (below) also saves building the query each time.
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
    db: Kysely<Database>;
  },
): Promise<Page<O>> {
  const limit = pageSize(opts.request);
  const c = opts.request.nextToken ? opts.tokens.decode(opts.request.nextToken, opts.scope) : undefined;
  const query = pageQuery(base, { ...opts, descending: opts.request.descending === true, after: c && [c.at, c.id], offset: opts.request.offset || undefined, limit: limit + 1 });
  const rows = (await all(opts.db, query)) as O[];
  return pageOf(rows, limit, opts);
}

/**
 * `q` after a cursor (the (time, id) of the last row read) or skipping `offset` rows, in (time, id)
 * order, at most `limit` rows. The values may be a shape's slots.
 */
export function pageQuery<Q extends SelectQueryBuilder<any, any, any>>(
  q: Q,
  o: { timeColumn: string; idColumn: string; descending: boolean; after?: readonly [unknown, unknown]; offset?: unknown; limit: unknown },
): Q {
  const time = sql.ref(o.timeColumn);
  const id = sql.ref(o.idColumn);
  const direction = sql.raw(o.descending ? "desc" : "asc");
  let out: SelectQueryBuilder<any, any, any> = q;
  if (o.after) {
    const [at, last] = o.after;
    out = out.where(o.descending ? sql<boolean>`(${time}, ${id}) < (${at}, ${last})` : sql<boolean>`(${time}, ${id}) > (${at}, ${last})`);
  } else if (o.offset !== undefined) {
    out = out.offset(o.offset as number);
  }
  return out
    .orderBy(sql`${time} ${direction}`)
    .orderBy(sql`${id} ${direction}`)
    .limit(o.limit as number) as Q;
}

/** The page of `rows` (read with one more than `limit`, to tell whether more follow). */
function pageOf<O extends Record<string, unknown>>(rows: O[], limit: number, opts: { timeColumn: string; idColumn: string; tokens: PageTokens; scope: string | (() => string); total: number }): Page<O> {
  const truncated = rows.length > limit;
  const items = truncated ? rows.slice(0, limit) : rows;
  const last = items[items.length - 1];
  return {
    items,
    totalCounts: opts.total,
    maxResults: limit,
    isTruncated: truncated,
    nextToken: truncated && last ? opts.tokens.encode(cursorOf(last, opts.timeColumn, opts.idColumn), scopeText(opts.scope)) : undefined,
  };
}

/** The sort key of `row`, read as `pageQuery` orders by it (columns possibly written `table.column`). */
export function cursorOf(row: Record<string, unknown>, timeColumn: string, idColumn: string): Cursor {
  return { at: Number(row[columnName(timeColumn)]), id: String(row[columnName(idColumn)]) };
}

const columnName = (ref: string) => ref.slice(ref.lastIndexOf(".") + 1);
const scopeText = (scope: string | (() => string)) => (typeof scope === "string" ? scope : scope());

/** The values a list's present filters bind, in binding order (the list's own id first). */
export class FilterValues {
  readonly values: unknown[];
  constructor(id: string) {
    this.values = [id];
  }

  /** Where `value` is among the values (its slot), or -1 when it is undefined: the filter is absent. */
  at(value: unknown): number {
    return value === undefined ? -1 : this.values.push(value) - 1;
  }
}

/** A filtered list, as `listPage` reads it. */
export interface ListQuery<R> {
  /**
   * Which list this is and which of its optional filters are present: two calls with the same key
   * must build the same SQL, whatever their values.
   */
  key: string;
  /** The filters' values, in the order `rows` takes them through its slots. */
  values: readonly unknown[];
  /** The filtered rows, neither ordered nor limited. */
  rows(slot: Slots): SelectQueryBuilder<Database, any, R>;
}

/**
 * `readPage` for a list read on every request: the page query (and the count, when `total` is not
 * known) is built and compiled once per shape (the list's key, cursor kind and order) and database,
 * then run with each call's values on `db`; at once when the store can. `scope` is computed only when
 * a token is read or written.
 */
export function listPage<R extends Record<string, unknown>>(
  db: Kysely<Database>,
  list: ListQuery<R>,
  opts: { timeColumn: string; idColumn: string; tokens: PageTokens; scope: () => string; request: PageRequest; total?: number },
): MaybePromise<Page<R>> {
  const limit = pageSize(opts.request);
  const desc = opts.request.descending === true;
  const n = list.values.length;
  const values: unknown[] = [...list.values];
  let cursor: "after" | "offset" | "first" = "first";
  let scope: string | (() => string) = opts.scope;
  if (opts.request.nextToken) {
    scope = opts.scope();
    const c = opts.tokens.decode(opts.request.nextToken, scope);
    values.push(c.at, c.id);
    cursor = "after";
  } else if (opts.request.offset) {
    values.push(opts.request.offset);
    cursor = "offset";
  }
  values.push(limit + 1);
  const page = shaped(db, `${list.key}|${cursor}|${desc ? "desc" : "asc"}`, values, (slot) =>
    pageQuery(list.rows(slot), {
      ...opts,
      descending: desc,
      after: cursor === "after" ? [slot.value(n), slot.value(n + 1)] : undefined,
      offset: cursor === "offset" ? slot.value(n) : undefined,
      limit: slot.value(values.length - 1),
    }),
  );
  const total: MaybePromise<number> =
    opts.total ??
    then(
      first(db, shaped(db, `${list.key}|count`, list.values, (slot) => list.rows(slot).clearSelect().select((eb) => eb.fn.countAll<number>().as("n")))),
      (row) => Number((row as { n: number | string } | undefined)?.n ?? 0),
    );
  return then(total, (totalCounts) => then(all(db, page), (rows) => pageOf(rows as R[], limit, { ...opts, scope, total: totalCounts })));
}

/** Binds a page token to a query: which list, which directory, which filters and order. */
export function scopeOf(kind: string, id: string, filters: Record<string, unknown>): string {
  const text = JSON.stringify([kind, id, filters]);
  let scope = scopes.get(text);
  if (scope === undefined) {
    if (scopes.size >= MAX_SCOPES) scopes.clear();
    scope = createHash("sha256").update(text).digest("base64url");
    scopes.set(text, scope);
  }
  return scope;
}

/** Scopes already hashed: a list paged again (each page writes a token) hashes its query once. */
const scopes = new Map<string, string>();
const MAX_SCOPES = 1000;
