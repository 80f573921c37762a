/**
 * Parameters of an Alibaba RPC request (spec §1.2): the query and, for form bodies, the body, decoded
 * and merged into one flat map; lists arrive repeat-flattened (`Tag.1.Key`, `UserName.2`).
 * `decodeParams` checks and decodes them by the action's generated request schema and the door's
 * rules (schemas.ts). Unknown parameters are ignored, as the real gateway does (§1.2 rule 5).
 */
import { CoreError } from "../../core/errors.js";
import { hasControlCharacters, isWellFormedText, MAX_LIST_ITEMS, MAX_TEXT_LENGTH } from "../../core/text.js";
import type { Handler } from "./action.js";
import { type ParamSpec, requestSpec, type Schema } from "./schemas.js";

export function isForm(contentType: string | undefined): boolean {
  return (contentType ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded");
}

/**
 * The request's parameters: `query`, the query string's (what a V3 signature covers), and `merged`, the
 * query plus, when the body is a form, the body's, decoded (`+` is a space, UTF-8 percent-escapes).
 * Without form parameters the two are one object. No real client sends a name twice; one given twice
 * with different values (in the query, the body, or both) is ambiguous and refused, whichever value a
 * signature covered.
 */
export function requestParams(rawQuery: string, body: Buffer, contentType: string | undefined): { query: Record<string, string>; merged: Record<string, string> } {
  // No prototype: a parameter named __proto__ is a parameter like any other.
  const query = addParams(Object.create(null) as Record<string, string>, rawQuery);
  if (body.length === 0 || !isForm(contentType)) return { query, merged: query };
  return { query, merged: addParams(Object.assign(Object.create(null) as Record<string, string>, query), body.toString("utf8")) };
}

function addParams(out: Record<string, string>, encoded: string): Record<string, string> {
  if (encoded === "") return out;
  for (const [name, value] of new URLSearchParams(encoded)) {
    if (Object.hasOwn(out, name) && out[name] !== value) {
      throw new CoreError("request.invalid_value", `${name} is given more than once, with different values.`, name);
    }
    out[name] = value;
  }
  return out;
}

/** Highest list position accepted (`X.1000`); it bounds the work a hostile request can ask for. */
const MAX_LIST_INDEX = MAX_LIST_ITEMS;
/** Characters in a value whose parameter declares no length of its own: well above every documented limit. */
const DEFAULT_MAX_LENGTH = MAX_TEXT_LENGTH;

type Tree = { leaf?: string; children: Map<string, Tree> };

/**
 * Nests the flattened keys under `name`: `name.1=a&name.2=b` → ["a","b"], `name.1.Key=k` → [{Key:"k"}],
 * `name.Key=k` → {Key:"k"}, deeper levels likewise (`A.1.B.2`). Positions are 1-based and kept in
 * numeric order. Undefined when no key is under `name`.
 */
function unflatten(name: string, flat: Record<string, string>): unknown {
  const root: Tree = { children: new Map() };
  let found = false;
  for (const [key, value] of Object.entries(flat)) {
    if (!key.startsWith(name + ".")) continue;
    found = true;
    let node = root;
    for (const seg of key.slice(name.length + 1).split(".")) {
      let next = node.children.get(seg);
      if (!next) node.children.set(seg, (next = { children: new Map() }));
      node = next;
    }
    node.leaf = value;
  }
  return found ? toValue(name, root) : undefined;
}

/** Errors name the declared parameter (`Tag`), the message the exact position. */
const paramOf = (path: string) => path.split(".")[0]!;

/** Positions are written as clients write them (`1`, not `01`) and run from 1 without a gap, as the clients number them. */
function toList(path: string, node: Tree): unknown[] {
  const items: [number, unknown][] = [];
  for (const [seg, child] of node.children) {
    if (!/^[1-9]\d*$/.test(seg) || Number(seg) > MAX_LIST_INDEX) {
      throw new CoreError("request.invalid_value", `${path}.${seg}: list positions are 1 to ${MAX_LIST_INDEX}.`, paramOf(path));
    }
    items.push([Number(seg), toValue(`${path}.${seg}`, child)]);
  }
  items.sort((a, b) => a[0] - b[0]);
  const gap = items.findIndex(([pos], i) => pos !== i + 1);
  if (gap >= 0) throw new CoreError("request.invalid_value", `${path}.${gap + 1} is missing: list positions run from 1 without gaps.`, paramOf(path));
  return items.map(([, v]) => v);
}

function toValue(path: string, node: Tree): unknown {
  if (node.children.size === 0) return checkText(paramOf(path), node.leaf ?? "", DEFAULT_MAX_LENGTH);
  if (node.leaf !== undefined) throw new CoreError("request.invalid_value", `${path} is given both as a value and as a list or object.`, paramOf(path));
  if ([...node.children.keys()].every((k) => /^\d+$/.test(k))) return toList(path, node);
  // No prototype: an item field named __proto__ is a field like any other.
  const obj = Object.create(null) as Record<string, unknown>;
  for (const [seg, child] of node.children) obj[seg] = toValue(`${path}.${seg}`, child);
  return obj;
}

const invalid = (name: string, message: string) => new CoreError("request.invalid_value", message, name);

/** Every text value: at most `maxLength` characters, and no control characters (core/text.ts). */
function checkText(name: string, text: string, maxLength: number): string {
  if ([...text].length > maxLength) throw invalid(name, `The length of ${name} exceeds ${maxLength} characters.`);
  if (hasControlCharacters(text)) throw invalid(name, `${name} contains a control character.`);
  if (!isWellFormedText(text)) throw invalid(name, `${name} is not well-formed Unicode text.`);
  return text;
}

/** The strings inside a decoded JSON value, checked as text. */
function checkJsonText(name: string, value: unknown): void {
  if (typeof value === "string") checkText(name, value, DEFAULT_MAX_LENGTH);
  else if (value !== null && typeof value === "object") for (const v of Object.values(value)) checkJsonText(name, v);
}

/** RPC numbers are integers: every numeric parameter of these products is an Integer or Long in the API reference (Tea models say `number`). */
function toInteger(name: string, raw: string, p?: ParamSpec): number {
  if (!/^-?\d{1,15}$/.test(raw.trim())) throw invalid(name, `The value of ${name} must be an integer.`);
  const n = Number(raw.trim());
  const { min, max } = p?.rule ?? {};
  if ((min !== undefined && n < min) || (max !== undefined && n > max)) {
    throw invalid(name, `The value of ${name} must be ${min !== undefined && max !== undefined ? `from ${min} to ${max}` : min !== undefined ? `at least ${min}` : `at most ${max}`}.`);
  }
  return n;
}

/** Booleans in any case, as the clients write them (`true`, `True`). */
function toBoolean(name: string, raw: string): boolean {
  const b = raw.trim().toLowerCase();
  if (b !== "true" && b !== "false") throw invalid(name, `The value of ${name} must be true or false.`);
  return b === "true";
}

function decodeValue(p: ParamSpec, raw: string): unknown {
  const { name, rule } = p;
  switch (p.schema.type) {
    case "number":
      return toInteger(name, raw, p);
    case "boolean":
      return toBoolean(name, raw);
    default:
      checkText(name, raw, rule.maxLength ?? DEFAULT_MAX_LENGTH);
      if (rule.enum && !rule.enum.some((v) => v.toLowerCase() === raw.toLowerCase())) {
        throw invalid(name, `The value of ${name} must be one of ${rule.enum.join(", ")}.`);
      }
      return raw;
  }
}

/** The strings of a flattened list or object as the types its schema declares inside (numbers, booleans); anything else as it is, for the structure check to judge. */
function coerceLeaves(name: string, value: unknown, schema: Schema): unknown {
  if (typeof value === "string") return schema.type === "number" ? toInteger(name, value) : schema.type === "boolean" ? toBoolean(name, value) : value;
  if (Array.isArray(value)) return schema.items ? value.map((v) => coerceLeaves(name, v, schema.items!)) : value;
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      const field = schema.properties?.[k] ?? (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
      if (field) obj[k] = coerceLeaves(name, obj[k], field);
    }
  }
  return value;
}

/** A JSON text: a "shrink" parameter, or a list or object some hand-written clients send as one JSON value. */
function decodeJson(p: ParamSpec, raw: string): unknown {
  const { name } = p;
  checkText(name, raw, DEFAULT_MAX_LENGTH);
  const notJson = p.wire === "json" ? `The value of ${name} is not valid JSON.` : p.schema.type === "array" ? `${name} must be a list (${name}.1, ${name}.2, …).` : `${name} must be an object (${name}.Field, …).`;
  let v: unknown;
  try {
    v = JSON.parse(raw) as unknown;
  } catch {
    throw invalid(name, notJson);
  }
  checkJsonText(name, v);
  return v;
}

function decodeOne(p: ParamSpec, flat: Record<string, string>): unknown {
  const raw = flat[p.name];
  if (p.wire === "value") {
    // An empty string is "not given", except for free text, where it may clear a field.
    const freeText = p.schema.type === "string" && !p.required && p.rule.enum === undefined;
    return raw === undefined || (raw === "" && !freeText) ? undefined : decodeValue(p, raw);
  }
  let value = p.wire === "flat" ? unflatten(p.name, flat) : undefined;
  if (value === undefined) value = raw === undefined || raw === "" ? undefined : decodeJson(p, raw);
  else value = coerceLeaves(p.name, value, p.schema);
  // An empty list is no list; a "shrink" value is taken as sent.
  if (value === undefined || (p.wire === "flat" && Array.isArray(value) && value.length === 0)) return undefined;
  if (!p.check!(value)) {
    // ajv's path counts list positions from 0; the wire counts them from 1.
    const where = (p.check!.errors?.[0]?.instancePath ?? "").split("/").slice(1).map((seg) => (/^\d+$/.test(seg) ? `.${Number(seg) + 1}` : `.${seg}`)).join("");
    throw invalid(p.name, `${p.name}${where} is not what ${p.name} takes: ${describe(p.schema)}.`);
  }
  return value;
}

/** A schema in a few words, for a message: `a list of {Key, Value}`. */
function describe(s: Schema): string {
  if (s.type === "array") return `a list of ${s.items ? describe(s.items) : "values"}`;
  if (s.type === "object") return s.properties ? `{${Object.keys(s.properties).join(", ")}}` : "an object";
  return s.type === "number" ? "an integer" : (s.type ?? "a value");
}

/**
 * The handler's parameters from the flat wire parameters, by its action's generated request schema:
 * a required one missing or empty → `Missing{Param}`; a value that is not what the schema or the
 * door's rules take → `InvalidParameter.{Param}`; unknown ones ignored. Numbers and booleans are
 * coerced from their strings, lists and objects un-flattened (or read from one JSON text), "shrink"
 * parameters JSON-decoded; every text at any depth is checked (core/text.ts).
 */
export function decodeParams<P = Record<string, unknown>>(handler: Pick<Handler, "product" | "action">, flat: Record<string, string>): P {
  const spec = requestSpec(handler.product, handler.action);
  if (!spec) throw new Error(`${handler.product} ${handler.action} is no action of the vendor's SDK`);
  const out: Record<string, unknown> = {};
  for (const p of spec.params) {
    const value = decodeOne(p, flat);
    if (value === undefined) {
      if (p.required) throw new CoreError("request.missing_parameter", `${p.name} is mandatory for this action.`, p.name);
      continue;
    }
    out[p.name] = value;
  }
  return out as P;
}
