/**
 * Input values against the schema: the type checks and the tolerances every IdP needs
 * ("True"/"False" strings for booleans, `$ref: null` inside members, dotted and URN-prefixed keys,
 * attribute names in any case, read-only attributes sent back). Shared by POST/PUT validation
 * (normalizeResourceInput) and PATCH (patch.ts), so a value is accepted or refused the same way
 * whichever method carries it.
 */
import { invalidSyntax, invalidValue } from "./errors.js";
import {
  findAttribute,
  resolveAttrPath,
  schemaByUrn,
  type AttrRef,
  type AttributeDef,
  type ResourceType,
} from "./schemas.js";

/** Deepest JSON nesting accepted inside a value (unknown attributes may carry any JSON). */
export const MAX_VALUE_DEPTH = 32;

/** Keys that could reach an object's prototype; refused anywhere in input. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type ScimResource = Record<string, unknown>;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key) || FORBIDDEN_KEYS.has(key.toLowerCase());
}

/** True when any ":"/"."-separated segment of an attribute path is a prototype key. */
export function hasForbiddenSegment(path: string): boolean {
  return path.split(/[:.[\]\s]/).some(isForbiddenKey);
}

/**
 * A fresh copy of JSON input with every object rebuilt key by key: refuses prototype keys and
 * nesting beyond MAX_VALUE_DEPTH with 400 invalidValue, and drops `undefined`.
 */
export function sanitizeJson(value: unknown, where: string, depth = 0): Json {
  if (depth > MAX_VALUE_DEPTH) throw invalidValue(`${where} nests deeper than ${MAX_VALUE_DEPTH} levels`);
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw invalidValue(`${where} is not a finite number`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => sanitizeJson(v, `${where}[${i}]`, depth + 1));
  if (isPlainObject(value)) {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) {
      if (isForbiddenKey(k)) throw invalidValue(`${where} has the forbidden key "${k}"`);
      if (v === undefined) continue;
      out[k] = sanitizeJson(v, `${where}.${k}`, depth + 1);
    }
    return out;
  }
  throw invalidValue(`${where} is not JSON`);
}

/** "True"/"False" in any case, as Entra sends them (scim.md §6.1). */
export function toBoolean(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (typeof v === "string") {
    const lower = v.trim().toLowerCase();
    if (lower === "true") return true;
    if (lower === "false") return false;
  }
  return undefined;
}

/**
 * Checks and converts one value for an attribute definition; `null` stays null (unassigned, RFC 7643
 * §2.5; the caller removes the attribute). Multi-valued attributes take an array (a single value is
 * wrapped only when `wrapSingle`, as PATCH add allows). Complex values keep their known
 * sub-attributes by their canonical names, coerce them, drop `null` sub-attributes (`$ref: null`),
 * and keep unknown sub-attributes as sent.
 */
export function coerceValue(def: AttributeDef, value: unknown, where: string, wrapSingle = false): unknown {
  if (value === null) return null;
  if (def.multiValued) {
    const list = Array.isArray(value) ? value : wrapSingle ? [value] : undefined;
    if (!list) throw invalidValue(`${where} is multi-valued: send an array`);
    if (def.type === "complex" && list.some((v) => v !== null && !isPlainObject(v))) {
      throw invalidValue(`${where} is a list of objects`);
    }
    const single = { ...def, multiValued: false };
    const items = list.map((v, i) => coerceValue(single, v, `${where}[${i}]`)).filter((v) => v !== null);
    if (def.subAttributes && items.filter((v) => isPlainObject(v) && v.primary === true).length > 1) {
      throw invalidValue(`${where}: at most one value may be primary`);
    }
    return items;
  }
  switch (def.type) {
    case "boolean": {
      const b = toBoolean(value);
      if (b === undefined) throw invalidValue(`${where} must be a boolean`);
      return b;
    }
    case "integer":
    case "decimal":
      if (typeof value !== "number" || !Number.isFinite(value) || (def.type === "integer" && !Number.isInteger(value))) {
        throw invalidValue(`${where} must be ${def.type === "integer" ? "an integer" : "a number"}`);
      }
      return value;
    case "dateTime":
      if (typeof value !== "string" || Number.isNaN(Date.parse(value))) throw invalidValue(`${where} must be an xsd:dateTime string`);
      return value;
    case "complex":
      return coerceComplex(def, value, where);
    default:
      // string, reference, binary
      if (typeof value !== "string") throw invalidValue(`${where} must be a string`);
      return value;
  }
}

function coerceComplex(def: AttributeDef, value: unknown, where: string): Record<string, unknown> | null {
  // A bare string for a single-valued complex attribute with a `value` (Entra's enterprise `manager`
  // arrives as the manager's id) is that value.
  if (typeof value === "string" && !def.multiValued && findAttribute(def.subAttributes, "value")) {
    value = { value };
  }
  if (!isPlainObject(value)) throw invalidValue(`${where} must be an object`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (isForbiddenKey(k)) throw invalidValue(`${where} has the forbidden key "${k}"`);
    if (v === null || v === undefined) continue; // `$ref: null` from Entra, unassigned sub-attributes
    const sub = findAttribute(def.subAttributes, k);
    if (sub) out[sub.name] = coerceValue(sub, v, `${where}.${sub.name}`);
    else out[k] = sanitizeJson(v, `${where}.${k}`, 1);
  }
  return Object.keys(out).length === 0 ? null : out;
}

/**
 * Resolves a key of a request body or of a path-less PATCH value: plain ("displayName"), dotted
 * ("name.givenName"), URN-prefixed ("urn:…:enterprise:2.0:User:employeeNumber"), or a whole
 * extension ("urn:…:enterprise:2.0:User"). An unknown URN prefix is kept as an extension named by
 * everything before the last colon (Entra's custom extension attributes). Undefined when the key is
 * not an attribute path at all (then it is kept as an unknown attribute by the caller).
 */
export type KeyTarget = { kind: "attribute"; ref: AttrRef } | { kind: "extension"; urn: string; known: boolean };

export function resolveKey(rt: ResourceType, key: string, declared: readonly string[] = []): KeyTarget | undefined {
  const known = schemaByUrn(rt, key);
  if (known) return known.extension ? { kind: "extension", urn: known.schema.id, known: true } : undefined;
  // An unknown extension named whole: declared in `schemas`, or ending in the resource type's name
  // ("urn:…:CustomExtensionName:2.0:User", as Entra names custom extensions).
  const lower = key.toLowerCase();
  if (/^urn:/i.test(key) && (declared.some((d) => d.toLowerCase() === lower) || lower.endsWith(`:${rt.name.toLowerCase()}`))) {
    return { kind: "extension", urn: key, known: false };
  }
  const ref = resolveAttrPath(rt, key);
  if (ref) return { kind: "attribute", ref };
  if (/^urn:[^\s]+$/i.test(key)) {
    const colon = key.lastIndexOf(":");
    const urn = key.slice(0, colon);
    const rest = key.slice(colon + 1);
    if (/^[A-Za-z$][\w$-]*(\.[A-Za-z$][\w$-]*)?$/.test(rest) && /^urn:[^:]+:/i.test(urn) && !schemaByUrn(rt, urn)) {
      const [attr, subAttr] = rest.split(".") as [string, string | undefined];
      const ref: AttrRef = { schema: urn, extension: true, attr, path: key };
      if (subAttr !== undefined) ref.subAttr = subAttr;
      return { kind: "attribute", ref };
    }
    return { kind: "extension", urn: key, known: false };
  }
  return undefined;
}

/** Own key of `obj` equal to `name` ignoring case. */
export function findKey(obj: Record<string, unknown>, name: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(obj, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}

/** Sets `obj[name]`, replacing a key spelt in another case. */
export function setKey(obj: Record<string, unknown>, name: string, value: unknown): void {
  if (isForbiddenKey(name)) throw invalidValue(`"${name}" is not an attribute name`);
  const existing = findKey(obj, name);
  if (existing !== undefined && existing !== name) delete obj[existing];
  obj[name] = value;
}

export function deleteKey(obj: Record<string, unknown>, name: string): boolean {
  const existing = findKey(obj, name);
  if (existing === undefined) return false;
  delete obj[existing];
  return true;
}

/** The object holding `ref`'s top-level attribute: the resource, or its extension object (created on demand). */
export function container(resource: ScimResource, ref: AttrRef, create: boolean): Record<string, unknown> | undefined {
  if (!ref.extension) return resource;
  const key = findKey(resource, ref.schema);
  const existing = key !== undefined ? resource[key] : undefined;
  if (isPlainObject(existing)) return existing;
  if (!create) return undefined;
  const fresh: Record<string, unknown> = {};
  setKey(resource, ref.schema, fresh);
  return fresh;
}

/**
 * Keeps `schemas` listing exactly the core schema and the extensions the resource carries (every
 * top-level URN key holding a non-empty object); empty extension objects are removed.
 */
export function syncSchemas(resource: ScimResource, rt: ResourceType): void {
  const out = [rt.schema.id];
  for (const key of Object.keys(resource)) {
    if (!/^urn:/i.test(key)) continue;
    const value = resource[key];
    if (!isPlainObject(value)) continue;
    if (Object.keys(value).length === 0) {
      delete resource[key];
      continue;
    }
    const known = schemaByUrn(rt, key);
    const urn = known ? known.schema.id : key;
    if (!out.some((s) => s.toLowerCase() === urn.toLowerCase())) out.push(urn);
  }
  resource.schemas = out;
}

/** Attributes a client may send back but never set (RFC 7644 §3.5.1: readOnly values are ignored). */
function isReadOnly(ref: AttrRef): boolean {
  return ref.def?.mutability === "readOnly" || ref.attr === "schemas";
}

/**
 * Writes one body key into `out` (used by POST/PUT and by path-less PATCH add/replace).
 * `merge` decides what happens to an existing complex value: PUT replaces, PATCH merges.
 * Returns false when the key was ignored (read-only attribute).
 */
export function writeKey(out: ScimResource, rt: ResourceType, key: string, value: unknown, where: string, declared: readonly string[] = []): boolean {
  if (hasForbiddenSegment(key)) throw invalidValue(`${where} has the forbidden key "${key}"`);
  const target = resolveKey(rt, key, declared);
  if (!target) {
    out[key] = sanitizeJson(value, `${where}.${key}`, 1);
    return true;
  }
  if (target.kind === "extension") {
    if (value === null) return true;
    if (!isPlainObject(value)) throw invalidValue(`${key} must be an object of extension attributes`);
    for (const [k, v] of Object.entries(value)) writeKey(out, rt, `${target.urn}:${k}`, v, where);
    return true;
  }
  const { ref } = target;
  if (isReadOnly(ref)) return false;
  if (value === null) return true; // unassigned
  const holder = container(out, ref, true)!;
  if (ref.subAttr === undefined) {
    const coerced = ref.def ? coerceValue(ref.def, value, ref.path) : sanitizeJson(value, ref.path, 1);
    if (coerced !== null) setKey(holder, ref.attr, coerced);
    return true;
  }
  // name.givenName: a sub-attribute of a single-valued complex attribute.
  if (ref.def?.multiValued) throw invalidValue(`${key}: a sub-attribute of the multi-valued ${ref.attr} needs a value filter`);
  if (ref.subDef?.mutability === "readOnly") return false;
  const parentKey = findKey(holder, ref.attr);
  const parent = parentKey !== undefined && isPlainObject(holder[parentKey]) ? (holder[parentKey] as Record<string, unknown>) : {};
  const coerced = ref.subDef ? coerceValue(ref.subDef, value, ref.path) : sanitizeJson(value, ref.path, 1);
  if (coerced !== null) setKey(parent, ref.subAttr, coerced);
  setKey(holder, ref.def?.name ?? ref.attr, parent);
  return true;
}

/**
 * Validates and normalises a POST (create) or PUT (replace) body: a JSON object whose `schemas`
 * names the resource's core schema (400 invalidSyntax otherwise), the required attribute present
 * (userName / displayName; 400 invalidValue), each known attribute of the right type ("True"/"False"
 * accepted for booleans), keys in any case or dotted/URN form written canonically, read-only
 * attributes (id, meta, groups, schemas entries) ignored, unknown attributes kept as sent.
 * Immutable attributes are the caller's to compare on replace (it holds the stored resource).
 */
export function normalizeResourceInput(body: unknown, rt: ResourceType, mode: "create" | "replace"): ScimResource {
  void mode; // the same rules apply to both; the parameter documents the caller's intent
  if (!isPlainObject(body)) throw invalidSyntax("The request body must be a JSON object");
  const schemasKey = findKey(body, "schemas");
  const schemas = schemasKey !== undefined ? body[schemasKey] : undefined;
  if (!Array.isArray(schemas) || schemas.length === 0 || schemas.some((s) => typeof s !== "string")) {
    throw invalidSyntax(`"schemas" must be a non-empty array of schema URIs`);
  }
  if (!schemas.some((s) => (s as string).toLowerCase() === rt.schema.id.toLowerCase())) {
    throw invalidSyntax(`"schemas" must contain ${rt.schema.id}`);
  }
  for (const s of schemas as string[]) {
    if (!/^urn:[^\s]+$/i.test(s)) throw invalidValue(`"${s.slice(0, 100)}" is not a schema URI`);
  }
  const out: ScimResource = { schemas: [rt.schema.id] };
  for (const [key, value] of Object.entries(body)) {
    if (key === schemasKey || value === undefined) continue;
    writeKey(out, rt, key, value, "body", schemas as string[]);
  }
  syncSchemas(out, rt);
  requireAttributes(out, rt);
  return out;
}

/** 400 invalidValue when a required attribute (userName, displayName) is missing or empty. */
export function requireAttributes(resource: ScimResource, rt: ResourceType): void {
  for (const def of rt.schema.attributes) {
    if (!def.required) continue;
    const key = findKey(resource, def.name);
    const value = key !== undefined ? resource[key] : undefined;
    if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) {
      throw invalidValue(`${def.name} is required`);
    }
  }
}
