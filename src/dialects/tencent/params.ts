/**
 * Turns a Tencent request's parameters into the typed object the SDK would have sent,
 * validated against the schema generated from the SDK's own request types.
 * GET and form requests arrive flattened (`Tags.0.TagKey=…`) with every value a string;
 * JSON bodies arrive nested. Both end up in one shape, checked by one validator.
 */
import { hasControlCharacters, isWellFormedText, MAX_LIST_ITEMS, MAX_TEXT_LENGTH } from "../../core/text.js";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { CoreError } from "../../core/errors.js";
import { compiledPerAction } from "../../lib/per-action.js";
import schemas from "./generated/request-schemas.json" with { type: "json" };

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  $ref?: string;
  definitions?: Record<string, Schema>;
};

interface Product {
  version: string;
  actions: Record<string, Schema>;
}

const PRODUCTS = schemas.products as Record<string, Product>;

export interface ActionSpec {
  product: string;
  action: string;
  schema: Schema;
  validate: ValidateFunction;
}

const ajv = new Ajv({ allErrors: false, strict: false });

/** API version → product, the first product listed for a version (as a search of PRODUCTS would find). */
const BY_VERSION = new Map<string, string>();
for (const [product, { version }] of Object.entries(PRODUCTS)) if (!BY_VERSION.has(version)) BY_VERSION.set(version, product);

/** Products served under an API version, e.g. "2021-03-31" → organization. */
export function productForVersion(version: string): string | undefined {
  return BY_VERSION.get(version);
}

/** The SDK's request schema for an action, or undefined when the SDK has no such action. */
export const actionSpec: (product: string, action: string) => ActionSpec | undefined = compiledPerAction(
  { products: PRODUCTS },
  (schema, product, action) => ({ product, action, schema, validate: ajv.compile(schema) }),
);

/**
 * Nests flattened keys: `A.0.B=x` → {A: [{B: "x"}]}. Positions run from 0 and stay below
 * MAX_LIST_ITEMS (a position of 4294967294 would otherwise make a four-billion-slot array to walk).
 * Objects are built without a prototype, so a key such as `__proto__.x` names a parameter
 * `__proto__` (unknown, like any other) instead of reaching Object.prototype.
 */
export function unflatten(flat: Record<string, string>): Record<string, unknown> {
  const root: Record<string, unknown> = Object.create(null);
  for (const [key, value] of Object.entries(flat)) {
    const path = key.split(".");
    let node: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      const last = i === path.length - 1;
      const nextIsIndex = !last && /^\d+$/.test(path[i + 1]!);
      if (Array.isArray(node) && !/^\d+$/.test(seg)) {
        throw new CoreError("request.invalid_type", `parameter \`${key}\` mixes list and object forms`, key);
      }
      if (Array.isArray(node) && Number(seg) >= MAX_LIST_ITEMS) {
        throw new CoreError("request.invalid_value", `parameter \`${key}\`: list positions are 0 to ${MAX_LIST_ITEMS - 1}`, key);
      }
      const slot = Array.isArray(node) ? Number(seg) : seg;
      const container = node as Record<string | number, unknown>;
      const held = container[slot];
      // `A=x` with `A.0=y` (or `A.B=y`): one name as a value and as a list or object is ambiguous.
      if (held !== undefined && (last || typeof held !== "object")) {
        throw new CoreError("request.invalid_type", `parameter \`${path.slice(0, i + 1).join(".")}\` is given both as a value and as a list or object`, key);
      }
      if (last) {
        container[slot] = value;
      } else {
        if (held === undefined) container[slot] = nextIsIndex ? [] : Object.create(null);
        node = container[slot] as Record<string, unknown> | unknown[];
      }
    }
  }
  return compactArrays(root) as Record<string, unknown>;
}

/** Drops the holes of sparse lists; objects come back as plain objects whose every key is their own. */
function compactArrays(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== undefined).map(compactArrays);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, compactArrays(x)]));
  return v;
}

function resolve(schema: Schema, root: Schema): Schema {
  if (schema.$ref) {
    const name = schema.$ref.replace("#/definitions/", "");
    return root.definitions?.[name] ?? {};
  }
  return schema;
}

const allows = (s: Schema, type: string) => (Array.isArray(s.type) ? s.type.includes(type) : s.type === type);

/**
 * Numeric and boolean strings become numbers and booleans where the schema wants them,
 * as GET and form requests (and Tencent's own examples) require. Nothing else is coerced.
 * A list or object with nothing to coerce comes back as it is (most JSON bodies).
 */
export function coerce(value: unknown, schema: Schema, root: Schema): unknown {
  const s = resolve(schema, root);
  if (typeof value === "string") {
    if ((allows(s, "number") || allows(s, "integer")) && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
    if (allows(s, "boolean") && (value === "true" || value === "false")) return value === "true";
    return value;
  }
  if (Array.isArray(value) && s.items) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const c = coerce(value[i], s.items, root);
      if (c !== value[i]) (out ??= value.slice())[i] = c;
    }
    return out ?? value;
  }
  if (value && typeof value === "object" && !Array.isArray(value) && s.properties) {
    const props = s.properties;
    const record = value as Record<string, unknown>;
    let out: [string, unknown][] | undefined;
    const keys = Object.keys(record);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (!Object.hasOwn(props, k)) continue;
      const c = coerce(record[k], props[k]!, root);
      if (c !== record[k]) (out ??= keys.map((key) => [key, record[key]]))[i] = [k, c];
    }
    // fromEntries defines own properties: a `__proto__` key stays a key (and is refused as unknown)
    // instead of replacing the object's prototype and smuggling its fields past the checks below.
    return out ? Object.fromEntries(out) : value;
  }
  return value;
}

/** Validates params for an action; throws a CoreError naming the field on the first problem. */
export function checkParams<T>(spec: ActionSpec, params: Record<string, unknown>): T {
  const value = coerce(params, spec.schema, spec.schema) as Record<string, unknown>;
  if (!spec.validate(value)) throw toCoreError(spec.validate.errors?.[0]);
  checkValues(value, "");
  return value as T;
}

/**
 * What a JSON schema of SDK types cannot say, for every value at any depth (path `A.0.B`):
 * - text carries no control characters and no lone surrogates, and is at most MAX_TEXT_LENGTH
 *   characters (the core's text rules, core/text.ts; a field's own, shorter limit is the core's too);
 * - numbers are at most 2^53 - 1 in size: no UIN, id, count or offset is larger, JSON cannot carry a
 *   larger integer exactly, and one would reach SQL as a value no integer column holds. (A fraction is
 *   a bad value of its field, with the field's own code: the core checks each field's range.)
 * - lists have at most MAX_LIST_ITEMS items.
 */
function checkValues(value: unknown, path: string): void {
  const at = path || "(body)";
  if (typeof value === "string") {
    if (hasControlCharacters(value)) throw new CoreError("request.invalid_value", `The value of parameter \`${at}\` contains control characters.`, at);
    if (!isWellFormedText(value)) throw new CoreError("request.invalid_value", `The value of parameter \`${at}\` is not well-formed Unicode (a lone surrogate).`, at);
    if (value.length > MAX_TEXT_LENGTH && [...value].length > MAX_TEXT_LENGTH) {
      throw new CoreError("request.invalid_value", `The value of parameter \`${at}\` is longer than ${MAX_TEXT_LENGTH} characters.`, at);
    }
  } else if (typeof value === "number") {
    if (Math.abs(value) > Number.MAX_SAFE_INTEGER) throw new CoreError("request.invalid_value", `The value of parameter \`${at}\` is out of range.`, at);
  } else if (Array.isArray(value)) {
    if (value.length > MAX_LIST_ITEMS) throw new CoreError("request.invalid_value", `Parameter \`${at}\` has more than ${MAX_LIST_ITEMS} items.`, at);
    value.forEach((v, i) => checkValues(v, `${path}.${i}`));
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) checkValues(v, path ? `${path}.${k}` : k);
  }
}

const TYPE_NAMES: Record<string, string> = { string: "String", number: "Integer", integer: "Integer", boolean: "Boolean", array: "Array", object: "Object" };

function toCoreError(e: ErrorObject | undefined): CoreError {
  if (!e) return new CoreError("request.invalid_value", "the request parameters are invalid");
  const at = e.instancePath.split("/").filter(Boolean).join(".");
  const join = (name: string) => (at ? `${at}.${name}` : name);
  switch (e.keyword) {
    case "required": {
      const f = join((e.params as { missingProperty: string }).missingProperty);
      return new CoreError("request.missing_parameter", `The request is missing a required parameter \`${f}\`.`, f);
    }
    case "additionalProperties": {
      const f = join((e.params as { additionalProperty: string }).additionalProperty);
      return new CoreError("request.unknown_parameter", `The parameter \`${f}\` is not recognized.`, f);
    }
    case "type": {
      const want = String((e.params as { type: string | string[] }).type).split(",")[0]!;
      const f = at || "(body)";
      return new CoreError("request.invalid_type", `The value type of parameter \`${f}\` is incorrect: expected ${TYPE_NAMES[want] ?? want}.`, f);
    }
    default:
      return new CoreError("request.invalid_value", `The value of parameter \`${at}\` is invalid: ${e.message ?? ""}.`, at);
  }
}
