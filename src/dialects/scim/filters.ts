/**
 * A parsed SCIM filter (protocol/filter.ts) as the core's neutral condition, when every attribute it
 * names has a directory field; otherwise undefined, and the door evaluates the filter itself over
 * the directory's objects (matchesFilter).
 */
import type { Condition, GroupConditionField, UserConditionField } from "../../core/directory/conditions.js";
import type { FilterNode } from "./protocol/filter.js";

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
