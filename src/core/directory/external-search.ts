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
import type { Condition, Conditions } from "./conditions.js";
import { cursorOf, pageQuery, type PageTokens, scopeOf } from "./paging.js";
import { shaped, type Slots } from "../../store/shapes.js";

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

/** What a search reads: its table's synchronized rows of one directory, how to filter and order them, and the view of a row. */
export interface ExternalTable<F extends string, R, V> {
  /** "users" or "groups": names the statements' shapes and binds the cursors. */
  kind: string;
  /** The directory's synchronized rows in `db`, the directory's id bound as `directoryId` (a shape's slot). */
  rows(db: Kysely<Database>, directoryId: unknown): SelectQueryBuilder<any, any, any>;
  conditions: Conditions<F>;
  timeColumn: string;
  idColumn: string;
  columnOf(field: string): string;
  isText(field: string): boolean;
  view(row: R): V;
}

/**
 * The count and the page are each compiled once per shape (the condition's key, the order, the kind
 * of paging) and run with each call's values (store/shapes.ts): an identity provider's lookup by
 * `userName eq "…"`, made once per user of an initial sync, then costs what its two statements cost.
 */
export function searchExternal<F extends string, R extends Record<string, unknown>, V>(
  db: Kysely<Database>,
  tokens: PageTokens,
  table: ExternalTable<F, R, V>,
  directoryId: string,
  q: ExternalQuery<F>,
): MaybePromise<ExternalPage<V>> {
  if (!Number.isSafeInteger(q.limit) || q.limit < 0 || q.limit > MAX_EXTERNAL_PAGE) fail("value.invalid", `a page holds 0 to ${MAX_EXTERNAL_PAGE} rows`, "count");
  if (q.offset !== undefined && (!Number.isSafeInteger(q.offset) || q.offset < 0)) fail("value.invalid", "the offset is a non-negative integer", "startIndex");
  if (q.cursor !== undefined && q.sortBy !== undefined) fail("value.invalid", "cursor paging follows creation order; page a sorted list by position", "cursor");
  const where = q.where && table.conditions.shape(q.where);
  // Values: the directory, the condition's, then the page's (cursor or offset, and the limit).
  const values: unknown[] = [directoryId, ...(where?.values ?? [])];
  const n = values.length;
  const filtered = (slot: Slots) => {
    const rows = table.rows(db, slot.value(0));
    return q.where ? rows.where(table.conditions.sql(q.where, (i) => slot.value(1 + i))) : rows;
  };
  const whereKey = where?.key ?? "-";
  const count = shaped(db, `external ${table.kind} count ${whereKey}`, values, (slot) => filtered(slot).clearSelect().select((eb) => eb.fn.countAll<number>().as("n")));
  return then(first(db, count as never) as MaybePromise<{ n: number | string } | undefined>, (c) => {
    const total = Number(c?.n ?? 0);
    if (q.limit === 0) return { items: [], total };
    const scope = q.cursor !== undefined ? scopeOf(`external ${table.kind}`, directoryId, { where: q.where ?? null, desc: q.descending === true }) : "";
    const pageValues = [...values];
    let paging: "first" | "after" | "offset" = "first";
    if (q.cursor) {
      const after = tokens.decode(q.cursor, scope);
      pageValues.push(after.at, after.id);
      paging = "after";
    } else if (q.offset) {
      pageValues.push(q.offset);
      paging = "offset";
    }
    pageValues.push(q.cursor !== undefined ? q.limit + 1 : q.limit);
    const desc = q.descending === true;
    const key = `external ${table.kind} page ${whereKey} ${q.sortBy ?? "-"} ${desc ? "desc" : "asc"} ${paging}`;
    const page = shaped(db, key, pageValues, (slot) => {
      let rows = filtered(slot);
      // A sorted page is ordered by the attribute first, then, as every page, by creation (pageQuery).
      if (q.sortBy !== undefined) {
        const col = sql.ref(table.columnOf(q.sortBy));
        const dir = sql.raw(desc ? "desc" : "asc");
        rows = rows.orderBy(table.isText(q.sortBy) ? sql`lower(${col}) ${dir}` : sql`${col} ${dir}`);
      }
      return pageQuery(rows, {
        timeColumn: table.timeColumn,
        idColumn: table.idColumn,
        descending: desc,
        after: paging === "after" ? [slot.value(n), slot.value(n + 1)] : undefined,
        offset: paging === "offset" ? slot.value(n) : undefined,
        limit: slot.value(pageValues.length - 1),
      });
    });
    return then(all(db, page as never) as MaybePromise<R[]>, (rows) => {
      if (q.cursor === undefined || rows.length <= q.limit) return { items: rows.map(table.view), total };
      const items = rows.slice(0, q.limit);
      return { items: items.map(table.view), total, nextCursor: tokens.encode(cursorOf(items[items.length - 1]!, table.timeColumn, table.idColumn), scope) };
    });
  });
}
