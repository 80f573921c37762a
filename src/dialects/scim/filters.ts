/**
 * A parsed SCIM filter (protocol/filter.ts) as the core's neutral condition, when every attribute it
 * names has a directory field; otherwise undefined, and the door evaluates the filter itself over
 * the directory's objects (matchesFilter).
 */
import { type Condition, conditionFits, type GroupConditionField, type UserConditionField } from "../../core/directory/conditions.js";
import type { CompareNode, FilterNode } from "./protocol/filter.js";

/** SCIM attribute paths (canonical, protocol/schemas.ts) with a user field. */
export const USER_FIELDS: Readonly<Record<string, UserConditionField>> = {
  id: "id",
  userName: "userName",
  externalId: "externalId",
  displayName: "displayName",
  // No emails.value: the directory's e-mail holds the chosen address only when it is usable (a valid
  // address no other user has), so a filter on e-mails is evaluated on the kept lists (see scan).
  active: "enabled",
  "name.givenName": "firstName",
  "name.familyName": "lastName",
  "meta.created": "createdAt",
  "meta.lastModified": "updatedAt",
};

/** SCIM attribute paths with a group field. */
export const GROUP_FIELDS: Readonly<Record<string, GroupConditionField>> = {
  id: "id",
  displayName: "groupName",
  externalId: "externalId",
  "meta.created": "createdAt",
  "meta.lastModified": "updatedAt",
  "members.value": "memberId",
};

const TIME_FIELDS = new Set(["createdAt", "updatedAt"]);

/** The condition a filter is, over `fields`; undefined when some part of it has no field. */
export function toCondition<F extends string>(node: FilterNode, fields: Readonly<Record<string, F>>): Condition<F> | undefined {
  switch (node.op) {
    case "and":
    case "or": {
      const parts = node.filters.map((f) => toCondition(f, fields));
      if (parts.some((p) => p === undefined)) return undefined;
      return node.op === "and" ? { and: parts as Condition<F>[] } : { or: parts as Condition<F>[] };
    }
    case "not": {
      const inner = toCondition(node.filter, fields);
      return inner && { not: inner };
    }
    case "valuePath":
      // members[value eq "…"]: its tests name members.value, like the dotted form.
      return toCondition(node.filter, fields);
    case "pr": {
      const field = fields[node.attr.path];
      return field === undefined ? undefined : { field, present: true };
    }
    default: {
      const field = fields[node.attr.path];
      if (field === undefined || node.value === null) return undefined;
      let value: string | number | boolean = node.value;
      if (TIME_FIELDS.has(field)) {
        if (typeof value !== "string") return undefined;
        value = Date.parse(value);
        if (!Number.isFinite(value)) return undefined;
      }
      return { field, op: node.op, value };
    }
  }
}

/**
 * For a filter evaluated in memory: a condition every matching object meets (a superset the SQL can
 * read instead of the whole directory), or undefined when no part of the filter narrows. Parts with a
 * field are exact; `byText` may narrow a test without one. The door still evaluates the filter itself
 * on every object the condition lets through.
 */
export function narrowing<F extends string>(node: FilterNode, fields: Readonly<Record<string, F>>, byText: (n: CompareNode) => Condition<F> | undefined = () => undefined): Condition<F> | undefined {
  const walk = (n: FilterNode): Condition<F> | undefined => {
    const exact = toCondition(n, fields);
    if (exact) return exact;
    switch (n.op) {
      case "and": {
        const parts = n.filters.map(walk).filter((p): p is Condition<F> => p !== undefined);
        return parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : { and: parts };
      }
      case "or": {
        const parts = n.filters.map(walk);
        return parts.some((p) => p === undefined) ? undefined : { or: parts as Condition<F>[] };
      }
      case "valuePath":
        // One element satisfies the whole inner filter, so each of its tests holds of the object.
        return walk(n.filter);
      case "not":
      case "pr":
        return undefined;
      default:
        return byText(n);
    }
  };
  const c = walk(node);
  return c && conditionFits(c) ? c : undefined;
}

/**
 * A user with an address that `emails.value eq/co/sw/ew "x"` matches has it in its directory e-mail (a
 * user without a kept list) or in its kept attributes' text, where the list is JSON: the value is
 * looked for as JSON writes it. The text matches without regard to case, as the filter compares e-mails;
 * only ASCII values narrow, since SQL's lower() folds only ASCII on SQLite (and in PostgreSQL's C
 * locale) where JavaScript folds every letter, and a narrowing must never leave out a match.
 */
export function emailText(n: CompareNode): Condition<UserConditionField> | undefined {
  if (n.attr.path !== "emails.value" || typeof n.value !== "string" || !(n.op === "eq" || n.op === "co" || n.op === "sw" || n.op === "ew")) return undefined;
  if (!/^[\x20-\x7e]*$/.test(n.value)) return undefined;
  return { or: [{ field: "email", op: n.op, value: n.value }, { field: "attributes", op: "co", value: JSON.stringify(n.value).slice(1, -1) }] };
}
