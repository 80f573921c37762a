/**
 * SCIM filters (RFC 7644 §3.4.2.2): parse to a FilterNode tree the door compiles to SQL, and evaluate
 * one in memory.
 *
 * The grammar is scim2-parse-filter's (pinned; see ARCHITECTURE.md). Around it, a small normalisation:
 *  - bounds first (length, nesting, term count), so a hostile filter is a 400 and never a stack overflow;
 *  - quoted strings are cut out and decoded as JSON strings (RFC 7644 §3.4.2.2 compValue), because the
 *    library doubles backslashes (`"DOMAIN\\user"` would not round-trip) and keeps `\u` escapes raw;
 *  - `emails[type eq "work"].value eq "x"` (used by Entra for matching) is rewritten to
 *    `emails[(type eq "work") and value eq "x"]`: the library splits it into two independent tests, which
 *    would match a user whose home address is x and who also has some work address;
 *  - attribute names are resolved against the schema (case-insensitive, URN-prefixed, canonical spelling),
 *    and values are typed by the attribute (booleans, numbers, dates; "True"/"False" accepted).
 */
import { parse as parseWithLibrary, type Filter as LibraryFilter } from "scim2-parse-filter";
import { invalidFilter } from "./errors.js";
import { findBadText } from "../../../core/text.js";
import { ANY_RESOURCE, findAttribute, leafDef, resolveAttrPath, type AttrRef, type AttributeDef, type ResourceType } from "./schemas.js";

/** Longest filter text accepted. Real IdP filters are a few hundred characters at most. */
export const MAX_FILTER_LENGTH = 10_000;
/** Deepest nesting of parentheses and value-path brackets. */
export const MAX_FILTER_DEPTH = 20;
/** Most attribute tests (comparisons and `pr`) in one filter. */
export const MAX_FILTER_TERMS = 200;

export type CompareOp = "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "ge" | "lt" | "le";
export type FilterValue = string | number | boolean | null;

/**
 * The filter tree.
 * - `compare`/`pr` test one attribute. Outside a value path, `attr` names a top-level attribute and
 *   optionally a sub-attribute (`name.givenName`, `emails.value`); inside a value path, `attr` is the
 *   value path's attribute with `subAttr` the tested sub-attribute (`emails` + `type`).
 *   A compare on a multi-valued complex attribute without sub-attribute (`emails co "x"`) is resolved to
 *   its `value` sub-attribute, as the RFC's examples read it.
 * - `value` is typed by the attribute: boolean for boolean attributes ("True"/"False" accepted), number
 *   for integer/decimal, ISO date-time string for dateTime (checked parseable), string otherwise;
 *   `null` only with eq/ne (`eq null` = absent, `ne null` = present).
 * - `and`/`or` are n-ary (two or more filters), in the order written.
 * - `valuePath` (`emails[type eq "work" and value co "@x"]`, `members[value eq "id"]`) is true when one
 *   single element of the multi-valued attribute satisfies `filter` as a whole.
 */
export type FilterNode =
  | { op: CompareOp; attr: AttrRef; value: FilterValue }
  | { op: "pr"; attr: AttrRef }
  | { op: "and" | "or"; filters: FilterNode[] }
  | { op: "not"; filter: FilterNode }
  | { op: "valuePath"; attr: AttrRef; filter: FilterNode };

export type CompareNode = Extract<FilterNode, { value: FilterValue }>;

const COMPARE_OPS = new Set<string>(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]);
const PLACEHOLDER = /^#(\d+)$/;

/**
 * Parses a filter for a resource type (without one: against Users' and Groups' attributes together).
 * Throws ScimError 400 invalidFilter for anything that is not a valid filter over the resource's
 * schemas (syntax, unknown schema URN, operator not valid for the attribute's type, bounds).
 */
export function parseFilter(text: string, rt: ResourceType = ANY_RESOURCE): FilterNode {
  if (typeof text !== "string") throw invalidFilter("The filter must be a string");
  if (text.length > MAX_FILTER_LENGTH) throw invalidFilter(`The filter is longer than ${MAX_FILTER_LENGTH} characters`);
  if (text.trim() === "") throw invalidFilter("The filter is empty");
  const { masked, strings } = maskStrings(text);
  checkBounds(masked);
  const rewritten = mergeValuePathSubAttributes(masked);
  let tree: LibraryFilter;
  try {
    tree = parseWithLibrary(rewritten);
  } catch (err) {
    throw invalidFilter(`Invalid filter: ${err instanceof Error ? unmask(err.message, strings) : "syntax error"}`);
  }
  return convert(tree, rt, undefined, strings);
}

/** Replaces every quoted string by a placeholder and decodes it as a JSON string. */
function maskStrings(text: string): { masked: string; strings: string[] } {
  const strings: string[] = [];
  let out = "";
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch !== '"') {
      out += ch;
      i++;
      continue;
    }
    let j = i + 1;
    while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
    if (j >= text.length) throw invalidFilter("Unterminated string in filter");
    const literal = text.slice(i, j + 1);
    let decoded: unknown;
    try {
      decoded = JSON.parse(literal);
    } catch {
      throw invalidFilter(`Invalid string ${literal.slice(0, 50)} in filter`);
    }
    // The text rules (core/text.ts): no value holds a control character (NUL could not even be sent to PostgreSQL).
    if (findBadText(decoded)) throw invalidFilter(`The string ${literal.slice(0, 50)} in the filter holds a control character or broken Unicode`);
    // Every quoted string left in the masked text is a placeholder, so none can be forged.
    out += `"#${strings.length}"`;
    strings.push(decoded as string);
    i = j + 1;
  }
  return { masked: out, strings };
}

function unmask(message: string, strings: string[]): string {
  return message.replace(/"#(\d+)"/g, (_, n: string) => JSON.stringify(strings[Number(n)] ?? "")).slice(0, 200);
}

function checkBounds(masked: string): void {
  let depth = 0;
  for (const ch of masked) {
    if (ch === "(" || ch === "[") {
      depth++;
      if (depth > MAX_FILTER_DEPTH) throw invalidFilter(`The filter nests deeper than ${MAX_FILTER_DEPTH} levels`);
    } else if (ch === ")" || ch === "]") {
      depth--;
    }
  }
  const terms = masked.match(/(?<![\w.:$-])(eq|ne|co|sw|ew|gt|ge|lt|le|pr)(?![\w.:$-])/gi)?.length ?? 0;
  if (terms > MAX_FILTER_TERMS) throw invalidFilter(`The filter has more than ${MAX_FILTER_TERMS} attribute tests`);
}

const SUB_ATTRIBUTE_TEST =
  /^\.([A-Za-z$][\w$-]*)\s+(?:(pr)(?![\w.:$-])|(eq|ne|co|sw|ew|gt|ge|lt|le)\s+("#\d+"|true|false|null|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?![\w.:$-]))/i;

/** `attr[F].sub op v` → `attr[(F) and sub op v]`, on text whose strings are masked. */
function mergeValuePathSubAttributes(masked: string): string {
  let text = masked;
  for (let close = text.indexOf("]."); close !== -1; close = text.indexOf("].", close + 1)) {
    const match = SUB_ATTRIBUTE_TEST.exec(text.slice(close + 1));
    const open = text.lastIndexOf("[", close);
    if (!match || open === -1) continue;
    const test = match[2] ? `${match[1]} pr` : `${match[1]} ${match[3]} ${match[4]}`;
    const inner = text.slice(open + 1, close);
    const replacement = `[(${inner}) and ${test}]`;
    text = text.slice(0, open) + replacement + text.slice(close + 1 + match[0].length);
    close = open + replacement.length - 1;
  }
  return text;
}

function resolve(rt: ResourceType, path: string, strings: string[]): AttrRef {
  // Prototype names are refused outright, so no later lookup or SQL JSON path ever carries one.
  if (/(^|[.:])(__proto__|constructor|prototype)($|[.:])/i.test(path)) throw invalidFilter(`Invalid attribute path ${unmask(path, strings)} in filter`);
  const ref = resolveAttrPath(rt, path);
  if (!ref) throw invalidFilter(`Invalid attribute path ${unmask(path, strings)} in filter`);
  return ref;
}

/** Resolves an attribute named inside `outer[...]`: a sub-attribute of `outer`. */
function resolveInner(outer: AttrRef, path: string): AttrRef {
  if (!/^[A-Za-z$][\w$-]*$/.test(path) || /^(constructor|prototype)$/i.test(path)) throw invalidFilter(`Invalid sub-attribute ${path} inside ${outer.path}[...]`);
  const subDef = outer.def ? findAttribute(outer.def.subAttributes, path) : undefined;
  const ref: AttrRef = { ...outer, subAttr: subDef?.name ?? path };
  if (subDef) ref.subDef = subDef;
  else delete ref.subDef;
  ref.path = `${outer.path}.${ref.subAttr}`;
  return ref;
}

function convert(node: LibraryFilter, rt: ResourceType, outer: AttrRef | undefined, strings: string[]): FilterNode {
  switch (node.op) {
    case "and":
    case "or": {
      const filters = (node as { filters: LibraryFilter[] }).filters.map((f) => convert(f, rt, outer, strings));
      return { op: node.op, filters };
    }
    case "not":
      return { op: "not", filter: convert((node as { filter: LibraryFilter }).filter, rt, outer, strings) };
    case "[]": {
      if (outer) throw invalidFilter("A value path cannot be nested in another value path");
      const { attrPath, valFilter } = node as { attrPath: string; valFilter: LibraryFilter };
      const attr = resolve(rt, attrPath, strings);
      if (attr.subAttr !== undefined) throw invalidFilter(`A value path needs a top-level attribute, not ${attr.path}`);
      if (attr.def && attr.def.type !== "complex") throw invalidFilter(`${attr.path} is not a complex attribute`);
      return { op: "valuePath", attr, filter: convert(valFilter, rt, attr, strings) };
    }
    case "pr": {
      const { attrPath } = node as { attrPath: string };
      return { op: "pr", attr: outer ? resolveInner(outer, attrPath) : resolve(rt, attrPath, strings) };
    }
    default: {
      const op = String(node.op).toLowerCase();
      if (!COMPARE_OPS.has(op)) throw invalidFilter(`Unknown operator ${op}`);
      const { attrPath, compValue } = node as { attrPath: string; compValue: FilterValue };
      let attr = outer ? resolveInner(outer, attrPath) : resolve(rt, attrPath, strings);
      if (attr.subAttr === undefined && attr.def?.type === "complex") {
        const valueDef = findAttribute(attr.def.subAttributes, "value");
        if (!attr.def.multiValued || !valueDef) throw invalidFilter(`${attr.path} is complex: name one of its sub-attributes`);
        attr = { ...attr, subAttr: valueDef.name, subDef: valueDef, path: `${attr.path}.${valueDef.name}` };
      }
      let raw: FilterValue = compValue;
      if (typeof raw === "string") {
        const m = PLACEHOLDER.exec(raw);
        if (!m) throw invalidFilter("Invalid string in filter");
        raw = strings[Number(m[1])]!;
      }
      return { op: op as CompareOp, attr, value: typeValue(op as CompareOp, leafDef(attr), raw, attr.path) };
    }
  }
}

function typeValue(op: CompareOp, def: AttributeDef | undefined, value: FilterValue, path: string): FilterValue {
  if (value === null) {
    if (op !== "eq" && op !== "ne") throw invalidFilter(`${op} null is not a valid comparison for ${path}`);
    return null;
  }
  const type = def?.type ?? "string";
  const ordering = op === "gt" || op === "ge" || op === "lt" || op === "le";
  const substring = op === "co" || op === "sw" || op === "ew";
  switch (type) {
    case "boolean": {
      if (ordering || substring) throw invalidFilter(`${op} is not valid for the boolean attribute ${path}`);
      if (typeof value === "boolean") return value;
      if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
      throw invalidFilter(`${path} is boolean: compare it with true or false`);
    }
    case "binary":
      if (ordering) throw invalidFilter(`${op} is not valid for the binary attribute ${path}`);
      if (typeof value !== "string") throw invalidFilter(`${path} is binary: compare it with a string`);
      return value;
    case "integer":
    case "decimal": {
      if (substring) throw invalidFilter(`${op} is not valid for the numeric attribute ${path}`);
      const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
      if (!Number.isFinite(n) || (type === "integer" && !Number.isInteger(n))) throw invalidFilter(`${path} is ${type}: compare it with a number`);
      return n;
    }
    case "dateTime": {
      if (substring) throw invalidFilter(`${op} is not valid for the date-time attribute ${path}`);
      if (typeof value !== "string" || Number.isNaN(Date.parse(value))) throw invalidFilter(`${path} is a date-time: compare it with an xsd:dateTime string`);
      return value;
    }
    default:
      // string, reference, complex (resolved above) and attributes the schema does not define.
      if (typeof value === "string") return value;
      if (def) throw invalidFilter(`${path} is a string: compare it with a quoted string`);
      return value; // unknown attribute: the value's own JSON type is all we know
  }
}

// ---------------------------------------------------------------------------------------------
// In-memory evaluation

/** Own property lookup ignoring case (attribute names are case-insensitive, RFC 7643 §2.1). */
export function getCaseInsensitive(obj: unknown, name: string): unknown {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return undefined;
  const record = obj as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(record, name)) return record[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(record)) if (key.toLowerCase() === lower) return record[key];
  return undefined;
}

/** The value of the top-level attribute of `ref` on the resource (extension attributes live under the URN key). */
function topValue(resource: unknown, ref: AttrRef): unknown {
  const container = ref.extension ? getCaseInsensitive(resource, ref.schema) : resource;
  return getCaseInsensitive(container, ref.attr);
}

/** The leaf values `ref` designates in `container` (the resource, or one element inside a value path). */
function leafValues(container: unknown, ref: AttrRef, inElement: boolean): unknown[] {
  const top = inElement ? container : topValue(container, ref);
  if (inElement) {
    const v = getCaseInsensitive(top, ref.subAttr!);
    return flatten(v);
  }
  if (ref.subAttr === undefined) return flatten(top);
  const out: unknown[] = [];
  for (const element of flatten(top)) out.push(...flatten(getCaseInsensitive(element, ref.subAttr)));
  return out;
}

function flatten(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v.filter((x) => x !== undefined && x !== null) : [v];
}

function isPresent(v: unknown): boolean {
  if (v === "") return false;
  if (typeof v === "object" && v !== null && !Array.isArray(v)) return Object.values(v).some((x) => x !== null && x !== undefined && x !== "");
  return true;
}

function compareOne(op: CompareOp, def: AttributeDef | undefined, actual: unknown, expected: FilterValue): boolean {
  const type = def?.type ?? "string";
  if (type === "boolean") {
    const a = typeof actual === "boolean" ? actual : typeof actual === "string" && /^(true|false)$/i.test(actual) ? actual.toLowerCase() === "true" : undefined;
    return a !== undefined && a === expected;
  }
  if (type === "integer" || type === "decimal") {
    const a = typeof actual === "number" ? actual : typeof actual === "string" && actual.trim() !== "" ? Number(actual) : NaN;
    if (Number.isNaN(a) || typeof expected !== "number") return false;
    return order(op, a - expected);
  }
  if (type === "dateTime") {
    const a = typeof actual === "string" ? Date.parse(actual) : actual instanceof Date ? actual.getTime() : NaN;
    const e = typeof expected === "string" ? Date.parse(expected) : NaN;
    if (Number.isNaN(a) || Number.isNaN(e)) return false;
    return order(op, a - e);
  }
  // Strings (and unknown attributes): caseExact per schema; unknown attributes compare case-insensitively.
  if (typeof expected !== "string") {
    if (typeof actual !== typeof expected) return false;
    if (typeof actual === "number" && typeof expected === "number") return order(op, actual - expected);
    return (op === "eq" && actual === expected) || (op === "ne" && actual !== expected);
  }
  if (typeof actual !== "string") return false;
  const caseExact = def?.caseExact ?? false;
  const a = caseExact ? actual : actual.toLowerCase();
  const e = caseExact ? expected : expected.toLowerCase();
  switch (op) {
    case "co":
      return a.includes(e);
    case "sw":
      return a.startsWith(e);
    case "ew":
      return a.endsWith(e);
    default:
      return order(op, a < e ? -1 : a > e ? 1 : 0);
  }
}

function order(op: CompareOp, diff: number): boolean {
  switch (op) {
    case "eq":
      return diff === 0;
    case "ne":
      return diff !== 0;
    case "gt":
      return diff > 0;
    case "ge":
      return diff >= 0;
    case "lt":
      return diff < 0;
    case "le":
      return diff <= 0;
    default:
      return false;
  }
}

function evaluate(container: unknown, node: FilterNode, inElement: boolean): boolean {
  switch (node.op) {
    case "and":
      return node.filters.every((f) => evaluate(container, f, inElement));
    case "or":
      return node.filters.some((f) => evaluate(container, f, inElement));
    case "not":
      return !evaluate(container, node.filter, inElement);
    case "valuePath":
      return flatten(topValue(container, node.attr)).some((element) => evaluate(element, node.filter, true));
    case "pr":
      return leafValues(container, node.attr, inElement).some(isPresent);
    default: {
      const values = leafValues(container, node.attr, inElement);
      const def = leafDef(node.attr);
      if (node.value === null) return node.op === "eq" ? !values.some(isPresent) : values.some(isPresent);
      // `ne` holds when no value equals (the negation of `eq`'s any-match), including when absent.
      if (node.op === "ne") return !values.some((v) => compareOne("eq", def, v, node.value));
      return values.some((v) => compareOne(node.op as CompareOp, def, v, node.value));
    }
  }
}

/** Evaluates the inner filter of a value path against one element of the multi-valued attribute. */
export function matchesElement(element: unknown, filter: FilterNode): boolean {
  return evaluate(element, filter, true);
}

/**
 * Evaluates a parsed filter against a resource in its SCIM JSON form (extension attributes under
 * their URN key). Multi-valued attributes match when any value matches; string comparisons follow
 * the attribute's caseExact (userName is case-insensitive; id and externalId are case-exact).
 * `rt` is accepted for symmetry with the other protocol functions; the tree already carries the
 * resolved definitions.
 */
export function matchesFilter(resource: object, node: FilterNode, rt?: ResourceType): boolean {
  void rt;
  return evaluate(resource, node, false);
}
