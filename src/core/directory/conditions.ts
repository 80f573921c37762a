/**
 * A neutral condition on directory users or groups, compiled to SQL: what an outside provider's
 * query (a SCIM filter) becomes once its door has translated the attribute names into the
 * directory's fields. Nothing here knows the provider's wire; a door that cannot express its query
 * in these fields evaluates it itself.
 */
import { type Expression, sql, type SqlBool } from "kysely";
import { escapeLike } from "../../store/database.js";
import { fail } from "../errors.js";
import { checkSearchText } from "../text.js";

export type CompareOp = "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "ge" | "lt" | "le";

/**
 * Fields of a user a condition may name. `attributes` is the text of the attributes an outside
 * provider keeps on the user (its own JSON, which the core never parses): a door may narrow a query
 * it evaluates itself by what that text contains.
 */
export type UserConditionField = "id" | "userName" | "externalId" | "displayName" | "email" | "firstName" | "lastName" | "enabled" | "createdAt" | "updatedAt" | "attributes";
/** Fields of a group a condition may name; `memberId` is true of a group with that user among its members. */
export type GroupConditionField = "id" | "groupName" | "externalId" | "createdAt" | "updatedAt" | "memberId";

export type Condition<F extends string> =
  | { and: Condition<F>[] }
  | { or: Condition<F>[] }
  | { not: Condition<F> }
  | { field: F; op: CompareOp; value: string | number | boolean }
  | { field: F; present: true };

type Kind = "text" | "exact" | "time" | "enabled" | "member";
interface Column {
  column: string;
  /** text: compared without regard to case; exact: as stored; time: epoch milliseconds. */
  kind: Kind;
}

const USER_COLUMNS: Record<UserConditionField, Column> = {
  id: { column: "dir_users.user_id", kind: "exact" },
  userName: { column: "dir_users.user_name", kind: "text" },
  externalId: { column: "dir_users.external_id", kind: "exact" },
  displayName: { column: "dir_users.display_name", kind: "text" },
  email: { column: "dir_users.email", kind: "text" },
  firstName: { column: "dir_users.first_name", kind: "text" },
  lastName: { column: "dir_users.last_name", kind: "text" },
  enabled: { column: "dir_users.user_status", kind: "enabled" },
  createdAt: { column: "dir_users.created_at", kind: "time" },
  updatedAt: { column: "dir_users.updated_at", kind: "time" },
  attributes: { column: "dir_users.scim_attributes", kind: "text" },
};

const GROUP_COLUMNS: Record<GroupConditionField, Column> = {
  id: { column: "dir_groups.group_id", kind: "exact" },
  groupName: { column: "dir_groups.group_name", kind: "text" },
  externalId: { column: "dir_groups.external_id", kind: "exact" },
  createdAt: { column: "dir_groups.created_at", kind: "time" },
  updatedAt: { column: "dir_groups.updated_at", kind: "time" },
  memberId: { column: "dir_groups.group_id", kind: "member" },
};

/** Terms in one condition: bounds the SQL one request can make (a deep filter is refused before it costs anything). */
export const MAX_CONDITION_TERMS = 50;
/** Nesting depth of one condition. */
export const MAX_CONDITION_DEPTH = 10;

export const userColumnOf = (field: UserConditionField): string => USER_COLUMNS[field].column;
export const groupColumnOf = (field: GroupConditionField): string => GROUP_COLUMNS[field].column;

/**
 * A condition as a statement compiled once per shape takes it (store/shapes.ts): `key` names its SQL (two
 * conditions with the same key make the same SQL, whatever their values) and `values` are what it
 * binds, in binding order. A provider's lookups (`userName eq "…"`, thousands in an initial sync) then
 * share one compiled statement instead of each building and compiling its own.
 */
export interface ConditionShape {
  key: string;
  values: unknown[];
}

/** Conditions over one table's fields: their shapes, and their SQL with each value bound where `value(i)` says. */
export interface Conditions<F extends string> {
  /** Checks the condition (bounds, fields, operators, value types) and gives its shape. */
  shape(c: Condition<F>): ConditionShape;
  /** The condition's SQL, its i-th value (in `shape`'s order) bound as `value(i)`. */
  sql(c: Condition<F>, value: (i: number) => unknown): Expression<SqlBool>;
}

export const userConditions: Conditions<UserConditionField> = conditionsOver(USER_COLUMNS);
export const groupConditions: Conditions<GroupConditionField> = conditionsOver(GROUP_COLUMNS);

function conditionsOver(columns: Record<string, Column>): Conditions<string> {
  return {
    shape(c) {
      checkShape(c);
      const values: unknown[] = [];
      const keyOf = (n: Condition<string>): string => {
        if ("and" in n) return `and(${n.and.map(keyOf).join(",")})`;
        if ("or" in n) return `or(${n.or.map(keyOf).join(",")})`;
        if ("not" in n) return `not(${keyOf(n.not)})`;
        const { key, param } = leaf(n, columns);
        if (param !== NONE) values.push(param);
        return key;
      };
      return { key: keyOf(c), values };
    },
    sql(c, value) {
      let next = 0;
      const compile = (n: Condition<string>): Expression<SqlBool> => {
        if ("and" in n) return and(n.and.map(compile));
        if ("or" in n) return or(n.or.map(compile));
        if ("not" in n) return sql<SqlBool>`not (${compile(n.not)})`;
        const { col, param } = leaf(n, columns);
        return leafSql(n, col, param === NONE ? undefined : value(next++));
      };
      return compile(c);
    },
  };
}

/** Marks a leaf that binds no value. */
const NONE: unique symbol = Symbol("no value");

/**
 * One comparison: its column, its part of the shape's key, and the value it binds, as bound (case
 * folded for text fields, LIKE's wildcards escaped and placed): so that the SQL depends on the key alone.
 */
function leaf(c: Exclude<Condition<string>, { and: unknown } | { or: unknown } | { not: unknown }>, columns: Record<string, Column>): { col: Column; key: string; param: unknown } {
  const col = columns[c.field];
  if (!col) return fail("value.invalid", `no field ${c.field} to filter on`, "filter");
  if ("present" in c) return { col, key: `${c.field} pr`, param: NONE };
  const { op, value } = c;
  const key = `${c.field} ${op}`;
  switch (col.kind) {
    case "member":
      if (typeof value !== "string" || (op !== "eq" && op !== "ne")) return fail("value.invalid", "members are compared with eq or ne to a user id", "filter");
      return { col, key, param: value };
    case "enabled":
      if (typeof value !== "boolean" || (op !== "eq" && op !== "ne")) return fail("value.invalid", "the status is compared with eq or ne to a boolean", "filter");
      return { col, key: `${c.field} is`, param: value === (op === "eq") ? "Enabled" : "Disabled" };
    case "time":
      if (typeof value !== "number" || !Number.isFinite(value)) return fail("value.invalid", "a time is compared to a date-time", "filter");
      if (op === "co" || op === "sw" || op === "ew") return fail("value.invalid", `times are not compared with ${op}`, "filter");
      return { col, key, param: value };
    default: {
      if (typeof value !== "string") return fail("value.invalid", `${c.field} is compared to text`, "filter");
      // Text fields compare without regard to case (lower() on both sides); exact ones as stored.
      const v = col.kind === "text" ? value.toLowerCase() : value;
      const param = op === "co" ? "%" + escapeLike(v) + "%" : op === "sw" ? escapeLike(v) + "%" : op === "ew" ? "%" + escapeLike(v) : v;
      return { col, key, param };
    }
  }
}

/** The SQL of one comparison `leaf` checked, with `bound` standing for its value. */
function leafSql(c: Exclude<Condition<string>, { and: unknown } | { or: unknown } | { not: unknown }>, col: Column, bound: unknown): Expression<SqlBool> {
  const ref = sql.ref(col.column);
  if ("present" in c) {
    if (col.kind === "member") return sql<SqlBool>`exists (select 1 from dir_memberships m where m.group_id = ${ref})`;
    if (col.kind === "time" || col.kind === "enabled") return sql<SqlBool>`${ref} is not null`;
    return sql<SqlBool>`(${ref} is not null and ${ref} <> '')`;
  }
  const { op } = c;
  switch (col.kind) {
    case "member": {
      const has = sql<SqlBool>`exists (select 1 from dir_memberships m where m.group_id = ${ref} and m.user_id = ${bound})`;
      return op === "eq" ? has : sql<SqlBool>`not ${has}`;
    }
    case "enabled":
      return sql<SqlBool>`${ref} = ${bound}`;
    case "time":
      return sql<SqlBool>`${ref} ${sql.raw(SQL_OPS[op])} ${bound}`;
    default: {
      const lhs = col.kind === "text" ? sql`lower(${ref})` : ref;
      switch (op) {
        case "co":
        case "sw":
        case "ew":
          return sql<SqlBool>`${lhs} like ${bound} escape '\\'`;
        case "ne":
          // An absent value is not equal to any value.
          return sql<SqlBool>`(${ref} is null or ${lhs} <> ${bound})`;
        default:
          return sql<SqlBool>`${lhs} ${sql.raw(SQL_OPS[op])} ${bound}`;
      }
    }
  }
}

const and = (parts: Expression<SqlBool>[]): Expression<SqlBool> => (parts.length === 0 ? sql<SqlBool>`1 = 1` : sql<SqlBool>`(${sql.join(parts, sql` and `)})`);
const or = (parts: Expression<SqlBool>[]): Expression<SqlBool> => (parts.length === 0 ? sql<SqlBool>`1 = 0` : sql<SqlBool>`(${sql.join(parts, sql` or `)})`);

/** Whether a condition is within the bounds `Conditions.shape` holds it to (a door's optional narrowing may not be). */
export function conditionFits(c: Condition<string>): boolean {
  try {
    checkShape(c);
    return true;
  } catch {
    return false;
  }
}

function checkShape(c: Condition<string>): void {
  let terms = 0;
  const walk = (n: Condition<string>, depth: number): void => {
    if (depth > MAX_CONDITION_DEPTH) fail("value.invalid", `a condition nests at most ${MAX_CONDITION_DEPTH} levels`, "filter");
    if (++terms > MAX_CONDITION_TERMS) fail("value.invalid", `a condition has at most ${MAX_CONDITION_TERMS} terms`, "filter");
    if ("and" in n) n.and.forEach((x) => walk(x, depth + 1));
    else if ("or" in n) n.or.forEach((x) => walk(x, depth + 1));
    else if ("not" in n) walk(n.not, depth + 1);
    else if ("op" in n && typeof n.value === "string") checkSearchText(n.value, "filter");
  };
  walk(c, 0);
}

const SQL_OPS: Record<CompareOp, string> = { eq: "=", ne: "<>", gt: ">", ge: ">=", lt: "<", le: "<=", co: "like", sw: "like", ew: "like" };

