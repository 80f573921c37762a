/**
 * How an outside provider lists what it synchronizes: a condition (conditions.ts), an order, and
 * either a window by position (offset and count) or a cursor: the keyset of the last row read, in
 * creation order, signed and bound to the query like every NextToken (paging.ts). Shared by users and
 * groups.
 */
import { type Kysely, type SelectQueryBuilder, sql } from "kysely";
import { all, first } from "../../store/database.js";
import type { Database } from "../../store/schema.js";
import { fail } from "../errors.js";
import { type MaybePromise, then } from "../../lib/maybe-promise.js";
import type { Condition } from "./conditions.js";
import { type PageTokens, scopeOf } from "./paging.js";

export interface ExternalQuery<F extends string> {
  where?: Condition<F>;
  /** A field to order by (then by creation and id); absent: creation order. */
  sortBy?: Exclude<F, "memberId">;
  descending?: boolean;
  /** Rows to skip (position paging). */
  offset?: number;
  /** Rows to return; 0 asks only for the total. */
  limit: number;
  /** Cursor paging: "" for the first page, else the previous page's `nextCursor`. */
  cursor?: string;
}

export interface ExternalPage<T> {
  items: T[];
  /** How many rows match, over all pages. */
  total: number;
  /** Cursor paging: the next page's cursor; absent on the last page. */
  nextCursor?: string;
}

/** Rows one page may hold. */
export const MAX_EXTERNAL_PAGE = 1000;

export function searchExternal<R extends Record<string, unknown>>(
  db: Kysely<Database>,
  tokens: PageTokens,
  base: SelectQueryBuilder<any, any, R>,
  q: ExternalQuery<string>,
  o: { kind: string; directoryId: string; timeColumn: string; idColumn: string; columnOf: (field: string) => string; isText: (field: string) => boolean },
): MaybePromise<ExternalPage<R>> {
  if (!Number.isSafeInteger(q.limit) || q.limit < 0 || q.limit > MAX_EXTERNAL_PAGE) fail("value.invalid", `a page holds 0 to ${MAX_EXTERNAL_PAGE} rows`, "count");
  if (q.offset !== undefined && (!Number.isSafeInteger(q.offset) || q.offset < 0)) fail("value.invalid", "the offset is a non-negative integer", "startIndex");
  if (q.cursor !== undefined && q.sortBy !== undefined) fail("value.invalid", "cursor paging follows creation order; page a sorted list by position", "cursor");
  const time = sql.ref(o.timeColumn);
  const id = sql.ref(o.idColumn);
  const dir = sql.raw(q.descending ? "desc" : "asc");
  const counted = first(db, base.clearSelect().select((eb) => eb.fn.countAll<number>().as("n")) as never) as MaybePromise<{ n: number | string } | undefined>;
  return then(counted, (c) => {
    const total = Number(c?.n ?? 0);
    if (q.limit === 0) return { items: [], total };
    let page = base;
    const scope = q.cursor !== undefined ? scopeOf(`external ${o.kind}`, o.directoryId, { where: q.where ?? null, desc: q.descending === true }) : "";
    if (q.cursor) {
      const after = tokens.decode(q.cursor, scope);
      page = page.where(q.descending ? sql<boolean>`(${time}, ${id}) < (${after.at}, ${after.id})` : sql<boolean>`(${time}, ${id}) > (${after.at}, ${after.id})`);
    } else if (q.offset) {
      page = page.offset(q.offset);
    }
    if (q.sortBy !== undefined) {
      const col = sql.ref(o.columnOf(q.sortBy));
      page = page.orderBy(o.isText(q.sortBy) ? sql`lower(${col}) ${dir}` : sql`${col} ${dir}`);
    }
    page = page.orderBy(sql`${time} ${dir}`).orderBy(sql`${id} ${dir}`).limit(q.cursor !== undefined ? q.limit + 1 : q.limit);
    return then(all(db, page as never) as MaybePromise<R[]>, (rows) => {
      if (q.cursor === undefined || rows.length <= q.limit) return { items: rows, total };
      const items = rows.slice(0, q.limit);
      const last = items[items.length - 1]!;
      const key = (c: string) => last[c.slice(c.indexOf(".") + 1)];
      return { items, total, nextCursor: tokens.encode({ at: Number(key(o.timeColumn)), id: String(key(o.idColumn)) }, scope) };
    });
  });
}
