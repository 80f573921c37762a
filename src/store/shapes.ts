/**
 * Statements compiled once per shape and database, then run with each call's values: kysely's
 * documented split of building from execution, as the store's `precompiled` does for fixed reads,
 * here for statements whose shape varies with the request (which optional filters a list has) and
 * for writes. Building and compiling a statement costs more than running it on SQLite directly.
 * What these return is a query for the store's `all`, `first` and `exec`.
 */
import type { CompiledQuery, Insertable, Kysely, RawBuilder, ValueNode } from "kysely";
import { exec } from "./database.js";
import type { Database } from "./schema.js";

/** What `all`, `first` and `exec` take: a query that compiles to SQL and its parameters. */
export interface CompiledStatement<R> {
  compile(): CompiledQuery<R>;
}

/**
 * How a statement takes the values that vary between calls, so that it can be compiled once per
 * shape (see `shaped`). Building it sees placeholders, not the values.
 */
export interface Slots {
  /** Value `i`, as one bound parameter (`where`, `limit`, `offset`, a value in `sql`). */
  value<T>(i: number): T;
  /**
   * A text match over value `i`, made by one of the store's text helpers (`containsText`,
   * `matchesText`), each of which binds one parameter made from the text. `match` must depend on
   * its argument only: it is kept with the shape and makes that parameter from each call's value.
   */
  text(i: number, match: (text: string) => RawBuilder<boolean>): RawBuilder<boolean>;
}

/** A query compiled for one shape: each of its parameters is a call's value, a text match's, or fixed. */
interface Shape {
  query: CompiledQuery<unknown>;
  /** Per parameter: the index of the call's value it takes, or -1 (fixed, or a text match). */
  valueAt: number[];
  /** Per parameter: the text match that makes it from value `i`, if it is one. */
  textAt: ({ i: number; match: (text: string) => RawBuilder<boolean> } | undefined)[];
}

/** Shapes compiled per database (a transaction shares its parent's adapter, and so its shapes). */
const shapes = new WeakMap<object, Map<string, Shape>>();
/** Far more than the lists' shapes; a bound all the same, since keys come from requests. */
const MAX_SHAPES = 1000;

/**
 * The query `build` makes for shape `key`, compiled once per database, with `values` bound: what
 * `all` or `first` take. Only the first call of a shape runs `build`.
 */
export function shaped<R>(db: Kysely<Database>, key: string, values: readonly unknown[], build: (slot: Slots) => CompiledStatement<R>): CompiledStatement<R> {
  const adapter = db.getExecutor().adapter;
  let byKey = shapes.get(adapter);
  if (!byKey) shapes.set(adapter, (byKey = new Map()));
  let shape = byKey.get(key);
  if (!shape) {
    if (byKey.size >= MAX_SHAPES) byKey.clear();
    shape = compileShape(values.length, build);
    byKey.set(key, shape);
  }
  const { query, valueAt, textAt } = shape;
  const parameters = new Array<unknown>(valueAt.length);
  for (let k = 0; k < valueAt.length; k++) {
    const i = valueAt[k]!;
    const text = textAt[k];
    parameters[k] = i >= 0 ? values[i] : text ? onlyParameter(text.match(values[text.i] as string)) : query.parameters[k];
  }
  const bound = { ...query, parameters } as CompiledQuery<R>;
  return { compile: () => bound };
}

function compileShape(count: number, build: (slot: Slots) => CompiledStatement<unknown>): Shape {
  const placeholders = Array.from({ length: count }, (_, i) => ({ slot: i }));
  const texts: { i: number; match: (text: string) => RawBuilder<boolean>; marker: unknown }[] = [];
  const used = new Set<number>();
  const query = build({
    value: <T>(i: number) => placeholders[i] as T,
    text: (i, match) => {
      // A marker no value can equal stands for the text while building; its parameter is then found by equality.
      const fragment = match(`\u0000slot ${i}\u0000`);
      texts.push({ i, match, marker: onlyParameter(fragment) });
      return fragment;
    },
  }).compile();
  const valueAt = query.parameters.map((p) => {
    const i = placeholders.indexOf(p as { slot: number });
    if (i >= 0) used.add(i);
    return i;
  });
  const textAt = query.parameters.map((p) => {
    const t = texts.find((x) => x.marker === p);
    if (t) used.add(t.i);
    return t && { i: t.i, match: t.match };
  });
  if (used.size !== count) throw new Error(`shaped: a value is not a bound parameter of ${query.sql}`);
  return { query, valueAt, textAt };
}

/** The one value a store text-match fragment binds (its other parts are column references). */
function onlyParameter(fragment: RawBuilder<boolean>): unknown {
  const values = fragment.toOperationNode().parameters.filter((p): p is ValueNode => p.kind === "ValueNode");
  if (values.length !== 1) throw new Error("shaped: a text match binds exactly one value");
  return values[0]!.value;
}

/** `insert into <table> (<the row's columns>) values (…)`, compiled once per table and column list. */
export function insertRow<T extends keyof Database & string>(db: Kysely<Database>, table: T, row: Insertable<Database[T]>): CompiledStatement<unknown> {
  const columns = Object.keys(row) as (keyof typeof row & string)[];
  return shaped(
    db,
    `insert ${table} ${columns.join(",")}`,
    columns.map((c) => row[c]),
    (slot) => db.insertInto(table).values(Object.fromEntries(columns.map((c, i) => [c, slot.value(i)])) as never),
  );
}

/**
 * Inserts `rows` (each with the first row's columns, in statements of at most `chunk` rows), each
 * statement compiled once per table, column list, row count and conflict rule: building a multi-row
 * insert anew (a hundred sub-users bind 1,400 values) costs more than SQLite takes to run it, and its
 * SQL, new each time, would be prepared again. With `skipConflictsOn`, a row whose key (those
 * columns, unique) is already there is skipped.
 */
export async function insertRows<T extends keyof Database & string>(
  db: Kysely<Database>,
  table: T,
  rows: readonly Insertable<Database[T]>[],
  opts: { chunk: number; skipConflictsOn?: readonly string[] },
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!) as (keyof Insertable<Database[T]> & string)[];
  const conflict = opts.skipConflictsOn;
  for (let i = 0; i < rows.length; i += opts.chunk) {
    const part = rows.slice(i, i + opts.chunk);
    const values = new Array<unknown>(part.length * columns.length);
    let k = 0;
    for (const row of part) {
      if (Object.keys(row).length !== columns.length) throw new Error(`insertRows: every row of ${table} must have the same columns`);
      for (const c of columns) {
        if (!(c in row)) throw new Error(`insertRows: every row of ${table} must have the same columns`);
        values[k++] = row[c];
      }
    }
    const key = `insert ${table} ${columns.join(",")} x${part.length}${conflict ? ` skip ${conflict.join(",")}` : ""}`;
    await exec(
      db,
      shaped(db, key, values, (slot) => {
        const placeholders = part.map((_, r) => Object.fromEntries(columns.map((c, ci) => [c, slot.value(r * columns.length + ci)])));
        const q = db.insertInto(table).values(placeholders as never);
        return conflict ? q.onConflict((oc) => oc.columns(conflict as never).doNothing()) : q;
      }),
    );
  }
}
