/** Wire pieces the CloudSSO directory, user and group actions share: enums and name filters. */
import type { TextMatch } from "../../../core/directory/views.js";
import { fail } from "../../../core/errors.js";

export { PROVISION_TYPES, STATUSES } from "../wire-spec.js";

/**
 * The front door accepts enum values in any case and passes them as spelled; the core takes the
 * canonical spelling.
 */
export function canonical<T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  return allowed.find((a) => a.toLowerCase() === value.toLowerCase()) ?? (value as T);
}

/**
 * CloudSSO's list filter `<Attribute> eq <value>` or `<Attribute> sw <value>` (keyword and operator
 * in any case; the value may be double-quoted), as the core's name match.
 */
export function nameFilter(filter: string | undefined, attribute: string): TextMatch | undefined {
  if (filter === undefined || filter.trim() === "") return undefined;
  const m = /^\s*(\S+)\s+(eq|sw)\s+(.+?)\s*$/i.exec(filter);
  if (!m || m[1]!.toLowerCase() !== attribute.toLowerCase()) {
    return fail("value.invalid", `Filter must be "${attribute} eq <value>" or "${attribute} sw <value>"`, "filter");
  }
  const value = m[3]!.replace(/^"(.*)"$/, "$1");
  return { value, prefix: m[2]!.toLowerCase() === "sw" };
}
