/**
 * attributes / excludedAttributes (RFC 7644 §3.4.2.5, §3.9) with the schema's `returned`
 * characteristic (RFC 7643 §2.2): "always" attributes (id, schemas) are always there, "never" ones
 * (password) never, "request" ones only when named, "default" ones unless excluded or unless an
 * `attributes` list leaves them out. Attributes the schema does not define behave as "default".
 */
import { findKey, isPlainObject, type ScimResource } from "./coerce.js";
import { invalidValue } from "./errors.js";
import {
  SCHEMAS_ATTRIBUTE,
  withCommonAttributes,
  findAttribute,
  resolveAttrPath,
  schemaByUrn,
  type AttributeDef,
  type ResourceType,
} from "./schemas.js";

export interface ProjectionQuery {
  attributes?: string | string[] | undefined;
  excludedAttributes?: string | string[] | undefined;
}

/** A parsed attribute list: per schema URN (lower case) and attribute (lower case), the listed sub-attributes or "all". */
type Selection = Map<string, Map<string, Set<string> | "all">>;

const MAX_ATTRIBUTE_LIST_LENGTH = 4000;

function parseList(rt: ResourceType, input: string | string[] | undefined, name: string): Selection | undefined {
  if (input === undefined) return undefined;
  const text = Array.isArray(input) ? input.join(",") : input;
  if (typeof text !== "string") throw invalidValue(`${name} must be a string`);
  if (text.length > MAX_ATTRIBUTE_LIST_LENGTH) throw invalidValue(`${name} is too long`);
  const selection: Selection = new Map();
  for (const raw of splitList(text)) {
    const item = withoutValueFilter(raw.trim());
    if (item === "") continue;
    const ext = schemaByUrn(rt, item);
    if (ext) {
      // A whole schema named: every attribute of it.
      const per = selection.get(ext.schema.id.toLowerCase()) ?? new Map();
      for (const a of ext.extension ? ext.schema.attributes : withCommonAttributes(ext.schema)) per.set(a.name.toLowerCase(), "all");
      selection.set(ext.schema.id.toLowerCase(), per);
      continue;
    }
    const ref = resolveAttrPath(rt, item);
    if (!ref) continue; // RFC 7644 §3.9 does not make an unknown name an error; it selects nothing
    const per = selection.get(ref.schema.toLowerCase()) ?? new Map<string, Set<string> | "all">();
    const attrKey = ref.attr.toLowerCase();
    const current = per.get(attrKey);
    if (ref.subAttr === undefined) per.set(attrKey, "all");
    else if (current !== "all") per.set(attrKey, new Set([...(current ?? []), ref.subAttr.toLowerCase()]));
    selection.set(ref.schema.toLowerCase(), per);
  }
  return selection;
}

/** The list's items: split at commas outside brackets and quoted strings (a value filter may hold either). */
function splitList(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === "[") depth++;
    else if (c === "]") depth = Math.max(0, depth - 1);
    else if (c === "," && depth === 0) {
      items.push(text.slice(start, i));
      start = i + 1;
    }
  }
  items.push(text.slice(start));
  return items;
}

/**
 * `emails[type eq "work"]` (or `emails[type eq "work"].value`) read as the attribute it filters
 * (`emails`, `emails.value`). Lenient: RFC 7644 §3.9 defines attribute names only, with no value
 * filters, but Microsoft's validator sends them and expects the attribute; the filter is not applied
 * (every value is returned), since §3.9 gives it no meaning to apply.
 */
function withoutValueFilter(item: string): string {
  const open = item.indexOf("[");
  if (open < 0) return item;
  const close = item.lastIndexOf("]");
  if (close < open) return item;
  return item.slice(0, open) + item.slice(close + 1);
}

function pick(selection: Selection | undefined, schema: string, attr: string): Set<string> | "all" | undefined {
  return selection?.get(schema.toLowerCase())?.get(attr.toLowerCase());
}

/**
 * Returns a copy of `resource` with the attributes the query and the schema allow. `id` and
 * `schemas` are always kept, `password` never; `meta` follows its `default` characteristic.
 */
export function project(resource: object, q: ProjectionQuery, rt: ResourceType): ScimResource {
  const include = parseList(rt, q.attributes, "attributes");
  const exclude = include ? undefined : parseList(rt, q.excludedAttributes, "excludedAttributes");
  if (!include && !exclude) return projectDefault(resource as ScimResource, rt);
  const out: ScimResource = {};
  const source = resource as ScimResource;
  const extensionKeys = new Map(rt.extensions.map((e) => [e.schema.id.toLowerCase(), e.schema]));
  for (const [key, value] of Object.entries(source)) {
    if (key.toLowerCase() === "schemas") {
      out[key] = value;
      continue;
    }
    const extension = extensionKeys.get(key.toLowerCase());
    if (extension) {
      if (!isPlainObject(value)) continue;
      const inner = projectAttributes(value, extension.attributes, extension.id, include, exclude);
      if (Object.keys(inner).length > 0) out[key] = inner;
      continue;
    }
    const kept = projectAttributes({ [key]: value }, withCommonAttributes(rt.schema), rt.schema.id, include, exclude);
    Object.assign(out, kept);
  }
  // schemas lists what is actually present.
  const schemasKey = findKey(out, "schemas");
  if (schemasKey !== undefined && Array.isArray(out[schemasKey])) {
    out[schemasKey] = (out[schemasKey] as unknown[]).filter(
      (s) => typeof s !== "string" || !extensionKeys.has(s.toLowerCase()) || findKey(out, s) !== undefined,
    );
  }
  return out;
}

/** What the default projection leaves out of one schema: attributes returned never/request, and those with such sub-attributes. */
interface DefaultPlan {
  drop: Set<string>;
  deep: Set<string>;
}

const defaultPlans = new WeakMap<readonly AttributeDef[], DefaultPlan>();

function defaultPlan(defs: readonly AttributeDef[]): DefaultPlan {
  let plan = defaultPlans.get(defs);
  if (!plan) {
    plan = { drop: new Set(), deep: new Set() };
    for (const a of defs) {
      if (a.returned === "never" || a.returned === "request") plan.drop.add(a.name.toLowerCase());
      else if (a.subAttributes?.some((s) => s.returned === "never" || s.returned === "request")) plan.deep.add(a.name.toLowerCase());
    }
    defaultPlans.set(defs, plan);
  }
  return plan;
}

/**
 * No attributes/excludedAttributes (every single-resource read): a shallow copy without what is
 * never returned by default (password). Same result as the general path, without its per-attribute work.
 */
function projectDefault(resource: ScimResource, rt: ResourceType): ScimResource {
  const coreDefs = withCommonAttributes(rt.schema);
  const core = defaultPlan(coreDefs);
  const out: ScimResource = {};
  for (const key of Object.keys(resource)) {
    const value = resource[key];
    const lower = key.toLowerCase();
    if (lower.startsWith("urn:")) {
      const ext = rt.extensions.find((e) => e.schema.id.toLowerCase() === lower);
      if (ext) {
        if (!isPlainObject(value)) continue;
        const inner = projectAttributes(value, ext.schema.attributes, ext.schema.id, undefined, undefined);
        if (Object.keys(inner).length > 0) out[key] = inner;
        continue;
      }
    }
    if (core.drop.has(lower)) continue;
    if (core.deep.has(lower)) Object.assign(out, projectAttributes({ [key]: value }, coreDefs, rt.schema.id, undefined, undefined));
    else out[key] = value;
  }
  return out;
}

function projectAttributes(
  values: Record<string, unknown>,
  defs: AttributeDef[],
  schema: string,
  include: Selection | undefined,
  exclude: Selection | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const def = findAttribute(defs, key) ?? (key.toLowerCase() === "schemas" ? SCHEMAS_ATTRIBUTE : undefined);
    const returned = def?.returned ?? "default";
    if (returned === "never") continue;
    if (returned === "always") {
      out[key] = value;
      continue;
    }
    const name = def?.name ?? key;
    if (include) {
      const sel = pick(include, schema, name);
      if (sel === undefined) continue;
      out[key] = sel === "all" ? projectSubs(value, def, undefined, undefined) : projectSubs(value, def, sel, undefined);
      if (out[key] === undefined) delete out[key];
      continue;
    }
    const sel = pick(exclude, schema, name);
    if (sel === "all") continue;
    if (returned === "request") continue;
    const projected = projectSubs(value, def, undefined, sel);
    if (projected !== undefined) out[key] = projected;
  }
  return out;
}

/** Applies sub-attribute selection to a complex value (or to each element of a multi-valued one). */
function projectSubs(value: unknown, def: AttributeDef | undefined, only: Set<string> | undefined, without: Set<string> | undefined): unknown {
  const one = (v: unknown): unknown => {
    if (!isPlainObject(v)) return v;
    const o: Record<string, unknown> = {};
    for (const [k, sv] of Object.entries(v)) {
      const sub = findAttribute(def?.subAttributes, k);
      const returned = sub?.returned ?? "default";
      if (returned === "never") continue;
      const lower = (sub?.name ?? k).toLowerCase();
      if (returned !== "always") {
        if (only && !only.has(lower)) continue;
        if (without?.has(lower)) continue;
        if (!only && returned === "request") continue;
      }
      o[k] = sv;
    }
    return Object.keys(o).length > 0 ? o : undefined;
  };
  if (Array.isArray(value)) {
    const list = value.map(one).filter((v) => v !== undefined);
    return list.length > 0 || (!only && !without) ? list : undefined;
  }
  return one(value);
}
