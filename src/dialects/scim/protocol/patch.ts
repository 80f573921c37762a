/**
 * PATCH (RFC 7644 §3.5.2) applied to a resource in its SCIM JSON form.
 *
 * The operations run in order on a copy; the first failing one throws ScimError and the caller keeps
 * the stored resource, so a PATCH is atomic by construction. Paths are read by the filter grammar
 * (filter.ts, i.e. scim2-parse-filter): `attr`, `attr.sub`, `urn:…:attr`, `attr[filter]`,
 * `attr[filter].sub`. The IdP tolerances of scim.md §6.1–§6.3 are built in:
 *  - `op` in any case ("Add", "Replace", "Remove");
 *  - "True"/"False" strings for boolean attributes (coerce.ts);
 *  - `remove` with path "members" (any multi-valued attribute) and a value array removes only the
 *    listed values (Entra), where the RFC's literal reading would remove them all;
 *  - path-less add/replace whose value object has plain, dotted or URN-prefixed keys, ignoring
 *    `id`, `schemas`, `meta` and other read-only attributes inside it (Okta's rename sends `id`);
 *  - `$ref: null` inside member values is dropped;
 *  - a replace/add through `emails[type eq "work"].value` with no matching element creates the element
 *    from the filter's `eq` terms (Entra's update of a work email the user did not have yet).
 * userName and other uniqueness/ownership rules are the caller's: it compares the returned resource.
 */
import { ScimError, invalidPath, invalidSyntax, invalidValue, mutability, noTarget } from "./errors.js";
import { matchesElement, parseFilter, type FilterNode } from "./filter.js";
import {
  coerceValue,
  container,
  deleteKey,
  findKey,
  hasForbiddenSegment,
  isForbiddenKey,
  isPlainObject,
  requireAttributes,
  resolveKey,
  sanitizeJson,
  setKey,
  syncSchemas,
  writeKey,
  type ScimResource,
} from "./coerce.js";
import { findAttribute, type AttrRef, type AttributeDef, type ResourceType } from "./schemas.js";

export const PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/**
 * Most operations in one PATCH. IdPs send a few operations per request (Entra batches member
 * changes a few dozen at a time) and put many members in one operation's value array instead;
 * 1000 matches the bulk maxOperations the Tencent ServiceProviderConfig advertises. More is refused
 * up front with 400 invalidValue (RFC 7644 Table 9 has no closer type: tooMany is about filter
 * results), so a 10,000-operation PATCH costs nothing.
 */
export const MAX_PATCH_OPERATIONS = 1000;
/** Longest PATCH path. */
export const MAX_PATH_LENGTH = 1000;

export type PatchOpName = "add" | "remove" | "replace";

/** A parsed PATCH path. */
export type PatchPath =
  /** `attr` or `attr.sub` (or URN-prefixed); `ref.subAttr` set for the dotted form. */
  | { kind: "attribute"; ref: AttrRef }
  /** `attr[filter]` or `attr[filter].sub`; `subAttr` is the part after the bracket. */
  | { kind: "filtered"; ref: AttrRef; filter: FilterNode; subAttr?: string; subDef?: AttributeDef }
  /** A whole extension: `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`. */
  | { kind: "extension"; urn: string };

export interface PatchOperation {
  op: PatchOpName;
  path?: PatchPath;
  /** The path as sent, for messages. */
  pathText?: string;
  value?: unknown;
  hasValue: boolean;
}

export interface PatchResult {
  resource: ScimResource;
  /** False when every operation was a no-op (e.g. removing a member that is not there). */
  changed: boolean;
}

/** Parses a PATCH path against the resource type; 400 invalidPath when it is not one. */
export function parsePatchPath(text: unknown, rt: ResourceType): PatchPath {
  if (typeof text !== "string" || text.trim() === "") throw invalidPath("path must be a non-empty string");
  const path = text.trim();
  if (path.length > MAX_PATH_LENGTH) throw invalidPath(`path is longer than ${MAX_PATH_LENGTH} characters`);
  if (hasForbiddenSegment(path)) throw invalidPath(`"${path.slice(0, 100)}" is not an attribute path`);
  if (!path.includes("[")) {
    const target = resolveKey(rt, path);
    if (!target) throw invalidPath(`"${path.slice(0, 100)}" is not an attribute path`);
    if (target.kind === "extension") return { kind: "extension", urn: target.urn };
    if (isForbiddenKey(target.ref.attr) || (target.ref.subAttr !== undefined && isForbiddenKey(target.ref.subAttr))) {
      throw invalidPath(`"${path.slice(0, 100)}" is not an attribute path`);
    }
    return { kind: "attribute", ref: target.ref };
  }
  // attr[filter] with an optional .sub after the closing bracket (the last "]" of the path is the
  // value path's: a "]" inside a quoted string is followed by a quote, not by end or ".name").
  const tail = /\]\.([A-Za-z$][\w$-]*)$/.exec(path);
  const head = tail ? path.slice(0, tail.index + 1) : path;
  if (!head.endsWith("]")) throw invalidPath(`"${path.slice(0, 100)}" is not a valid value path`);
  let node: FilterNode;
  try {
    node = parseFilter(head, rt);
  } catch (err) {
    if (err instanceof ScimError) throw invalidPath(`Invalid path: ${err.detail}`);
    throw err;
  }
  if (node.op !== "valuePath") throw invalidPath(`"${path.slice(0, 100)}" is not a valid value path`);
  const result: PatchPath = { kind: "filtered", ref: node.attr, filter: node.filter };
  if (tail) {
    const sub = tail[1]!;
    if (isForbiddenKey(sub)) throw invalidPath(`"${sub}" is not an attribute name`);
    const subDef = node.attr.def ? findAttribute(node.attr.def.subAttributes, sub) : undefined;
    if (node.attr.def && !subDef) throw invalidPath(`${node.attr.path} has no sub-attribute ${sub}`);
    result.subAttr = subDef?.name ?? sub;
    if (subDef) result.subDef = subDef;
  }
  return result;
}

/** Validates a PatchOp message (RFC 7644 §3.5.2) and parses its operations. */
export function parsePatchBody(body: unknown, rt: ResourceType): PatchOperation[] {
  if (!isPlainObject(body)) throw invalidSyntax("The PATCH body must be a JSON object");
  const schemasKey = findKey(body, "schemas");
  const schemas = schemasKey !== undefined ? body[schemasKey] : undefined;
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === "string" && s.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase())) {
    throw invalidSyntax(`"schemas" must be ["${PATCH_OP_SCHEMA}"]`);
  }
  const opsKey = findKey(body, "Operations");
  const ops = opsKey !== undefined ? body[opsKey] : undefined;
  if (!Array.isArray(ops) || ops.length === 0) throw invalidSyntax(`"Operations" must be a non-empty array`);
  if (ops.length > MAX_PATCH_OPERATIONS) {
    throw new ScimError(400, "invalidValue", `A PATCH may carry at most ${MAX_PATCH_OPERATIONS} operations; split it`);
  }
  return ops.map((raw, i) => {
    if (!isPlainObject(raw)) throw invalidSyntax(`Operations[${i}] must be an object`);
    const opKey = findKey(raw, "op");
    const opText = opKey !== undefined ? raw[opKey] : undefined;
    const op = typeof opText === "string" ? opText.trim().toLowerCase() : "";
    if (op !== "add" && op !== "remove" && op !== "replace") {
      throw invalidSyntax(`Operations[${i}].op must be add, remove or replace`);
    }
    const pathKey = findKey(raw, "path");
    const pathText = pathKey !== undefined ? raw[pathKey] : undefined;
    const valueKey = findKey(raw, "value");
    const hasValue = valueKey !== undefined && raw[valueKey] !== undefined;
    const operation: PatchOperation = { op, hasValue };
    if (hasValue) operation.value = raw[valueKey!];
    if (pathText !== undefined && pathText !== null && !(typeof pathText === "string" && pathText.trim() === "" && op !== "remove")) {
      try {
        operation.path = parsePatchPath(pathText, rt);
      } catch (err) {
        if (err instanceof ScimError) throw new ScimError(err.status, err.scimType, `Operations[${i}]: ${err.detail}`);
        throw err;
      }
      operation.pathText = String(pathText);
    }
    if (op !== "remove" && !hasValue) throw invalidValue(`Operations[${i}]: ${op} needs a value`);
    return operation;
  });
}

/**
 * Applies a PatchOp message to a copy of `resource`. Throws ScimError (400 invalidSyntax,
 * invalidPath, invalidValue, noTarget, mutability) on the first operation that fails; the input
 * resource is never modified.
 */
export function applyPatch(resource: object, body: unknown, rt: ResourceType): PatchResult {
  const operations = parsePatchBody(body, rt);
  const before = structuredClone(resource) as ScimResource;
  const working = structuredClone(resource) as ScimResource;
  operations.forEach((operation, i) => {
    try {
      applyOperation(working, operation, rt);
    } catch (err) {
      if (err instanceof ScimError) throw new ScimError(err.status, err.scimType, `Operations[${i}]: ${err.detail}`);
      throw err;
    }
  });
  syncSchemas(working, rt);
  requireAttributes(working, rt);
  return { resource: working, changed: !deepEqual(before, working) };
}

function applyOperation(resource: ScimResource, operation: PatchOperation, rt: ResourceType): void {
  const { op, path } = operation;
  if (!path) {
    if (op === "remove") throw noTarget("remove needs a path");
    applyPathless(resource, op, operation.value, rt);
    return;
  }
  switch (path.kind) {
    case "extension":
      if (op === "remove") {
        deleteKey(resource, path.urn);
        return;
      }
      if (!isPlainObject(operation.value)) throw invalidValue(`The value for ${path.urn} must be an object`);
      if (op === "replace") deleteKey(resource, path.urn);
      applyPathless(resource, op, { [path.urn]: operation.value }, rt);
      return;
    case "attribute":
      applyToAttribute(resource, op, path.ref, operation, rt);
      return;
    case "filtered":
      applyToFiltered(resource, op, path, operation);
      return;
  }
}

/** Path-less add/replace: `value` is an object of attribute paths to values (RFC §3.5.2.1, §3.5.2.3). */
function applyPathless(resource: ScimResource, op: "add" | "replace", value: unknown, rt: ResourceType): void {
  if (!isPlainObject(value)) throw invalidValue(`${op} without a path needs an object value`);
  for (const [key, v] of Object.entries(value)) {
    if (hasForbiddenSegment(key)) throw invalidValue(`"${key}" is not an attribute name`);
    const target = resolveKey(rt, key, declaredSchemas(resource));
    if (!target) {
      // Not an attribute path (unknown plain attribute is resolved above); keep it as sent.
      resource[key] = sanitizeJson(v, key, 1);
      continue;
    }
    if (target.kind === "extension") {
      if (v === null) {
        if (op === "replace") deleteKey(resource, target.urn);
        continue;
      }
      if (!isPlainObject(v)) throw invalidValue(`The value for ${target.urn} must be an object`);
      for (const [k, inner] of Object.entries(v)) {
        if (hasForbiddenSegment(k)) throw invalidValue(`"${k}" is not an attribute name`);
        applyPathlessKey(resource, op, `${target.urn}:${k}`, inner, rt);
      }
      continue;
    }
    applyPathlessKey(resource, op, key, v, rt);
  }
}

function applyPathlessKey(resource: ScimResource, op: "add" | "replace", key: string, value: unknown, rt: ResourceType): void {
  const target = resolveKey(rt, key, declaredSchemas(resource));
  if (!target || target.kind !== "attribute") {
    writeKey(resource, rt, key, value, "value", declaredSchemas(resource));
    return;
  }
  const { ref } = target;
  // id, schemas, meta, groups inside a path-less value are ignored (Okta's rename sends id back).
  if (ref.def?.mutability === "readOnly" || ref.attr === "schemas" || ref.subDef?.mutability === "readOnly") return;
  applyToAttribute(resource, op, ref, { op, hasValue: true, value }, rt);
}

function checkWritable(ref: AttrRef, existing: unknown, next: unknown): void {
  const def = ref.subAttr !== undefined ? ref.subDef : ref.def;
  if (ref.def?.mutability === "readOnly" || def?.mutability === "readOnly" || ref.attr === "schemas") {
    throw mutability(`${ref.path} is read-only`);
  }
  if (def?.mutability === "immutable" && existing !== undefined && existing !== null && !deepEqual(existing, next)) {
    throw mutability(`${ref.path} is immutable`);
  }
}

function applyToAttribute(resource: ScimResource, op: PatchOpName, ref: AttrRef, operation: PatchOperation, rt: ResourceType): void {
  const holder = container(resource, ref, op !== "remove");
  const key = holder ? findKey(holder, ref.attr) : undefined;
  const existing = holder && key !== undefined ? holder[key] : undefined;
  const name = ref.attr;
  if (ref.def?.mutability === "readOnly" || ref.subDef?.mutability === "readOnly" || ref.attr === "schemas") {
    throw mutability(`${ref.path} is read-only`);
  }

  if (ref.subAttr !== undefined) {
    // name.givenName (single complex) or emails.value (multi-valued: every element).
    if (op === "remove") {
      checkWritable(ref, undefined, undefined);
      if (!holder || existing === undefined) return;
      for (const element of Array.isArray(existing) ? existing : [existing]) {
        if (isPlainObject(element)) deleteKey(element, ref.subAttr);
      }
      pruneEmpty(holder, name);
      return;
    }
    if (ref.def?.multiValued) throw invalidPath(`${ref.path}: use a value filter, e.g. ${ref.attr}[type eq "work"].${ref.subAttr}`);
    const parent = isPlainObject(existing) ? existing : {};
    const subKey = findKey(parent, ref.subAttr);
    const current = subKey !== undefined ? parent[subKey] : undefined;
    const next = ref.subDef ? coerceValue(ref.subDef, operation.value, ref.path) : sanitizeJson(operation.value, ref.path, 1);
    checkWritable(ref, current, next);
    if (next === null) deleteKey(parent, ref.subAttr);
    else setKey(parent, ref.subAttr, next);
    setKey(holder!, name, parent);
    pruneEmpty(holder!, name);
    return;
  }

  const def = ref.def;
  if (op === "remove") {
    checkWritable(ref, undefined, undefined);
    if (def?.required) throw invalidValue(`${ref.path} is required and cannot be removed`);
    if (!holder || existing === undefined) return;
    if (def?.multiValued && operation.hasValue && operation.value !== null) {
      // Entra: {"op":"Remove","path":"members","value":[{"value":"id"}]} removes only those members.
      const listed = (Array.isArray(operation.value) ? operation.value : [operation.value]).map((v, i) =>
        coerceValue({ ...def, multiValued: false }, v, `${ref.path}[${i}]`),
      );
      const listedKeys = new Set(listed.map((l) => valueKey(def, l)).filter((k) => k !== undefined));
      const listedOthers = listed.filter((l) => valueKey(def, l) === undefined);
      const kept = (Array.isArray(existing) ? existing : [existing]).filter((element) => {
        const k = valueKey(def, element);
        return k !== undefined ? !listedKeys.has(k) : !listedOthers.some((l) => deepEqual(element, l));
      });
      holder[key!] = kept;
      pruneEmpty(holder, name);
      return;
    }
    delete holder[key!];
    if (ref.extension) pruneExtension(resource, ref);
    return;
  }

  if (!def) {
    // An attribute the schema does not define: kept as sent (Entra sends configured custom mappings).
    const next = sanitizeJson(operation.value, ref.path, 1);
    if (next === null) deleteKey(holder!, name);
    else setKey(holder!, name, next);
    return;
  }
  if (def.multiValued) {
    const incoming = coerceValue(def, operation.value, ref.path, true) as unknown[] | null;
    checkWritable(ref, undefined, incoming);
    if (incoming === null) {
      if (op === "replace") deleteKey(holder!, def.name);
      return;
    }
    const current = op === "add" && Array.isArray(existing) ? [...existing] : [];
    // Values are matched by their `value` sub-attribute through an index, so adding 10,000 members stays linear.
    const index = new Map<string, number>();
    current.forEach((c, i) => {
      const k = valueKey(def, c);
      if (k !== undefined && !index.has(k)) index.set(k, i);
    });
    for (const item of incoming) {
      if (isPlainObject(item) && item.primary === true) clearPrimary(current);
      const k = valueKey(def, item);
      const same = k !== undefined ? (index.get(k) ?? -1) : current.findIndex((c) => valueKey(def, c) === undefined && deepEqual(c, item));
      if (same === -1) {
        current.push(item);
        if (k !== undefined) index.set(k, current.length - 1);
      } else if (isPlainObject(current[same]) && isPlainObject(item)) {
        current[same] = { ...(current[same] as object), ...item };
      }
    }
    setKey(holder!, def.name, current);
    pruneEmpty(holder!, def.name);
    return;
  }
  const next = coerceValue(def, operation.value, ref.path);
  checkWritable(ref, existing, next);
  if (next === null) {
    deleteKey(holder!, def.name);
  } else if (def.type === "complex" && isPlainObject(existing)) {
    // Complex single-valued: the given sub-attributes replace theirs, the others stay (RFC §3.5.2.3).
    const merged = { ...existing };
    for (const [k, v] of Object.entries(next as object)) setKey(merged, k, v);
    setKey(holder!, def.name, merged);
  } else {
    setKey(holder!, def.name, next);
  }
  if (ref.extension) pruneExtension(resource, ref);
  void rt;
}

function applyToFiltered(resource: ScimResource, op: PatchOpName, path: Extract<PatchPath, { kind: "filtered" }>, operation: PatchOperation): void {
  const { ref, filter, subAttr, subDef } = path;
  const def = ref.def;
  const holder = container(resource, ref, op !== "remove");
  const key = holder ? findKey(holder, ref.attr) : undefined;
  const existing = holder && key !== undefined ? holder[key] : undefined;
  const elements: unknown[] = Array.isArray(existing) ? [...existing] : existing === undefined || existing === null ? [] : [existing];
  const matches = elements.map((e) => isPlainObject(e) && matchesElement(e, filter));
  const subRef: AttrRef | undefined = subAttr !== undefined ? { ...ref, subAttr, ...(subDef ? { subDef } : {}), path: `${ref.path}.${subAttr}` } : undefined;

  if (op === "remove") {
    if (subRef) {
      checkWritable(subRef, undefined, undefined);
      elements.forEach((e, i) => matches[i] && isPlainObject(e) && deleteKey(e, subAttr!));
    } else {
      checkWritable(ref, undefined, undefined);
      if (def?.required) throw invalidValue(`${ref.path} is required`);
    }
    if (!holder || key === undefined) return;
    const kept = subRef ? elements : elements.filter((_, i) => !matches[i]);
    holder[key] = def?.multiValued === false && kept.length > 0 ? kept[0] : kept;
    pruneEmpty(holder, ref.attr);
    if (ref.extension) pruneExtension(resource, ref);
    return;
  }

  if (subRef) {
    const next = subDef ? coerceValue(subDef, operation.value, subRef.path) : sanitizeJson(operation.value, subRef.path, 1);
    let hit = false;
    elements.forEach((e, i) => {
      if (!matches[i] || !isPlainObject(e)) return;
      hit = true;
      const current = e[findKey(e, subAttr!) ?? subAttr!];
      checkWritable(subRef, current, next);
      if (next === null) deleteKey(e, subAttr!);
      else {
        if (subDef?.name === "primary" && next === true) clearPrimary(elements);
        setKey(e, subAttr!, next);
      }
    });
    if (!hit) {
      // emails[type eq "work"].value with no work email yet: create it from the filter's eq terms.
      const seed = seedFromFilter(filter);
      if (!seed || next === null) {
        if (op === "replace") throw noTarget(`No value of ${ref.path} matches the filter`);
        return;
      }
      checkWritable(subRef, undefined, next);
      setKey(seed, subAttr!, next);
      elements.push(def ? coerceValue({ ...def, multiValued: false }, seed, ref.path) : seed);
    }
  } else {
    if (!def) throw invalidPath(`${ref.path} is not a known multi-valued attribute`);
    const single = { ...def, multiValued: false };
    const next = coerceValue(single, operation.value, ref.path);
    if (!matches.some(Boolean)) {
      if (op === "replace") throw noTarget(`No value of ${ref.path} matches the filter`);
      if (next !== null) elements.push(next);
    } else {
      elements.forEach((e, i) => {
        if (!matches[i] || !isPlainObject(e)) return;
        checkWritable(ref, undefined, next);
        for (const sub of def.subAttributes ?? []) {
          if (sub.mutability === "immutable" && isPlainObject(next) && next[sub.name] !== undefined && e[sub.name] !== undefined && !deepEqual(e[sub.name], next[sub.name])) {
            throw mutability(`${ref.path}.${sub.name} is immutable`);
          }
        }
        if (next === null) elements[i] = undefined;
        else elements[i] = { ...e, ...(next as object) };
      });
    }
  }
  const result = elements.filter((e) => e !== undefined);
  setKey(holder!, def?.name ?? ref.attr, def?.multiValued === false ? result[0] : result);
  pruneEmpty(holder!, def?.name ?? ref.attr);
}

function declaredSchemas(resource: ScimResource): string[] {
  return Array.isArray(resource.schemas) ? resource.schemas.filter((s): s is string => typeof s === "string") : [];
}

/** The element a filter of `eq` terms joined by `and` describes (`type eq "work"` → {type:"work"}). */
function seedFromFilter(filter: FilterNode): Record<string, unknown> | undefined {
  const terms = filter.op === "and" ? filter.filters : [filter];
  const seed: Record<string, unknown> = {};
  for (const term of terms) {
    if (term.op !== "eq" || term.attr.subAttr === undefined || term.value === null) return undefined;
    seed[term.attr.subAttr] = term.value;
  }
  return seed;
}

/**
 * The identity of a value of a multi-valued attribute: its `value` sub-attribute (case-folded unless
 * caseExact) for complex attributes that have one, the value itself for simple ones; undefined when
 * there is none (then whole values are compared).
 */
function valueKey(def: AttributeDef, element: unknown): string | undefined {
  if (def.type !== "complex") return element === undefined ? undefined : JSON.stringify(element);
  if (!isPlainObject(element)) return undefined;
  const valueDef = findAttribute(def.subAttributes, "value");
  if (!valueDef) return undefined;
  const key = findKey(element, "value");
  const v = key !== undefined ? element[key] : undefined;
  if (v === undefined || v === null) return undefined;
  return typeof v === "string" && !valueDef.caseExact ? `s:${v.toLowerCase()}` : `j:${JSON.stringify(v)}`;
}

/** RFC 7644 §3.5.2: a new primary value clears `primary` on the others. */
function clearPrimary(elements: unknown[]): void {
  for (const e of elements) if (isPlainObject(e) && e.primary === true) e.primary = false;
}

/** An empty array or object left behind is the attribute unassigned (RFC 7644 §3.5.2.2). */
function pruneEmpty(holder: Record<string, unknown>, name: string): void {
  const key = findKey(holder, name);
  if (key === undefined) return;
  const v = holder[key];
  if ((Array.isArray(v) && v.length === 0) || (isPlainObject(v) && Object.keys(v).length === 0)) delete holder[key];
}

function pruneExtension(resource: ScimResource, ref: AttrRef): void {
  if (ref.extension) pruneEmpty(resource, ref.schema);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ak = Object.keys(a as object);
  const bo = b as Record<string, unknown>;
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && deepEqual((a as Record<string, unknown>)[k], bo[k]));
}
